"""Which trackers a project uses: its `trackers` setting (default: every one that is found)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlpm.errors import UsageError

if TYPE_CHECKING:
    from mlpm.models import Project
    from mlpm.store import Store

TRACKERS = ("wandb", "mlflow")


def trackers(project: Project | None) -> tuple[str, ...]:
    """The trackers `runs sync` looks for by default (unknown names in the setting ignored)."""
    chosen = (project.settings.get("trackers") if project else None) or TRACKERS
    return tuple(t for t in TRACKERS if t in chosen)


def parse(text: str) -> list[str]:
    """`wandb,mlflow` as a list; empty text: the default (every tracker)."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in TRACKERS]
    if unknown:
        raise UsageError(f"unknown tracker {unknown[0]!r}; known: {', '.join(TRACKERS)}")
    return names


def set_trackers(store: Store, project: Project, text: str) -> list[str]:
    """Store the project's `trackers` setting from `wandb,mlflow` text ('' clears it)."""
    from mlpm.services import projects

    names = parse(text)
    settings = dict(project.settings)
    if names:
        settings["trackers"] = names
    else:
        settings.pop("trackers", None)
    projects.update_settings(store, project, settings, command=f"project edit {project.slug}")
    return names
