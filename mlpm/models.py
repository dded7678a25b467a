"""Domain objects: light slotted dataclasses mapped from rows, with the behaviour they own."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from mlpm.errors import UsageError

COLUMNS = ("backlog", "today", "doing", "done", "dropped")
OPEN_COLUMNS = ("backlog", "today", "doing")
PROJECT_STATUSES = ("active", "paused", "archived")


def column_name(text: str) -> str:
    """Normalise a column name given by a user; UsageError for an unknown one."""
    value = text.strip().lower()
    if value not in COLUMNS:
        raise UsageError(f"unknown column {text!r}; columns: {', '.join(COLUMNS)}")
    return value


@dataclass(slots=True)
class Project:
    id: int
    slug: str
    name: str
    status: str
    repo_path: str | None
    wandb_entity: str | None
    wandb_project: str | None
    settings: dict[str, Any]
    created_at: str
    updated_at: str
    gid: str = ""  # the global id (mlpm.store.ids), the same on every replica

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Project:
        return cls(**{**row, "settings": json.loads(row["settings"] or "{}")})

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Task:
    id: int
    project_id: int
    title: str
    notes: str
    column: str
    rank: float
    estimate: int | None
    tags: list[str]
    created_at: str
    updated_at: str
    started_at: str | None = None
    done_at: str | None = None
    dropped_at: str | None = None
    drop_reason: str | None = None
    project: str = ""  # the project's slug, when the query joined it
    gid: str = ""  # the global id (mlpm.store.ids), the same on every replica
    short_id: str = ""  # its shortest unique prefix, when the query filled it in
    assignee: str | None = None  # who it is for (an email or a name), synced as a field

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Task:
        values = dict(row)
        values["tags"] = json.loads(values.get("tags") or "[]")
        values.setdefault("project", "")
        return cls(**values)

    @property
    def is_open(self) -> bool:
        return self.column in OPEN_COLUMNS

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Lesson:
    id: int
    text: str
    category: str
    tags: list[str]
    project_id: int | None
    task_id: int | None
    commit_sha: str | None
    run_id: str | None
    created_at: str
    project: str | None = None
    highlighted: str | None = field(default=None)
    gid: str = ""  # the global id (mlpm.store.ids), the same on every replica

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Lesson:
        values = dict(row)
        values["tags"] = json.loads(values.get("tags") or "[]")
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if data["highlighted"] is None:
            del data["highlighted"]
        return data
