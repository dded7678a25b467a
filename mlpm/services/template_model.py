"""The template file format (TOML), validated by pydantic; errors name the file, field and line."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mlpm.errors import MlpmError

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StarterTask(Strict):
    title: str = Field(min_length=1, max_length=10_000)
    column: Literal["backlog", "today", "doing"] = "backlog"
    estimate: int | None = Field(None, ge=1, le=100)
    tags: list[str] = []
    notes: str = ""


class ChecklistItem(Strict):
    text: str = Field(min_length=1, max_length=10_000)
    category: str = Field("general", pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    tags: list[str] = []


class WipLimit(Strict):
    limit: int = Field(ge=1, le=10_000)
    hard: bool = False


class Capacity(Strict):
    tasks: int = Field(5, ge=1, le=100)
    pomodoros: int = Field(8, ge=1, le=100)


class Template(Strict):
    name: str
    description: str = ""
    capacity: Capacity = Capacity()
    wip: dict[Literal["backlog", "today", "doing", "done", "dropped"], WipLimit] = {}
    tasks: list[StarterTask] = []
    checklist: list[ChecklistItem] = []

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError("a template name is lower-case letters, digits, - or _")
        return value


def _line_of(text: str, loc: tuple[int | str, ...]) -> int | None:
    """Best-effort line number of a field: follow `[[tasks]]` occurrences, then the key."""
    lines = text.splitlines()
    start, key = 0, None
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        index = parts[0] if parts else None
        if isinstance(part, str) and isinstance(index, int):
            parts.pop(0)
            headers = [i for i, line in enumerate(lines) if line.strip() == f"[[{part}]]"]
            if index < len(headers):
                start = headers[index]
            continue
        key = str(part)
    if key is None:
        return start + 1 if start else None
    pattern = re.compile(rf"^\s*(\[+[\w.]*\b{re.escape(key)}\b[\w.]*\]+|{re.escape(key)}\s*=)")
    for i in range(start, len(lines)):
        if pattern.match(lines[i]):
            return i + 1
    return start + 1 if start else None


def parse(text: str, source: Path | str) -> Template:
    """Parse and validate a template; MlpmError names the file, the field and the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MlpmError(f"{source}: not valid TOML: {exc}") from None
    try:
        return Template.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        field = ".".join(str(p) for p in loc) or "(top level)"
        line = _line_of(text, loc)
        where = f", line {line}" if line else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        raise MlpmError(f"{source}: {field}{where}: {message}") from None
