"""Bulk writes for `Tx`: many rows in few statements, the batch noted once in the event log.

A bulk write is not undone row by row, so it is refused in an undoable transaction. Tables
under `temp.` (a transaction's scratch space, gone with the connection) are written unlogged.
Inside `Tx.noting` the bulk writes share one note instead (a git scan logs one event).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any, Literal

OnConflict = Literal["ignore", "replace"] | None
_ROWS_PER_STATEMENT = 100  # one INSERT of many rows costs far less per row than executemany
_MAX_PARAMS = 999  # the lowest per-statement limit of any SQLite build (before 3.32)


def quoted(table: str) -> str:
    """A table name quoted for SQL, a `temp.` schema kept apart from the name."""
    schema, dot, name = table.rpartition(".")
    return f'{schema}."{name}"' if dot else f'"{name}"'


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


class BulkWrites:
    """The bulk half of `Tx` (mixed into it): needs its connection, `undoable` and `note`."""

    _conn: sqlite3.Connection
    undoable: bool
    _gathered: dict[str, dict[str, int]] | None = None  # inside `noting`: rows changed

    def note(self, entity: str, entity_id: Any, details: dict[str, Any]) -> None:
        raise NotImplementedError  # Tx.note

    def _bulk(self, table: str, action: str, rows: int, changed: int) -> int:
        """Note one bulk write (scratch tables excepted); return `changed`."""
        if table.startswith("temp."):
            return changed
        if self._gathered is not None:
            counts = self._gathered.setdefault(table, {})
            counts[action] = counts.get(action, 0) + changed
        else:
            self.note(table, action, {"bulk": action, "rows": rows, "changed": changed})
        return changed

    @contextmanager
    def noting(self, entity: str, entity_id: Any) -> Iterator[dict[str, Any]]:
        """One note for all the bulk writes inside, written on leaving without an error: the
        yielded details (the caller fills them in) and `changed`, rows changed per table."""
        if self._gathered is not None:
            raise RuntimeError("Tx.noting does not nest")
        details: dict[str, Any] = {}
        self._gathered = {}
        try:
            yield details
            changed = self._gathered
        finally:
            self._gathered = None
        self.note(entity, entity_id, {**details, "changed": changed})

    def _refuse_undoable(self, table: str) -> None:
        if self.undoable and not table.startswith("temp."):
            raise RuntimeError(
                f"bulk write to {table} in an undoable transaction: open it with undoable=False"
            )

    def _insert_rows(
        self,
        head: str,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        tail: str,
    ) -> int:
        """Run `head INTO table (columns) VALUES ... tail` over `rows`, many rows a statement."""
        one = "(" + ", ".join("?" * len(columns)) + ")"
        start = f"{head} INTO {quoted(table)} ({_names(columns)}) VALUES "
        per = max(1, min(_ROWS_PER_STATEMENT, _MAX_PARAMS // max(1, len(columns))))
        whole = len(rows) - len(rows) % per if per > 1 else 0
        changed = 0
        if whole:
            sql = start + ", ".join([one] * per) + tail
            for at in range(0, whole, per):
                flat = list(chain.from_iterable(rows[at : at + per]))
                changed += self._conn.execute(sql, flat).rowcount
        if whole < len(rows):
            changed += self._conn.executemany(start + one + tail, rows[whole:]).rowcount
        return changed

    def insert_many(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        on_conflict: OnConflict = None,
    ) -> int:
        """Insert `rows` (values in `columns` order); return how many were inserted.

        `on_conflict="ignore"` skips rows that clash with a unique key; `"replace"` deletes
        the stored row they clash with first (SQLite's OR REPLACE).
        """
        self._refuse_undoable(table)
        if not rows:
            return 0
        head = "INSERT OR REPLACE" if on_conflict == "replace" else "INSERT"
        tail = " ON CONFLICT DO NOTHING" if on_conflict == "ignore" else ""
        changed = self._insert_rows(head, table, columns, rows, tail)
        return self._bulk(table, "insert", len(rows), changed)

    def upsert_many(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        key: Sequence[str],
        update: Sequence[str] | None = None,
        coalesce: Sequence[str] = (),
    ) -> int:
        """Insert `rows`, or update the stored row with the same `key` columns.

        An update sets the `update` columns (default: every column not in `key`), and the
        `coalesce` ones only where the new value is not NULL. Return rows inserted or updated.
        """
        self._refuse_undoable(table)
        if not rows:
            return 0
        if update is None:
            update = [c for c in columns if c not in key and c not in coalesce]
        sets = [f'"{c}" = excluded."{c}"' for c in update]
        name = quoted(table)
        sets += [f'"{c}" = COALESCE(excluded."{c}", {name}."{c}")' for c in coalesce]
        action = f"UPDATE SET {', '.join(sets)}" if sets else "NOTHING"
        tail = f" ON CONFLICT ({_names(key)}) DO {action}"
        changed = self._insert_rows("INSERT", table, columns, rows, tail)
        return self._bulk(table, "upsert", len(rows), changed)

    def insert_select(
        self,
        table: str,
        columns: Sequence[str],
        select: str,
        params: Sequence[Any] = (),
        *,
        or_ignore: bool = False,
    ) -> int:
        """Insert the rows of a SELECT (`or_ignore`: skip those that break a constraint)."""
        self._refuse_undoable(table)
        head = "INSERT OR IGNORE" if or_ignore else "INSERT"
        sql = f"{head} INTO {quoted(table)} ({_names(columns)}) {select}"
        changed = self._conn.execute(sql, params).rowcount
        return self._bulk(table, "insert", changed, changed)

    def update_where(
        self,
        table: str,
        changes: Mapping[str, Any],
        where: str,
        params: Sequence[Any] = (),
        *,
        or_ignore: bool = False,
    ) -> int:
        """Set `changes` on every row matching `where`; return how many rows changed.

        `or_ignore` leaves alone the rows the change would make clash with a unique key.
        """
        self._refuse_undoable(table)
        head = "UPDATE OR IGNORE" if or_ignore else "UPDATE"
        sets = ", ".join(f'"{c}" = ?' for c in changes)
        sql = f"{head} {quoted(table)} SET {sets} WHERE {where}"
        changed = self._conn.execute(sql, (*changes.values(), *params)).rowcount
        return self._bulk(table, "update", changed, changed)

    def update_many(
        self,
        table: str,
        changes: Mapping[str, Any],
        key: Sequence[str],
        keys: Sequence[Sequence[Any]],
    ) -> int:
        """Set `changes` on each row whose `key` columns hold one of `keys`; rows that hold
        them already are left alone. Return how many rows changed."""
        self._refuse_undoable(table)
        if not keys or not changes:
            return 0
        sets = ", ".join(f'"{c}" = ?' for c in changes)
        match = " AND ".join(f'"{c}" = ?' for c in key)
        differs = " OR ".join(f'"{c}" IS NOT ?' for c in changes)
        sql = f"UPDATE {quoted(table)} SET {sets} WHERE {match} AND ({differs})"
        values = tuple(changes.values())
        changed = self._conn.executemany(sql, [(*values, *k, *values) for k in keys]).rowcount
        return self._bulk(table, "update", len(keys), changed)

    def delete_where(self, table: str, where: str, params: Sequence[Any] = ()) -> int:
        """Delete every row matching `where` (`"true"`: all); return how many went."""
        self._refuse_undoable(table)
        sql = f"DELETE FROM {quoted(table)} WHERE {where}"
        changed = self._conn.execute(sql, params).rowcount
        return self._bulk(table, "delete", changed, changed)

    def defer_foreign_keys(self) -> None:
        """Check foreign keys at commit, not per statement (tables loaded in any order)."""
        self._conn.execute("PRAGMA defer_foreign_keys = ON")

    @contextmanager
    def scratch(self, name: str, columns: Sequence[str]) -> Iterator[str]:
        """An empty temporary table for staging rows, emptied again on exit; yields its
        name (`temp.NAME`) for the bulk methods and SELECTs."""
        table = f"temp.{name}"
        self._conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {quoted(table)} ({_names(columns)})")
        self._conn.execute(f"DELETE FROM {quoted(table)}")
        try:
            yield table
        finally:
            self._conn.execute(f"DELETE FROM {quoted(table)}")

    @contextmanager
    def page_cache(self, mib: int) -> Iterator[None]:
        """A larger page cache while inside (writes that touch pages all over the file)."""
        size = self._conn.execute("PRAGMA cache_size").fetchone()
        before = int(next(iter(size.values())) if isinstance(size, dict) else size[0])
        self._conn.execute(f"PRAGMA cache_size = {-int(mib) * 1024}")
        try:
            yield
        finally:
            self._conn.execute(f"PRAGMA cache_size = {before}")
