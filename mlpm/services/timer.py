"""The pomodoro timer's commands: start a focus session on a task, take a break, stop, keep
going past the end; and the status a timer display shows.

A session is a `focus_session` row (`timer_session`); the length, work-hours and break rules
live in `timer_policy`, the choice of task in `focus_task`. A user who keeps working past the
end says so (`keep_going`), and the overtime is counted.

At most one session (focus or break) runs at a time, across processes: starts happen inside a
`BEGIN IMMEDIATE` write, and a partial unique index on running rows backs that up.

Every function takes an optional `now` so tests drive the state machine with a fake clock.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mlpm import clock
from mlpm.errors import MlpmError, Refused, UsageError
from mlpm.models import Task
from mlpm.services import code_state, focus_task, settings
from mlpm.services import timer_policy as policy
from mlpm.services import timer_session as sessions
from mlpm.services.timer_session import Session
from mlpm.store import Store, Tx
from mlpm.wording import span

MAX_REASON = 1_000


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


def status(store: Store, now: datetime | None = None) -> Status:
    """Everything `timer status` and the timer screen show."""
    now = sessions.now_or_clock(now)
    closed = sessions.settle(store, now)
    current = sessions.open_row(store)
    today = sessions.sessions_on(store, now.date().isoformat())
    finished = [s for s in today if s.is_focus and s.outcome == "finished"]
    minutes = sum(s.elapsed(now) for s in today if s.is_focus and not s.is_running) / 60
    if current is not None and current.is_focus:
        next_kind = policy.next_break_kind_after(store, today, extra=1)
    elif current is None and policy.break_earned(store, sessions.last_ended(store), now):
        # A focus session just ran its time: a break comes next (offered, not forced).
        next_kind = policy.next_break_kind_after(store, today, extra=0)
    else:
        next_kind = "focus"
    every = int(settings.get(store, "timer.long_break_every"))
    last = sessions.last_ended(store)
    if current is not None:
        can_keep_going = current.is_focus and not current.keep_going
    else:
        can_keep_going = last is not None and policy.reopenable(last, now)
    return Status(
        now=now,
        running=current,
        last=last,
        focus_done_today=len(finished),
        focus_minutes_today=round(minutes),
        next_kind=next_kind,
        next_task=focus_task.default(store),
        settled=[closed] if closed else [],
        next_minutes=int(settings.get(store, f"timer.{next_kind}_minutes")),
        cycle_done=policy.cycle_position(policy.focus_since_long_break(today), every),
        cycle_length=every,
        can_keep_going=can_keep_going,
    )


def _busy(session: Session, now: datetime) -> MlpmError:
    if session.keep_going:
        when = f"{span(session.overtime(now))} over"
    else:
        when = f"{span(session.remaining(now))} left"
    return MlpmError(f"a {session.label()} is already running ({when}); stop it first")


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
    return sessions.get(tx.store, key)


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
    now = sessions.now_or_clock(now)
    seconds = policy.planned_seconds(minutes, int(settings.get(store, "timer.focus_minutes")))
    task = focus_task.pick(store, task_id)
    warnings: list[str] = []
    if problem := policy.work_hours_problem(store, now):
        if settings.get(store, "timer.strict_work_hours"):
            raise Refused(
                f"{problem}; strict work hours are on",
                hint="mlpm config set timer.strict_work_hours false to allow it",
            )
        warnings.append(f"{problem}; protect your time off")
    elif policy.work_hours_problem(store, end := now + timedelta(seconds=seconds)):
        hours = settings.get(store, "timer.work_hours")
        warnings.append(f"this session ends at {end:%H:%M}, after your work hours ({hours})")
    with store.write(f"timer start {task.id}") as tx:
        sessions.settle_in(tx, now)
        ended = None
        if (current := sessions.open_row(store)) is not None:
            if current.is_focus:
                raise _busy(current, now)
            ended = sessions.close(tx, current, now, "interrupted", "focus started")
        session = _insert(tx, "focus", task.id, now, seconds)
    try:  # note HEAD and a dirty tree as focus begins; a git failure never stops the timer
        code_state.record(store, task.id, "focus start")
    except MlpmError as exc:
        warnings.append(f"code state not recorded: {exc}")
    return Started(session, warnings, ended)


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
    now = sessions.now_or_clock(now)
    if minutes is not None:
        policy.planned_seconds(minutes, 1)  # refuse a bad length before taking the write lock
    with store.write("timer break") as tx:
        sessions.settle_in(tx, now)
        ended = None
        if (current := sessions.open_row(store)) is not None:
            if current.is_focus and current.keep_going:
                ended = sessions.close(tx, current, now, "finished", None)
            else:
                raise _busy(current, now)
        # Decided after closing: the focus session that just ended counts towards it.
        if long is None:
            kind = policy.next_break_kind(store, now)
        else:
            kind = "long_break" if long else "short_break"
        seconds = policy.planned_seconds(minutes, int(settings.get(store, f"timer.{kind}_minutes")))
        session = _insert(tx, kind, None, now, seconds)
    return Started(session, [], ended)


def stop(store: Store, reason: str | None = None, *, now: datetime | None = None) -> Session:
    """End the running session now: interrupted if inside its planned time, else finished
    (with the overtime counted)."""
    now = sessions.now_or_clock(now)
    reason = (reason or "").strip() or None
    if reason and len(reason) > MAX_REASON:
        raise UsageError(f"a reason is at most {MAX_REASON:,} characters")
    # Settled in its own write, so the record survives the error below.
    closed = sessions.settle(store, now)
    with store.write("timer stop") as tx:
        closed = sessions.settle_in(tx, now) or closed
        current = sessions.open_row(store)
        if current is None:
            if closed is not None:
                ended = f"{closed.ended_at:%H:%M}" if closed.ended_at else "its end"
                raise MlpmError(f"nothing is running: the {closed.label()} finished at {ended}")
            raise MlpmError("nothing is running (start with mlpm timer start)")
        outcome = "finished" if now >= current.planned_end else "interrupted"
        return sessions.close(tx, current, now, outcome, reason)


def keep_going(store: Store, *, now: datetime | None = None) -> Session:
    """Keep working past the end of a focus session: the overtime is counted until it stops.

    Works on the running focus session, or reopens the last one if it just finished at its
    planned end and nothing has started since.
    """
    now = sessions.now_or_clock(now)
    with store.write("timer keep going") as tx:
        sessions.settle_in(tx, now)
        current = sessions.open_row(store)
        if current is not None:
            if not current.is_focus:
                raise MlpmError(f"a {current.name} is running, not a focus session")
            tx.update("focus_session", current.id, {"keep_going": 1})
            return sessions.get(store, current.id)
        last = sessions.last_ended(store)
        if last is None or not policy.reopenable(last, now):
            raise MlpmError("no focus session has just run its full time to keep going on")
        tx.update(
            "focus_session",
            last.id,
            {"ended_at": None, "outcome": None, "reason": None, "keep_going": 1},
        )
        return sessions.get(store, last.id)
