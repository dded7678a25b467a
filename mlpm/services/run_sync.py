"""Import tracker runs: local W&B directories (`.wandb` files), MLflow stores
(`mlflow_stores`); the W&B API is `run_sync_remote`.

Runs land in the `run` table; each local file's size and mtime go to `run_file`, so an
unchanged file is skipped at the next sync. Querying imported runs is `mlpm.services.runs`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlpm import clock
from mlpm.errors import NotFound, UsageError
from mlpm.services import run_projects, run_segments
from mlpm.services.run_segments import DUPLICATE, SEGMENT
from mlpm.services.runs import REMOTE_PREFIX, db_path, display_path, fs_path

if TYPE_CHECKING:
    from mlpm.integrations.wandb_run import RunInfo
    from mlpm.store import Store, Tx

RUN_COLUMNS = (
    *("id", "source", "project_id", "entity", "wandb_project", "name", "group_name"),
    *("job_type", "tags", "notes", "state", "exit_code", "start_time", "runtime", "config"),
    *("summary", "commit_sha", "git_remote", "host", "program", "args", "wandb_version"),
    *("path", "imported_at", "updated_at"),
)  # the order of `run_row`
# A re-import refreshes everything but the first import's time; a run keeps its project
# when the new import knows none.
_RUN_UPDATE = [c for c in RUN_COLUMNS if c not in ("id", "imported_at", "project_id")]
_FILE_COLUMNS = ("path", "size", "mtime_ns", "run_id", "state", "problem", "synced_at")


def upsert_runs(tx: Tx, rows: Sequence[tuple[Any, ...]]) -> None:
    tx.upsert_many(
        "run", RUN_COLUMNS, rows, key=("id",), update=_RUN_UPDATE, coalesce=("project_id",)
    )


@dataclass(slots=True)
class SyncReport:
    """What one `runs sync` did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0  # files ignored: another file holds a better copy of their run
    files: int = 0
    warnings: list[str] = field(default_factory=list)
    filed: dict[str, int] = field(default_factory=dict)  # project slug -> runs, when mixed

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def run_row(info: RunInfo, project_id: int | None, now: str) -> tuple[Any, ...]:
    return (
        info.run_id,
        info.source,
        project_id,
        info.entity,
        info.project,
        info.name,
        info.group,
        info.job_type,
        json.dumps(info.tags),
        info.notes,
        info.state,
        info.exit_code,
        info.start_time,
        info.runtime,
        json.dumps(info.config, default=str),
        json.dumps(info.summary, default=str),
        info.commit,
        info.remote,
        info.host,
        info.program,
        json.dumps(info.args),
        info.wandb_version,
        info.path,
        now,
        now,
    )


def default_paths(store: Store) -> list[Path]:
    """Every `wandb/` folder in the current project's repository (at its top or up to two
    folders down, hidden folders skipped) and `$WANDB_DIR`'s, and its `mlflow.db` and
    `mlruns/`: those of the trackers its `trackers` setting names."""
    from mlpm.services import mlflow_stores, projects, trackers

    project = projects.current(store)
    if not project.repo_path:
        raise UsageError(
            f"project {project.slug!r} has no repository path: give the W&B directory, "
            "e.g. `mlpm runs sync path/to/wandb`"
        )
    repo = Path(project.repo_path)
    found = [
        path
        for pattern in ("wandb", "*/wandb", "*/*/wandb")
        for path in sorted(repo.glob(pattern))
        if path.is_dir() and not any(p.startswith(".") for p in path.relative_to(repo).parts)
    ]
    if env := os.environ.get("WANDB_DIR"):
        chosen = Path(env) / "wandb" if (Path(env) / "wandb").is_dir() else Path(env)
        if chosen.is_dir():
            found.append(chosen)
    used = trackers.trackers(project)
    mlflow = [p for p in mlflow_stores.default_roots(repo, used) if p.name != "wandb"]
    if "wandb" not in used:
        return mlflow or mlflow_stores.default_roots(repo, used)
    return (found or ([] if mlflow else [repo / "wandb"])) + mlflow


def _slug(store: Store, project_id: int | None) -> str | None:
    if project_id is None:
        return None
    return store.scalar("SELECT slug FROM project WHERE id = ?", (project_id,))


def current_project_id(store: Store) -> int | None:
    from mlpm.services import projects

    project = projects.current_or_none(store)
    return project.id if project else None


@dataclass(slots=True)
class _Copy:
    """One file's copy of a run, as good as its state, size and runtime say."""

    path: str  # as stored
    state: str | None
    size: int | None
    runtime: float | None

    def rank(self) -> tuple[bool, int, float]:
        """Finished beats running or crashed; then more records (a longer file), later end."""
        return (self.state == "finished", self.size or 0, self.runtime or 0.0)

    def describe(self) -> str:
        size = "size unknown" if self.size is None else f"{self.size:,} bytes"
        return f"{display_path(self.path)} ({self.state or 'unknown'}, {size})"


def _local_copy_exists(path: str | None) -> bool:
    if not path or path.startswith(REMOTE_PREFIX):
        return False
    try:
        return fs_path(path).is_file()
    except OSError:
        return False


def _file_row(
    key: str,
    stat: os.stat_result,
    run_id: str | None,
    state: str | None,
    problem: str | None,
    now: str,
) -> tuple[Any, ...]:
    return (key, stat.st_size, stat.st_mtime_ns, run_id, state, problem, now)


def _info_of(path: str, read: dict[str, RunInfo]) -> RunInfo | None:
    """What the file at stored `path` holds: read in this sync, or read now."""
    from mlpm.integrations import wandb_local

    if path in read:
        return read[path]
    try:
        return wandb_local.read_run(fs_path(path))
    except (OSError, wandb_local.WandbFileError):
        return None


def _files(roots: Sequence[Path], report: SyncReport, quiet: Sequence[Path] = ()) -> Iterator[Path]:
    """The run files under each root; a root without any (and not in `quiet`) adds a
    warning."""
    from mlpm.integrations import wandb_local

    given: set[Path] = set()
    for root in roots:
        found = False
        for file in wandb_local.find_run_files([root]):
            found = True
            if file not in given:  # overlapping roots: each file once
                given.add(file)
                yield file
        if not found and root not in quiet:
            report.warnings.append(
                f"no W&B run files (*.wandb) under {display_path(db_path(root))}"
            )


def sync_local(
    store: Store,
    paths: Sequence[Path | str] = (),
    *,
    project_id: int | None = None,
    full: bool = False,
) -> SyncReport:
    """Import runs from W&B directories (or `.wandb` files). Unchanged files are skipped.

    Every readable run is imported; each file with a problem adds one warning. All rows are
    written in one transaction, so an interruption leaves nothing half-written. Long files
    are read at their head and tail only; `full` reads every record of every file (and
    re-reads unchanged files), for a summary with keys last logged long before the end.

    A run id met in two files (a copied or truncated run folder) keeps the better copy
    (see `_Copy.rank`), with one warning naming both; the other file is remembered as a
    duplicate and skipped while unchanged.
    """
    from mlpm.integrations import wandb_local
    from mlpm.services import mlflow_stores, projects, trackers

    roots = [Path(p) for p in paths] or default_paths(store)
    for root in roots:
        if not root.exists():
            raise NotFound(f"no such file or directory: {display_path(db_path(root))}")
    # Absolute, symlink-free paths: history is read later from any directory, and
    # `wandb/latest-run` must not import a run a second time under another name.
    roots = [root.resolve() for root in roots]
    found = {root: mlflow_stores.find(root) for root in roots}
    # A folder is searched for the project's trackers only; a store or file named is read.
    used = trackers.trackers(projects.current_or_none(store))
    for root in roots:
        if root.is_dir() and not found[root][1] and "mlflow" not in used:
            found[root] = ([], False)
    mlflow = [ref for refs, _ in found.values() for ref in refs]
    roots = [  # an MLflow store holds no W&B run
        root
        for root in roots
        if not found[root][1] and ("wandb" in used or root.suffix == ".wandb")
    ]
    if project_id is None:
        project_id = current_project_id(store)
    known = {
        row["path"]: row
        for row in store.query("SELECT path, size, mtime_ns, run_id, state, problem FROM run_file")
    }
    stored = {
        row["id"]: row
        for row in store.query(
            "SELECT run.id, run.path, run.state, run.runtime, run_file.size FROM run"
            " LEFT JOIN run_file ON run_file.path = run.path"
        )
    }
    report = SyncReport()
    now = clock.stamp()
    infos: dict[str, RunInfo] = {}
    file_rows: dict[str, tuple[Any, ...]] = {}
    chosen: dict[str, _Copy] = {}  # run id -> the copy this sync keeps
    read: dict[str, RunInfo] = {}  # stored path -> what its file held
    segments: dict[str, set[str]] = {}  # run id -> files of a resumed run met in this sync
    resumed = {r["run_id"] for r in known.values() if (r["problem"] or "").startswith(SEGMENT)}
    for file in _files(roots, report, quiet=[root for root in roots if found[root][0]]):
        report.files += 1
        key = db_path(file)
        try:
            stat = os.stat(file)
        except OSError as exc:
            report.warnings.append(f"{display_path(key)}: cannot read: {exc.strerror}")
            continue
        seen = known.get(key)
        owner = stored.get(seen["run_id"]) if seen and seen["run_id"] else None
        if (
            seen is not None
            and seen["size"] == stat.st_size
            and seen["mtime_ns"] == stat.st_mtime_ns
            and seen["state"] != "running"
            and not full
            # the file still holds its run's row, or was set aside as a duplicate: a file
            # whose run row now points at another source is read again (and may win back)
            and (
                owner is None
                or owner["path"] == key
                or (seen["problem"] or "").startswith((DUPLICATE, SEGMENT))
            )
        ):
            report.unchanged += 1
            continue
        try:
            info = wandb_local.read_run(file, full=full)
        except wandb_local.WandbFileError as exc:
            report.warnings.append(f"{display_path(key)}: {exc}")
            file_rows[key] = _file_row(key, stat, None, None, str(exc), now)
            continue
        except Exception as exc:  # a reader bug must not stop the other files' import
            if os.environ.get("MLPM_DEBUG"):
                raise
            report.warnings.append(
                f"{display_path(key)}: skipped (internal error: {type(exc).__name__}: {exc})"
            )
            continue
        info.path = key
        read[key] = info
        copy = _Copy(key, info.state, stat.st_size, info.runtime)
        rival = chosen.get(info.run_id)
        row = stored.get(info.run_id)
        if rival is None and row and row["path"] != key and _local_copy_exists(row["path"]):
            rival = _Copy(row["path"], row["state"], row["size"], row["runtime"])
        if (
            info.run_id in segments
            or info.run_id in resumed
            or (rival is not None and run_segments.are_segments(info, _info_of(rival.path, read)))
        ):
            segments.setdefault(info.run_id, set()).add(key)
            segments[info.run_id].add(rival.path if rival else key)
            file_rows[key] = _file_row(key, stat, info.run_id, info.state, None, now)
            if info.problems:
                report.warnings.append(f"{display_path(key)}: {'; '.join(info.problems)}")
            continue
        if rival is not None and copy.rank() <= rival.rank():
            problem: str | None = f"{DUPLICATE}{info.run_id} in {rival.path}"
            if seen is None or seen["problem"] != problem:  # warn once, not at every sync
                report.warnings.append(
                    f"run {info.run_id} is in two files: kept {rival.describe()},"
                    f" ignored {copy.describe()}"
                )
            report.duplicates += 1
            file_rows[key] = _file_row(key, stat, info.run_id, info.state, problem, now)
            continue
        if rival is not None:
            report.warnings.append(
                f"run {info.run_id} is in two files: kept {copy.describe()},"
                f" ignored {rival.describe()}"
            )
            if rival.path in file_rows:  # read earlier in this sync: set it aside
                report.duplicates += 1
                file_rows[rival.path] = (
                    *file_rows[rival.path][:5],
                    f"{DUPLICATE}{info.run_id} in {key}",
                    now,
                )
        if info.problems:
            report.warnings.append(f"{display_path(key)}: {'; '.join(info.problems)}")
        chosen[info.run_id] = copy
        infos[info.run_id] = info
        problem = "; ".join(info.problems) or None
        file_rows[key] = _file_row(key, stat, info.run_id, info.state, problem, now)
    joined, rows, copies = run_segments.join_files(store, segments, read, now)
    infos.update(joined)
    file_rows.update(rows)
    report.duplicates += copies
    batch = mlflow_stores.collect(store, mlflow, full=full, now=now)
    report.files += batch.stores
    report.unchanged += batch.unchanged
    report.warnings += batch.warnings
    infos.update((info.run_id, info) for info in batch.runs)
    file_rows.update(batch.file_rows)
    owners, filed = run_projects.owners(store, list(infos.values()), project_id)
    if set(filed) - {_slug(store, project_id)}:
        report.filed = filed
    run_rows = {run_id: run_row(info, owners[run_id], now) for run_id, info in infos.items()}
    report.added = sum(run_id not in stored for run_id in run_rows)
    report.updated = len(run_rows) - report.added
    if file_rows:
        with store.write("runs sync", undoable=False) as tx:
            upsert_runs(tx, list(run_rows.values()))
            tx.upsert_many("run_file", _FILE_COLUMNS, list(file_rows.values()), key=("path",))
            tx.note(
                "run",
                "sync",
                {"added": report.added, "updated": report.updated, "files": report.files},
            )
    return report
