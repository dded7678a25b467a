"""Regression flags: is a run worse than its W&B group's earlier runs (runtime per epoch,
throughput, the key metric)? The test itself belongs to `mlpm.stats.regression`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlpm.services.metric_rules import higher_is_better as metric_direction
from mlpm.services.run_baselines import BatchCheck, Series, series
from mlpm.services.runs import ENDED_BADLY, Run, lookup, number

if TYPE_CHECKING:
    from mlpm.store import Store

THROUGHPUT_KEYS = ("throughput", "samples_per_sec", "samples_per_second", "examples_per_sec")


@dataclass(frozen=True, slots=True)
class RunFlag:
    """Why a run is flagged: the measures that got worse, and the whole message."""

    measures: tuple[str, ...]
    message: str

    def __str__(self) -> str:
        return self.message


def run_measures(
    run: Run, metric: str | None = None, higher_is_better: bool | None = None
) -> dict[str, tuple[float, bool]]:
    """The numbers a regression is checked on: name -> (value, higher_is_better). The
    metric's direction is `higher_is_better`, else guessed from its name (`metric_rules`)."""
    higher = metric_direction(metric, higher_is_better) if metric else True
    return summary_measures(run.runtime, run.summary, metric, higher)


def summary_measures(
    runtime: float | None, summary: dict[str, Any], metric: str | None, higher: bool = True
) -> dict[str, tuple[float, bool]]:
    """`run_measures` of a run with this runtime and summary (`higher`: the metric's
    direction, decided once for every run)."""
    out: dict[str, tuple[float, bool]] = {}
    epochs = number(lookup(summary, "epoch"))
    steps = number(lookup(summary, "_step"))
    if runtime and epochs is not None and epochs >= 1:
        out["runtime/epoch"] = (runtime / epochs, False)
    elif runtime and steps is not None and steps >= 1:
        out["runtime/step"] = (runtime / steps, False)
    for key in THROUGHPUT_KEYS:
        value = number(lookup(summary, key))
        if value is not None:
            out[key] = (value, True)
            break
    if metric:
        value = number(lookup(summary, metric))
        if value is not None:
            out[metric] = (value, higher)
    return out


def ending_flag(run: Run) -> RunFlag | None:
    """A run that did not finish is flagged for that (its numbers stop where it died)."""
    if run.state not in ENDED_BADLY:
        return None
    # (an MLflow run's end is its status alone: it records no exit code)
    code = "no exit code" if run.exit_code is None else f"exit code {run.exit_code}"
    why = {
        "failed": code,
        "killed": code,
        "crashed": "no exit record",
        "preempted": "marked preempting, no exit record",
    }[run.state]
    epoch, step = number(run.metric("epoch")), number(run.metric("_step"))
    where = f" at epoch {epoch:g}" if epoch is not None else ""
    where = where or (f" at step {step:g}" if step is not None else "")
    return RunFlag(("state",), f"{run.state}{where} ({why})")


def regression_flags(
    store: Store,
    runs: Sequence[Run],
    *,
    metric: str | None = None,
    higher_is_better: bool | None = None,
    alpha: float = 0.05,
) -> dict[str, RunFlag]:
    """run id -> why, for each run worse than its group's earlier runs.

    A run that failed, was killed, crashed or was preempted is flagged for that alone.
    Checked on the others: runtime per epoch (lower is better), throughput (higher is
    better) and `metric` (`higher_is_better` says which way; None: from its name), each
    against the same number in the group's finished runs that started before it.
    """
    flags: dict[str, RunFlag] = {}
    checked: list[tuple[Run, list[str]]] = []
    groups = _Baselines(store, {r.group for r in runs if r.group}, metric)
    batch = BatchCheck(alpha)
    metric_higher = metric_direction(metric, higher_is_better) if metric else True
    for run in runs:
        if (ended := ending_flag(run)) is not None:
            flags[run.id] = ended
            continue
        if not run.group or run.state == "running" or not run.start_time:
            continue
        measures = summary_measures(run.runtime, run.summary, metric, metric_higher)
        stale = groups.stale_start(run)
        for name, (value, higher) in measures.items():
            if stale:
                batch.add_plain((run.id, name), groups.plain(run, name), value, higher)
            elif (s := groups.series(run.group, name)) is not None:
                batch.add((run.id, name), s, run.start_time, value, higher)
        checked.append((run, list(measures)))
    results = batch.flagged()
    for run, names in checked:
        worse = [(n, f"{n}: {r.message}") for n in names if (r := results.get((run.id, n)))]
        if worse:
            flags[run.id] = RunFlag(tuple(n for n, _ in worse), "; ".join(m for _, m in worse))
    return flags


class _Baselines:
    """The finished runs of the groups asked for (one query), and each group's series of
    each measure, built when first asked for."""

    def __init__(self, store: Store, groups: set[str], metric: str | None) -> None:
        self._points: dict[str, list[tuple[str, Any, dict[str, tuple[float, bool]]]]] = {}
        self._series: dict[tuple[str, str], Series | None] = {}
        if not groups:
            return
        sql = "SELECT id, group_name, start_time, runtime, summary FROM run WHERE state = ?"
        params: list[Any] = ["finished"]
        if len(groups) <= 500:  # within SQLite's limit of parameters; else filter here
            sql += f" AND group_name IN ({', '.join('?' * len(groups))})"
            params.extend(sorted(groups))
        for row in store.query(sql, params):
            if row["group_name"] in groups and row["start_time"]:
                summary = json.loads(row["summary"] or "{}")
                measures = summary_measures(row["runtime"], summary, metric)
                self._points.setdefault(row["group_name"], []).append(
                    (row["id"], row["start_time"], measures)
                )
        self._starts = {
            run_id: start for points in self._points.values() for run_id, start, _ in points
        }

    def series(self, group: str, name: str) -> Series | None:
        """The group's finished runs' `name`, by start time (None when none has it)."""
        key = (group, name)
        if key not in self._series:
            points = [(st, m[name][0]) for _, st, m in self._points.get(group, []) if name in m]
            self._series[key] = series(points) if points else None
        return self._series[key]

    def stale_start(self, run: Run) -> bool:
        """Is the stored copy of `run` finished and started before the run given (so it is
        among the runs before it in the series, yet must not be its own baseline)?"""
        start = self._starts.get(run.id)
        return start is not None and start < run.start_time

    def plain(self, run: Run, name: str) -> list[float]:
        """The baseline of `run`'s `name`, leaving out the stored copy of `run`."""
        return [
            m[name][0]
            for run_id, st, m in self._points.get(run.group or "", [])
            if run_id != run.id and name in m and st < run.start_time
        ]


def flag_signature(runs: Sequence[Run], metric: str | None, higher: bool | None = None) -> Any:
    """Everything the regression flags of `runs` depend on: the same signature, the same
    flags (so a reload caused by another kind of change can skip the statistics)."""
    way = metric_direction(metric, higher) if metric else True
    return (
        metric,
        higher,
        tuple(
            (
                r.id,
                r.group,
                r.state,
                r.start_time,
                sorted(summary_measures(r.runtime, r.summary, metric, way).items()),
            )
            for r in runs
        ),
    )
