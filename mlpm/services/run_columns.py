"""Which extra columns a runs table shows: chosen with `--columns`, remembered per project in
its `run_columns` setting, else the runs' shared key metric (`metric_rules`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mlpm.errors import UsageError
from mlpm.services.metric_rules import shared_key_metric

if TYPE_CHECKING:
    from mlpm.models import Project
    from mlpm.services.runs import Run
    from mlpm.store import Store

SETTING = "run_columns"


def parse(text: str) -> list[str]:
    """`lr,model,val/acc` as a list of keys (blanks and repeats dropped)."""
    keys: list[str] = []
    for part in text.split(","):
        key = part.strip()
        if key and key not in keys:
            keys.append(key)
    if not keys and text.strip():
        raise UsageError(f"no column keys in {text!r}: give e.g. lr,model,val/acc")
    return keys


def saved(project: Project | None) -> list[str]:
    """The project's remembered columns ([] when none)."""
    value = project.settings.get(SETTING) if project else None
    return [str(k) for k in value] if isinstance(value, list) else []


def save(store: Store, project: Project, keys: Sequence[str]) -> None:
    """Remember `keys` as the project's columns (none: forget them, back to the default)."""
    from mlpm.services import projects

    settings = dict(project.settings)
    if keys:
        settings[SETTING] = list(keys)
    else:
        settings.pop(SETTING, None)
    projects.update_settings(store, project, settings, command=f"runs columns {project.slug}")


def chosen(project: Project | None, runs: Sequence[Run], given: Sequence[str] | None) -> list[str]:
    """The columns to show: the ones given, else the project's, else the key metric."""
    if given is not None:
        return list(given)
    remembered = saved(project)
    if remembered:
        return remembered
    key = shared_key_metric(runs)
    return [key] if key else []
