"""Undo: revert the latest undoable change by restoring the rows its events recorded."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from mlpm.errors import MlpmError
from mlpm.store import Store
from mlpm.store.ops import SET_FIELDS
from mlpm.wording import counted


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
        if event["entity"] == "focus_session" and "kind" in row:
            on = f" on task {row['task_id']}" if row.get("task_id") else ""
            return f"{row['kind'].replace('_', ' ')} session {row['id']}{on}"
    return f"{counted(len(events), 'change')}"


# Writes that record what happened on their own (a session running out, HEAD noted as work
# starts, a cache) or mirror the outside world (commits and runs read from git and the
# trackers: the TUI scans them on its own, and undoing a mirror would only be redone by the
# next scan): no one's change, so undo passes them by without a word.
# Ops merged from other replicas (`sync`) are theirs to undo, on their machine.
BOOKKEEPING = ("timer settle", "code state ", "runs history cache", "git sync", "git commit",
               "runs sync", "sync")  # fmt: skip
PAGE = 200


def _handled(store: Store, batch: int) -> bool:
    """Undone or skipped already (an undo note names the batch)."""
    return bool(
        store.scalar(
            "SELECT COUNT(*) FROM event WHERE entity = 'undo' AND entity_id = ?", (str(batch),)
        )
    )


def _pending(store: Store) -> dict[str, Any] | None:
    """The newest change not undone or skipped yet (bookkeeping and undos aside), with
    `undoable` saying whether undo can revert it."""
    below = (store.scalar("SELECT MAX(batch) FROM event") or 0) + 1
    while True:
        rows = store.query(
            "SELECT batch, MAX(undoable) AS undoable, MAX(command) AS command,"
            " SUM(entity = 'undo') AS undos FROM event WHERE batch IN (SELECT DISTINCT batch"
            " FROM event WHERE batch < ? ORDER BY batch DESC LIMIT ?)"
            " GROUP BY batch ORDER BY batch DESC",
            (below, PAGE),
        )
        if not rows:
            return None
        for row in rows:
            if row["undos"] or _handled(store, row["batch"]):
                continue
            if row["undoable"] or not row["command"].startswith(BOOKKEEPING):
                return row
        below = rows[-1]["batch"]


def last_undoable(store: Store) -> list[dict[str, Any]]:
    """The events of the newest change if undo can revert it; [] otherwise."""
    pending = _pending(store)
    if pending is None or not pending["undoable"]:
        return []
    return store.query("SELECT * FROM event WHERE batch = ? ORDER BY id DESC", (pending["batch"],))


def skip(store: Store) -> str:
    """Pass over the newest change, leaving it as it is, so the next undo goes to the one
    before it; return its command."""
    pending = _pending(store)
    if pending is None:
        raise MlpmError("nothing to skip")
    with store.write(f"undo --skip {pending['command']}", undoable=False) as tx:
        tx.note("undo", pending["batch"], {"command": pending["command"], "skipped": True})
    return str(pending["command"])


_CHANGED: Any = {}  # a field the undone change wrote has been changed since: refuse
_STAMPS = ("updated_at",)  # rewritten by every change: put back only if no one changed it since


def _touched_only(
    table: str, before: dict[str, Any], after: dict[str, Any], current: dict[str, Any]
) -> dict[str, Any]:
    """The row to put back for an update: only the fields the undone change wrote go back,
    so fields changed since (by another replica's synced change) keep their new values.
    A tag set gives back the tags it added or removed, whatever tags came since."""
    target = dict(current)
    for column in after:
        old, new, now = before.get(column), after[column], current.get(column)
        if old == new:
            continue
        if (table, column) in SET_FIELDS and now != new:
            target[column] = _set_undo(old, new, now)
        elif now == new:
            target[column] = old
        elif column not in _STAMPS:
            return _CHANGED
    return target


def _set_undo(old: Any, new: Any, now: Any) -> str:
    had, has, live = (json.loads(v) if isinstance(v, str) else [] for v in (old, new, now))
    added = [t for t in has if t not in had]
    removed = [t for t in had if t not in has]
    kept = [t for t in live if t not in added]
    return json.dumps(kept + [t for t in removed if t not in kept])


def undo(store: Store) -> Undone:
    """Revert the most recent change not yet undone; repeated, it walks further back."""
    pending = _pending(store)
    if pending is None:
        raise MlpmError("nothing to undo")
    if not pending["undoable"]:
        raise MlpmError(
            f"cannot undo {pending['command']!r}: it is not undoable"
            " (mlpm undo --skip leaves it as it is and goes on to the change before it)"
        )
    events = last_undoable(store)
    command = events[0]["command"]
    with store.write(f"undo {command}", undoable=False) as tx:
        # Re-read inside the write lock: another process may have undone it meanwhile.
        if [e["id"] for e in last_undoable(store)] != [e["id"] for e in events]:
            raise MlpmError("another mlpm changed the database meanwhile; run undo again")
        for event in events:  # newest first
            table, key = event["entity"], event["entity_id"]
            current = tx.row(table, key)
            expected = json.loads(event["after"]) if event["after"] else None
            before = json.loads(event["before"]) if event["before"] else None
            if current is not None and expected is not None and before is not None:
                before = _touched_only(table, before, expected, current)
            elif current != expected:  # an insert or a delete: the whole row must be as left
                before = _CHANGED
            if before is _CHANGED:
                raise MlpmError(
                    f"cannot undo {command!r}: {table} {key} has changed since"
                    " (mlpm undo --skip leaves it as it is)"
                )
            try:
                tx.restore(table, key, before)
            except sqlite3.IntegrityError:
                raise MlpmError(
                    f"cannot undo {command!r}: other records (focus sessions, commits, runs,"
                    f" lessons...) now refer to {table} {key} (mlpm undo --skip leaves it)"
                ) from None
        # The log stays append-only: the undo is itself an entry naming the batch it reverted.
        tx.note("undo", events[0]["batch"], {"command": command})
    return Undone(command, events[0]["at"], len(events), _describe(events))
