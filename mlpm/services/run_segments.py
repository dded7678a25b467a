"""A W&B run resumed offline: one run in several `offline-run-*-<id>` folders (segments).

`wandb.init(mode="offline", id=X, resume="allow")` run again writes a new folder with its own
`.wandb` file: the segments of one run, told apart from copies of one file by their start
times. `runs sync` joins them into one run (identity and config from the first, summary and
state from the latest, runtime summed) and marks the earlier files in `run_file.problem`, so
the history is read from every segment (`files_of`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlpm.integrations.wandb_run import RunInfo
    from mlpm.store import Store

SEGMENT = "segment of run "  # how run_file.problem marks an earlier segment's file
DUPLICATE = "duplicate of run "  # ... and a file ignored as a copy of another


def are_segments(a: RunInfo, b: RunInfo | None) -> bool:
    """Whether two files of one run id are segments of a resumed run (not copies)."""
    return bool(b and a.start_time and b.start_time and a.start_time != b.start_time)


def join(parts: Iterable[RunInfo]) -> RunInfo:
    """One run from its segments (any order): the latest segment's state, exit, summary
    (over the earlier ones' keys) and file; the first one's start; the runtimes summed."""
    ordered = sorted(parts, key=lambda info: info.start_time or "")
    first, latest = ordered[0], ordered[-1]
    config: dict[str, object] = {}
    summary: dict[str, object] = {}
    problems: list[str] = []
    for info in ordered:
        config.update(info.config)
        summary.update(info.summary)
        problems += [p for p in info.problems if p not in problems]
    runtimes = [info.runtime for info in ordered]
    return replace(
        latest,
        start_time=first.start_time,
        runtime=None if None in runtimes else sum(r or 0.0 for r in runtimes),
        config=config,
        summary=summary,
        name=latest.name or first.name,
        commit=latest.commit or first.commit,
        tags=latest.tags or first.tags,
        problems=problems,
    )


def files_of(store: Store, run_id: str, path: str) -> list[str]:
    """The files of a run's history, oldest segment first (`path`, the run's own file, last);
    just `path` for a run in one file."""
    rows = store.query(
        "SELECT path FROM run_file WHERE run_id = ? AND path != ? AND problem LIKE ?",
        (run_id, path, SEGMENT + "%"),
    )
    # folder names (`offline-run-YYYYMMDD_HHMMSS-<id>`) sort by start time
    earlier = sorted((row["path"] for row in rows), key=lambda p: PurePath(p).parent.name)
    return [*earlier, path]


def join_files(
    store: Store, found: dict[str, set[str]], read: dict[str, RunInfo], now: str
) -> tuple[dict[str, RunInfo], dict[str, tuple[Any, ...]], int]:
    """Join the segments met by a sync: run id -> the stored paths of its files seen in
    this sync (`read`: what they held). The run's other files known from earlier syncs are
    read again. Returns the joined runs, their `run_file` rows, and how many files were
    copies of a segment (same start: the larger or finished one kept)."""
    import os

    from mlpm.integrations import wandb_local
    from mlpm.services.runs import fs_path

    joined: dict[str, RunInfo] = {}
    rows: dict[str, tuple[Any, ...]] = {}
    copies = 0
    for run_id, paths in found.items():
        known = store.query(
            "SELECT path FROM run_file WHERE run_id = ? AND (problem IS NULL"
            " OR problem NOT LIKE ?)",
            (run_id, DUPLICATE + "%"),
        )
        sizes: dict[str, tuple[int, int]] = {}
        parts: dict[str, RunInfo] = {}
        for path in sorted(paths | {row["path"] for row in known}):
            try:
                stat = os.stat(fs_path(path))
                info = read.get(path) or wandb_local.read_run(fs_path(path))
            except (OSError, wandb_local.WandbFileError):
                continue  # a segment gone since: the rest are still one run
            info.path = path
            sizes[path] = (stat.st_size, stat.st_mtime_ns)
            best = parts.get(info.start_time or "")
            if best is not None:
                copies += 1
                if _rank(best, sizes[best.path or ""]) >= _rank(info, sizes[path]):
                    rows[path] = (
                        path,
                        *sizes[path],
                        run_id,
                        info.state,
                        f"{DUPLICATE}{run_id} in {best.path}",
                        now,
                    )
                    continue
                rows[best.path or ""] = (
                    best.path,
                    *sizes[best.path or ""],
                    run_id,
                    best.state,
                    f"{DUPLICATE}{run_id} in {path}",
                    now,
                )
            parts[info.start_time or ""] = info
        if not parts:
            continue
        run = join(parts.values())
        joined[run_id] = run
        for info in parts.values():
            path = info.path or ""
            problem = "; ".join(info.problems) or None
            if path != run.path:
                problem = f"{SEGMENT}{run_id} (resumed in {run.path})"
            rows[path] = (path, *sizes[path], run_id, info.state, problem, now)
    return joined, rows, copies


def _rank(info: RunInfo, size: tuple[int, int]) -> tuple[bool, int]:
    return (info.state == "finished", size[0])
