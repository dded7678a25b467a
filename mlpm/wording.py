"""Counts and spans of time as people write them: "1 pomodoro", "3 days", "12 min"."""

from __future__ import annotations

import math

IRREGULAR = {"day": "days"}


def counted(n: int | float, word: str, many: str | None = None) -> str:
    """`n` and `word`, plural unless `n` is 1: "1 task", "2 tasks", "0 pomodoros"."""
    shown = f"{n:g}" if isinstance(n, float) else f"{n:,}"
    return f"{shown} {word if n == 1 else many or IRREGULAR.get(word, word + 's')}"


def span(seconds: float) -> str:
    """A length of time that cannot be read as a clock time: "45s", "12 min", "12m05s",
    "1h05m"."""
    total = max(0, math.ceil(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if not minutes:
        return f"{secs}s"
    return f"{minutes} min" if not secs else f"{minutes}m{secs:02d}s"
