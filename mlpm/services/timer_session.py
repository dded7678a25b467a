"""Timer sessions: the `focus_session` row as a model, reading it, and settling one whose time ran
out. Nothing ticks in the background: every reader compares the row with the clock, so a
crash or a reboot loses nothing. A session whose time ran out while no one was watching is
recorded as finished at its planned end the next time anything reads it.

Every function takes an optional `now` so tests drive the state machine with a fake clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from mlpm import clock
from mlpm.errors import NotFound
from mlpm.store import Store, Tx

KINDS = ("focus", "short_break", "long_break")
KIND_NAMES = {"focus": "focus session", "short_break": "short break", "long_break": "long break"}
# A session kept going past its end is closed on the next read once it has run this much over:
# nobody works four hours past a pomodoro without noticing.
MAX_OVERTIME = timedelta(hours=4)

_SELECT = (
    "SELECT focus_session.*, task.title AS task_title, project.slug AS project"
    " FROM focus_session LEFT JOIN task ON task.id = focus_session.task_id"
    " LEFT JOIN project ON project.id = task.project_id"
)


def _parse(stamp: str | None) -> datetime | None:
    return datetime.fromisoformat(stamp) if stamp else None


@dataclass(slots=True)
class Session:
    """One focus session or break."""

    id: int
    kind: str
    task_id: int | None
    started_at: datetime
    planned_seconds: int
    ended_at: datetime | None = None
    outcome: str | None = None  # None while running; then "finished" or "interrupted"
    reason: str | None = None
    overtime_seconds: int = 0
    keep_going: bool = False
    task_title: str | None = None
    project: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Session:
        return cls(
            id=row["id"],
            kind=row["kind"],
            task_id=row["task_id"],
            started_at=_parse(row["started_at"]),  # type: ignore[arg-type]
            planned_seconds=row["planned_seconds"],
            ended_at=_parse(row["ended_at"]),
            outcome=row["outcome"],
            reason=row["reason"],
            overtime_seconds=row["overtime_seconds"],
            keep_going=bool(row["keep_going"]),
            task_title=row.get("task_title"),
            project=row.get("project"),
        )

    @property
    def name(self) -> str:
        return KIND_NAMES[self.kind]

    @property
    def is_focus(self) -> bool:
        return self.kind == "focus"

    @property
    def is_running(self) -> bool:
        return self.ended_at is None

    @property
    def planned_end(self) -> datetime:
        return self.started_at + timedelta(seconds=self.planned_seconds)

    def elapsed(self, now: datetime) -> float:
        """Seconds since the start (up to the end, once it has ended)."""
        end = self.ended_at or now
        return max(0.0, (end - self.started_at).total_seconds())

    def remaining(self, now: datetime) -> float:
        """Seconds left before the planned end (0 once it is reached or the session ended;
        never more than planned, should the clock have been set back)."""
        if not self.is_running:
            return 0.0
        left = (self.planned_end - now).total_seconds()
        return min(float(self.planned_seconds), max(0.0, left))

    def overtime(self, now: datetime) -> float:
        """Seconds worked past the planned end by choice (recorded once the session ends)."""
        if not self.is_running:
            return float(self.overtime_seconds)
        if not self.keep_going:
            return 0.0
        return max(0.0, (now - self.planned_end).total_seconds())

    def expiry(self) -> datetime:
        """When a running session closes by itself if nobody stops it."""
        return self.planned_end + (MAX_OVERTIME if self.keep_going else timedelta())

    def label(self) -> str:
        """`focus session on #3 'title'` or `short break`."""
        if self.task_id is None:
            return self.name
        return f"{self.name} on #{self.task_id} {short(self.task_title or '')!r}"

    def to_json(self, now: datetime | None = None) -> dict[str, Any]:
        moment = now or clock.now()
        return {
            "id": self.id,
            "kind": self.kind,
            "task_id": self.task_id,
            "task_title": self.task_title,
            "project": self.project,
            "started_at": clock.stamp(self.started_at),
            "planned_minutes": round(self.planned_seconds / 60, 2),
            "planned_end": clock.stamp(self.planned_end),
            "ended_at": clock.stamp(self.ended_at) if self.ended_at else None,
            "outcome": self.outcome,
            "reason": self.reason,
            "running": self.is_running,
            "keep_going": self.keep_going,
            "elapsed_seconds": int(self.elapsed(moment)),
            "remaining_seconds": math.ceil(self.remaining(moment)),
            "overtime_seconds": int(self.overtime(moment)),
        }


def short(title: str, size: int = 50) -> str:
    return title if len(title) <= size else title[: size - 1] + "…"


def fmt_seconds(seconds: float) -> str:
    """`MM:SS`, or `H:MM:SS` from an hour up."""
    total = max(0, math.ceil(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def now_or_clock(now: datetime | None) -> datetime:
    return now or clock.now()


def get(store: Store, session_id: int) -> Session:
    row = store.one(_SELECT + " WHERE focus_session.id = ?", (session_id,))
    if row is None:
        raise NotFound(f"no timer session with id {session_id}")
    return Session.from_row(row)


def open_row(store: Store) -> Session | None:
    """The row still marked running, whether or not its time has run out (no settling)."""
    row = store.one(_SELECT + " WHERE focus_session.ended_at IS NULL LIMIT 1")
    return Session.from_row(row) if row else None


def close(tx: Tx, session: Session, end: datetime, outcome: str, reason: str | None) -> Session:
    over = 0
    if session.keep_going and end > session.planned_end:
        over = int((end - session.planned_end).total_seconds())
    tx.update(
        "focus_session",
        session.id,
        {
            "ended_at": clock.stamp(end),
            "outcome": outcome,
            "reason": reason,
            "overtime_seconds": over,
        },
    )
    return get(tx.store, session.id)


def settle_in(tx: Tx, now: datetime) -> Session | None:
    """Inside a write: close the running session if its time ran out; return it if closed."""
    session = open_row(tx.store)
    if session is None or now < session.expiry():
        return None
    return close(tx, session, session.expiry(), "finished", None)


def settle(store: Store, now: datetime | None = None) -> Session | None:
    """Record a session that ran out while nobody watched as finished at its planned end.

    Reads first, and writes only when there is something to close, so a display polling every
    second does not take the write lock.
    """
    now = now_or_clock(now)
    session = open_row(store)
    if session is None or now < session.expiry():
        return None
    with store.write("timer settle", undoable=False) as tx:
        return settle_in(tx, now)


def running(store: Store, now: datetime | None = None) -> Session | None:
    """The session running now (after settling one that ran out), or None."""
    settle(store, now)
    return open_row(store)


def last_ended(store: Store) -> Session | None:
    row = store.one(
        # One session runs at a time, so sessions end in the order they started.
        _SELECT + " WHERE focus_session.ended_at IS NOT NULL ORDER BY focus_session.id DESC LIMIT 1"
    )
    return Session.from_row(row) if row else None


def sessions_on(store: Store, day: str) -> list[Session]:
    """Every session started on `day` (YYYY-MM-DD, local), oldest first."""
    following = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    rows = store.query(  # a range on the text stamps, so the index on started_at serves it
        _SELECT + " WHERE focus_session.started_at >= ? AND focus_session.started_at < ?"
        " ORDER BY focus_session.id",
        (day, following),
    )
    return [Session.from_row(r) for r in rows]
