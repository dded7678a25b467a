"""Merging ops: an entity's row is a function of the set of its ops, so replicas that hold
the same ops hold the same rows, whatever order the ops came in.

Rules (per entity, from all its ops):
- a plain field: last writer wins, by (Lamport clock, replica id);
- tags: an add-wins set (a remove takes away only the adds its replica had seen);
- board and plan order: `rank` / `position` are plain fields (fractional ranks), ties are
  broken by gid where the order is read;
- existence: the winning `_deleted` op; an entity whose creating ops have not arrived waits;
- personal entities (day plan, focus sessions) are written only into their person's
  databases (ops made by this replica or by its author); the ops are kept either way;
- limits (WIP, day capacity) are not checked: a merged column may be over its limit.
Rows are written through `Tx` (logged, not undoable) without emitting new ops.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from mlpm.store import Store, Tx
from mlpm.store.ids import GID_TABLES
from mlpm.store.ops import (
    DELETED,
    FOREIGN,
    LOCAL_FIELDS,
    PERSONAL,
    SET_FIELDS,
    Op,
    replica_id_of,
    tag_state,
)

KIND_ORDER = {kind: n for n, kind in enumerate(GID_TABLES)}  # parents before children


@dataclass(slots=True)
class MergeResult:
    new_ops: int = 0
    written: int = 0  # rows inserted, updated or deleted
    waiting: list[str] = field(default_factory=list)  # entities that cannot be written yet


def fold(ops: list[Op]) -> dict[str, Any]:
    """The entity's fields as its ops decide them (field -> value)."""
    state: dict[str, Any] = {}
    winners: dict[str, tuple[int, str]] = {}
    sets: dict[str, list[tuple[int, str, Any]]] = {}
    kind = ops[0].kind if ops else ""
    for op in ops:
        if (kind, op.field) in SET_FIELDS:
            sets.setdefault(op.field, []).append((op.lamport, op.replica, op.value))
        elif op.key > winners.get(op.field, (0, "")):
            winners[op.field] = op.key
            state[op.field] = op.value
    for name, set_ops in sets.items():
        state[name] = json.dumps(list(tag_state(set_ops)))
    return state


def receive(store: Store, ops: list[Op], *, command: str = "sync") -> MergeResult:
    """Store ops from other replicas and write the rows they change."""
    result = MergeResult()
    with store.write(command, undoable=False) as tx:
        tx.emit_ops = False
        result.new_ops = tx.ops.receive(ops)
        touched = sorted(
            {(o.kind, o.gid) for o in ops}, key=lambda e: (KIND_ORDER.get(e[0], 99), e)
        )
        _write_all(store, tx, touched, result)
    return result


def rebuild(store: Store) -> MergeResult:
    """Recreate every shared and personal table from the op log alone (rows keep their local
    ids, so `Task: 12` still names the same task, and their machine-local fields)."""
    result = MergeResult()
    with store.write("sync rebuild", undoable=False) as tx:
        tx.emit_ops = False
        tx.defer_foreign_keys()
        kept: dict[tuple[str, str], dict[str, Any]] = {}
        for table in GID_TABLES:
            for row in store.query(f'SELECT rowid AS "_key", * FROM "{table}"'):
                kept[(table, row["gid"])] = row
        for table in reversed(GID_TABLES):
            tx.delete_where(table, "true")
        every = store.query("SELECT DISTINCT kind, gid FROM op")
        touched = sorted(
            ((r["kind"], r["gid"]) for r in every if r["kind"] in KIND_ORDER),
            key=lambda e: (KIND_ORDER[e[0]], e),
        )
        _write_all(store, tx, touched, result, kept=kept)
    return result


def _write_all(
    store: Store,
    tx: Tx,
    touched: list[tuple[str, str]],
    result: MergeResult,
    *,
    kept: dict[tuple[str, str], dict[str, Any]] | None = None,
) -> None:
    me, author = replica_id_of(store), _author(store)
    waiting = [e for e in touched if e[0] in KIND_ORDER]
    while waiting:  # a child whose parent came later in the list is tried again
        left = []
        for kind, gid in waiting:
            ops = [Op.from_row(r) for r in store.query(_OPS, (kind, gid))]
            try:
                with tx.savepoint():
                    result.written += _write(store, tx, kind, gid, ops, me, author, kept)
            except (_Waiting, sqlite3.IntegrityError) as exc:
                left.append((kind, gid, str(exc)))
        if len(left) == len(waiting):
            result.waiting += [f"{kind} {gid[:8]}: {why}" for kind, gid, why in left]
            return
        waiting = [(kind, gid) for kind, gid, _ in left]


_OPS = "SELECT * FROM op WHERE kind = ? AND gid = ? ORDER BY lamport, replica"


class _Waiting(Exception):
    """The entity cannot be written yet (a row it refers to has not arrived)."""


def _author(store: Store) -> str:
    row = store.one("SELECT value FROM setting WHERE key = 'sync.author'")
    return str(json.loads(row["value"])) if row else ""


def _columns(store: Store, table: str) -> set[str]:
    return {c["name"] for c in store.query(f'PRAGMA table_info("{table}")')}


def _mine(ops: list[Op], me: str, author: str) -> bool:
    first = ops[0]
    return first.replica == me or (bool(author) and first.author == author)


def _write(
    store: Store,
    tx: Tx,
    kind: str,
    gid: str,
    ops: list[Op],
    me: str,
    author: str,
    kept: dict[tuple[str, str], dict[str, Any]] | None,
) -> int:
    """Bring one row in line with its ops; return 1 if it changed."""
    if not ops:
        return 0
    state = fold(ops)
    existing = store.one(f'SELECT rowid AS "_key", * FROM "{kind}" WHERE gid = ?', (gid,))
    gone = bool(state.get(DELETED)) or (kind in PERSONAL and not _mine(ops, me, author))
    if gone:
        if existing is None:
            return 0
        tx.delete(kind, existing["_key"])
        return 1
    columns = _columns(store, kind)
    values: dict[str, Any] = {}
    for name, value in state.items():
        if name not in columns or name in ("id", "gid") or (kind, name) in LOCAL_FIELDS:
            continue  # unknown fields (a newer mlpm's) stay in the log, passed on
        ref = FOREIGN.get((kind, name))
        values[name] = _local_id(store, ref, value) if ref and value is not None else value
    if existing is not None:
        changes = {c: v for c, v in values.items() if existing.get(c) != v}
        if not changes:
            return 0
        tx.update(kind, existing["_key"], changes)
        return 1
    old = (kept or {}).get((kind, gid))
    if old is not None:  # a rebuild: the same local id and machine-local fields as before
        values.update({name: old[name] for table, name in LOCAL_FIELDS if table == kind})
        if "id" in columns:
            values["id"] = old["id"]
    tx.insert(kind, {**values, "gid": gid})
    return 1


def _local_id(store: Store, table: str, gid: Any) -> int:
    row = store.one(f'SELECT id FROM "{table}" WHERE gid = ?', (gid,))
    if row is None:
        raise _Waiting(f"waits for {table} {str(gid)[:8]}")
    return int(row["id"])


def column_history(store: Store, gid: str) -> list[dict[str, Any]]:
    """Every move of a task from every replica, in merge order, the kept one marked: a drop
    on one machine against a start on another shows both ("dropped on gpu-box: kept")."""
    rows = store.query(
        "SELECT * FROM op WHERE kind = 'task' AND gid = ? AND field = 'column'"
        " ORDER BY lamport, replica",
        (gid,),
    )
    moves = [Op.from_row(r) for r in rows]
    last = max((m.key for m in moves), default=None)
    return [
        {"at": m.at, "replica": m.replica, "author": m.author, "to": m.value, "kept": m.key == last}
        for m in moves
    ]
