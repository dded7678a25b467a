"""Schema of the timer area. Append only."""

from __future__ import annotations

from mlpm.store.migrations.step import Migration, sql

# One row per focus session or break. A row is running while `ended_at` is NULL; the partial
# unique index lets at most one row be running, whatever process tries to start another.
m001_focus_session = sql(
    """
    CREATE TABLE focus_session (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id INTEGER REFERENCES task(id),
        kind TEXT NOT NULL CHECK (kind IN ('focus', 'short_break', 'long_break')),
        started_at TEXT NOT NULL,
        planned_seconds INTEGER NOT NULL CHECK (planned_seconds > 0),
        ended_at TEXT,
        outcome TEXT CHECK (outcome IN ('finished', 'interrupted')),
        reason TEXT,
        overtime_seconds INTEGER NOT NULL DEFAULT 0 CHECK (overtime_seconds >= 0),
        keep_going INTEGER NOT NULL DEFAULT 0,
        CHECK ((ended_at IS NULL) = (outcome IS NULL)),
        CHECK (kind <> 'focus' OR task_id IS NOT NULL)
    )
    """,
    "CREATE UNIQUE INDEX focus_session_one_running ON focus_session ((ended_at IS NULL))"
    " WHERE ended_at IS NULL",
    "CREATE INDEX focus_session_started ON focus_session (started_at)",
    "CREATE INDEX focus_session_task ON focus_session (task_id)",
)

MIGRATIONS: list[Migration] = [
    Migration("m001_focus_session", m001_focus_session),
]
