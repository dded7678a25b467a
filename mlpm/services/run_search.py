"""Which runs a filter box keeps: text search over a run's name, id, group, tags, job type and
notes, or a `--filter` expression (`run_filter`) when the text has an operator in it; and the
state filter, as `runs list --state` applies it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from mlpm.services import run_filter
from mlpm.services.run_filter import Filter
from mlpm.services.runs import Run

# An operator or a parenthesis makes the text an expression (`lr < 1e-3`, `not (a = b)`);
# anything else is words to search for.
_EXPRESSION = re.compile(r"[<>=!~()]|^\s*not\s")


def searched_text(run: Run) -> str:
    """What a text search looks in, lower-cased."""
    parts = [run.id, run.label, run.group or "", run.job_type or "", run.notes or "", *run.tags]
    return "\n".join(parts).lower()


def index(runs: Sequence[Run]) -> dict[str, str]:
    """Each run's searched text by run id: built once, a search of 10,000 runs only scans."""
    return {run.id: searched_text(run) for run in runs}


def search(text: str, texts: dict[str, str] | None = None) -> Filter:
    """Runs with every word of `text` in their name, id, group, tags, job type or notes
    (`texts`: their `index`, when built)."""
    words = text.lower().split()
    known = texts if texts is not None else {}

    def test(run: Run) -> bool:
        found = known.get(run.id)
        haystack = found if found is not None else searched_text(run)
        return all(w in haystack for w in words)

    if len(words) == 1:  # the usual search, without a generator a run (10,000 in the TUI)
        word = words[0]

        def test(run: Run) -> bool:
            found = known.get(run.id)
            return word in (found if found is not None else searched_text(run))

    return Filter(text, test)


def parse(text: str, texts: dict[str, str] | None = None) -> Filter | None:
    """The filter the box's text describes: None when empty (every run), an expression when it
    has an operator (a `UsageError` naming the position when malformed), else a search."""
    if not text.strip():
        return None
    if _EXPRESSION.search(text):
        return run_filter.parse(text)
    return search(text, texts)


def select(runs: Sequence[Run], *, states: Sequence[str] = (), match: Filter | None) -> list[Run]:
    """The runs in one of `states` (any state when none) that `match` keeps, in their order."""
    wanted = set(states)
    return [
        run
        for run in runs
        if (not wanted or run.state in wanted) and (match is None or match.matches(run))
    ]
