"""The one clock mlpm reads. `MLPM_NOW` (ISO 8601) freezes it for tests and demos."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta


def now() -> datetime:
    """The current local time, timezone-aware."""
    if value := os.environ.get("MLPM_NOW"):
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.astimezone()
    return datetime.now().astimezone()


def today() -> date:
    """The current local date."""
    return now().date()


def stamp(moment: datetime | None = None) -> str:
    """An ISO timestamp with offset, second precision, as stored in the database."""
    return (moment or now()).isoformat(timespec="seconds")


def parse_date(text: str) -> date:
    """Parse `YYYY-MM-DD`, `today`, `yesterday` or `-Nd` (N days ago)."""
    from mlpm.errors import UsageError

    value = text.strip().lower()
    if value == "today":
        return today()
    if value == "yesterday":
        return today() - timedelta(days=1)
    if value.startswith("-") and value.endswith("d") and value[1:-1].isdigit():
        return today() - timedelta(days=int(value[1:-1]))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"invalid date {text!r}: use YYYY-MM-DD, today, yesterday or -7d"
        ) from None
