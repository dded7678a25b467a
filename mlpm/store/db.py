"""The store: one connection to an mlpm database, its reads, and the one write path
(`Store.write` and its `Tx`, which logs every change)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mlpm import clock
from mlpm.store import opening
from mlpm.store.bulk import BulkWrites, quoted
from mlpm.store.ids import GID_TABLES, mint
from mlpm.store.ops import OpWriter

# Primary key of each table the event log can restore; `id` unless listed.
PRIMARY_KEYS = {"setting": "key", "task_commit": "rowid"}


class Store:
    """A connection to one mlpm database file."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls, path: Path | str | None = None, *, migrate: bool = True, create_folder: bool = True
    ) -> Store:
        """Open (creating if needed) and migrate the database at `path` (default location).

        `create_folder=False` refuses a path whose folder does not exist (one the user typed).
        Another program's SQLite file is refused before anything is written to it.
        """
        from mlpm.paths import default_db_path

        db_path = Path(path).expanduser() if path else default_db_path()
        if db_path.exists():
            opening.check_path(db_path)
        else:
            opening.create_private_file(db_path, create_folder=create_folder)
        store = cls(opening.connect(db_path), db_path)
        if migrate:
            try:
                store._migrate()
            except BaseException:
                store.close()
                raise
        return store

    def close(self) -> None:
        self._conn.close()

    def applied_migrations(self) -> dict[str, set[str]]:
        """Migration set -> names already applied to this file."""
        return opening.applied(self._conn)

    def _migrate(self) -> None:
        try:
            pending = opening.pending(self._conn, self.path)
        except (sqlite3.Error, UnicodeDecodeError) as exc:
            raise opening.failure(self.path, exc, "read") from None
        if pending:
            self.migrate()

    def migrate(self, *, stop_before: Sequence[str] = ()) -> list[str]:
        """Apply pending migrations (backing up a non-empty file first); return their names.

        `stop_before` names migrations to leave pending (tests build old schemas with it).
        """
        import fcntl
        import os

        lock_path = self.path.with_name(self.path.name + ".migrate-lock")
        with open(lock_path, "w") as lock:
            os.chmod(lock_path, 0o600)
            fcntl.flock(lock, fcntl.LOCK_EX)  # one process migrates; the others wait
            if not opening.pending(self._conn, self.path):
                return []
            fresh = opening.is_fresh(self._conn)
            if not fresh:
                self.backup(self._backup_path())
            return opening.apply(self.path, stop_before, fresh=fresh)

    def _backup_path(self) -> Path:
        moment = clock.now().strftime("%Y%m%d-%H%M%S")
        return self.path.with_name(f"{self.path.stem}.backup-{moment}{self.path.suffix}")

    def backup(self, target: Path) -> Path:
        """Copy the whole database to `target` (mode 0600) with SQLite's online backup."""
        opening.create_private_file(target)
        dest = sqlite3.connect(target)
        try:
            self._conn.backup(dest)
        finally:
            dest.close()
        return target

    # -- reading ---------------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        return self._conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> dict[str, Any] | None:
        return self._conn.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = self._conn.execute(sql, params).fetchone()
        return None if row is None else next(iter(row.values()))

    def column(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """The first value of every row, read as plain tuples (fast for large reads)."""
        cursor = self._conn.cursor()
        cursor.row_factory = None
        return [row[0] for row in cursor.execute(sql, params)]

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row as a plain tuple (fast for large reads)."""
        cursor = self._conn.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, params).fetchall()

    def data_version(self) -> int:
        """Changes when another connection commits: the TUI polls it for live refresh."""
        return self._conn.execute("PRAGMA data_version").fetchone()["data_version"]

    # -- writing ---------------------------------------------------------------------------

    @contextmanager
    def write(self, command: str, *, undoable: bool = True, logged: bool = True) -> Iterator[Tx]:
        """A write transaction: every row change made through the `Tx` is logged with it.

        `logged=False` writes no event at all: only for restoring a dump, whose own event log
        is restored row for row.
        """
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            batch = self.scalar("SELECT COALESCE(MAX(batch), 0) + 1 FROM event")
            tx = Tx(self, batch, command, undoable, logged)
            yield tx
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")


class Tx(BulkWrites):
    """Row changes inside one write transaction, each logged to `event` with before/after
    (bulk writes: one note per call, see `mlpm.store.bulk`); a change of a shared or personal
    entity also appends its field-level ops (`mlpm.store.ops`) unless `emit_ops` is off
    (applying ops received from other replicas)."""

    def __init__(
        self, store: Store, batch: int, command: str, undoable: bool, logged: bool = True
    ) -> None:
        self.store = store
        self._conn = store._conn
        self.batch = batch
        self.command = command
        self.undoable = undoable
        self.logged = logged
        self.forced = False
        self.emit_ops = logged
        self.ops = OpWriter(self._conn)

    def row(self, table: str, key: Any) -> dict[str, Any] | None:
        """The row of `table` with primary key `key`, as stored now."""
        pk = PRIMARY_KEYS.get(table, "id")
        return self.store.one(f'SELECT * FROM {quoted(table)} WHERE "{pk}" = ?', (key,))

    def log(
        self,
        entity: str,
        entity_id: Any,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        *,
        undoable: bool | None = None,
    ) -> None:
        if not self.logged:
            return
        self._conn.execute(
            "INSERT INTO event (batch, at, command, entity, entity_id, action, before, after,"
            " undoable, forced) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.batch,
                clock.stamp(),
                self.command,
                entity,
                str(entity_id),
                action,
                None if before is None else json.dumps(before),
                None if after is None else json.dumps(after),
                int(self.undoable if undoable is None else undoable),
                int(self.forced),
            ),
        )

    def insert(self, table: str, values: dict[str, Any]) -> int:
        """Insert a row (a shared entity gets its global id here); return its primary key."""
        if table in GID_TABLES and "gid" not in values:
            values = {**values, "gid": mint()}
        rowid = self._put(table, values)
        key = values.get(PRIMARY_KEYS.get(table, "id"), rowid)
        after = self.row(table, key)
        self.log(table, key, "insert", None, after)
        if self.emit_ops:
            self.ops.changed(table, None, after)
        return key  # type: ignore[return-value]

    def update(self, table: str, key: Any, changes: dict[str, Any]) -> dict[str, Any]:
        """Update one row; return it as it is after the change."""
        before = self.row(table, key)
        if before is None:
            raise LookupError(f"{table} {key} vanished")
        if all(before.get(c) == v for c, v in changes.items()):
            return before
        self._set(table, key, changes)
        after = self.row(table, key)
        self.log(table, key, "update", before, after)
        if self.emit_ops:
            self.ops.changed(table, before, after)
        return after  # type: ignore[return-value]

    def delete(self, table: str, key: Any) -> None:
        before = self.row(table, key)
        if before is None:
            return
        self._remove(table, key)
        self.log(table, key, "delete", before, None)
        if self.emit_ops:
            self.ops.changed(table, before, None)

    def restore(self, table: str, key: Any, before: dict[str, Any] | None) -> None:
        """Put one row back as an event recorded it before (None: it did not exist):
        deleted, re-inserted or overwritten, and logged like any other change."""
        current = self.row(table, key)
        if before is None:
            if current is None:
                return
            self._remove(table, key)
            action = "delete"
        elif current is None:
            self._put(table, before)
            action = "insert"
        else:
            self._set(table, key, before)
            action = "update"
        self.log(table, key, action, current, before)
        if self.emit_ops:  # compensating ops: other replicas see the undo too
            self.ops.changed(table, current, before, revived=current is None)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Changes inside are undone together if it raises (the transaction goes on)."""
        self._conn.execute("SAVEPOINT tx_part")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK TO tx_part")
            self._conn.execute("RELEASE tx_part")
            raise
        self._conn.execute("RELEASE tx_part")

    def note(self, entity: str, entity_id: Any, details: dict[str, Any]) -> None:
        """Log something that is not a row change (a sync, an override); never undone."""
        self.log(entity, entity_id, "note", None, details, undoable=False)

    def _put(self, table: str, values: dict[str, Any]) -> int | None:
        marks = ", ".join("?" for _ in values)
        names = ", ".join(f'"{c}"' for c in values)
        sql = f"INSERT INTO {quoted(table)} ({names}) VALUES ({marks})"
        return self._conn.execute(sql, tuple(values.values())).lastrowid

    def _set(self, table: str, key: Any, changes: dict[str, Any]) -> None:
        pk = PRIMARY_KEYS.get(table, "id")
        sets = ", ".join(f'"{c}" = ?' for c in changes)
        sql = f'UPDATE {quoted(table)} SET {sets} WHERE "{pk}" = ?'
        self._conn.execute(sql, (*changes.values(), key))

    def _remove(self, table: str, key: Any) -> None:
        pk = PRIMARY_KEYS.get(table, "id")
        self._conn.execute(f'DELETE FROM {quoted(table)} WHERE "{pk}" = ?', (key,))
