"""A stand-in for `mlflow.client.MlflowClient` (no tracking server can run here): the calls
`mlpm.integrations.mlflow_api` makes, with pages and page tokens, the start-time filter it sends,
and an HTTP 429 at a chosen run."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def ms(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)


@dataclass
class Info:
    run_id: str
    experiment_id: str
    run_name: str
    status: str
    start_time: int
    end_time: int | None
    user_id: str = "dev"


@dataclass
class Data:
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass
class FakeRun:
    info: Info
    data: Data


def run(uuid: str, start: str, status: str = "FINISHED", **metrics: float) -> FakeRun:
    end = ms(start) + 60_000 if status != "RUNNING" else None
    data = Data({"lr": "0.1", "seed": uuid[-1]}, {"mlflow.runName": uuid}, dict(metrics))
    return FakeRun(Info(uuid, "1", uuid, status, ms(start), end), data)


class Page(list[Any]):
    def __init__(self, items: list[Any], token: str | None) -> None:
        super().__init__(items)
        self.token = token


@dataclass
class Metric:
    step: int
    value: float


class RestException(Exception):
    """What MLflow raises for an HTTP error from the server."""


_FILTER = re.compile(r"attributes\.(start_time|end_time) >= (\d+)")


class FakeClient:
    def __init__(self, runs: list[FakeRun], experiments: dict[str, str] | None = None) -> None:
        self.runs = {r.info.run_id: r for r in runs}
        self.experiments = experiments or {"1": "asr"}
        self.fail_at: int | None = None  # the run (counted over the listing) that gets a 429
        self.served = 0
        self.gone: set[str] = set()  # deleted runs: not listed, and `get_run` cannot find them
        self.calls: list[str] = []  # the filter of each search_runs call
        self.histories: list[tuple[str, str]] = []  # (run, key) of each get_metric_history

    def search_experiments(
        self, max_results: int = 1000, page_token: str | None = None, **_: Any
    ) -> Page:
        items = [
            type("E", (), {"experiment_id": k, "name": v}) for k, v in self.experiments.items()
        ]
        return Page(items, None)

    def search_runs(
        self,
        experiment_ids: list[str],
        filter_string: str = "",
        max_results: int = 1000,
        order_by: list[str] | None = None,
        page_token: str | None = None,
        **_: Any,
    ) -> Page:
        self.calls.append(filter_string)
        found = [
            r
            for r in self.runs.values()
            if r.info.experiment_id in experiment_ids and r.info.run_id not in self.gone
        ]
        if match := _FILTER.fullmatch(filter_string):
            attr, floor = match.group(1), int(match.group(2))
            found = [r for r in found if (getattr(r.info, attr) or -1) >= floor]
        attr = "end_time" if order_by and "end_time" in order_by[0] else "start_time"
        found.sort(key=lambda r: (getattr(r.info, attr) or 0, r.info.run_id))
        offset = int(page_token or 0)
        page = found[offset : offset + max_results]
        if self.fail_at is not None and self.served + len(page) > self.fail_at:
            raise RestException("RESOURCE_EXHAUSTED: 429 Too Many Requests")
        self.served += len(page)
        more = offset + max_results < len(found)
        return Page(page, str(offset + max_results) if more else None)

    def get_run(self, run_id: str) -> FakeRun:
        if run_id in self.gone or run_id not in self.runs:
            raise RestException(f"RESOURCE_DOES_NOT_EXIST: Run '{run_id}' not found")
        return self.runs[run_id]

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        self.histories.append((run_id, key))
        value = self.runs[run_id].data.metrics.get(key)
        return [] if value is None else [Metric(s, value * (s + 1)) for s in range(3)]
