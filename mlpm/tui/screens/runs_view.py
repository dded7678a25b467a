"""What the Runs table shows of the runs, through the same services as `mlpm runs list`: the
columns (the project's remembered ones, `run_columns`), the runs the filter keeps
(`run_search`, `run_filter`) and their order (`run_fields.sort_runs`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress

from mlpm.errors import UsageError
from mlpm.services import projects, run_columns, run_fields, run_search
from mlpm.services.run_checks import RunFlag
from mlpm.services.run_filter import Filter
from mlpm.services.run_values import RunValues
from mlpm.services.runs import Run, flatten
from mlpm.store import Store
from mlpm.tui.screens.runs_data import RunsData, fetch_runs

# The run fields the table always shows, by sort key and title.
FIXED = {"group": "Group", "name": "Name", "state": "State", "task": "Task", "commit": "Commit"}


@dataclass(slots=True)
class TableData:
    """The runs and the columns the project remembers ([]: none chosen)."""

    data: RunsData
    columns: list[str] = field(default_factory=list)


def fetch_table(store: Store, group: str | None) -> TableData:
    """The runs to show (one group, or every run) and the current project's chosen columns."""
    return TableData(fetch_runs(store, group), run_columns.saved(projects.current_or_none(store)))


def save_columns(store: Store, keys: Sequence[str]) -> None:
    """Remember `keys` as the current project's columns, as `runs list --save-columns` does."""
    project = projects.current_or_none(store)
    if project is None:
        raise UsageError("no current project to remember the columns for")
    run_columns.save(store, project, keys)


def value_columns(
    saved: Sequence[str], metrics: Sequence[str], metric: str | None, fit: int
) -> list[str]:
    """The config and summary columns: the chosen ones, else the charted metric and as many
    other metrics as `fit`."""
    if saved:
        return list(saved)
    chosen = [metric] if metric else []
    return chosen + [m for m in metrics if m != metric][: fit - 1]


def sort_titles(columns: Sequence[str]) -> dict[str, str]:
    """Every sort key, in the order `s` steps through them, with its title."""
    return {**FIXED, "started": "Started", **{c: c for c in columns}, "flag": "Flag"}


def ordered(runs: Sequence[Run], sort: str, reverse: bool, flags: dict[str, RunFlag]) -> list[Run]:
    """`runs` in the table's order: by any run key as `runs list --sort` (missing values last),
    or by the table's own task and flag columns."""
    if sort == "task":
        linked = [r for r in runs if r.task_ids]
        linked.sort(key=lambda r: r.task_ids[0], reverse=reverse)
        return linked + [r for r in runs if not r.task_ids]
    if sort == "flag":
        flagged = [r for r in runs if r.id in flags]
        rest = [r for r in runs if r.id not in flags]
        return rest + flagged if reverse else flagged + rest
    return run_fields.sort_runs(runs, f"-{sort}" if reverse else sort)


class Orders:
    """The table's orders of one list of runs, each found once: going back to an order seen
    before costs nothing, and a filter narrows an order without sorting again (a stable sort
    of the kept runs is the kept runs of the stable sort, as `runs list` finds them)."""

    def __init__(self) -> None:
        self._of: tuple[Sequence[Run], dict[str, RunFlag]] | None = None
        # Each order, with the place in the runs of each of its runs.
        self._orders: dict[tuple[str, bool], tuple[list[Run], list[int]]] = {}
        # Whether the last state and filter keep each run: a re-sort under a filter picks
        # the kept runs out of the new order instead of testing every run again.
        self._kept: tuple[Sequence[Run] | None, tuple[str, ...], Filter | None, list[bool]] = (
            None,
            (),
            None,
            [],
        )
        self._values = RunValues(())  # the runs' values the filter tests, found once

    def get(
        self, runs: Sequence[Run], sort: str, reverse: bool, flags: dict[str, RunFlag]
    ) -> tuple[list[Run], list[int]]:
        """The runs in this order, and where each one is in `runs`."""
        if self._of is None or self._of[0] is not runs or self._of[1] is not flags:
            self._of, self._orders = (runs, flags), {}
        found = self._orders.get((sort, reverse))
        if found is None:
            order = ordered(runs, sort, reverse, flags)
            place = {id(run): i for i, run in enumerate(runs)}
            found = self._orders[(sort, reverse)] = (order, [place[id(run)] for run in order])
        return found

    def kept(
        self, runs: Sequence[Run], states: tuple[str, ...], match: Filter | None
    ) -> list[bool]:
        """Whether each of `runs` is in one of `states` (any when none) and kept by `match`."""
        of, kept_states, kept_match, keep = self._kept
        if of is not runs or kept_states != states or kept_match is not match:
            if self._values.runs is not runs:
                self._values = RunValues(runs)
            keep = run_search.kept(runs, states=states, match=match, values=self._values)
            self._kept = (runs, states, match, keep)
        return keep


def shown(
    orders: Orders,
    runs: Sequence[Run],
    *,
    states: tuple[str, ...],
    match: Filter | None,
    sort: str,
    reverse: bool,
    flags: dict[str, RunFlag],
) -> list[Run]:
    """The runs in one of `states` (any when none) that `match` keeps, sorted by `sort`."""
    order, places = orders.get(runs, sort, reverse, flags)
    if not states and match is None:
        return list(order)
    keep = orders.kept(runs, states, match)
    return list(compress(order, map(keep.__getitem__, places)))


def column_keys(runs: Sequence[Run], limit: int = 12) -> list[str]:
    """Config and summary keys the runs have (the most common first), to offer as columns."""
    counts: dict[str, int] = {}
    for run in runs:
        for data in (run.config, run.summary):
            for key, _ in flatten(data):
                if not key.startswith("_"):
                    counts[key] = counts.get(key, 0) + 1
    return sorted(counts, key=lambda k: (-counts[k], k))[:limit]
