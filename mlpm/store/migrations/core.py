"""Schema of projects, tasks, the day plan, lessons, settings and the event log. Append only."""

from __future__ import annotations

from typing import Any

from mlpm.store.migrations.step import Migration, sql

m001_initial = sql(
    """
    CREATE TABLE project (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        slug TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active'
            CHECK (status IN ('active', 'paused', 'archived')),
        repo_path TEXT,
        wandb_entity TEXT,
        wandb_project TEXT,
        settings TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE task (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id INTEGER NOT NULL REFERENCES project(id),
        title TEXT NOT NULL,
        notes TEXT NOT NULL DEFAULT '',
        "column" TEXT NOT NULL DEFAULT 'backlog'
            CHECK ("column" IN ('backlog', 'today', 'doing', 'done', 'dropped')),
        rank REAL NOT NULL DEFAULT 0,
        estimate INTEGER,
        tags TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        started_at TEXT,
        done_at TEXT,
        dropped_at TEXT,
        drop_reason TEXT
    )
    """,
    'CREATE INDEX task_board ON task (project_id, "column", rank)',
    """
    CREATE TABLE day_plan (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        day TEXT NOT NULL,
        task_id INTEGER NOT NULL REFERENCES task(id),
        position REAL NOT NULL,
        outcome TEXT CHECK (outcome IN ('done', 'dropped', 'rolled_over', 'returned')),
        forced INTEGER NOT NULL DEFAULT 0,
        added_at TEXT NOT NULL,
        closed_at TEXT,
        UNIQUE (day, task_id)
    )
    """,
    "CREATE INDEX day_plan_open ON day_plan (outcome, day)",
    """
    CREATE TABLE lesson (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        text TEXT NOT NULL,
        category TEXT NOT NULL DEFAULT 'general',
        tags TEXT NOT NULL DEFAULT '[]',
        project_id INTEGER REFERENCES project(id),
        task_id INTEGER REFERENCES task(id),
        commit_sha TEXT,
        run_id TEXT,
        created_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE setting (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE event (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        batch INTEGER NOT NULL,
        at TEXT NOT NULL,
        command TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete', 'note')),
        before TEXT,
        after TEXT,
        undoable INTEGER NOT NULL DEFAULT 1,
        forced INTEGER NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX event_batch ON event (batch)",
    "CREATE INDEX event_entity ON event (entity, entity_id)",
)


def m002_lesson_search(db: Any) -> None:
    """Full-text search over lessons (FTS5, kept in step by triggers)."""
    db["lesson"].enable_fts(["text", "tags", "category"], fts_version="FTS5", create_triggers=True)


def m003_lesson_search_stemmed(db: Any) -> None:
    """Lesson search finds English word forms ("seeds" finds "seed"): the index is rebuilt
    with the porter stemmer over unicode61."""
    db["lesson"].disable_fts()
    db["lesson"].enable_fts(
        ["text", "tags", "category"],
        fts_version="FTS5",
        create_triggers=True,
        tokenize="porter unicode61",
    )


MIGRATIONS: list[Migration] = [
    Migration("m001_initial", m001_initial),
    Migration("m002_lesson_search", m002_lesson_search),
    Migration("m003_lesson_search_stemmed", m003_lesson_search_stemmed),
]
