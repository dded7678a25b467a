"""Regression flags: is a run worse than its W&B group's earlier runs (runtime per epoch,
throughput, the key metric)? The test itself belongs to `mlpm.stats.regression`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlpm.services.metric_rules import higher_is_better as metric_direction
from mlpm.services.runs import ENDED_BADLY, Run, group_runs, number

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
    out: dict[str, tuple[float, bool]] = {}
    epochs = number(run.metric("epoch"))
    steps = number(run.metric("_step"))
    if run.runtime and epochs is not None and epochs >= 1:
        out["runtime/epoch"] = (run.runtime / epochs, False)
    elif run.runtime and steps is not None and steps >= 1:
        out["runtime/step"] = (run.runtime / steps, False)
    for key in THROUGHPUT_KEYS:
        value = number(run.metric(key))
        if value is not None:
            out[key] = (value, True)
            break
    if metric:
        value = number(run.metric(metric))
        if value is not None:
            out[metric] = (value, metric_direction(metric, higher_is_better))
    return out


def ending_flag(run: Run) -> RunFlag | None:
    """A run that did not finish is flagged for that (its numbers stop where it died)."""
    if run.state not in ENDED_BADLY:
        return None
    why = {
        "failed": f"exit code {run.exit_code}",
        "killed": f"exit code {run.exit_code}",
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
    from mlpm.stats.regression import regression_check

    flags: dict[str, RunFlag] = {}
    groups: dict[str, list[Run]] = {}
    for run in runs:
        if run.group and run.group not in groups:
            groups[run.group] = group_runs(store, run.group)
    for run in runs:
        if (ended := ending_flag(run)) is not None:
            flags[run.id] = ended
            continue
        if not run.group or run.state == "running":
            continue
        earlier = [
            r
            for r in groups[run.group]
            if r.id != run.id
            and r.state == "finished"
            and r.start_time
            and run.start_time
            and r.start_time < run.start_time
        ]
        if not earlier:
            continue
        worse: list[tuple[str, str]] = []
        for name, (value, higher) in run_measures(run, metric, higher_is_better).items():
            baseline = [m[name][0] for r in earlier if name in (m := run_measures(r, metric))]
            if not baseline:
                continue
            result = regression_check(baseline, value, higher_is_better=higher, alpha=alpha)
            if result.flagged:
                worse.append((name, f"{name}: {result.message}"))
        if worse:
            flags[run.id] = RunFlag(tuple(n for n, _ in worse), "; ".join(m for _, m in worse))
    return flags


def flag_signature(runs: Sequence[Run], metric: str | None, higher: bool | None = None) -> Any:
    """Everything the regression flags of `runs` depend on: the same signature, the same
    flags (so a reload caused by another kind of change can skip the statistics)."""
    return (
        metric,
        higher,
        tuple(
            (r.id, r.group, r.state, r.start_time, sorted(run_measures(r, metric, higher).items()))
            for r in runs
        ),
    )
