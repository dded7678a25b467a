"""Projects: creating, choosing the current one, and the limit on how many are active."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from typing import Any

from mlpm import clock
from mlpm.errors import MlpmError, NotFound, Refused, UsageError
from mlpm.models import PROJECT_STATUSES, Project
from mlpm.services import settings
from mlpm.store import Store

MAX_NAME = 200
# A fresh project's board rules: Doing holds two tasks; a third is refused without --force.
DEFAULT_SETTINGS: dict[str, Any] = {"wip": {"doing": {"limit": 2, "hard": True}}}


def slugify(name: str) -> str:
    """A short, stable handle for a project name ("My ASR model" -> "my-asr-model",
    "Modèle ASR" -> "modele-asr"; letters of any script are kept: "日本語" -> "日本語")."""
    kept: list[str] = []
    for ch in unicodedata.normalize("NFKD", name):
        # Accents on Latin letters go (è -> e); marks that belong to other scripts stay.
        if unicodedata.combining(ch) and kept and kept[-1].isascii():
            continue
        kept.append(ch)
    text = unicodedata.normalize("NFKC", "".join(kept)).lower()
    return re.sub(r"[\W_]+", "-", text).strip("-")[:60]


def list_projects(store: Store, *, status: str | None = None) -> list[Project]:
    sql = "SELECT * FROM project"
    params: tuple[Any, ...] = ()
    if status:
        sql += " WHERE status = ?"
        params = (status,)
    return [Project.from_row(r) for r in store.query(sql + " ORDER BY id", params)]


def get(store: Store, name: str) -> Project:
    """A project by slug, name or id."""
    row = store.one(
        "SELECT * FROM project WHERE slug = ? OR name = ? OR CAST(id AS TEXT) = ?"
        " ORDER BY slug = ? DESC LIMIT 1",
        (slugify(name) or name, name, name, slugify(name)),
    )
    if row is None:
        raise NotFound(f"no project named {name!r} (see `mlpm project list`)")
    return Project.from_row(row)


def by_id(store: Store, project_id: int) -> Project:
    row = store.one("SELECT * FROM project WHERE id = ?", (project_id,))
    if row is None:
        raise NotFound(f"no project with id {project_id}")
    return Project.from_row(row)


def current(store: Store) -> Project:
    """The project later commands act on (`mlpm project use`)."""
    slug = settings.get(store, "current_project")
    if slug:
        row = store.one("SELECT * FROM project WHERE slug = ?", (slug,))
        if row:
            return Project.from_row(row)
    raise MlpmError("no current project: create one with `mlpm project add NAME`")


def current_or_none(store: Store) -> Project | None:
    try:
        return current(store)
    except MlpmError:
        return None


def resolve(store: Store, name: str | None) -> Project:
    """The named project, or the current one when no name is given."""
    return get(store, name) if name else current(store)


def _check_active_limit(store: Store, *, adding: str) -> None:
    limit = int(settings.get(store, "active_projects_limit"))
    active = [p for p in list_projects(store, status="active") if p.slug != adding]
    if len(active) >= limit:
        names = ", ".join(p.slug for p in active)
        raise Refused(
            f"{len(active)} projects are already active ({names}); the limit is {limit}",
            hint="pause or archive one first, or add this one with --paused",
        )


def _validate_repo(path: str | None) -> str | None:
    """A repository path must be an existing folder (the git integration says if it is a
    repository); an empty string clears it."""
    if path and not os.path.isdir(path):
        raise UsageError(f"no such folder: {path}")
    return path or None


def _validate_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise UsageError("a project name cannot be empty")
    if len(name) > MAX_NAME:
        raise UsageError(f"a project name is at most {MAX_NAME} characters")
    if not slugify(name):
        raise UsageError(f"{name!r} needs at least one letter or digit")
    return name


def add(
    store: Store,
    name: str,
    *,
    paused: bool = False,
    repo_path: str | None = None,
    project_settings: dict[str, Any] | None = None,
) -> Project:
    """Create a project (active unless `paused`); the first project becomes the current one."""
    name = _validate_name(name)
    repo_path = _validate_repo(repo_path)
    slug = slugify(name)
    if store.one("SELECT 1 FROM project WHERE slug = ?", (slug,)):
        raise MlpmError(f"a project named {slug!r} already exists")
    status = "paused" if paused else "active"
    now = clock.stamp()
    with store.write(f"project add {slug}") as tx:
        if status == "active":
            _check_active_limit(store, adding=slug)
        key = tx.insert(
            "project",
            {
                "slug": slug,
                "name": name,
                "status": status,
                "repo_path": repo_path,
                "settings": json.dumps(project_settings or DEFAULT_SETTINGS),
                "created_at": now,
                "updated_at": now,
            },
        )
        if not settings.get(store, "current_project"):
            settings._put(tx, "current_project", slug)
    return by_id(store, key)


def use(store: Store, name: str) -> Project:
    project = get(store, name)
    settings.put(store, "current_project", project.slug, command=f"project use {project.slug}")
    return project


def set_status(store: Store, name: str, status: str) -> Project:
    """Activate, pause or archive a project; activating respects the active-project limit."""
    if status not in PROJECT_STATUSES:
        raise UsageError(f"unknown status {status!r}")
    project = get(store, name)
    if project.status == status:
        return project
    with store.write(f"project {status} {project.slug}") as tx:
        if status == "active":
            _check_active_limit(store, adding=project.slug)
        tx.update("project", project.id, {"status": status, "updated_at": clock.stamp()})
    return by_id(store, project.id)


def edit(
    store: Store,
    name: str,
    *,
    new_name: str | None = None,
    repo_path: str | None = None,
    wandb_entity: str | None = None,
    wandb_project: str | None = None,
) -> Project:
    project = get(store, name)
    changes: dict[str, Any] = {}
    if new_name is not None:
        changes["name"] = _validate_name(new_name)
    if repo_path is not None:
        changes["repo_path"] = _validate_repo(repo_path)
    if wandb_entity is not None:
        changes["wandb_entity"] = wandb_entity or None
    if wandb_project is not None:
        changes["wandb_project"] = wandb_project or None
    if changes:
        changes["updated_at"] = clock.stamp()
        with store.write(f"project edit {project.slug}") as tx:
            tx.update("project", project.id, changes)
    return by_id(store, project.id)


def update_settings(store: Store, project: Project, new: dict[str, Any], *, command: str) -> None:
    with store.write(command) as tx:
        tx.update("project", project.id, {"settings": json.dumps(new), "updated_at": clock.stamp()})
