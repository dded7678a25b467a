"""One write path: every change goes through `Tx`, bulk writes are noted once, undo logs."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from mlpm.services import undo
from mlpm.store import Store

MLPM = Path(__file__).resolve().parent.parent / "mlpm"
# A string that starts like a statement that changes rows (not a word inside prose).
_WRITE_SQL = re.compile(
    r"^\s*(INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+(OR\s+\w+\s+)?\S+\s+SET|DELETE\s+FROM|REPLACE\s+INTO)\b",
    re.IGNORECASE,
)


def _texts(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal with its line; an f-string's placeholders read as `x`."""
    pieces = set()
    texts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else "x" for v in node.values]
            texts.append((node.lineno, "".join(map(str, parts))))
            pieces.update(id(v) for v in node.values)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in pieces
        ):
            texts.append((node.lineno, node.value))
    return texts


def _offences(path: Path) -> list[str]:
    """Each line of `path` holding a row-changing statement in a string or reaching for a
    store's connection."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {(line, f"SQL {text.split()[0].upper()}") for line, text in _texts(tree)
             if _WRITE_SQL.match(text)}  # fmt: skip
    found |= {
        (node.lineno, f".{node.attr}")
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in ("conn", "_conn")
    }
    return [f"line {line}: {what}" for line, what in sorted(found)]


def test_no_module_outside_the_store_writes_sql_or_touches_the_connection() -> None:
    offenders = {
        str(path.relative_to(MLPM.parent)): hits
        for path in sorted(MLPM.rglob("*.py"))
        if "store" not in path.relative_to(MLPM).parts[:1]
        if (hits := _offences(path))
    }
    report = "\n".join(f"{name}: {', '.join(hits)}" for name, hits in offenders.items())
    assert not offenders, "writes outside Tx (use the Tx methods of mlpm.store):\n" + report


def test_the_scan_sees_what_it_must(tmp_path: Path) -> None:
    """The checker itself: it catches the statements and the attribute, not prose."""
    source = (
        'A = "INSERT INTO task (id) VALUES (?)"\n'
        "B = f'UPDATE OR IGNORE \"{t}\" SET x = 1'\n"
        'C = "delete from event where id = 1"\n'
        'D = "Update the task, then delete from the list"\n'
        "E = store.conn\n"
    )
    probe = tmp_path / "probe.py"
    probe.write_text(source, encoding="utf-8")
    assert _offences(probe) == [
        "line 1: SQL INSERT",
        "line 2: SQL UPDATE",
        "line 3: SQL DELETE",
        "line 5: .conn",
    ]


def _events(store: Store, batch: int) -> list[dict]:
    return store.query("SELECT * FROM event WHERE batch = ? ORDER BY id", (batch,))


def test_bulk_writes_are_noted_once_per_call(store: Store, project) -> None:
    now = "2026-03-02T10:00:00+01:00"
    rows = [(project.id, f"task {i}", "backlog", float(i), "[]", now, now) for i in range(250)]
    cols = ("project_id", "title", "column", "rank", "tags", "created_at", "updated_at")
    with store.write("seed", undoable=False) as tx:
        assert tx.insert_many("task", cols, rows) == 250
        moved = tx.update_where("task", {"column": "doing"}, "rank < ?", (10,))
        flagged = tx.update_many("task", {"estimate": 3}, ("id",), [(1,), (2,), (3,)])
        gone = tx.delete_where("task", "rank >= ?", (200,))
        batch = tx.batch
    assert (moved, flagged, gone) == (10, 3, 50)
    assert store.scalar("SELECT COUNT(*) FROM task") == 200
    assert store.scalar("SELECT COUNT(*) FROM task WHERE \"column\" = 'doing'") == 10
    notes = [(e["entity"], e["action"], json.loads(e["after"])) for e in _events(store, batch)]
    assert notes == [
        ("task", "note", {"bulk": "insert", "rows": 250, "changed": 250}),
        ("task", "note", {"bulk": "update", "rows": 10, "changed": 10}),
        ("task", "note", {"bulk": "update", "rows": 3, "changed": 3}),
        ("task", "note", {"bulk": "delete", "rows": 50, "changed": 50}),
    ]


def test_upsert_and_ignore_keep_what_they_should(store: Store, project) -> None:
    with store.write("settings", undoable=False) as tx:
        tx.insert_many("setting", ("key", "value"), [("a", "1"), ("b", "2")])
        kept = tx.insert_many(
            "setting", ("key", "value"), [("a", "9"), ("c", "3")], on_conflict="ignore"
        )
        tx.upsert_many("setting", ("key", "value"), [("b", "20"), ("d", "4")], key=("key",))
        batch = tx.batch
    values = {r["key"]: r["value"] for r in store.query("SELECT * FROM setting")}
    assert kept == 1
    assert {k: values[k] for k in "abcd"} == {"a": "1", "b": "20", "c": "3", "d": "4"}
    assert len(_events(store, batch)) == 3

    cols = ("id", "project_id", "title", "estimate", "created_at", "updated_at")
    with store.write("tasks", undoable=False) as tx:
        tx.insert_many("task", cols, [(1, project.id, "old", 5, "x", "x")])
        tx.upsert_many(
            "task",
            cols,
            [(1, project.id, "new", None, "y", "y")],
            key=("id",),
            update=("title", "updated_at"),
            coalesce=("estimate",),
        )
    row = store.one("SELECT title, estimate, created_at, updated_at FROM task WHERE id = 1")
    assert row == {"title": "new", "estimate": 5, "created_at": "x", "updated_at": "y"}


def test_scratch_tables_stage_rows_unlogged(store: Store, project) -> None:
    cols = ("title", "rank")
    with store.write("scratch", undoable=False) as tx:
        with tx.scratch("staged", cols) as staged:
            tx.insert_many(staged, cols, [(f"t{i}", float(i)) for i in range(1000)])
            added = tx.insert_select(
                "task",
                ("project_id", "title", "rank", "tags", "created_at", "updated_at"),
                f"SELECT ?, title, rank, '[]', 'x', 'x' FROM {staged} ORDER BY rank",
                (project.id,),
            )
        assert store.scalar("SELECT COUNT(*) FROM temp.staged") == 0
        batch = tx.batch
    assert added == 1000
    assert [json.loads(e["after"])["rows"] for e in _events(store, batch)] == [1000]


def test_bulk_writes_inside_noting_share_one_note(store: Store) -> None:
    with store.write("sync", undoable=False) as tx, tx.noting("setting", "sync") as details:
        tx.insert_many("setting", ("key", "value"), [("a", "1"), ("b", "2")])
        tx.update_where("setting", {"value": "3"}, "key = ?", ("a",))
        details["source"] = "test"
        batch = tx.batch
    (event,) = _events(store, batch)
    assert (event["entity"], event["action"], event["undoable"]) == ("setting", "note", 0)
    assert json.loads(event["after"]) == {
        "source": "test",
        "changed": {"setting": {"insert": 2, "update": 1}},
    }


def test_bulk_writes_are_refused_in_an_undoable_write(store: Store) -> None:
    with pytest.raises(RuntimeError, match="undoable"), store.write("settings") as tx:
        tx.insert_many("setting", ("key", "value"), [("a", "1")])
    assert store.scalar("SELECT COUNT(*) FROM setting WHERE key = 'a'") == 0


def test_undo_restores_through_the_log(cli, store: Store) -> None:
    assert cli("project", "add", "asr").exit_code == 0
    assert cli("task", "add", "metrics").exit_code == 0
    assert cli("task", "edit", "1", "--title", "renamed").exit_code == 0
    assert cli("task", "add", "second").exit_code == 0

    undone = undo.undo(store)  # the second add: the row goes
    assert undone.command.startswith("task add")
    assert store.scalar("SELECT COUNT(*) FROM task") == 1
    undo.undo(store)  # the edit: the old title comes back
    assert store.scalar("SELECT title FROM task WHERE id = 1") == "metrics"
    batch = store.scalar("SELECT MAX(batch) FROM event")
    logged = [(e["entity"], e["action"]) for e in _events(store, batch)]
    assert logged == [("task", "update"), ("undo", "note")]
    restored = _events(store, batch)[0]
    assert json.loads(restored["before"])["title"] == "renamed"
    assert json.loads(restored["after"])["title"] == "metrics"
