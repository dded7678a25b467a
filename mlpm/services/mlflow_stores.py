"""MLflow tracking stores for `runs sync` and `runs show`: found under a path, read when they
changed, and a run's history read back from its store.

A SQLite store (`mlflow.db`) is one `run_file` row (its size and mtime, the `-wal` file's
included): unchanged, it is not opened at all. Its runs are stored as `<db>#<run uuid>`, each
with a fingerprint of what was read, so a changed store rewrites only the runs that changed.
A file store (`mlruns/`) is one `run_file` row per run folder (the size and latest mtime of
its files). MLflow is never imported: the readers are `mlpm.integrations.mlflow_*`.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlpm.errors import MlpmError
from mlpm.integrations import mlflow_files, mlflow_sqlite
from mlpm.integrations.mlflow_run import ID_PREFIX, SOURCE, MlflowStoreError
from mlpm.services.runs import Run, db_path, display_path, fs_path
from mlpm.services.trackers import TRACKERS

if TYPE_CHECKING:
    from mlpm.integrations.wandb_run import RunInfo
    from mlpm.store import Store

DB_NAME = "mlflow.db"
FILES_NAME = "mlruns"


@dataclass(frozen=True, slots=True)
class StoreRef:
    """One MLflow store: `sqlite` (a database file) or `files` (an mlruns folder)."""

    kind: str
    path: Path


def is_file_store(folder: Path) -> bool:
    return folder.name == FILES_NAME or (folder / "0" / "meta.yaml").is_file()


def find(root: Path) -> tuple[list[StoreRef], bool]:
    """The MLflow stores at `root`, and whether `root` is itself one (then it holds no W&B
    runs to look for). A file is a SQLite store when it is named `mlflow.db` or starts like
    an SQLite database; a folder is a file store (`mlruns/`) or may hold either."""
    if root.is_file():
        if root.suffix == ".wandb":
            return [], False
        if root.name == DB_NAME or mlflow_sqlite.is_sqlite(root):
            return [StoreRef("sqlite", root)], True
        return [], False
    if is_file_store(root):
        return [StoreRef("files", root)], True
    found = []
    if (root / DB_NAME).is_file():
        found.append(StoreRef("sqlite", root / DB_NAME))
    if (root / FILES_NAME).is_dir():
        found.append(StoreRef("files", root / FILES_NAME))
    return found, False


def default_roots(repo: Path, trackers: tuple[str, ...] = TRACKERS) -> list[Path]:
    """What a sync with no PATH reads in a repository: `wandb/`, `mlflow.db` and `mlruns/`,
    those of the project's trackers. `wandb/` is given even when missing if nothing else is
    there, so that the sync says what it looked for."""
    roots = []
    if "mlflow" in trackers:
        roots = [p for p in (repo / DB_NAME, repo / FILES_NAME) if p.exists()]
    wandb = repo / "wandb"
    if "wandb" in trackers and (wandb.exists() or not roots):
        roots.insert(0, wandb)
    return roots


@dataclass(slots=True)
class Batch:
    """What one sync read from MLflow stores: changed runs, run_file rows and counts."""

    runs: list[RunInfo] = field(default_factory=list)
    file_rows: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # run_file columns
    unchanged: int = 0
    stores: int = 0
    warnings: list[str] = field(default_factory=list)


def fingerprint(info: RunInfo) -> int:
    """A stable 63-bit digest of everything read about a run."""
    data = json.dumps(asdict(info), sort_keys=True, default=str).encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big") >> 1


def _stat_store(path: Path) -> tuple[int, int]:
    """(size, mtime) of a SQLite store and its write-ahead log, if any."""
    stat = os.stat(path)
    size, mtime = stat.st_size, stat.st_mtime_ns
    try:
        wal = os.stat(f"{path}-wal")
        size, mtime = size + wal.st_size, max(mtime, wal.st_mtime_ns)
    except OSError:
        pass
    return size, mtime


class _Collector:
    def __init__(self, store: Store, full: bool, now: str) -> None:
        self.full, self.now, self.batch = full, now, Batch()
        self.known = {
            row["path"]: row
            for row in store.query("SELECT path, size, mtime_ns, run_id FROM run_file")
        }
        self.stored = {
            row["id"] for row in store.query("SELECT id FROM run WHERE source = ?", (SOURCE,))
        }

    def _same(self, key: str, size: int, mtime: int) -> bool:
        seen = self.known.get(key)
        return (
            not self.full
            and seen is not None
            and seen["size"] == size
            and seen["mtime_ns"] == mtime
            and (seen["run_id"] is None or seen["run_id"] in self.stored)
        )

    def _row(
        self, key: str, size: int, mtime: int, info: RunInfo | None, problem: str | None
    ) -> None:
        run_id, state = (info.run_id, info.state) if info else (None, None)
        self.batch.file_rows[key] = (key, size, mtime, run_id, state, problem, self.now)

    def _keep(self, info: RunInfo) -> None:
        if info.problems:
            where = display_path(info.path or "")
            self.batch.warnings.append(f"{where}: {'; '.join(info.problems)}")
        self.batch.runs.append(info)

    def sqlite(self, path: Path) -> None:
        key = db_path(path)
        size, mtime = _stat_store(path)
        if self._same(key, size, mtime):
            prefix = key + "#"
            self.batch.unchanged += sum(
                1 for k, row in self.known.items() if k.startswith(prefix) and row["run_id"]
            )
            return
        try:
            infos = mlflow_sqlite.read_runs(path, key)
        except MlflowStoreError as exc:  # not remembered: a lock is gone at the next sync
            self.batch.warnings.append(f"{display_path(key)}: {exc}")
            return
        for info in infos:
            digest = fingerprint(info)
            if self._same(info.path or "", 0, digest):
                self.batch.unchanged += 1
                continue
            self._row(info.path or "", 0, digest, info, "; ".join(info.problems) or None)
            self._keep(info)
        self._row(key, size, mtime, None, None)

    def files(self, root: Path) -> None:
        try:
            experiments = mlflow_files.experiments(root)
        except MlflowStoreError as exc:
            self.batch.warnings.append(f"{display_path(db_path(root))}: {exc}")
            return
        stale: list[Path] = []
        prints: dict[str, tuple[int, int]] = {}
        for run_dir in mlflow_files.run_dirs(root, list(experiments)):
            key = db_path(run_dir)
            try:
                prints[key] = mlflow_files.fingerprint(run_dir)
            except OSError as exc:
                self.batch.warnings.append(f"{display_path(key)}: cannot read: {exc.strerror}")
                continue
            if self._same(key, *prints[key]):
                self.batch.unchanged += 1
            else:
                stale.append(run_dir)
        keys = [db_path(d) for d in stale]
        for info in mlflow_files.read_runs(root, stale, keys):
            key = info.path or ""
            self._row(key, *prints[key], info, "; ".join(info.problems) or None)
            self._keep(info)


def collect(store: Store, stores: list[StoreRef], *, full: bool, now: str) -> Batch:
    """Read the runs that changed in `stores` since the last sync (every run with `full`)."""
    collector = _Collector(store, full, now)
    for ref in dict.fromkeys(stores):  # each store once, however it was reached
        collector.batch.stores += 1
        if ref.kind == "sqlite":
            collector.sqlite(ref.path)
        else:
            collector.files(ref.path)
    return collector.batch


def is_mlflow(run: Run) -> bool:
    return run.source == SOURCE and run.id.startswith(ID_PREFIX)


def history_points(run: Run, keys: list[str]) -> dict[str, list[tuple[int, float, int]]]:
    """Metric -> [(step, value, timestamp ms)] of an MLflow run, read from its store."""
    uuid = run.id[len(ID_PREFIX) :]
    path = run.path or ""
    sqlite = path.endswith("#" + uuid)
    where = fs_path(path[: -len(uuid) - 1] if sqlite else path)
    if not where.exists():
        raise MlpmError(f"the store of run {run.id} is gone: {display_path(db_path(where))}")
    try:
        if sqlite:
            return mlflow_sqlite.read_history(where, uuid, keys)
        return mlflow_files.read_history(where, keys)
    except (MlflowStoreError, OSError) as exc:
        raise MlpmError(f"cannot read the history of run {run.id}: {exc}") from None


def history(run: Run, keys: list[str]) -> dict[str, list[tuple[int, float]]]:
    """Metric -> [(step, value)] of an MLflow run, for the `keys` it logged."""
    return {k: [(s, v) for s, v, _ in p] for k, p in history_points(run, keys).items()}
