"""Personal settings in sync: a setting of `PERSONAL_SETTINGS` changed on one of a person's
machines is set on their others; a teammate's never changes this replica's.

Every write of such a setting appends an op (kind "setting", entity = the key; see
`mlpm.store.ops`). Here, after ops arrive (or on a rebuild), each key takes the value of its
winning op, last writer wins by (Lamport clock, replica), among this person's ops only: the
ops this replica made, or made by its author (the person sync was set up with)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from mlpm.store import Store, Tx
from mlpm.store.ops import PERSONAL_SETTINGS, SETTING, Op, replica_id_of


def touched(ops: Iterable[Op]) -> set[str]:
    """The personal settings that `ops` change."""
    return {o.gid for o in ops if o.kind == SETTING and o.gid in PERSONAL_SETTINGS}


def apply(tx: Tx, keys: Iterable[str] | None = None) -> int:
    """Set each key (default: every personal setting) to its person's winning value; return
    how many rows changed. Runs inside a merge's transaction (no new ops are emitted)."""
    store = tx.store
    me, author = replica_id_of(store), _author(store)
    changed = 0
    for key in sorted(PERSONAL_SETTINGS if keys is None else keys):
        row = store.one(
            "SELECT value FROM op WHERE kind = ? AND gid = ? AND field = 'value'"
            " AND (replica = ? OR (? != '' AND author = ?))"
            " ORDER BY lamport DESC, replica DESC LIMIT 1",
            (SETTING, key, me, author, author),
        )
        if row is None:
            continue
        changed += _set(tx, key, None if row["value"] is None else json.loads(row["value"]))
    return changed


def _set(tx: Tx, key: str, value: object) -> int:
    old = tx.store.one("SELECT value FROM setting WHERE key = ?", (key,))
    if value is None:
        if old is None:
            return 0
        tx.delete("setting", key)
        return 1
    encoded = json.dumps(value)
    if old is None:
        tx.insert("setting", {"key": key, "value": encoded})
    elif old["value"] != encoded:
        tx.update("setting", key, {"value": encoded})
    else:
        return 0
    return 1


def _author(store: Store) -> str:
    value = store.scalar("SELECT value FROM setting WHERE key = 'sync.author'")
    return "" if value is None else str(json.loads(value))
