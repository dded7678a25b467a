"""Schema of the git area: commits, their links to tasks, scan state, code states. Append only.

`git_commit` and `task_commit` are shared with the W&B area (runs join tasks through
`task_commit.sha`): their agreed columns must keep their names.
"""

from __future__ import annotations

from mlpm.store.migrations.step import Migration, sql

m001_git = sql(
    """
    CREATE TABLE git_commit (
        repo TEXT NOT NULL,
        sha TEXT NOT NULL,
        author TEXT NOT NULL DEFAULT '',
        committed_at TEXT,
        summary TEXT NOT NULL DEFAULT '',
        reachable INTEGER NOT NULL DEFAULT 1,
        author_email TEXT NOT NULL DEFAULT '',
        parents TEXT NOT NULL DEFAULT '',
        seen_at TEXT,
        PRIMARY KEY (repo, sha)
    )
    """,
    "CREATE INDEX git_commit_sha ON git_commit (sha)",
    """
    CREATE TABLE task_commit (
        task_id INTEGER NOT NULL,
        sha TEXT NOT NULL,
        repo TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('trailer', 'reference', 'manual')),
        linked_at TEXT,
        PRIMARY KEY (task_id, sha)
    )
    """,
    "CREATE INDEX task_commit_sha ON task_commit (sha)",
    """
    CREATE TABLE git_scan (
        repo TEXT PRIMARY KEY,
        project_id INTEGER,
        tips TEXT NOT NULL DEFAULT '{}',
        shallow TEXT NOT NULL DEFAULT '',
        scanned_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE code_state (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id INTEGER NOT NULL,
        at TEXT NOT NULL,
        repo TEXT NOT NULL,
        head_sha TEXT,
        branch TEXT,
        dirty INTEGER,
        reason TEXT NOT NULL
    )
    """,
    "CREATE INDEX code_state_task ON code_state (task_id, at)",
)

# Finding the (few) unreachable commits of a repository without reading all of them.
m002_unreachable_index = sql(
    "CREATE INDEX git_commit_unreachable ON git_commit (repo, sha) WHERE reachable = 0",
)

MIGRATIONS: list[Migration] = [
    Migration("m001_git", m001_git),
    Migration("m002_unreachable_index", m002_unreachable_index),
]
