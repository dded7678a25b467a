"""What a key names on a run, the same for `--filter`, `--columns` and `--sort`: a run field
(name, state, group, tags...), `config.KEY`, `summary.KEY`, or a bare key looked up in the
summary first, then the config."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from mlpm.services.runs import Run, lookup, number

# Run fields by the names a user types; they win over config or summary keys of the same name
# (`config.name` reaches a config key called name).
FIELDS: dict[str, Callable[[Run], Any]] = {
    "id": lambda r: r.id,
    "name": lambda r: r.label,
    "state": lambda r: r.state,
    "group": lambda r: r.group,
    "tags": lambda r: list(r.tags),
    "job_type": lambda r: r.job_type,
    "commit": lambda r: r.commit,
    "started": lambda r: r.start_time,
    "runtime": lambda r: r.runtime,
    "exit_code": lambda r: r.exit_code,
    "source": lambda r: r.source,
}
FIELD_ALIASES = {"start": "started", "start_time": "started", "job": "job_type"}


def _get(data: dict[str, Any], key: str) -> Any:
    return lookup(data, key) if key else None


@lru_cache(maxsize=1024)
def getter(key: str) -> Callable[[Run], Any]:
    """What `key` names, found once, as a function of a run (a filter or a sort over 10,000
    runs looks the key up once, not once a run)."""
    field = FIELDS.get(FIELD_ALIASES.get(key, key))
    if field is not None:
        return field
    if key.startswith("config."):
        sub = key[len("config.") :]
        return lambda run: _get(run.config, sub)
    if key.startswith("summary."):
        sub = key[len("summary.") :]
        return lambda run: _get(run.summary, sub)

    dotted = "." in key  # else a key is found only as itself: no path to walk

    def summary_then_config(run: Run) -> Any:  # one call a run: 10,000 runs a filter
        summary = run.summary
        found = summary[key] if key in summary else lookup(summary, key) if dotted else None
        if found is not None:
            return found
        config = run.config
        return config[key] if key in config else lookup(config, key) if dotted else None

    return summary_then_config


def resolve(run: Run, key: str) -> Any:
    """The value `key` names on `run`, or None when the run has none."""
    return getter(key)(run)


def known(runs: Sequence[Run], key: str) -> bool:
    """Whether `key` names something on at least one of `runs` (fields always do)."""
    if FIELD_ALIASES.get(key, key) in FIELDS:
        return True
    return any(resolve(run, key) is not None for run in runs)


def missing(runs: Sequence[Run], keys: Sequence[str]) -> list[str]:
    """The keys of `keys` that name nothing on any of `runs` (a typo, most likely)."""
    return [key for key in keys if not known(runs, key)] if runs else []


def sort_key(value: Any) -> tuple[int, Any]:
    """Orders values of one column: numbers by value, then text, then anything else by its
    text (so a column mixing types never fails to sort)."""
    as_number = number(value)
    if as_number is not None and as_number == as_number:
        return (0, as_number)
    if isinstance(value, str):
        return (1, value.lower())
    return (2, str(value))


def sort_runs(runs: Sequence[Run], column: str) -> list[Run]:
    """`runs` sorted by `column` (`-column`: descending); runs without a value stay last."""
    descending = column.startswith("-")
    key = column[1:] if descending else column
    get = getter(key)
    values = [(run, get(run)) for run in runs]  # once a run: 10,000 in the TUI
    present = [(sort_key(v), run) for run, v in values if v not in (None, [])]
    missing = [run for run, v in values if v in (None, [])]
    present.sort(key=lambda pair: pair[0], reverse=descending)
    return [run for _, run in present] + missing
