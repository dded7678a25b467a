"""What the Runs screen shows, read through the runs services, and the comparison it asks the
Compare screen for (a module of its own, so neither screen imports the other for it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text

from mlpm.services import metric_rules, run_checks
from mlpm.services import runs as run_service
from mlpm.services.run_checks import RunFlag
from mlpm.services.runs import Run, number
from mlpm.services.significance.run_sides import SideRef
from mlpm.store import Store


@dataclass(slots=True)
class RunsData:
    """What the table shows: the runs (of one group, or all) and what can be chosen."""

    runs: list[Run]
    groups: dict[str, int]  # every W&B group -> its number of runs
    metrics: list[str]  # numeric summary keys, the most common (and likeliest result) first
    key_metric: str | None = None  # the metric these runs are judged by (`metric_rules`)


@dataclass(frozen=True, slots=True)
class CompareRequest:
    """Two or more sides to compare on a summary metric: each a run, a hand-picked set of
    runs, or a whole W&B group (`SideRef`), against a baseline (a side's label; None: the
    first side)."""

    metric: str
    sides: tuple[SideRef, ...]
    higher_is_better: bool | None = None  # None: from the metric's name, as `mlpm sig runs`
    baseline: str | None = None

    @classmethod
    def two(
        cls,
        metric: str,
        *,
        runs_a: Sequence[str] = (),
        runs_b: Sequence[str] = (),
        group_a: str | None = None,
        group_b: str | None = None,
        higher_is_better: bool | None = None,
    ) -> CompareRequest:
        """A against B, as `mlpm sig runs` takes them."""
        sides = (SideRef(group_a, tuple(runs_a)), SideRef(group_b, tuple(runs_b)))
        return cls(metric, sides, higher_is_better)

    # Side A and side B of a two-sided request, as `mlpm sig runs` names them.
    @property
    def runs_a(self) -> tuple[str, ...]:
        return self.sides[0].runs

    @property
    def runs_b(self) -> tuple[str, ...]:
        return self.sides[1].runs

    @property
    def group_a(self) -> str | None:
        return self.sides[0].group

    @property
    def group_b(self) -> str | None:
        return self.sides[1].group

    @property
    def many(self) -> bool:
        """More than two sides: compared with Friedman, then each against the baseline."""
        return len(self.sides) > 2


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
    """What the marks ask to compare, or why they cannot be compared: the runs of two or
    more groups side by side (whole groups compared as groups), else each marked run as a
    side of its own."""
    if not metric:
        return "these runs have no numeric summary metric to compare"
    by_id = {r.id: r for r in data.runs}
    marked = [by_id[i] for i in marked_ids if i in by_id]
    if len(marked) < 2:
        return "mark two runs or more (space), or the runs of two groups or more (M), then press c"
    groups = list(dict.fromkeys(r.group for r in marked))
    if len(groups) < 2 or None in groups or len(groups) == len(marked):
        # one run a side: runs of one group, ungrouped runs, or one run of each group
        return CompareRequest(metric, tuple(SideRef(runs=(r.id,)) for r in marked))
    picked = [tuple(r.id for r in marked if r.group == g) for g in groups]
    whole = all(
        set(ids) == {r.id for r in data.runs if r.group == g}
        and data.groups.get(str(g)) == len(ids)
        for ids, g in zip(picked, groups, strict=True)
    )
    if whole:  # compared as groups (the saved comparison names them)
        return CompareRequest(metric, tuple(SideRef(group=g) for g in groups))
    return CompareRequest(metric, tuple(SideRef(runs=ids) for ids in picked))
