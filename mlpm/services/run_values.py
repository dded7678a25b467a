"""Each key's values over one list of runs, looked up once: a filter tests them a column at a
time (10,000 runs filtered again in the TUI cost a comparison each, not a lookup each)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlpm.services.run_fields import getter
from mlpm.services.runs import Run


def searched_text(run: Run) -> str:
    """What a text search looks in, lower-cased: name, id, group, job type, notes, tags."""
    parts = [run.id, run.label, run.group or "", run.job_type or "", run.notes or "", *run.tags]
    return "\n".join(parts).lower()


class RunValues:
    """The values of `runs` (a list that must not change while this is kept), by key, in the
    runs' order; each key found on first use."""

    def __init__(self, runs: Sequence[Run]) -> None:
        self.runs = runs
        self._values: dict[str, list[Any]] = {}
        self._texts: list[str] | None = None

    def of(self, key: str) -> list[Any]:
        """What `key` names on each run (`run_fields.getter`), None where a run has none."""
        found = self._values.get(key)
        if found is None:
            found = self._values[key] = list(map(getter(key), self.runs))
        return found

    def texts(self) -> list[str]:
        """Each run's searched text."""
        if self._texts is None:
            self._texts = [searched_text(run) for run in self.runs]
        return self._texts
