"""The database file: private, migrated with a backup, refused when newer or foreign, and safe
under two writers at once."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mlpm.errors import StoreError
from mlpm.store import Store
from mlpm.store.migrations import all_sets
from tests.conftest import run_mlpm


def test_new_database_is_private_and_in_wal_mode(cli, db_path):
    assert cli("project", "add", "asr").exit_code == 0
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_db_option_and_env_choose_the_file(tmp_path, cli, monkeypatch):
    chosen = tmp_path / "elsewhere.db"
    assert cli("--db", str(chosen), "project", "add", "one").exit_code == 0
    monkeypatch.setenv("MLPM_DB", str(chosen))
    result = cli("project", "list")
    assert "one" in result.output
    assert chosen.exists()


def test_older_schema_is_backed_up_then_migrated(db_path, cli):
    # Build the file an earlier mlpm would have left: only the first core migration.
    old = Store.open(db_path, migrate=False)
    old.migrate(stop_before=["m002_lesson_search"])
    with old.write("seed") as tx:
        tx.insert(
            "project",
            {
                "slug": "old",
                "name": "old",
                "status": "active",
                "settings": "{}",
                "created_at": "2026-01-01T00:00:00+00:00",
                "updated_at": "2026-01-01T00:00:00+00:00",
            },
        )
        tx.insert(
            "lesson",
            {"text": "checkpoint long training runs", "created_at": "2026-01-01T00:00:00+00:00"},
        )
    old.close()
    assert "lesson_fts" not in _tables(db_path)

    result = cli("lesson", "search", "checkpoint")

    assert result.exit_code == 0, result.output
    assert "**checkpoint** long training" in result.output  # old rows indexed by the migration
    assert "lesson_fts" in _tables(db_path)
    backups = list(db_path.parent.glob("mlpm.backup-*.db"))
    assert len(backups) == 1
    assert "lesson_fts" not in _tables(backups[0])
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600


def test_database_from_a_newer_mlpm_is_refused_and_left_untouched(db_path, cli):
    Store.open(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('mlpm.core', 'm999_from_the_future', 'x')"
    )
    conn.commit()
    conn.close()
    before = db_path.read_bytes()

    result = cli("task", "list")

    assert result.exit_code == 1
    assert "newer mlpm" in result.output
    assert "Traceback" not in result.output
    assert db_path.read_bytes() == before


def test_a_file_that_is_not_sqlite_is_refused(tmp_path, cli):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("just some notes\n" * 10)
    result = cli("--db", str(bogus), "task", "list")
    assert result.exit_code == 1
    assert "not an SQLite database" in result.output
    assert bogus.read_text() == "just some notes\n" * 10


def test_another_programs_sqlite_file_is_not_touched(tmp_path, cli):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    result = cli("--db", str(other), "task", "list")
    assert result.exit_code == 1
    assert "not an mlpm one" in result.output
    assert _tables(other) == {"customers"}


def test_unwritable_location_is_one_clear_line(tmp_path, cli):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = cli("--db", str(blocker / "mlpm.db"), "task", "list")
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot create the database")
    assert len(result.output.strip().splitlines()) == 1


def test_migrations_are_uniquely_named_per_set():
    for set_name, migrations in all_sets().items():
        names = [m.name for m in migrations]
        assert len(names) == len(set(names)), set_name


WRITER = """
import sys
from mlpm.errors import StoreError
from mlpm.store import Store
from mlpm.services import tasks
store = Store.open(sys.argv[1])
for i in range(int(sys.argv[3])):
    tasks.add(store, f"{sys.argv[2]} {i}")
"""


def test_two_processes_adding_500_tasks_each_lose_none(db_path, cli):
    assert cli("project", "add", "asr").exit_code == 0
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db_path), name, "500"],
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("left", "right")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    conn = sqlite3.connect(db_path)
    titles = {row[0] for row in conn.execute("SELECT title FROM task")}
    assert len(titles) == 1000
    ids = [row[0] for row in conn.execute("SELECT id FROM task ORDER BY id")]
    assert ids == list(range(1, 1001))
    # every change was logged in the same transaction as the row
    assert conn.execute("SELECT COUNT(*) FROM event WHERE entity = 'task'").fetchone()[0] == 1000


def test_subprocess_errors_have_no_traceback(tmp_path):
    result = run_mlpm("--db", str(tmp_path), "task", "list")  # a directory, not a file
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error:")


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith(("sqlite_", "_sqlite", "lesson_fts_"))
        } - {"_sqlite_migrations"}
    finally:
        conn.close()


@pytest.mark.parametrize("text", ["[bold]x[/bold]", "\x1b[31mred\x1b]0;title\x07"])
def test_text_is_stored_exactly_as_given(store, project, text):
    from mlpm.services import task_query, tasks

    change = tasks.add(store, text)
    assert task_query.get(store, change.task.id).title == text


def test_two_connections_in_one_process_keep_their_wal_while_the_cli_writes(db_path, cli):
    """The TUI holds two connections; a CLI command in another process must neither delete
    their WAL nor have its writes lost (SQLite's locks die with any close() of the file)."""
    cli("project", "add", "asr")
    first, second = Store.open(db_path), Store.open(db_path)
    from mlpm.services import task_query, tasks

    tasks.add(first, "from the app")
    assert run_mlpm("--db", str(db_path), "task", "add", "from the cli").returncode == 0
    assert db_path.with_name(db_path.name + "-wal").exists()
    titles = {t.title for t in task_query.list_tasks(second)}
    assert titles == {"from the app", "from the cli"}
    tasks.add(second, "again from the app")
    first.close()
    second.close()
    listed = run_mlpm("--db", str(db_path), "task", "list", "--json")
    assert {t["title"] for t in json.loads(listed.stdout)} == {
        "from the app",
        "from the cli",
        "again from the app",
    }


def test_a_first_run_killed_before_its_first_migration_counts_as_fresh(db_path, cli):
    """What a kill at the wrong moment left behind: sqlite-utils' empty migration record."""
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.execute(
        "CREATE TABLE _sqlite_migrations (id INTEGER PRIMARY KEY, migration_set TEXT,"
        " name TEXT, applied_at TEXT)"
    )
    conn.execute("CREATE UNIQUE INDEX idx_m ON _sqlite_migrations (migration_set, name)")
    conn.commit()
    conn.close()
    assert cli("project", "add", "asr").exit_code == 0
    assert "asr" in cli("project", "list").output
    assert not list(db_path.parent.glob("*.backup-*"))  # nothing to back up


def test_the_first_migration_is_all_or_nothing(db_path, monkeypatch):
    from mlpm.store import migrations

    def broken(db) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    real = migrations.all_sets

    def with_a_failing_step():
        sets = real()
        sets["mlpm.runs"] = [*sets["mlpm.runs"], migrations.Migration("m999_broken", broken)]
        return sets

    monkeypatch.setattr(migrations, "all_sets", with_a_failing_step)
    with pytest.raises(StoreError, match="disk I/O error"):
        Store.open(db_path)
    conn = sqlite3.connect(db_path)
    try:
        left = conn.execute("SELECT name FROM sqlite_master").fetchall()
    finally:
        conn.close()
    assert left == []  # not half a schema, not even the migration record
    monkeypatch.setattr(migrations, "all_sets", real)
    Store.open(db_path).close()  # and the next run starts afresh
    assert "task" in _tables(db_path)


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_another_programs_file_stays_byte_identical(tmp_path, cli, journal):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute(f"PRAGMA journal_mode = {journal}")
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.execute("INSERT INTO customers VALUES (1)")
    conn.commit()
    conn.close()
    before = (other.read_bytes(), other.stat().st_mtime_ns)
    folder = sorted(p.name for p in tmp_path.iterdir())
    result = cli("--db", str(other), "today")
    assert result.exit_code == 1
    assert "not an mlpm one" in result.output
    assert (other.read_bytes(), other.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == folder  # no lock file, no WAL


def test_a_damaged_schema_is_one_line_naming_the_file(db_path, cli):
    assert cli("project", "add", "asr").exit_code == 0
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(  # a name and a definition that are not even UTF-8
        "UPDATE sqlite_master SET name = CAST(X'74ff' AS TEXT),"
        " sql = CAST(X'435245415445205441424c4520fffe28' AS TEXT) WHERE name = 'task'"
    )
    conn.commit()
    conn.close()
    result = cli("today")
    assert result.exit_code == 1
    assert result.output.startswith(f"error: cannot open {db_path}: the file is damaged")
    assert "internal error" not in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("how", ["option", "env"])
def test_a_chosen_database_in_a_missing_folder_is_refused(tmp_path, cli, monkeypatch, how):
    missing = tmp_path / "nonexistent" / "x"
    target = missing / "y.db"
    args = ["--db", str(target), "today"] if how == "option" else ["today"]
    if how == "env":
        monkeypatch.setenv("MLPM_DB", str(target))
    result = cli(*args)
    assert result.exit_code == 1
    assert f"there is no folder {missing}" in result.output
    assert not (tmp_path / "nonexistent").exists()


def test_the_default_location_is_still_created_on_first_run(isolated_home, cli):
    assert not isolated_home.exists()
    assert cli("today").exit_code == 0
    assert (isolated_home / "data" / "mlpm.db").is_file()
