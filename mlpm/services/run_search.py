"""Which runs a filter box keeps: text search over a run's name, id, group, tags, job type and
notes, or a `--filter` expression (`run_filter`) when the text has an operator in it; and the
state filter, as `runs list --state` applies it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import compress

from mlpm.services import run_filter
from mlpm.services.run_filter import Filter
from mlpm.services.run_values import RunValues
from mlpm.services.runs import Run

# An operator or a parenthesis makes the text an expression (`lr < 1e-3`, `not (a = b)`);
# anything else is words to search for.
_EXPRESSION = re.compile(r"[<>=!~()]|^\s*not\s")


def search(text: str) -> Filter:
    """Runs with every word of `text` in their name, id, group, tags, job type or notes."""
    words = text.lower().split()
    if len(words) == 1:  # the usual search: one test a run, no generator
        word = words[0]
        return Filter(text, lambda values: [word in found for found in values.texts()])
    return Filter(text, lambda values: [all(w in found for w in words) for found in values.texts()])


def parse(text: str) -> Filter | None:
    """The filter the box's text describes: None when empty (every run), an expression when it
    has an operator (a `UsageError` naming the position when malformed), else a search."""
    if not text.strip():
        return None
    if _EXPRESSION.search(text):
        return run_filter.parse(text)
    return search(text)


def kept(
    runs: Sequence[Run],
    *,
    states: Sequence[str] = (),
    match: Filter | None,
    values: RunValues | None = None,
) -> list[bool]:
    """Whether each of `runs` is in one of `states` (any state when none) and kept by `match`
    (`values`: the runs' values, when kept from an earlier filter of the same runs)."""
    if match is None:
        keep = [True] * len(runs)
    else:
        keep = match.mask(values if values is not None and values.runs is runs else RunValues(runs))
    if states:
        wanted = set(states)
        keep = [k and run.state in wanted for k, run in zip(keep, runs, strict=True)]
    return keep


def select(runs: Sequence[Run], *, states: Sequence[str] = (), match: Filter | None) -> list[Run]:
    """The runs in one of `states` (any state when none) that `match` keeps, in their order."""
    return list(compress(runs, kept(runs, states=states, match=match)))
