"""Timer policy: how long a session may be, when work hours are, which break is due, and when
a finished focus session may be kept going."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta

from mlpm.errors import UsageError
from mlpm.services import settings
from mlpm.services.timer_session import MAX_OVERTIME, Session, now_or_clock, sessions_on
from mlpm.store import Store

MAX_MINUTES = 8 * 60
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def planned_seconds(minutes: float | None, default_minutes: int) -> int:
    """A session length in seconds; zero, negative or over eight hours is refused."""
    value = default_minutes if minutes is None else minutes
    if isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"a session lasts more than 0 and at most {MAX_MINUTES} minutes")
    if value <= 0:
        raise UsageError(f"a session lasts more than 0 minutes (got {value:g})")
    if value > MAX_MINUTES:
        raise UsageError(f"a session lasts at most {MAX_MINUTES} minutes (8 hours; got {value:g})")
    return max(1, round(value * 60))


def _parse_days(text: str) -> set[int]:
    days: set[int] = set()
    for part in text.lower().split(","):
        ends = [_DAYS.index(p.strip()) for p in part.split("-")]
        first, last = ends[0], ends[-1]
        index = first
        days.add(index)
        while index != last:  # ranges may wrap: fri-mon
            index = (index + 1) % 7
            days.add(index)
    return days


def work_hours_problem(store: Store, now: datetime | None = None) -> str | None:
    """Why `now` is outside the work-hours setting, or None when it is inside."""
    now = now_or_clock(now)
    hours = str(settings.get(store, "timer.work_hours"))
    days = str(settings.get(store, "timer.work_days"))
    try:
        first, last = (time.fromisoformat(h.strip()) for h in hours.split("-"))
        work_days = _parse_days(days)
    except ValueError:
        return None  # a malformed stored value (validated on the way in) guards nothing
    if now.weekday() not in work_days:
        return f"{now.strftime('%A')} is outside your work days ({days})"
    moment = now.time().replace(tzinfo=None)
    if first == last:
        inside = True
    elif first < last:
        inside = first <= moment < last
    else:  # an overnight shift, e.g. 22:00-06:00
        inside = moment >= first or moment < last
    if not inside:
        return f"{now.strftime('%H:%M')} is outside your work hours ({hours})"
    return None


def focus_since_long_break(sessions: list[Session]) -> int:
    count = 0
    for session in sessions:
        if session.kind == "long_break":
            count = 0
        elif session.is_focus and session.outcome == "finished":
            count += 1
    return count


def next_break_kind(store: Store, now: datetime | None = None) -> str:
    """A long break after every N finished focus sessions (since the last long break today)."""
    today = sessions_on(store, now_or_clock(now).date().isoformat())
    return next_break_kind_after(store, today, extra=0)


def break_earned(store: Store, last: Session | None, now: datetime) -> bool:
    """A break is earned by a focus session that finished (ran its planned time, or was kept
    going), and offered only until a long break's length has passed since it ended; after an
    interrupted session or a long pause, a focus session comes next."""
    if last is None or not last.is_focus or last.outcome != "finished" or last.ended_at is None:
        return False
    window = timedelta(minutes=int(settings.get(store, "timer.long_break_minutes")))
    return now < last.ended_at + window


def cycle_position(done: int, every: int) -> int:
    """Where `done` focus sessions sit in the cycle towards a long break: 0, then 1..every."""
    return (done - 1) % every + 1 if done else 0


def next_break_kind_after(store: Store, today: list[Session], *, extra: int) -> str:
    """The break due once `extra` more focus sessions finish."""
    every = int(settings.get(store, "timer.long_break_every"))
    done = focus_since_long_break(today) + extra
    return "long_break" if done and done % every == 0 else "short_break"


def reopenable(last: Session, now: datetime) -> bool:
    """A focus session that ran its full time recently enough to count overtime after it."""
    return (
        last.is_focus
        and last.outcome == "finished"
        and last.ended_at == last.planned_end
        and now < last.planned_end + MAX_OVERTIME
    )
