"""What outside files must look like: Taskwarrior's and jrnl's JSON exports, mlpm dumps."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from mlpm.errors import MlpmError


def _tw_time(value: str) -> str:
    """Taskwarrior's `20261126T233114Z` as an ISO timestamp."""
    return datetime.strptime(value, "%Y%m%dT%H%M%SZ").strftime("%Y-%m-%dT%H:%M:%S+00:00")


class TwAnnotation(BaseModel):
    entry: str
    description: str

    @field_validator("entry")
    @classmethod
    def _entry(cls, value: str) -> str:
        return _tw_time(value)


class TwTask(BaseModel):
    model_config = ConfigDict(extra="allow")

    uuid: str = Field(min_length=1)
    description: str = Field(min_length=1)
    status: Literal["pending", "completed", "deleted", "waiting", "recurring"]
    entry: str
    modified: str | None = None
    start: str | None = None
    end: str | None = None
    project: str | None = None
    tags: list[str] = []
    annotations: list[TwAnnotation] = []

    @field_validator("entry", "modified", "start", "end")
    @classmethod
    def _times(cls, value: str | None) -> str | None:
        return None if value is None else _tw_time(value)


class JrnlEntry(BaseModel):
    title: str
    body: str = ""
    date: str
    time: str = "00:00"
    tags: list[str] = []
    starred: bool = False

    @field_validator("date")
    @classmethod
    def _date(cls, value: str) -> str:
        datetime.strptime(value, "%Y-%m-%d")
        return value


class JrnlExport(BaseModel):
    tags: dict[str, int] = {}
    entries: list[JrnlEntry]


class Dump(BaseModel):
    format: Literal["mlpm-dump"]
    version: Literal[1]
    migrations: dict[str, list[str]]
    sequences: dict[str, int] = {}
    tables: dict[str, list[dict[str, Any]]]


def _fail(source: str, kind: str, exc: ValidationError) -> MlpmError:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"])
    return MlpmError(f"{source} is not {kind}: {where}: {error['msg']}")


def taskwarrior(data: Any, source: str) -> list[TwTask]:
    try:
        return TypeAdapter(list[TwTask]).validate_python(data)
    except ValidationError as exc:
        raise _fail(source, "a Taskwarrior export", exc) from None


def jrnl(data: Any, source: str) -> JrnlExport:
    try:
        return JrnlExport.model_validate(data)
    except ValidationError as exc:
        raise _fail(source, "a jrnl JSON export", exc) from None


def dump(data: Any, source: str) -> Dump:
    try:
        return Dump.model_validate(data)
    except ValidationError as exc:
        raise _fail(source, "an mlpm dump", exc) from None
