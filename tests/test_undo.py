"""Undo reverts the last change of every kind and says what it reverted."""

import json

import pytest


def state(cli):
    tasks = json.loads(cli("task", "list", "--all", "--json").stdout)
    today = json.loads(cli("today", "--json").stdout)
    lessons = json.loads(cli("lesson", "list", "--json").stdout)
    return tasks, [t["id"] for t in today["tasks"]], lessons


@pytest.fixture(autouse=True)
def seeded(cli):
    assert cli("project", "add", "asr").exit_code == 0
    for title in ("metrics", "eda", "subset"):
        assert cli("task", "add", title, "-e", "1").exit_code == 0
    assert cli("today", "add", "1").exit_code == 0
    assert cli("today", "add", "2").exit_code == 0


@pytest.mark.parametrize(
    "change",
    [
        ("task", "add", "new one"),
        ("task", "edit", "1", "--title", "renamed", "-t", "x"),
        ("task", "move", "3", "doing"),
        ("task", "start", "1"),
        ("task", "done", "1"),
        ("task", "drop", "2", "--reason", "obsolete"),
        ("today", "add", "3", "--at", "1"),
        ("today", "move", "2", "1"),
        ("today", "remove", "1"),
        ("lesson", "add", "a lesson"),
        ("board", "limit", "doing", "5"),
        ("config", "set", "capacity_tasks", "3"),
    ],
)
def test_undo_restores_exactly_what_was_there(cli, change):
    before = state(cli)
    limits_before = json.loads(cli("project", "show", "--json").stdout)["settings"]
    config_before = json.loads(cli("config", "list", "--json").stdout)
    assert cli(*change).exit_code == 0
    assert state(cli) != before or change[0] in ("board", "config")

    result = cli("undo")

    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"undid {change[0]}")
    assert state(cli) == before
    assert json.loads(cli("project", "show", "--json").stdout)["settings"] == limits_before
    assert json.loads(cli("config", "list", "--json").stdout) == config_before


def test_review_is_undone(cli, monkeypatch):
    monkeypatch.setenv("MLPM_NOW", "2026-03-03T09:00:00+01:00")
    before = state(cli)
    assert cli("today", "review", "--keep", "1", "--drop", "2", "--reason", "old").exit_code == 0
    assert cli("undo").exit_code == 0  # the drop of task 2
    assert cli("undo").exit_code == 0  # keeping task 1
    assert state(cli) == before
    assert json.loads(cli("today", "--json").stdout)["to_review"] == 2


def test_repeated_undo_walks_back_to_an_empty_database(cli):
    for _ in range(6):  # 2 plans, 3 adds, the project
        assert cli("undo").exit_code == 0
    assert json.loads(cli("project", "list", "--json").stdout) == []
    result = cli("undo")
    assert result.exit_code == 1
    assert "nothing to undo" in result.output


def test_undo_is_logged_and_the_log_only_grows(cli, db_path):
    import sqlite3

    count = sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM event").fetchone()[0]
    cli("undo")
    after = sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM event").fetchone()[0]
    assert after > count


def test_undo_refuses_to_orphan_records_that_refer_to_a_row(cli, monkeypatch):
    assert cli("task", "add", "focus on me").exit_code == 0
    assert cli("timer", "start", "4").exit_code == 0  # a focus session now refers to task 4
    monkeypatch.setenv("MLPM_NOW", "2026-03-02T10:30:00+01:00")
    assert cli("timer", "status").exit_code == 0  # it ran out: recorded as finished
    result = cli("undo")
    assert result.exit_code == 1
    assert "cannot undo 'timer start 4': focus_session 1 has changed since" in result.output
    assert "mlpm undo --skip" in result.output
    assert cli("undo", "--skip").output.startswith("skipped timer start 4 (left as it is)")
    result = cli("undo")
    assert result.exit_code == 1
    assert "cannot undo 'task add'" in result.output
    assert "refer to task 4" in result.output
    assert any(t["id"] == 4 for t in json.loads(cli("task", "list", "--json").stdout))


def timer_state(cli):
    return json.loads(cli("timer", "status", "--json").stdout)


def test_timer_start_stop_and_break_are_undone(cli, monkeypatch):
    before = state(cli)
    assert cli("timer", "start", "1").exit_code == 0
    monkeypatch.setenv("MLPM_NOW", "2026-03-02T10:12:00+01:00")
    assert cli("timer", "stop").exit_code == 0
    assert timer_state(cli)["running"] is None

    result = cli("undo")
    assert result.output.startswith("undid timer stop (focus session 1 on task 1")
    running = timer_state(cli)["running"]
    assert running["id"] == 1 and running["ended_at"] is None  # open again, as it was
    result = cli("undo")
    assert result.output.startswith("undid timer start 1")
    assert timer_state(cli)["running"] is None and timer_state(cli)["last"] is None
    assert state(cli) == before  # the plans and tasks are untouched

    assert cli("timer", "break").exit_code == 0
    assert cli("undo").output.startswith("undid timer break (short break session")
    assert timer_state(cli)["running"] is None


def test_undo_says_what_it_cannot_undo_instead_of_skipping(cli, db_path):
    from mlpm.store import Store

    store = Store.open(db_path)
    with store.write("import tasks.json", undoable=False) as tx:  # a change undo cannot revert
        tx.update("task", 3, {"notes": "synced"})
    store.close()
    result = cli("undo")
    assert result.exit_code == 1
    assert "cannot undo 'import tasks.json': it is not undoable" in result.output
    assert json.loads(cli("task", "show", "3", "--json").stdout)["notes"] == "synced"
    assert cli("undo", "--skip").exit_code == 0
    assert cli("undo").output.startswith("undid today add")


def test_undo_passes_over_what_mirrors_git_and_the_trackers(cli, db_path):
    """The TUI scans commits on its own: such a scan is not the user's change, and undo
    reaches the change before it."""
    from mlpm.store import Store

    store = Store.open(db_path)
    for command in ("git sync", "runs sync"):
        with store.write(command, undoable=False) as tx:
            tx.note("git_commit", "repo", {"scanned": 0})
    store.close()
    assert cli("undo").output.startswith("undid today add")
