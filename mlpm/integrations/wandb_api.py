"""Runs through `wandb.Api`, for `mlpm runs sync --remote ENTITY/PROJECT`.

wandb is imported inside the functions that need it (it takes about a second and patches
sys.stdout). History for the TUI is fetched in a subprocess (`history_in_subprocess`), so the
TUI's process never imports wandb. Every function takes `api`, an object with `wandb.Api`'s
interface, so tests can pass a fake (no W&B server can run here).
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlpm.errors import MlpmError, UsageError
from mlpm.integrations import history_child
from mlpm.integrations.wandb_run import RunInfo

PER_PAGE = 200
# W&B's states are ours; a pending run (queued, not started) counts as running.
STATES = {s: s for s in ("finished", "failed", "killed", "crashed", "preempted", "running")}
STATES["pending"] = "running"
NO_KEY = "no W&B API key: run `wandb login` or set WANDB_API_KEY"


def parse_address(address: str) -> tuple[str, str]:
    """`ENTITY/PROJECT` -> (entity, project)."""
    parts = address.strip().strip("/").split("/")
    if len(parts) != 2 or not all(parts):
        raise UsageError(f"--remote takes ENTITY/PROJECT, not {address!r}")
    return parts[0], parts[1]


def _has_key() -> bool:
    """Whether wandb can find a key without asking: the environment or a .netrc entry."""
    if os.environ.get("WANDB_API_KEY") or os.environ.get("WANDB_IDENTITY_TOKEN_FILE"):
        return True
    home = Path("~").expanduser()
    for path in (os.environ.get("NETRC"), home / ".netrc", home / "_netrc"):
        try:
            if path and "password" in Path(path).read_text(errors="replace"):
                return True
        except OSError:
            continue
    return False


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def quiet_wandb() -> None:
    """Keep wandb off the terminal: no prompts, no messages, no log records on stderr."""
    os.environ["WANDB_SILENT"] = "true"
    logger = logging.getLogger("wandb")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False


def make_api(entity: str, project: str, *, timeout: int = 30) -> Any:
    """A real `wandb.Api` (imports wandb; needs network and a key), made without a terminal:
    a missing key is `NO_KEY`, never wandb's login prompt."""
    if not _has_key():
        raise MlpmError(NO_KEY)
    quiet_wandb()
    try:
        import wandb
    except ImportError:
        raise MlpmError("wandb is not installed: pip install wandb") from None
    terminal = sys.stdin
    try:
        with open(os.devnull) as devnull:
            sys.stdin = devnull  # wandb prompts only when stdin is a terminal
            return wandb.Api(overrides={"entity": entity, "project": project}, timeout=timeout)
    except Exception as exc:  # wandb raises its own types for a missing key, no network...
        if "api key" in str(exc).lower():
            raise MlpmError(NO_KEY) from None
        raise MlpmError(f"cannot reach W&B: {_one_line(exc)}") from None
    finally:
        sys.stdin = terminal


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a config/summary value (wandb hands back its own dict types)."""
    if isinstance(value, dict) or hasattr(value, "items"):
        try:
            return {str(k): _plain(v) for k, v in value.items()}
        except Exception:  # a summary that fetches on access and fails
            return None
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _config(raw: Any) -> dict[str, Any]:
    config = _plain(raw) or {}
    out = {}
    for key, value in config.items():
        if key.startswith("_wandb") or key == "wandb_version":
            continue
        # Older API responses wrap values as {"value": v, "desc": ...}.
        if isinstance(value, dict) and set(value) <= {"value", "desc"} and "value" in value:
            value = value["value"]
        out[key] = value
    return out


def _iso(value: Any) -> str | None:
    if not value:
        return None
    text = str(value)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def to_info(run: Any, entity: str, project: str, *, metadata: bool = False) -> RunInfo:
    """One API run as a RunInfo (problems noted, never raised)."""
    info = RunInfo(run_id=str(run.id), entity=entity, project=project, source="remote")
    info.path = f"wandb://{entity}/{project}/{run.id}"
    info.name = getattr(run, "name", None) or None
    info.group = getattr(run, "group", None) or None
    info.job_type = getattr(run, "job_type", None) or None
    info.tags = [str(t) for t in (getattr(run, "tags", None) or [])]
    info.notes = getattr(run, "notes", None) or None
    state = str(getattr(run, "state", "") or "").lower()
    info.state = STATES.get(state, "crashed")
    info.start_time = _iso(getattr(run, "created_at", None))
    info.commit = getattr(run, "commit", None) or None
    try:
        info.config = _config(run.config)
    except Exception as exc:
        info.problems.append(f"config unreadable: {exc}")
    try:
        summary = _plain(run.summary) or {}
        info.summary = {k: v for k, v in summary.items() if not k.startswith("_wandb")}
    except Exception as exc:
        info.problems.append(f"summary unreadable: {exc}")
    runtime = info.summary.get("_runtime")
    if isinstance(runtime, int | float) and not isinstance(runtime, bool):
        info.runtime = float(runtime)
    if metadata:  # one download per run: opt-in
        try:
            meta = run.metadata or {}
        except Exception:
            meta = {}
        git = meta.get("git") or {}
        info.commit = info.commit or git.get("commit")
        info.remote = git.get("remote")
        info.host = meta.get("host")
        info.program = meta.get("program")
        info.args = [str(a) for a in meta.get("args") or []]
    return info


def run_filters(changed_since: str | None, created_from: str | None) -> dict[str, Any]:
    """W&B filters for runs created, updated or heard from since `changed_since` (new runs,
    resumed ones, edited tags, notes and summaries), created at or after `created_from` (where
    an unfinished sync stopped). W&B compares its UTC times without an offset, to the second."""
    parts: list[dict[str, Any]] = []
    if changed_since:
        since = {"$gte": changed_since[:19]}
        parts.append({"$or": [{f: since} for f in ("createdAt", "updatedAt", "heartbeatAt")]})
    if created_from:
        parts.append({"createdAt": {"$gte": created_from[:19]}})
    return parts[0] if len(parts) == 1 else {"$and": parts} if parts else {}


def fetch_runs(
    entity: str,
    project: str,
    *,
    changed_since: str | None = None,
    created_from: str | None = None,
    api: Any = None,
    metadata: bool = False,
) -> Iterator[tuple[RunInfo, str | None]]:
    """(RunInfo, created_at) for each run of `run_filters`, oldest first, in bulk (config and
    summary come with the listing: `lazy=False`). An API error ends it with an MlpmError."""
    if api is None:
        api = make_api(entity, project)
    try:
        query = {
            "filters": run_filters(changed_since, created_from),
            "order": "+created_at",
            "per_page": PER_PAGE,
        }
        try:
            runs = api.runs(f"{entity}/{project}", **query, lazy=False)
        except TypeError:  # wandb before `lazy` existed always fetched config and summary
            runs = api.runs(f"{entity}/{project}", **query)
        for run in runs:
            created = _iso(getattr(run, "created_at", None))
            if created_from and created and created < created_from:
                continue  # the server ignored the filter: resume where the last sync stopped
            yield to_info(run, entity, project, metadata=metadata), created
    except MlpmError:
        raise
    except Exception as exc:
        raise MlpmError(f"W&B API error for {entity}/{project}: {_one_line(exc)}") from None


def refetch_runs(
    entity: str, project: str, run_ids: list[str], *, api: Any = None, metadata: bool = False
) -> Iterator[tuple[str, RunInfo | None, str | None]]:
    """(run id, fresh copy or None, why not) for runs seen before (still running at the last
    sync, absent from this one's listing)."""
    if not run_ids:
        return
    if api is None:
        api = make_api(entity, project)
    for run_id in run_ids:
        try:
            run = api.run(f"{entity}/{project}/{run_id}")
        except Exception as exc:
            yield run_id, None, _one_line(exc)
            continue
        yield run_id, to_info(run, entity, project, metadata=metadata), None


def remote_history(
    address: str, keys: list[str], *, api: Any = None
) -> dict[str, list[tuple[int, float]]]:
    """History of `entity/project/run_id` for `keys`, one scan per key.

    One scan per key because asking for several keys returns only the rows that have all of
    them (wandb issue #1680).
    """
    parts = address.split("/")
    if len(parts) != 3:
        raise UsageError(f"not a run address: {address!r}")
    entity, project, run_id = parts
    if api is None:
        api = make_api(entity, project)
    try:
        run = api.run(f"{entity}/{project}/{run_id}")
        out: dict[str, list[tuple[int, float]]] = {}
        for key in keys:
            points: list[tuple[int, float]] = []
            for row in run.scan_history(keys=[key], page_size=1000):
                value, step = row.get(key), row.get("_step")
                if isinstance(value, bool) or not isinstance(value, int | float):
                    continue
                points.append((int(step if step is not None else len(points)), float(value)))
            out[key] = points
        return out
    except MlpmError:
        raise
    except Exception as exc:
        raise MlpmError(f"W&B API error for {address}: {_one_line(exc)}") from None


def history_in_subprocess(address: str, keys: list[str]) -> dict[str, list[tuple[int, float]]]:
    """`remote_history` run in a child process, so this process never imports wandb."""
    module = "mlpm.integrations.wandb_api"
    return history_child.fetch(module, [address, *keys], address, env={"WANDB_SILENT": "true"})


def _main(argv: list[str]) -> int:
    if len(argv) < 1:
        usage = "usage: python -m mlpm.integrations.wandb_api ENTITY/PROJECT/RUN KEY..."
        print(usage, file=sys.stderr)
        return 2
    try:
        series = remote_history(argv[0], argv[1:])
    except MlpmError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    # wandb may have wrapped sys.stdout; __stdout__ is None only without a console at all.
    (sys.__stdout__ or sys.stdout).write(json.dumps(series))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
