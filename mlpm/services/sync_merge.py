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
- personal settings: last writer wins among their person's ops (`sync_settings`);
- limits (WIP, day capacity) are not checked: a merged column may be over its limit.
Rows are written through `Tx` (logged, not undoable) without emitting new ops.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any

from mlpm.services import sync_settings
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
    """Store ops from other replicas and write the rows they change: the entities of the
    new ops, and those of known ops that still have no row (they waited for a parent)."""
    result = MergeResult()
    with store.write(command, undoable=False) as tx:
        tx.emit_ops = False
        fresh = _new_ops(store, ops)
        entities = {(o.kind, o.gid) for o in fresh}
        entities |= _rowless(store, {(o.kind, o.gid) for o in ops} - entities)
        touched = sorted(entities, key=lambda e: (KIND_ORDER.get(e[0], 99), e))
        # Each entity's ops: those stored before (one read), with the new ones added in
        # memory rather than read back (a first sync brings the whole log).
        stored = _ops_of(tx, [e for e in touched if e[0] in KIND_ORDER])
        result.new_ops = tx.ops.receive(fresh)
        grown: set[tuple[str, str]] = set()
        for op in {o.key: o for o in reversed(fresh)}.values():  # the first of a duplicate
            stored.setdefault((op.kind, op.gid), []).append(op)
            grown.add((op.kind, op.gid))
        for entity in grown:
            stored[entity].sort(key=attrgetter("key"))
        _write_all(store, tx, touched, stored, result)
        result.written += sync_settings.apply(tx, sync_settings.touched(ops))
    return result


def _new_ops(store: Store, ops: list[Op]) -> list[Op]:
    """The ops not stored yet (one indexed range read per replica, not one read per op)."""
    clocks: dict[str, list[int]] = {}
    for o in ops:
        clocks.setdefault(o.replica, []).append(o.lamport)
    known: set[tuple[str, int]] = set()
    for replica, seen in clocks.items():
        rows = store.rows(
            "SELECT lamport FROM op WHERE replica = ? AND lamport BETWEEN ? AND ?",
            (replica, min(seen), max(seen)),
        )
        known.update((replica, lamport) for (lamport,) in rows)
    return [o for o in ops if (o.replica, o.lamport) not in known]


def _rowless(store: Store, entities: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The entities among `entities` that have no row (deleted, waiting, someone else's)."""
    out: set[tuple[str, str]] = set()
    for kind in KIND_ORDER:
        gids = sorted(gid for k, gid in entities if k == kind)
        for at in range(0, len(gids), 500):
            chunk = gids[at : at + 500]
            marks = ", ".join("?" * len(chunk))
            found = store.rows(f'SELECT gid FROM "{kind}" WHERE gid IN ({marks})', chunk)
            out.update((kind, gid) for gid in set(chunk) - {g for (g,) in found})
    return out


def keep(store: Store, ops: list[Op]) -> int:
    """Store ops without writing rows (a rebuild writes them all next); return how many
    were new."""
    with store.write("sync read", undoable=False) as tx:
        return tx.ops.receive(ops)


def rebuild(store: Store) -> MergeResult:
    """Recreate every shared and personal table from the op log alone (rows keep their local
    ids, so `Task: 12` still names the same task, and their machine-local fields). The ops
    are folded in one ordered pass over plain tuples, only winning values decoded; then one
    bulk insert per table and column set; a row that clashes is written alone, or reported."""
    result = MergeResult()
    me, author = replica_id_of(store), _author(store)
    with store.write("sync rebuild", undoable=False) as tx, tx.noting("sync", "rebuild"):
        tx.emit_ops = False
        tx.defer_foreign_keys()
        kept = {table: _kept(store, table) for table in GID_TABLES}
        for table in reversed(GID_TABLES):
            # Links a git scan found write no ops (a cache every replica finds for itself):
            # they stay, as the scan would only find them again.
            tx.delete_where(table, "source = 'manual'" if table == "task_commit" else "true")
        entities = _fold_log(store)
        for kind in GID_TABLES:
            _rebuild_table(store, tx, kind, entities.get(kind, []), me, author, kept, result)
        result.written += sync_settings.apply(tx)
    return result


# An entity folded from its ops: gid, fields (decoded), and its first op's replica.
_Folded = tuple[str, dict[str, Any], str]
# SQLite decodes the plain values (JSON scalars come out as the SQL values json.loads would
# give, booleans as 0/1 like Python's bind of them); set fields' ops stay JSON for tag_state.
_SET_COLUMNS = {name for _, name in SET_FIELDS}
_SET_NAMES = ", ".join(sorted({f"'{name}'" for _, name in SET_FIELDS}))
_LOG_SQL = (
    f"SELECT kind, gid, field, lamport, replica, CASE WHEN field IN ({_SET_NAMES}) THEN value"
    " ELSE json_extract(value, '$') END FROM op ORDER BY kind, gid, lamport, replica"
)


def _fold_log(store: Store) -> dict[str, list[_Folded]]:
    """`fold` for every entity at once: ops sorted by (Lamport, replica) within an entity,
    so the last op of a field wins, as in `fold`; tags go through the same add-wins set."""
    out: dict[str, list[_Folded]] = {}
    for (kind, gid), group in groupby(store.rows(_LOG_SQL), key=itemgetter(0, 1)):
        if kind not in KIND_ORDER:
            continue
        state: dict[str, Any] = {}
        sets: dict[str, list[tuple[int, str, Any]]] = {}
        first = ""
        for _, _, name, lamport, replica, value in group:
            first = first or replica
            if (kind, name) in SET_FIELDS:
                sets.setdefault(name, []).append((lamport, replica, json.loads(value)))
            elif name in _SET_COLUMNS:  # a set field's name on a table where it is plain
                state[name] = None if value is None else json.loads(value)
            else:
                state[name] = value
        for name, set_ops in sets.items():
            state[name] = json.dumps(list(tag_state(set_ops)))
        out.setdefault(kind, []).append((gid, state, first))
    return out


def _first_authors(store: Store, kind: str) -> dict[str, str]:
    """Gid -> the author of its first op (who a personal entity belongs to): read from the
    last op to the first, so the first one's author is the one left."""
    rows = store.rows(
        "SELECT gid, author FROM op WHERE kind = ? ORDER BY gid, lamport DESC, replica DESC",
        (kind,),
    )
    return dict(rows)


def _rebuild_table(
    store: Store,
    tx: Tx,
    kind: str,
    entities: list[_Folded],
    me: str,
    author: str,
    kept: dict[str, dict[str, dict[str, Any]]],
    result: MergeResult,
) -> None:
    columns = _columns(store, kind)
    refs = {name: ref for (table, name), ref in FOREIGN.items() if table == kind}
    local = {ref: dict(store.rows(f'SELECT gid, id FROM "{ref}"')) for ref in set(refs.values())}
    usable = {n for n in columns if n not in ("id", "gid") and (kind, n) not in LOCAL_FIELDS}
    authors = _first_authors(store, kind) if kind in PERSONAL else {}
    shapes: dict[tuple[str, ...], list[tuple[str, list[Any]]]] = {}
    for gid, state, first in entities:
        if state.get(DELETED) or (
            kind in PERSONAL and not _owned(first, authors.get(gid, ""), me, author)
        ):
            continue
        values: dict[str, Any] = {}
        for name, value in state.items():  # the fields this table has (see _row_values)
            if name not in usable:
                continue
            ref = refs.get(name)
            if ref is not None and value is not None:
                if value not in local[ref]:
                    result.waiting.append(f"{kind} {gid[:8]}: waits for {ref} {str(value)[:8]}")
                    break
                value = local[ref][value]
            values[name] = value
        else:
            values.update(kept[kind].get(gid, {}))
            values["gid"] = gid
            shapes.setdefault(tuple(values), []).append((gid, list(values.values())))
    for names, batch in shapes.items():
        try:
            with tx.savepoint():
                result.written += tx.insert_many(kind, names, [v for _, v in batch])
        except sqlite3.IntegrityError:  # one row clashes: write them one by one, report it
            for gid, row in batch:
                try:
                    with tx.savepoint():
                        tx.insert(kind, dict(zip(names, row, strict=True)))
                        result.written += 1
                except sqlite3.IntegrityError as exc:
                    result.waiting.append(f"{kind} {gid[:8]}: {exc}")


def _kept(store: Store, table: str) -> dict[str, dict[str, Any]]:
    """Gid -> what a rebuild keeps of its row: the local id (so `Task: 12` still names the
    same task) and the machine-local fields."""
    names = [n for t, n in LOCAL_FIELDS if t == table]
    if "id" in _columns(store, table):
        names.append("id")
    if not names:
        return {}
    listed = ", ".join(f'"{n}"' for n in names)
    rows = store.rows(f'SELECT gid, {listed} FROM "{table}"')
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}


def _row_values(kind: str, state: dict[str, Any], columns: frozenset[str]) -> dict[str, Any]:
    """The fields of `state` this table has (unknown ones, a newer mlpm's, stay in the log)."""
    return {
        name: value
        for name, value in state.items()
        if name in columns and name not in ("id", "gid") and (kind, name) not in LOCAL_FIELDS
    }


def _write_all(
    store: Store,
    tx: Tx,
    touched: list[tuple[str, str]],
    stored: dict[tuple[str, str], list[Op]],
    result: MergeResult,
) -> None:
    me, author = replica_id_of(store), _author(store)
    waiting = [e for e in touched if e[0] in KIND_ORDER]
    while waiting:  # a child whose parent came later in the list is tried again
        left = []
        for kind, gid in waiting:
            ops = stored.get((kind, gid), [])
            try:
                with tx.savepoint():
                    result.written += _write(store, tx, kind, gid, ops, me, author)
            except (_Waiting, sqlite3.IntegrityError) as exc:
                left.append((kind, gid, str(exc)))
        if len(left) == len(waiting):
            result.waiting += [f"{kind} {gid[:8]}: {why}" for kind, gid, why in left]
            return
        waiting = [(kind, gid) for kind, gid, _ in left]


def _ops_of(tx: Tx, entities: list[tuple[str, str]]) -> dict[tuple[str, str], list[Op]]:
    """Every stored op of `entities`, in merge order, read by one join (not one query each)."""
    out: dict[tuple[str, str], list[Op]] = {}
    with tx.scratch("sync_touched", ("kind", "gid")) as touched:
        tx.insert_many(touched, ("kind", "gid"), entities)
        # CROSS JOIN keeps the few touched entities outside, each found by the op_entity
        # index (else SQLite may scan the whole log and look each op up in the scratch table).
        rows = tx.store.rows(
            "SELECT op.lamport, op.replica, op.at, op.author, op.kind, op.gid, op.field,"
            f" op.value FROM {touched} AS t CROSS JOIN op ON op.kind = t.kind AND op.gid = t.gid"
            " ORDER BY op.kind, op.gid, op.lamport, op.replica"
        )
    for lamport, replica, at, author, kind, gid, name, value in rows:
        decoded = None if value is None else json.loads(value)
        op = Op(lamport, replica, at, author, kind, gid, name, decoded)
        out.setdefault((kind, gid), []).append(op)
    return out


class _Waiting(Exception):
    """The entity cannot be written yet (a row it refers to has not arrived)."""


def _author(store: Store) -> str:
    row = store.one("SELECT value FROM setting WHERE key = 'sync.author'")
    return str(json.loads(row["value"])) if row else ""


_COLUMNS: dict[tuple[str, str], frozenset[str]] = {}  # (database, table): the schema is
# fixed once the database is open and migrated


def _columns(store: Store, table: str) -> frozenset[str]:
    key = (str(store.path), table)
    if key not in _COLUMNS:
        rows = store.query(f'PRAGMA table_info("{table}")')
        _COLUMNS[key] = frozenset(c["name"] for c in rows)
    return _COLUMNS[key]


def _mine(ops: list[Op], me: str, author: str) -> bool:
    return _owned(ops[0].replica, ops[0].author, me, author)


def _owned(first_replica: str, first_author: str, me: str, author: str) -> bool:
    """A personal entity is this person's if its first op was made here or by its author."""
    return first_replica == me or (bool(author) and first_author == author)


def _write(
    store: Store,
    tx: Tx,
    kind: str,
    gid: str,
    ops: list[Op],
    me: str,
    author: str,
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
    values = _row_values(kind, state, _columns(store, kind))
    for name, value in values.items():
        ref = FOREIGN.get((kind, name))
        if ref and value is not None:
            values[name] = _local_id(store, ref, value)
    if existing is not None:
        changes = {c: v for c, v in values.items() if existing.get(c) != v}
        if not changes:
            return 0
        tx.update(kind, existing["_key"], changes)
        return 1
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
