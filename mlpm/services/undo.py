"""Undo: revert the latest undoable change by restoring the rows its events recorded."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from mlpm.errors import MlpmError
from mlpm.store import Store


@dataclass(slots=True)
class Undone:
    command: str
    at: str
    rows: int
    summary: str

    def to_json(self) -> dict[str, Any]:
        return {"command": self.command, "at": self.at, "rows": self.rows, "summary": self.summary}


def _describe(events: list[dict[str, Any]]) -> str:
    for event in events:
        row = json.loads(event["after"] or event["before"] or "{}")
        if event["entity"] == "task" and "title" in row:
            return f"task {row['id']} {row['title'][:60]!r}"
        if event["entity"] == "lesson" and "text" in row:
            return f"lesson {row['id']} {row['text'][:60]!r}"
        if event["entity"] == "project" and "slug" in row:
            return f"project {row['slug']!r}"
    return f"{len(events)} change(s)"


def last_undoable(store: Store) -> list[dict[str, Any]]:
    batch = store.scalar(
        "SELECT batch FROM event WHERE undoable = 1 AND NOT EXISTS (SELECT 1 FROM event AS u"
        " WHERE u.entity = 'undo' AND u.entity_id = CAST(event.batch AS TEXT))"
        " ORDER BY batch DESC LIMIT 1"
    )
    if batch is None:
        return []
    return store.query("SELECT * FROM event WHERE batch = ? ORDER BY id DESC", (batch,))


def undo(store: Store) -> Undone:
    """Revert the most recent change not yet undone; repeated, it walks further back."""
    events = last_undoable(store)
    if not events:
        raise MlpmError("nothing to undo")
    command = events[0]["command"]
    with store.write(f"undo {command}", undoable=False) as tx:
        # Re-read inside the write lock: another process may have undone it meanwhile.
        if [e["id"] for e in last_undoable(store)] != [e["id"] for e in events]:
            raise MlpmError("another mlpm changed the database meanwhile; run undo again")
        for event in events:  # newest first
            table, key = event["entity"], event["entity_id"]
            current = tx.row(table, key)
            expected = json.loads(event["after"]) if event["after"] else None
            if current != expected:
                raise MlpmError(f"cannot undo {command!r}: {table} {key} has changed since")
            before = json.loads(event["before"]) if event["before"] else None
            try:
                tx.restore(table, key, before)
            except sqlite3.IntegrityError:
                raise MlpmError(
                    f"cannot undo {command!r}: other records (focus sessions, commits, runs,"
                    f" lessons...) now refer to {table} {key}"
                ) from None
        # The log stays append-only: the undo is itself an entry naming the batch it reverted.
        tx.note("undo", events[0]["batch"], {"command": command})
    return Undone(command, events[0]["at"], len(events), _describe(events))
