"""The settings schema (pydantic). Imported only when a setting is written or a file is read."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from mlpm.errors import UsageError

_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Settings(BaseModel):
    """Every user setting with its type and bounds."""

    model_config = {"populate_by_name": True}

    active_projects_limit: int = Field(3, ge=1, le=50)
    capacity_tasks: int = Field(5, ge=1, le=100)
    capacity_pomodoros: int = Field(8, ge=1, le=100)
    unestimated_pomodoros: int = Field(1, ge=0, le=20)
    focus_minutes: int = Field(25, ge=1, le=480, alias="timer.focus_minutes")
    short_break_minutes: int = Field(5, ge=1, le=120, alias="timer.short_break_minutes")
    long_break_minutes: int = Field(15, ge=1, le=240, alias="timer.long_break_minutes")
    long_break_every: int = Field(4, ge=1, le=20, alias="timer.long_break_every")
    work_hours: str = Field("09:00-18:00", alias="timer.work_hours")
    work_days: str = Field("mon-fri", alias="timer.work_days")
    strict_work_hours: bool = Field(False, alias="timer.strict_work_hours")
    # This person's Doing limit in each project (0: none), beside the project's own.
    doing_limit: int = Field(0, ge=0, le=10_000, alias="wip.doing")
    # How often the TUI syncs (0: only when it opens); who this replica's owner is.
    sync_every_minutes: int = Field(10, ge=0, le=1440, alias="sync.every_minutes")
    sync_person: str = Field("", max_length=200, alias="sync.person")

    @field_validator("work_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        if not _HOURS.match(value):
            raise ValueError("use HH:MM-HH:MM, e.g. 09:00-18:00")
        return value

    @field_validator("work_days")
    @classmethod
    def _days(cls, value: str) -> str:
        parts = [p.strip().lower() for p in value.split(",")]
        for part in parts:
            ends = part.split("-")
            if len(ends) > 2 or any(end not in _DAYS for end in ends):
                raise ValueError("use day names or ranges, e.g. mon-fri or mon,wed,fri")
        return ",".join(parts)


def validate_setting(key: str, raw: str) -> Any:
    """Parse and check one setting from text; raise UsageError naming the problem."""
    field = next(
        (name for name, info in Settings.model_fields.items() if (info.alias or name) == key),
        None,
    )
    if field is None:
        raise UsageError(f"unknown setting {key!r}")
    try:
        model = Settings.model_validate({key: raw})
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        raise UsageError(f"invalid value {raw!r} for {key}: {message}") from None
    return getattr(model, field)
