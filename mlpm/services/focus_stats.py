"""Focus statistics: where the focused time went and what got finished, per day, project and
task. Read from `focus_session` (ended sessions only) and the tasks' `done_at`."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from mlpm import clock
from mlpm.errors import UsageError
from mlpm.store import Store

MAX_DAYS = 3650


@dataclass(slots=True)
class DayStats:
    day: str
    focus_minutes: float = 0.0
    sessions: int = 0  # focus sessions finished (pomodoros)
    interrupted: int = 0
    overtime_minutes: float = 0.0
    tasks_done: int = 0


@dataclass(slots=True)
class ProjectStats:
    project: str
    focus_minutes: float = 0.0
    sessions: int = 0
    interrupted: int = 0


@dataclass(slots=True)
class TaskStats:
    task_id: int
    title: str
    project: str
    column: str
    estimate: int | None
    focus_minutes: float = 0.0  # in the window
    sessions: int = 0  # finished focus sessions in the window
    interrupted: int = 0
    pomodoros_total: int = 0  # finished focus sessions ever: compare with the estimate

    @property
    def over_estimate(self) -> bool:
        return self.estimate is not None and self.pomodoros_total > self.estimate


@dataclass(slots=True)
class FocusStats:
    """The window [first, last] (local days, inclusive) and what happened in it."""

    first: str
    last: str
    per_day: list[DayStats]
    per_project: list[ProjectStats]
    per_task: list[TaskStats]
    interruption_reasons: list[tuple[str, int]] = field(default_factory=list)

    @property
    def focus_minutes(self) -> float:
        return sum(d.focus_minutes for d in self.per_day)

    @property
    def sessions(self) -> int:
        return sum(d.sessions for d in self.per_day)

    @property
    def interrupted(self) -> int:
        return sum(d.interrupted for d in self.per_day)

    @property
    def tasks_done(self) -> int:
        return sum(d.tasks_done for d in self.per_day)

    @property
    def median_done_per_worked_day(self) -> float | None:
        """The day's real capacity: median tasks finished on days when any were."""
        done = [d.tasks_done for d in self.per_day if d.tasks_done]
        return statistics.median(done) if done else None

    def to_json(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "last": self.last,
            "totals": {
                "focus_minutes": round(self.focus_minutes, 1),
                "sessions": self.sessions,
                "interrupted": self.interrupted,
                "tasks_done": self.tasks_done,
                "median_done_per_worked_day": self.median_done_per_worked_day,
            },
            "per_day": [
                {
                    **asdict(d),
                    "focus_minutes": round(d.focus_minutes, 1),
                    "overtime_minutes": round(d.overtime_minutes, 1),
                }
                for d in self.per_day
            ],
            "per_project": [
                {**asdict(p), "focus_minutes": round(p.focus_minutes, 1)} for p in self.per_project
            ],
            "per_task": [
                {
                    **asdict(t),
                    "focus_minutes": round(t.focus_minutes, 1),
                    "over_estimate": t.over_estimate,
                }
                for t in self.per_task
            ],
            "interruption_reasons": [
                {"reason": reason, "count": count} for reason, count in self.interruption_reasons
            ],
        }


def _minutes(row: dict[str, Any]) -> float:
    start = datetime.fromisoformat(row["started_at"])
    end = datetime.fromisoformat(row["ended_at"])
    return max(0.0, (end - start).total_seconds() / 60)


def summary(store: Store, days: int = 14, *, today: date | None = None) -> FocusStats:
    """Statistics over the last `days` days, today included."""
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(f"--days is a number of days from 1 to {MAX_DAYS} (got {days})")
    from mlpm.services import timer_session

    # A session that ran out unwatched counts, finished at its planned end.
    timer_session.settle(store)
    last = today or clock.today()
    first = last - timedelta(days=days - 1)
    window = [(first + timedelta(days=i)).isoformat() for i in range(days)]
    per_day = {day: DayStats(day) for day in window}
    lo, hi = window[0], window[-1]
    after = (last + timedelta(days=1)).isoformat()  # text ranges use the started_at index

    sessions = store.query(
        'SELECT focus_session.*, task.title, task.estimate, task."column",'
        " project.slug AS project FROM focus_session"
        " JOIN task ON task.id = focus_session.task_id"
        " JOIN project ON project.id = task.project_id"
        " WHERE focus_session.kind = 'focus' AND focus_session.ended_at IS NOT NULL"
        " AND focus_session.started_at >= ? AND focus_session.started_at < ?"
        " ORDER BY focus_session.started_at",
        (lo, after),
    )
    per_project: dict[str, ProjectStats] = {}
    per_task: dict[int, TaskStats] = {}
    reasons: Counter[str] = Counter()
    for row in sessions:
        minutes = _minutes(row)
        finished = row["outcome"] == "finished"
        day = per_day[row["started_at"][:10]]
        project = per_project.setdefault(row["project"], ProjectStats(row["project"]))
        task = per_task.setdefault(
            row["task_id"],
            TaskStats(row["task_id"], row["title"], row["project"], row["column"], row["estimate"]),
        )
        for bucket in (day, project, task):
            bucket.focus_minutes += minutes
            bucket.sessions += finished
            bucket.interrupted += not finished
        day.overtime_minutes += row["overtime_seconds"] / 60
        if not finished:
            reasons[(row["reason"] or "no reason given").strip()] += 1

    if per_task:
        marks = ", ".join("?" for _ in per_task)
        for row in store.query(
            "SELECT task_id, COUNT(*) AS n FROM focus_session WHERE kind = 'focus'"
            f" AND outcome = 'finished' AND task_id IN ({marks}) GROUP BY task_id",
            tuple(per_task),
        ):
            per_task[row["task_id"]].pomodoros_total = row["n"]

    for row in store.query(
        "SELECT substr(done_at, 1, 10) AS day, COUNT(*) AS n FROM task"
        " WHERE \"column\" = 'done' AND done_at IS NOT NULL"
        " AND substr(done_at, 1, 10) BETWEEN ? AND ? GROUP BY day",
        (lo, hi),
    ):
        per_day[row["day"]].tasks_done = row["n"]

    return FocusStats(
        first=lo,
        last=hi,
        per_day=list(per_day.values()),
        per_project=sorted(per_project.values(), key=lambda p: (-p.focus_minutes, p.project)),
        per_task=sorted(per_task.values(), key=lambda t: (-t.focus_minutes, t.task_id)),
        interruption_reasons=reasons.most_common(),
    )
