"""Runs of an MLflow tracking server through `mlflow.client.MlflowClient`, for
`mlpm runs sync --remote mlflow:URI`.

mlflow is imported only here, inside `make_client` (about 5 s to import). Every function
takes `client`, an object with MlflowClient's interface, so tests can pass a fake or a real
client on a local store. Runs map as the local readers map them (`mlflow_run.build`): params
as config, latest metrics as summary, tags, status, start and end, run name, git commit, and
the group rule. History is read in a subprocess (`history_in_subprocess`) so the TUI's process
never imports mlflow.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from mlpm.errors import MlpmError, UsageError
from mlpm.integrations import history_child
from mlpm.integrations.mlflow_run import ID_PREFIX, MlflowRun, build, iso_ms, run_name
from mlpm.integrations.wandb_run import RunInfo

SCHEME = "mlflow:"  # `--remote mlflow:http://host:5000`
PATH_PREFIX = "mlflow+"  # a remote run's `path`: mlflow+<tracking uri>#<run uuid>
PER_PAGE = 1000  # search_runs' most per request
# MLflow retries a 429 or 5xx up to 7 times with a growing backoff (minutes in all): a sync
# says what happened sooner, and keeps what arrived.
QUIET_ENV = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2", "MLFLOW_HTTP_REQUEST_TIMEOUT": "30"}


def is_address(address: str) -> bool:
    return address.strip().startswith(SCHEME)


def parse_address(address: str) -> str:
    """`mlflow:http://host:5000` -> the tracking URI `http://host:5000`."""
    uri = address.strip().removeprefix(SCHEME).rstrip("/")
    if not uri or ("://" not in uri and not uri.startswith("databricks")):
        raise UsageError(
            f"--remote mlflow: takes a tracking URI (mlflow:http://host:5000), not {address!r}"
        )
    return uri


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


def make_client(uri: str) -> Any:
    """A real MlflowClient on `uri` (imports mlflow), checked to answer: a missing package
    or an unreachable server is one line."""
    for name, value in QUIET_ENV.items():
        os.environ.setdefault(name, value)
    logging.getLogger("mlflow").setLevel(logging.WARNING)  # its INFO lines are not ours
    try:
        from mlflow.client import MlflowClient
    except ImportError:
        raise MlpmError("mlflow is not installed: pip install mlflow-skinny") from None
    try:
        client = MlflowClient(tracking_uri=uri)
        client.search_experiments(max_results=1)
    except Exception as exc:  # mlflow raises its own types for no network, bad URIs...
        raise MlpmError(f"cannot reach MLflow at {uri}: {_one_line(exc)}") from None
    return client


def _run(raw: Any, uri: str) -> MlflowRun:
    info, data = raw.info, raw.data
    uuid = str(info.run_id)
    return MlflowRun(
        uuid=uuid,
        experiment_id=str(info.experiment_id),
        name=getattr(info, "run_name", None) or None,
        status=str(info.status),
        start_ms=info.start_time,
        end_ms=info.end_time,
        user=getattr(info, "user_id", None) or None,
        params={str(k): str(v) for k, v in (data.params or {}).items()},
        tags={str(k): str(v) for k, v in (data.tags or {}).items()},
        latest={str(k): float(v) for k, v in (data.metrics or {}).items()},
        path=f"{PATH_PREFIX}{uri}#{uuid}",
    )


class Listing:
    """What one pass needs to build runs: experiment names, and run names by uuid (for a
    child run's group, its parent's name)."""

    def __init__(self, client: Any, uri: str, names: dict[str, str | None]) -> None:
        self.client, self.uri, self.names = client, uri, dict(names)
        self.experiments: dict[str, str] = {}
        token = None
        while True:
            page = client.search_experiments(max_results=PER_PAGE, page_token=token)
            self.experiments.update((str(e.experiment_id), str(e.name)) for e in page)
            token = getattr(page, "token", None)
            if not token:
                break

    def info(self, raw: Any) -> RunInfo:
        run = _run(raw, self.uri)
        self.names[run.uuid] = run_name(run)
        info = build(run, self.experiments, self.names)
        info.source = "remote"
        return info


def fetch_runs(
    uri: str,
    *,
    client: Any,
    created_from: str | None = None,
    names: dict[str, str | None] | None = None,
) -> Iterator[tuple[RunInfo, str | None]]:
    """(RunInfo, start time) of every run started at or after `created_from` (where an
    unfinished sync stopped; else every run), oldest first, page by page. MLflow keeps no
    time of a run's last change (a tag set or a metric logged after it ended moves neither
    its start nor its end), so every sync lists them all, with their params, tags and latest
    metrics: one request per `PER_PAGE` runs, no history; the caller keeps those that differ
    from what it stored. An error ends it with an MlpmError."""
    try:
        listing = Listing(client, uri, names or {})
        ids = list(listing.experiments)
        if not ids:
            return
        started = f"attributes.start_time >= {_ms(created_from)}" if created_from else ""
        for raw in _pages(client, ids, started, ["attributes.start_time ASC"]):
            yield listing.info(raw), iso_ms(raw.info.start_time)
    except MlpmError:
        raise
    except Exception as exc:
        raise MlpmError(f"MLflow API error for {uri}: {_one_line(exc)}") from None


def _ms(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp).timestamp() * 1000)


def _pages(client: Any, ids: list[str], where: str, order: list[str]) -> Iterator[Any]:
    token = None
    while True:
        page = client.search_runs(
            experiment_ids=ids,
            filter_string=where,
            max_results=PER_PAGE,
            order_by=order,
            page_token=token,
        )
        yield from page
        token = getattr(page, "token", None)
        if not token:
            return


def refetch_runs(
    uri: str, run_ids: list[str], *, client: Any, names: dict[str, str | None] | None = None
) -> Iterator[tuple[str, RunInfo | None, str | None]]:
    """(run id, fresh copy or None, why not) for runs stored as running and not listed."""
    if not run_ids:
        return
    try:
        listing = Listing(client, uri, names or {})
    except Exception as exc:
        for run_id in run_ids:
            yield run_id, None, _one_line(exc)
        return
    for run_id in run_ids:
        try:
            raw = client.get_run(run_id.removeprefix(ID_PREFIX))
        except Exception as exc:
            yield run_id, None, _one_line(exc)
            continue
        yield run_id, listing.info(raw), None


def remote_history(
    uri: str, uuid: str, keys: list[str], *, client: Any = None
) -> dict[str, list[tuple[int, float]]]:
    """Metric -> [(step, value)] of one run, for `keys`, in step order."""
    client = client or make_client(uri)
    out: dict[str, list[tuple[int, float]]] = {}
    try:
        for key in keys:
            points = [(int(m.step), float(m.value)) for m in client.get_metric_history(uuid, key)]
            if points:
                out[key] = sorted(points)
    except Exception as exc:
        raise MlpmError(f"MLflow API error for {uri}: {_one_line(exc)}") from None
    return out


def history_in_subprocess(
    uri: str, uuid: str, keys: list[str]
) -> dict[str, list[tuple[int, float]]]:
    """`remote_history` in a child process (stdin closed), so this one never imports mlflow."""
    return history_child.fetch("mlpm.integrations.mlflow_api", [uri, uuid, *keys], uuid)


def _main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m mlpm.integrations.mlflow_api URI RUN_UUID KEY...", file=sys.stderr)
        return 2
    try:
        series = remote_history(argv[0], argv[1], argv[2:])
    except MlpmError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps(series))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
