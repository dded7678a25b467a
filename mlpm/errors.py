"""Errors a user can act on. Front ends print them as one line; anything else is a bug."""

from __future__ import annotations


class MlpmError(Exception):
    """A user-facing error: the message is the whole story. Exit code 1."""

    exit_code = 1


class UsageError(MlpmError):
    """The input was malformed (bad value for an option, unknown column...). Exit code 2."""

    exit_code = 2


class NotFound(MlpmError):
    """An id or name that does not exist."""


class Refused(MlpmError):
    """A rule (WIP limit, capacity, active projects) refused the change; `--force` overrides."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} ({self.hint})" if self.hint else base


class StoreError(MlpmError):
    """The database cannot be opened, is newer than this mlpm, or is not an mlpm database."""
