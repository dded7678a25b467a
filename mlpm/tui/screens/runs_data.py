"""What the Runs screen shows, read through the runs services, and the comparison it asks the
Compare screen for (a module of its own, so neither screen imports the other for it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text

from mlpm.errors import MlpmError
from mlpm.services import metric_rules, run_checks, run_history
from mlpm.services import runs as run_service
from mlpm.services.run_checks import RunFlag
from mlpm.services.runs import Run, number
from mlpm.store import Store
from mlpm.tui.widgets.metric_chart import Curve


@dataclass(slots=True)
class RunsData:
    """What the table shows: the runs (of one group, or all) and what can be chosen."""

    runs: list[Run]
    groups: dict[str, int]  # every W&B group -> its number of runs
    metrics: list[str]  # numeric summary keys, the most common (and likeliest result) first
    key_metric: str | None = None  # the metric these runs are judged by (`metric_rules`)


@dataclass(frozen=True, slots=True)
class CompareRequest:
    """Two sides to compare on a summary metric: runs by id, or whole W&B groups."""

    metric: str
    runs_a: tuple[str, ...] = ()
    runs_b: tuple[str, ...] = ()
    group_a: str | None = None
    group_b: str | None = None
    higher_is_better: bool | None = None  # None: from the metric's name, as `mlpm sig runs`


def fetch_runs(store: Store, group: str | None) -> RunsData:
    """The runs to show (one group, or every run) through the runs services."""
    everything = run_service.list_runs(store)
    groups = Counter(r.group for r in everything if r.group)
    shown = [r for r in everything if r.group == group] if group is not None else everything
    basis = shown or everything
    return RunsData(
        shown,
        dict(sorted(groups.items())),
        metric_rules.ranked_metrics(basis),
        metric_rules.shared_key_metric(basis),
    )


def fetch_flags(store: Store, runs: list[Run], metric: str | None) -> dict[str, RunFlag]:
    """Regression flags of the shown runs against their groups' earlier runs (the metric's
    direction from its name, as `runs list --check` and `sig runs`)."""
    return run_checks.regression_flags(store, runs, metric=metric)


def fetch_curves(store: Store, run_ids: list[str], metric: str) -> tuple[list[Curve], list[str]]:
    """The metric's history of each run (read once from its file, then cached)."""
    curves, problems = [], []
    for run_id in run_ids:
        try:
            run = run_service.get_run(store, run_id)
            points = run_history.history(store, run_id, [metric]).get(metric, [])
        except MlpmError as exc:
            problems.append(str(exc))
            continue
        curves.append(Curve(run.label, points))
    return curves, problems


def fmt_value(value: Any) -> Text:
    value = number(value)
    if value is None:
        return Text("–", style="dim")
    return Text(f"{value:.4g}", justify="right")


@dataclass(slots=True)
class Marks:
    """Runs marked for overlay and comparison, in the order they were marked."""

    ids: list[str] = field(default_factory=list)

    def toggle(self, run_id: str) -> bool:
        if run_id in self.ids:
            self.ids.remove(run_id)
            return False
        self.ids.append(run_id)
        return True


def compare_request(
    data: RunsData, marked_ids: Sequence[str], metric: str | None
) -> CompareRequest | str:
    """What the marks ask to compare, or why they cannot be compared: two runs, or the runs
    of two groups (whole groups are compared as groups)."""
    if not metric:
        return "these runs have no numeric summary metric to compare"
    by_id = {r.id: r for r in data.runs}
    marked = [by_id[i] for i in marked_ids if i in by_id]
    if len(marked) == 2:
        return CompareRequest(metric, runs_a=(marked[0].id,), runs_b=(marked[1].id,))
    groups = list(dict.fromkeys(r.group for r in marked))
    if len(marked) > 2 and len(groups) == 2 and None not in groups:
        sides = [[r.id for r in marked if r.group == g] for g in groups]
        whole = all(
            set(side) == {r.id for r in data.runs if r.group == g}
            and data.groups.get(str(g)) == len(side)
            for side, g in zip(sides, groups, strict=True)
        )
        if whole:
            return CompareRequest(metric, group_a=groups[0], group_b=groups[1])
        return CompareRequest(metric, runs_a=tuple(sides[0]), runs_b=tuple(sides[1]))
    return "mark two runs (space), or the runs of two groups (M), then press c"
