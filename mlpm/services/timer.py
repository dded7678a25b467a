"""The pomodoro timer: focus sessions bound to tasks, and breaks, kept in the database.

A session is a `focus_session` row: started, planned length, and (once over) when it ended and
how (finished or interrupted). Nothing ticks in the background: every reader compares the row
with the clock, so a crash or a reboot loses nothing. A session whose time ran out while no one
was watching is recorded as finished at its planned end the next time anything reads it. A user
who keeps working past the end says so (`keep_going`), and the overtime is counted.

At most one session (focus or break) runs at a time, across processes: starts happen inside a
`BEGIN IMMEDIATE` write, and a partial unique index on running rows backs that up.

Every function takes an optional `now` so tests drive the state machine with a fake clock.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from mlpm import clock
from mlpm.errors import MlpmError, NotFound, Refused, UsageError
from mlpm.models import Task
from mlpm.services import settings
from mlpm.store import Store, Tx

KINDS = ("focus", "short_break", "long_break")
KIND_NAMES = {"focus": "focus session", "short_break": "short break", "long_break": "long break"}
MAX_MINUTES = 8 * 60
# A session kept going past its end is closed on the next read once it has run this much over:
# nobody works four hours past a pomodoro without noticing.
MAX_OVERTIME = timedelta(hours=4)
MAX_REASON = 1_000
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

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


@dataclass(slots=True)
class Status:
    """What a timer display shows: the running session, today's count, what comes next."""

    now: datetime
    running: Session | None
    last: Session | None  # the most recent session that has ended
    focus_done_today: int
    focus_minutes_today: int
    next_kind: str  # what to start after the running session (or now, if none runs)
    next_task: Task | None  # the task a focus session would start on by default
    settled: list[Session] = field(default_factory=list)  # sessions this read closed
    next_minutes: int = 0  # the default length of what comes next
    cycle_done: int = 0  # focus sessions finished since the last long break (today)
    cycle_length: int = 4  # a long break comes after this many
    can_keep_going: bool = False  # `keep_going` would work now (overtime can start)

    def to_json(self) -> dict[str, Any]:
        return {
            "now": clock.stamp(self.now),
            "running": self.running.to_json(self.now) if self.running else None,
            "last": self.last.to_json(self.now) if self.last else None,
            "focus_done_today": self.focus_done_today,
            "focus_minutes_today": self.focus_minutes_today,
            "next": self.next_kind,
            "next_minutes": self.next_minutes,
            "cycle_done": self.cycle_done,
            "cycle_length": self.cycle_length,
            "can_keep_going": self.can_keep_going,
            "next_task": (
                {"id": self.next_task.id, "title": self.next_task.title} if self.next_task else None
            ),
        }


@dataclass(slots=True)
class Started:
    session: Session
    warnings: list[str] = field(default_factory=list)
    ended: Session | None = None  # a break or an overtime session this start closed


def short(title: str, size: int = 50) -> str:
    return title if len(title) <= size else title[: size - 1] + "…"


def fmt_seconds(seconds: float) -> str:
    """`MM:SS`, or `H:MM:SS` from an hour up."""
    total = max(0, math.ceil(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


# -- reading -----------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or clock.now()


def get(store: Store, session_id: int) -> Session:
    row = store.one(_SELECT + " WHERE focus_session.id = ?", (session_id,))
    if row is None:
        raise NotFound(f"no timer session with id {session_id}")
    return Session.from_row(row)


def _open_row(store: Store) -> Session | None:
    """The row still marked running, whether or not its time has run out (no settling)."""
    row = store.one(_SELECT + " WHERE focus_session.ended_at IS NULL LIMIT 1")
    return Session.from_row(row) if row else None


def _close(tx: Tx, session: Session, end: datetime, outcome: str, reason: str | None) -> Session:
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


def _settle_in(tx: Tx, now: datetime) -> Session | None:
    """Inside a write: close the running session if its time ran out; return it if closed."""
    session = _open_row(tx.store)
    if session is None or now < session.expiry():
        return None
    return _close(tx, session, session.expiry(), "finished", None)


def settle(store: Store, now: datetime | None = None) -> Session | None:
    """Record a session that ran out while nobody watched as finished at its planned end.

    Reads first, and writes only when there is something to close, so a display polling every
    second does not take the write lock.
    """
    now = _now(now)
    session = _open_row(store)
    if session is None or now < session.expiry():
        return None
    with store.write("timer settle", undoable=False) as tx:
        return _settle_in(tx, now)


def running(store: Store, now: datetime | None = None) -> Session | None:
    """The session running now (after settling one that ran out), or None."""
    settle(store, now)
    return _open_row(store)


def task_in_progress(store: Store, now: datetime | None = None) -> int | None:
    """The task of the focus session running now, else None. Reads only, never writes."""
    session = _open_row(store)
    if session is None or not session.is_focus or _now(now) >= session.expiry():
        return None
    return session.task_id


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


def _focus_since_long_break(sessions: list[Session]) -> int:
    count = 0
    for session in sessions:
        if session.kind == "long_break":
            count = 0
        elif session.is_focus and session.outcome == "finished":
            count += 1
    return count


def next_break_kind(store: Store, now: datetime | None = None) -> str:
    """A long break after every N finished focus sessions (since the last long break today)."""
    today = sessions_on(store, _now(now).date().isoformat())
    return next_break_kind_after(store, today, extra=0)


def default_task(store: Store) -> Task | None:
    """The task a focus session starts on when none is named: the task in Doing (the current
    project's first), else the first open task of today's plan."""
    from mlpm.services import projects, tasks, today

    current = projects.current_or_none(store)
    doing = tasks.list_tasks(store, project=current, column="doing") if current else []
    doing = doing or tasks.list_tasks(store, column="doing")
    if doing:
        return doing[0]
    for entry in today.open_entries(store):
        if entry.task.is_open:
            return entry.task
    return None


def candidates(store: Store) -> list[Task]:
    """Tasks worth focusing on, in the order offered: Doing, then today's open plan."""
    from mlpm.services import tasks, today

    found = {t.id: t for t in tasks.list_tasks(store, column="doing")}
    for entry in today.open_entries(store):
        if entry.task.is_open:
            found.setdefault(entry.task.id, entry.task)
    return list(found.values())


def status(store: Store, now: datetime | None = None) -> Status:
    """Everything `timer status` and the timer screen show."""
    now = _now(now)
    closed = settle(store, now)
    current = _open_row(store)
    today = sessions_on(store, now.date().isoformat())
    finished = [s for s in today if s.is_focus and s.outcome == "finished"]
    minutes = sum(s.elapsed(now) for s in today if s.is_focus and not s.is_running) / 60
    if current is not None and current.is_focus:
        next_kind = next_break_kind_after(store, today, extra=1)
    elif current is None and _break_earned(store, last_ended(store), now):
        # A focus session just ran its time: a break comes next (offered, not forced).
        next_kind = next_break_kind_after(store, today, extra=0)
    else:
        next_kind = "focus"
    every = int(settings.get(store, "timer.long_break_every"))
    last = last_ended(store)
    if current is not None:
        can_keep_going = current.is_focus and not current.keep_going
    else:
        can_keep_going = last is not None and _reopenable(last, now)
    return Status(
        now=now,
        running=current,
        last=last,
        focus_done_today=len(finished),
        focus_minutes_today=round(minutes),
        next_kind=next_kind,
        next_task=default_task(store),
        settled=[closed] if closed else [],
        next_minutes=int(settings.get(store, f"timer.{next_kind}_minutes")),
        cycle_done=_cycle_position(_focus_since_long_break(today), every),
        cycle_length=every,
        can_keep_going=can_keep_going,
    )


def _break_earned(store: Store, last: Session | None, now: datetime) -> bool:
    """A break is earned by a focus session that finished (ran its planned time, or was kept
    going), and offered only until a long break's length has passed since it ended; after an
    interrupted session or a long pause, a focus session comes next."""
    if last is None or not last.is_focus or last.outcome != "finished" or last.ended_at is None:
        return False
    window = timedelta(minutes=int(settings.get(store, "timer.long_break_minutes")))
    return now < last.ended_at + window


def _cycle_position(done: int, every: int) -> int:
    """Where `done` focus sessions sit in the cycle towards a long break: 0, then 1..every."""
    return (done - 1) % every + 1 if done else 0


def next_break_kind_after(store: Store, today: list[Session], *, extra: int) -> str:
    """The break due once `extra` more focus sessions finish."""
    every = int(settings.get(store, "timer.long_break_every"))
    done = _focus_since_long_break(today) + extra
    return "long_break" if done and done % every == 0 else "short_break"


# -- checks ------------------------------------------------------------------------------------


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
    now = _now(now)
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


def _task_for_focus(store: Store, task_id: int | None) -> Task:
    from mlpm.services import tasks

    if task_id is None:
        task = default_task(store)
        if task is None:
            raise MlpmError(
                "no task to focus on: name one (mlpm timer start ID), start one"
                " (mlpm task start ID) or plan one (mlpm today add ID)"
            )
        return task
    task = tasks.get(store, task_id)
    if not task.is_open:
        raise MlpmError(f"task {task_id} is {task.column}; focus on an open task")
    return task


def _busy(session: Session, now: datetime) -> MlpmError:
    if session.keep_going:
        when = f"{fmt_seconds(session.overtime(now))} over"
    else:
        when = f"{fmt_seconds(session.remaining(now))} left"
    return MlpmError(f"a {session.label()} is already running ({when}); stop it first")


# -- changes -----------------------------------------------------------------------------------


def _insert(tx: Tx, kind: str, task_id: int | None, now: datetime, seconds: int) -> Session:
    try:
        key = tx.insert(
            "focus_session",
            {
                "task_id": task_id,
                "kind": kind,
                "started_at": clock.stamp(now),
                "planned_seconds": seconds,
            },
        )
    except sqlite3.IntegrityError:  # the index: another process got there first
        raise MlpmError("another timer session started meanwhile; see mlpm timer status") from None
    return get(tx.store, key)


def start(
    store: Store,
    task_id: int | None = None,
    *,
    minutes: float | None = None,
    now: datetime | None = None,
) -> Started:
    """Start a focus session on a task (default: the task in Doing, else today's first).

    A running break ends (the break is offered, never forced); a running focus session is an
    error. Outside work hours this warns, or refuses when `timer.strict_work_hours` is on.
    """
    now = _now(now)
    seconds = planned_seconds(minutes, int(settings.get(store, "timer.focus_minutes")))
    task = _task_for_focus(store, task_id)
    warnings: list[str] = []
    if problem := work_hours_problem(store, now):
        if settings.get(store, "timer.strict_work_hours"):
            raise Refused(
                f"{problem}; strict work hours are on",
                hint="mlpm config set timer.strict_work_hours false to allow it",
            )
        warnings.append(f"{problem}; protect your time off")
    elif work_hours_problem(store, end := now + timedelta(seconds=seconds)):
        hours = settings.get(store, "timer.work_hours")
        warnings.append(f"this session ends at {end:%H:%M}, after your work hours ({hours})")
    with store.write(f"timer start {task.id}", undoable=False) as tx:
        _settle_in(tx, now)
        ended = None
        if (current := _open_row(store)) is not None:
            if current.is_focus:
                raise _busy(current, now)
            ended = _close(tx, current, now, "interrupted", "focus started")
        session = _insert(tx, "focus", task.id, now, seconds)
    warnings += _record_code_state(store, task.id)
    return Started(session, warnings, ended)


def _record_code_state(store: Store, task_id: int) -> list[str]:
    """Note HEAD and a dirty tree as focus begins (the git integration, when present)."""
    try:
        from mlpm.services import commits
    except ImportError:
        return []
    record = getattr(commits, "record_code_state", None)
    if record is None:
        return []
    try:
        record(store, task_id, "focus start")
    except MlpmError as exc:
        return [f"code state not recorded: {exc}"]
    return []


def start_break(
    store: Store,
    *,
    long: bool | None = None,
    minutes: float | None = None,
    now: datetime | None = None,
) -> Started:
    """Start a break: long after every N focus sessions unless `long` says otherwise.

    A focus session kept going past its end finishes here, with its overtime; one still
    inside its planned time is an error (stop it first, recording why).
    """
    now = _now(now)
    if minutes is not None:
        planned_seconds(minutes, 1)  # refuse a bad length before taking the write lock
    with store.write("timer break", undoable=False) as tx:
        _settle_in(tx, now)
        ended = None
        if (current := _open_row(store)) is not None:
            if current.is_focus and current.keep_going:
                ended = _close(tx, current, now, "finished", None)
            else:
                raise _busy(current, now)
        # Decided after closing: the focus session that just ended counts towards it.
        if long is None:
            kind = next_break_kind(store, now)
        else:
            kind = "long_break" if long else "short_break"
        seconds = planned_seconds(minutes, int(settings.get(store, f"timer.{kind}_minutes")))
        session = _insert(tx, kind, None, now, seconds)
    return Started(session, [], ended)


def stop(store: Store, reason: str | None = None, *, now: datetime | None = None) -> Session:
    """End the running session now: interrupted if inside its planned time, else finished
    (with the overtime counted)."""
    now = _now(now)
    reason = (reason or "").strip() or None
    if reason and len(reason) > MAX_REASON:
        raise UsageError(f"a reason is at most {MAX_REASON:,} characters")
    # Settled in its own write, so the record survives the error below.
    closed = settle(store, now)
    with store.write("timer stop", undoable=False) as tx:
        closed = _settle_in(tx, now) or closed
        current = _open_row(store)
        if current is None:
            if closed is not None:
                raise MlpmError(
                    f"nothing is running: the {closed.label()} finished at {closed.ended_at:%H:%M}"  # type: ignore[str-format]
                )
            raise MlpmError("nothing is running (start with mlpm timer start)")
        outcome = "finished" if now >= current.planned_end else "interrupted"
        return _close(tx, current, now, outcome, reason)


def _reopenable(last: Session, now: datetime) -> bool:
    """A focus session that ran its full time recently enough to count overtime after it."""
    return (
        last.is_focus
        and last.outcome == "finished"
        and last.ended_at == last.planned_end
        and now < last.planned_end + MAX_OVERTIME
    )


def keep_going(store: Store, *, now: datetime | None = None) -> Session:
    """Keep working past the end of a focus session: the overtime is counted until it stops.

    Works on the running focus session, or reopens the last one if it just finished at its
    planned end and nothing has started since.
    """
    now = _now(now)
    with store.write("timer keep going", undoable=False) as tx:
        _settle_in(tx, now)
        current = _open_row(store)
        if current is not None:
            if not current.is_focus:
                raise MlpmError(f"a {current.name} is running, not a focus session")
            tx.update("focus_session", current.id, {"keep_going": 1})
            return get(store, current.id)
        last = last_ended(store)
        if last is None or not _reopenable(last, now):
            raise MlpmError("no focus session has just run its full time to keep going on")
        tx.update(
            "focus_session",
            last.id,
            {"ended_at": None, "outcome": None, "reason": None, "keep_going": 1},
        )
        return get(store, last.id)
