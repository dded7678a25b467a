"""Schema of the sync area: global ids on every shared row, the op log, the replica id.
Append only."""

from __future__ import annotations

import json
from typing import Any

from mlpm.store.ids import GID_SQL, GID_TABLES, mint
from mlpm.store.migrations.step import Migration


def m001_gid(db: Any) -> None:
    """A `gid` on every shared row: existing rows get one now, new rows where they are made
    (Tx.insert); the trigger catches rows that bulk paths insert without one."""
    # The lesson search index follows only the searched columns: a gid written into a row
    # the index has not seen yet (the mint trigger fires before the index's insert trigger)
    # must not ask it to delete that row.
    if "lesson_au" in db.triggers_dict:
        db.execute('DROP TRIGGER "lesson_au"')
        db.execute(
            'CREATE TRIGGER "lesson_au" AFTER UPDATE OF "text", "tags", "category" ON "lesson"'
            ' BEGIN INSERT INTO "lesson_fts" ("lesson_fts", rowid, "text", "tags", "category")'
            ' VALUES (\'delete\', old.rowid, old."text", old."tags", old."category");'
            ' INSERT INTO "lesson_fts" (rowid, "text", "tags", "category")'
            ' VALUES (new.rowid, new."text", new."tags", new."category"); END'
        )
    for table in GID_TABLES:
        db.execute(f'ALTER TABLE "{table}" ADD COLUMN gid TEXT')
        db.execute(f'UPDATE "{table}" SET gid = {GID_SQL}')
        db.execute(f'CREATE UNIQUE INDEX "{table}_gid" ON "{table}" (gid)')
        db.execute(
            f'CREATE TRIGGER "{table}_mint_gid" AFTER INSERT ON "{table}"'
            f" WHEN NEW.gid IS NULL BEGIN"
            f' UPDATE "{table}" SET gid = {GID_SQL} WHERE rowid = NEW.rowid; END'
        )


def m002_op_log(db: Any) -> None:
    """The op log (one row per field change, own and received) and this replica's id."""
    db.execute(
        """
        CREATE TABLE op (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            lamport INTEGER NOT NULL,
            replica TEXT NOT NULL,
            at TEXT NOT NULL,
            author TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            gid TEXT NOT NULL,
            field TEXT NOT NULL,
            value TEXT,                   -- JSON
            UNIQUE (replica, lamport)
        )
        """
    )
    db.execute("CREATE INDEX op_entity ON op (kind, gid)")
    db.execute("CREATE INDEX op_lamport ON op (lamport)")
    db.execute(
        "INSERT OR IGNORE INTO setting (key, value) VALUES ('sync.replica', ?)",
        (json.dumps(mint()[:17]),),
    )


def m003_assignee(db: Any) -> None:
    """Who a task is for (an email or a name; NULL: nobody): a plain field, synced as such."""
    db.execute("ALTER TABLE task ADD COLUMN assignee TEXT")


MIGRATIONS: list[Migration] = [
    Migration("m001_gid", m001_gid),
    Migration("m002_op_log", m002_op_log),
    Migration("m003_assignee", m003_assignee),
]
