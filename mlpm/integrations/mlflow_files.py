"""Read an MLflow file store (`mlruns/`, behind MLFLOW_ALLOW_FILE_STORE since MLflow 3.7).

Layout: `<exp id>/meta.yaml` names an experiment; `<exp id>/<run uuid>/meta.yaml` holds a
run's name, status number and times; `params/`, `tags/` hold one file per key (a key with
`/` is a nested path) and `metrics/<key>` one "timestamp value step" line per logged point.
The meta files are flat YAML written by PyYAML: a small parser reads them (no YAML library).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from mlpm.integrations.mlflow_run import (
    STATUS_NAMES,
    T_PARENT,
    MlflowRun,
    MlflowStoreError,
    Points,
    build_all,
)
from mlpm.integrations.wandb_run import RunInfo

SKIPPED = (".trash", "models", ".mlflow")  # not experiments
RECORDS = ("params", "tags", "metrics")


def parse_meta(text: str) -> dict[str, str]:
    """A flat `key: value` YAML mapping (values as text; continuation lines folded in)."""
    pairs: list[list[str]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0] in " \t" and pairs:
            pairs[-1][1] += " " + line.strip()
            continue
        key, sep, value = line.partition(":")
        if sep:
            pairs.append([key.strip(), value.strip()])
    return {key: _scalar(value) for key, value in pairs}


def _scalar(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1].replace("''", "'")
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        try:
            return str(json.loads(raw))
        except ValueError:
            return raw[1:-1]
    return "" if raw in ("null", "~") else raw


def _meta(path: Path) -> dict[str, str] | None:
    try:
        return parse_meta(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def experiments(root: Path) -> dict[str, str]:
    """Experiment id -> name, deleted experiments left out. MlflowStoreError when `root`
    holds no experiment at all."""
    found: dict[str, str] = {}
    saw_any = False
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as exc:
        raise MlflowStoreError(f"cannot read: {exc.strerror}") from None
    for entry in entries:
        if entry.name in SKIPPED or not entry.is_dir():
            continue
        meta = _meta(Path(entry.path) / "meta.yaml")
        if meta is None:
            continue
        saw_any = True
        if meta.get("lifecycle_stage", "active") != "deleted":
            found[meta.get("experiment_id") or entry.name] = meta.get("name") or entry.name
    if not saw_any:
        raise MlflowStoreError("not an MLflow file store (no <experiment>/meta.yaml)")
    return found


def run_dirs(root: Path, experiment_ids: Sequence[str]) -> list[Path]:
    """The run folders of the given experiments, sorted."""
    out: list[Path] = []
    for exp in experiment_ids:
        try:
            entries = list(os.scandir(root / exp))
        except OSError:
            continue
        out += [
            Path(e.path)
            for e in entries
            if e.is_dir() and os.path.isfile(os.path.join(e.path, "meta.yaml"))
        ]
    return sorted(out)


def _walk(folder: Path) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(key, file entry) for every record file under `folder` (nested keys joined by `/`)."""
    stack = [("", str(folder))]
    while stack:
        prefix, path = stack.pop()
        try:
            entries = list(os.scandir(path))
        except OSError:
            continue
        for entry in entries:
            key = prefix + entry.name
            if entry.is_dir():
                stack.append((key + "/", entry.path))
            else:
                yield key, entry


def fingerprint(run_dir: Path) -> tuple[int, int]:
    """(total size, latest mtime in ns) of a run's meta and record files: what changes when
    MLflow logs anything to it."""
    stat = os.stat(run_dir / "meta.yaml")
    size, mtime = stat.st_size, stat.st_mtime_ns
    for kind in RECORDS:
        for _, entry in _walk(run_dir / kind):
            s = entry.stat()
            size += s.st_size
            mtime = max(mtime, s.st_mtime_ns)
    return size, mtime


def _points(path: str) -> Iterator[tuple[int, float, int]]:
    """(step, value, timestamp) per line of a metric file; bad lines and NaN skipped."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            parts = line.split()
            try:
                stamp, value = int(parts[0]), float(parts[1])
                step = int(parts[2]) if len(parts) > 2 else 0
            except (IndexError, ValueError):
                continue
            if not math.isnan(value):
                yield step, value, stamp


def _read_run(run_dir: Path, location: str) -> MlflowRun | None:
    meta = _meta(run_dir / "meta.yaml") or {}
    if meta.get("lifecycle_stage") == "deleted":
        return None
    status = _int(meta.get("status"))
    run = MlflowRun(
        uuid=meta.get("run_uuid") or meta.get("run_id") or run_dir.name,
        experiment_id=meta.get("experiment_id") or run_dir.parent.name,
        name=meta.get("run_name") or None,
        status=STATUS_NAMES.get(status) if status is not None else meta.get("status"),
        start_ms=_int(meta.get("start_time")),
        end_ms=_int(meta.get("end_time")),
        user=meta.get("user_id") or None,
        path=location,
    )
    for kind, target in (("params", run.params), ("tags", run.tags)):
        for key, entry in _walk(run_dir / kind):
            try:
                with open(entry.path, encoding="utf-8", errors="replace") as handle:
                    target[key] = handle.read()
            except OSError:
                run.problems.append(f"unreadable {kind[:-1]} {key}")
    for key, entry in _walk(run_dir / "metrics"):
        try:
            last = max(_points(entry.path), default=None)
        except OSError:
            run.problems.append(f"unreadable metric {key}")
            continue
        if last is not None:
            run.latest[key] = last[1]
    return run


def read_runs(
    root: Path, dirs: Sequence[Path], locations: Sequence[str] | None = None
) -> list[RunInfo]:
    """The runs in `dirs` (folders under `root`), oldest first. `locations` is how each
    folder is written into its run's `path` (default: the folder itself)."""
    names = experiments(root)
    runs: list[MlflowRun] = []
    for i, run_dir in enumerate(dirs):
        run = _read_run(run_dir, locations[i] if locations else str(run_dir))
        if run is not None and run.experiment_id in names:
            runs.append(run)
    runs.sort(key=lambda r: (r.start_ms or 0, r.uuid))
    read = {run.uuid for run in runs}
    parents = {
        parent: _parent_name(root, run.experiment_id, parent)
        for run in runs
        if (parent := run.tags.get(T_PARENT)) and parent not in read
    }
    return build_all(runs, names, parents)


def _parent_name(root: Path, experiment_id: str, uuid: str) -> str | None:
    """A parent run's name, read from its folder (it may not be among the runs read)."""
    run_dir = root / experiment_id / uuid
    meta = _meta(run_dir / "meta.yaml") or {}
    if meta.get("run_name"):
        return meta["run_name"]
    try:
        return (run_dir / "tags" / "mlflow.runName").read_text(encoding="utf-8") or None
    except OSError:
        return None


def read_history(run_dir: Path, keys: Sequence[str]) -> Points:
    """Metric -> [(step, value, timestamp ms)] of one run, for the `keys` it logged."""
    out: Points = {}
    for key in keys:
        parts = key.split("/")
        if any(p in ("", ".", "..") for p in parts):
            continue  # never a path out of the run's metrics folder
        try:
            points = sorted(_points(str(run_dir.joinpath("metrics", *parts))))
        except OSError:
            continue
        if points:
            out[key] = points
    return out
