"""Opening a database file: create it, check whose it is before writing anything, migrate.

Quick commands use plain `sqlite3` here. sqlite-utils (which pulls in numpy) is imported only
when migrations are pending.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlpm.errors import StoreError

MIGRATIONS_TABLE = "_sqlite_migrations"
BUSY_TIMEOUT_MS = 30_000
_MLPM_SETS = "mlpm."  # every migration set of mlpm is named so (migrations.all_sets)


def create_private_file(path: Path, *, create_folder: bool = True) -> None:
    """Create an empty database file readable by its owner only (0600); its folder too
    unless `create_folder` is False (a path the user typed: a typo must not make one)."""
    try:
        if not path.parent.is_dir():
            if path.parent.exists():
                raise StoreError(f"cannot create the database at {path}: {path.parent} is a file")
            if not create_folder:
                raise StoreError(
                    f"cannot create the database at {path}: there is no folder {path.parent}"
                )
            path.parent.mkdir(parents=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        if path.is_file():
            return  # another process created it first
        raise StoreError(f"cannot create the database at {path}: a folder is in the way") from None
    except OSError as exc:
        raise StoreError(f"cannot create the database at {path}: {exc.strerror}") from None
    os.close(fd)


def check_path(path: Path) -> None:
    """Refuse what cannot be a database file, without opening it: closing any descriptor of
    the file would drop the POSIX locks SQLite holds on it for other connections of this
    process (the TUI keeps two), letting another process delete their WAL."""
    if not path.is_file():
        raise StoreError(f"{path} is not a file")


def as_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {col[0]: value for col, value in zip(cursor.description, row, strict=True)}


def failure(path: Path, exc: sqlite3.Error | UnicodeDecodeError, doing: str = "open") -> StoreError:
    """One line for an SQLite failure on `path`. A damaged schema can put bytes that are not
    UTF-8 into SQLite's own message, which Python then fails to decode: shown replaced."""
    if isinstance(exc, UnicodeDecodeError):
        text = bytes(exc.object).decode("utf-8", "replace")
        return StoreError(f"cannot {doing} {path}: the file is damaged ({text})")
    if "not a database" in str(exc):
        return StoreError(f"{path} is not an SQLite database")
    return StoreError(f"cannot {doing} {path}: {exc}")


def connect(path: Path) -> sqlite3.Connection:
    """A connection to `path`, checked to be mlpm's (or empty) before anything is written."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.row_factory = as_row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        check_owner(conn, path)
        # The first write: switching to WAL rewrites the file header.
        if conn.execute("PRAGMA journal_mode").fetchone()["journal_mode"] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        conn.close()
        raise failure(path, exc) from None
    except BaseException:
        conn.close()
        raise
    return conn


def user_tables(conn: sqlite3.Connection) -> list[str]:
    """Tables other than SQLite's own and sqlite-utils' migration record."""
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name != ?",
        (MIGRATIONS_TABLE,),
    ).fetchall()
    return [row["name"] for row in rows]


def applied(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """Migration set -> names already applied to this file (read only)."""
    if not conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MIGRATIONS_TABLE,)
    ).fetchone():
        return {}
    done: dict[str, set[str]] = {}
    for row in conn.execute(f"SELECT migration_set, name FROM {MIGRATIONS_TABLE}"):
        done.setdefault(row["migration_set"], set()).add(row["name"])
    return done


def is_fresh(conn: sqlite3.Connection) -> bool:
    """Nothing of anyone's yet: no tables, or only the empty migration record a first run
    left when it was killed before its first migration committed."""
    return not applied(conn) and not user_tables(conn)


def check_owner(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse another program's database, reading only (its file stays byte-identical)."""
    if any(name.startswith(_MLPM_SETS) for name in applied(conn)):
        return
    if user_tables(conn):
        raise StoreError(f"{path} is an SQLite database, but not an mlpm one")


def pending(conn: sqlite3.Connection, path: Path) -> dict[str, list[str]]:
    """Migration set -> the names still to apply, in order; StoreError if the file was
    written by a newer mlpm."""
    from mlpm.store.migrations import all_sets

    known = all_sets()
    done = applied(conn)
    unknown = sorted(
        f"{set_name}:{name}"
        for set_name, names in done.items()
        if set_name.startswith(_MLPM_SETS)
        for name in names - {m.name for m in known.get(set_name, [])}
    )
    if unknown:
        raise StoreError(
            f"{path} was written by a newer mlpm (unknown schema steps: "
            f"{', '.join(unknown[:3])}); upgrade mlpm to open it"
        )
    return {
        set_name: [m.name for m in migrations if m.name not in done.get(set_name, set())]
        for set_name, migrations in known.items()
        if any(m.name not in done.get(set_name, set()) for m in migrations)
    }


def apply(path: Path, stop_before: Sequence[str], *, fresh: bool) -> list[str]:
    """Run the pending migrations on `path`; return their names. On a fresh file they run
    in one transaction: a first run killed halfway leaves the file as empty as it was."""
    import sqlite_utils

    from mlpm.store.migrations import all_sets

    # A connection of its own: sqlite-utils expects plain tuple rows.
    db = sqlite_utils.Database(sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000))
    done: list[str] = []
    try:
        if fresh:
            db.conn.execute("BEGIN IMMEDIATE")
        for set_name, migrations in all_sets().items():
            runner = sqlite_utils.Migrations(set_name)
            for migration in migrations:
                runner(name=migration.name)(migration.apply)
            before = [m.name for m in runner.pending(db)]
            runner.apply(db, stop_before=list(stop_before) or None)
            after = {m.name for m in runner.pending(db)}
            done += [name for name in before if name not in after]
        if fresh:
            db.conn.execute("COMMIT")
    except (sqlite3.Error, UnicodeDecodeError) as exc:
        raise failure(path, exc, "migrate") from None
    finally:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        db.close()
    return done
