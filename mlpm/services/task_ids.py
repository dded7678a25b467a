"""What a person types for a task -> the task: a legacy integer id (digits only, this
replica's own numbering) or a global id prefix (the same task on every replica)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from mlpm.errors import NotFound, UsageError
from mlpm.store import Store
from mlpm.store.ids import MIN_SHORT, looks_like_gid_prefix, short_ids

_SHOWN = 5  # candidates listed when a prefix is ambiguous
# Above this many wanted ids, one sorted scan of the table beats two lookups per id.
_SCAN_ABOVE = 200


def resolve(store: Store, text: str | int, *, table: str = "task") -> int:
    """The local id of the row `text` names; NotFound or UsageError (ambiguous) otherwise."""
    ref = str(text).strip().lower().removeprefix("mlpm").removeprefix("#")
    if ref.isdigit():
        return int(ref)
    if not looks_like_gid_prefix(ref):
        raise UsageError(f"{str(text)!r} is not a {table} id (a number, or a short id like kd3f)")
    if len(ref) < MIN_SHORT:
        raise UsageError(f"a short id has at least {MIN_SHORT} characters (got {ref!r})")
    rows = store.query(
        f'SELECT id, gid FROM "{table}" WHERE gid >= ? AND gid < ? ORDER BY gid LIMIT ?',
        (ref, ref + "~", _SHOWN + 1),
    )
    if not rows:
        raise NotFound(f"no {table} with id {ref}")
    if len(rows) > 1:
        shown = ", ".join(r["gid"][: max(len(ref) + 1, MIN_SHORT)] for r in rows[:_SHOWN])
        more = " …" if len(rows) > _SHOWN else ""
        raise UsageError(f"{ref} names more than one {table}: {shown}{more}; type more of it")
    return int(rows[0]["id"])


def short_id(store: Store, gid: str, *, table: str = "task") -> str:
    return shorts(store, [gid], table=table).get(gid, gid)


def shorts(store: Store, gids: Iterable[str], *, table: str = "task") -> dict[str, str]:
    """gid -> its short id (shortest prefix no other row of `table` shares, at least 4)."""
    wanted = [g for g in gids if g]
    if len(wanted) > _SCAN_ABOVE:
        every = store.column(f'SELECT gid FROM "{table}" WHERE gid IS NOT NULL ORDER BY gid')
        return short_ids(every, wanted)
    out: dict[str, str] = {}
    for gid in wanted:
        near = store.column(
            f'SELECT * FROM (SELECT MAX(gid) FROM "{table}" WHERE gid < ?)'
            f' UNION ALL SELECT * FROM (SELECT MIN(gid) FROM "{table}" WHERE gid > ?)',
            (gid, gid),
        )
        out.update(short_ids(sorted([gid, *[n for n in near if n]]), [gid]))
    return out


class TaskRefs:
    """Resolves the task references of commit messages among a set of tasks: a number is a
    local id, anything else a gid prefix naming exactly one of them (else nothing)."""

    def __init__(self, rows: Iterable[tuple[int, str | None]]) -> None:
        listed = list(rows)
        pairs = sorted((gid, task_id) for task_id, gid in listed if gid)
        self.ids = {task_id for task_id, _gid in listed}
        self._gids = [gid for gid, _ in pairs]
        self._by_gid = [task_id for _, task_id in pairs]

    def __contains__(self, ref: object) -> bool:
        return self.get(ref) is not None

    def get(self, ref: object) -> int | None:
        if isinstance(ref, int):
            return ref if ref in self.ids else None
        text = str(ref).lower()
        if len(text) < MIN_SHORT:
            return None
        i = bisect_left(self._gids, text)
        hits = 0
        while i + hits < len(self._gids) and self._gids[i + hits].startswith(text):
            hits += 1
            if hits > 1:
                return None  # ambiguous: a commit is never linked to a guess
        return self._by_gid[i] if hits == 1 else None
