"""Schema of the runs area: tracker runs, manual task links, sync fingerprints and the
history cache. Append only."""

from __future__ import annotations

from typing import Any

from mlpm.store.migrations.step import Migration, sql

m001_runs = sql(
    """
    CREATE TABLE run (
        id TEXT PRIMARY KEY,              -- the tracker's run id
        source TEXT NOT NULL,             -- offline, online (local copy), remote
        project_id INTEGER REFERENCES project(id),
        entity TEXT,
        wandb_project TEXT,
        name TEXT,
        group_name TEXT,
        job_type TEXT,
        tags TEXT NOT NULL DEFAULT '[]',
        notes TEXT,
        state TEXT NOT NULL CHECK (state IN ('finished', 'crashed', 'running')),
        exit_code INTEGER,
        start_time TEXT,
        runtime REAL,
        config TEXT NOT NULL DEFAULT '{}',
        summary TEXT NOT NULL DEFAULT '{}',
        commit_sha TEXT,
        git_remote TEXT,
        host TEXT,
        program TEXT,
        args TEXT NOT NULL DEFAULT '[]',
        wandb_version TEXT,
        path TEXT,                        -- the .wandb file, or wandb://entity/project/id
        imported_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX run_commit ON run (commit_sha)",
    "CREATE INDEX run_group ON run (group_name, start_time)",
    "CREATE INDEX run_name ON run (name)",
    """
    CREATE TABLE task_run (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id INTEGER NOT NULL REFERENCES task(id),
        run_id TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT 'manual',
        created_at TEXT NOT NULL,
        UNIQUE (task_id, run_id)
    )
    """,
    "CREATE INDEX task_run_run ON task_run (run_id)",
    """
    CREATE TABLE run_file (
        path TEXT PRIMARY KEY,            -- a .wandb file seen by `runs sync`
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        run_id TEXT,
        state TEXT,
        problem TEXT,
        synced_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE run_history_cache (
        path TEXT NOT NULL,               -- the file (or remote address) the points came from
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        metric TEXT NOT NULL,
        points TEXT NOT NULL,             -- JSON [[step, value], ...]
        PRIMARY KEY (path, metric)
    )
    """,
    """
    CREATE TABLE remote_sync (
        address TEXT PRIMARY KEY,         -- entity/project
        last_created_at TEXT,
        synced_at TEXT NOT NULL
    )
    """,
)


def m002_run_states(db: Any) -> None:
    """Tell failed, killed and preempted runs from crashed ones: the CHECK allows them, and
    stored runs with a non-zero exit code become failed (killed for a signal's code)."""
    old = next(row[0] for row in db.execute("SELECT sql FROM sqlite_master WHERE name = 'run'"))
    new = old.replace(
        "CHECK (state IN ('finished', 'crashed', 'running'))",
        "CHECK (state IN ('finished', 'failed', 'killed', 'crashed', 'preempted', 'running'))",
    ).replace("CREATE TABLE run (", "CREATE TABLE run_new (", 1)
    db.execute(new)
    db.execute("INSERT INTO run_new SELECT * FROM run")
    db.execute(
        "UPDATE run_new SET state = CASE WHEN exit_code < 0 OR exit_code >= 128 THEN 'killed'"
        " ELSE 'failed' END WHERE state = 'crashed' AND exit_code IS NOT NULL AND exit_code != 0"
    )
    db.execute("DROP TABLE run")
    db.execute("ALTER TABLE run_new RENAME TO run")
    db.execute("CREATE INDEX run_commit ON run (commit_sha)")
    db.execute("CREATE INDEX run_group ON run (group_name, start_time)")
    db.execute("CREATE INDEX run_name ON run (name)")


# A remote sync commits in batches and refreshes runs changed since the last complete pass:
# where that pass started, where an unfinished one stopped, and the running runs it could no
# longer fetch (warned about once).
m003_remote_cursor = sql(
    "ALTER TABLE remote_sync ADD COLUMN changed_since TEXT",
    "ALTER TABLE remote_sync ADD COLUMN pass_started_at TEXT",
    "ALTER TABLE remote_sync ADD COLUMN resume_created_at TEXT",
    "ALTER TABLE remote_sync ADD COLUMN unreachable TEXT NOT NULL DEFAULT '[]'",
)


MIGRATIONS: list[Migration] = [
    Migration("m001_runs", m001_runs),
    Migration("m002_run_states", m002_run_states),
    Migration("m003_remote_cursor", m003_remote_cursor),
]
