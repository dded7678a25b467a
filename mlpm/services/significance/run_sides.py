"""The sides of a comparison of runs: what the user named (`SideRef`: a W&B group, or runs by
id or name) resolved to `run_diff.Side`s, finished runs only unless asked, and the baseline
a user names by a side's label or by its one run's id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlpm.errors import NotFound, UsageError
from mlpm.services.run_diff import Side
from mlpm.services.runs import Run, get_run, group_runs

if TYPE_CHECKING:
    from mlpm.store import Store


@dataclass(frozen=True, slots=True)
class SideRef:
    """What the user named as one side: a W&B group, or runs by id or name."""

    group: str | None = None
    runs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.group is None) == (not self.runs):
            raise UsageError("a side is a group or a list of runs, not both or neither")


def _label(runs: list[Run], index: int) -> str:
    if len(runs) == 1:
        return runs[0].label
    groups = {r.group for r in runs}
    only = next(iter(groups))
    return only if len(groups) == 1 and only else f"side {index + 1}"


def resolve_sides(
    store: Store, refs: Sequence[SideRef], include_unfinished: bool
) -> tuple[list[Side], list[SideRef], list[str]]:
    """The sides, the refs they came from, and those left out for want of a finished run."""
    sides: list[Side] = []
    seen: dict[str, str] = {}
    dropped: list[str] = []  # sides without a finished run
    kept: list[SideRef] = []
    for index, ref in enumerate(refs):
        if ref.group is not None:
            runs = group_runs(store, ref.group)
            if not runs:
                raise NotFound(
                    f"no imported runs in group {ref.group!r} (mlpm runs sync imports them)"
                )
            label = ref.group
        else:
            runs = [get_run(store, r) for r in ref.runs]
            label = _label(runs, index)
        for run in runs:
            if run.id in seen:
                raise UsageError(f"run {run.label} is on two sides ({seen[run.id]} and {label})")
            seen[run.id] = label
        side = Side(label, runs, ref.group)
        if not include_unfinished:
            side.left_out = [(r.label, r.state) for r in runs if r.state != "finished"]
            side.runs = [r for r in runs if r.state == "finished"]
            if not side.runs:  # nothing of it to compare: the side is left out, and said
                states = ", ".join(sorted({r.state for r in runs}))
                dropped.append(f"{label} ({states})")
                continue
        sides.append(side)
        kept.append(ref)
    if dropped and len(sides) < 2:
        raise UsageError(
            f"no finished run in {', '.join(dropped)}: --include-unfinished compares them"
        )
    labels = [s.label for s in sides]
    for i, side in enumerate(sides):  # labels name the sides: they must differ
        if labels.count(side.label) > 1:
            side.label = f"{side.label} #{i + 1}"
    return sides, kept, dropped


def baseline_label(sides: Sequence[Side], said: str) -> str:
    """The side `said` names: by its label, else by the id of its one run."""
    if any(side.label == said for side in sides):
        return said
    by_id = [s.label for s in sides if len(s.runs) == 1 and s.runs[0].id.startswith(said)]
    return by_id[0] if len(by_id) == 1 else said
