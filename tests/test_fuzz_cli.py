"""Whatever the input, the CLI answers with a result or one clear error line: no traceback,
no terminal escape leaking out, and a database that stays consistent."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=60
)
ID = st.one_of(st.integers(-5, 12).map(str), TEXT)
COMMANDS = st.one_of(
    st.tuples(st.just("task"), st.just("add"), TEXT),
    st.tuples(st.just("task"), st.just("add"), TEXT, st.just("-e"), ID),
    st.tuples(st.just("task"), st.just("add"), TEXT, st.just("-t"), TEXT, st.just("--today")),
    st.tuples(st.just("task"), st.sampled_from(["start", "done", "show"]), ID),
    st.tuples(st.just("task"), st.just("drop"), ID, st.just("--reason"), TEXT),
    st.tuples(st.just("task"), st.just("move"), ID, TEXT),
    st.tuples(st.just("task"), st.just("edit"), ID, st.just("--title"), TEXT),
    st.tuples(st.just("today"), st.sampled_from(["add", "remove"]), ID),
    st.tuples(st.just("today"), st.just("move"), ID, ID),
    st.tuples(st.just("lesson"), st.just("add"), TEXT, st.just("-c"), TEXT),
    st.tuples(st.just("lesson"), st.just("search"), TEXT),
    st.tuples(st.just("lesson"), st.just("list"), st.just("--since"), TEXT),
    st.tuples(st.just("board"), st.just("limit"), TEXT, ID),
    st.tuples(st.just("project"), st.sampled_from(["add", "use", "pause", "activate"]), TEXT),
    st.tuples(st.just("config"), st.just("set"), TEXT, TEXT),
    st.tuples(st.just("undo")),
)


@pytest.mark.slow
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(commands=st.lists(COMMANDS, min_size=1, max_size=6))
def test_any_sequence_of_commands_fails_cleanly(cli, db_path, commands):
    if not db_path.exists():
        assert cli("project", "add", "fuzz").exit_code == 0
    for argv in commands:
        result = cli(*argv)
        assert result.exit_code in (0, 1, 2), (argv, result.output)
        assert "Traceback" not in result.output, argv
        assert "internal error" not in result.output, (argv, result.output)
        if result.exit_code:
            assert len(result.output.strip().splitlines()) <= 1, (argv, result.output)
        assert "\x1b" not in result.output and "\x07" not in result.output, argv
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # the day plan and the board agree: an open plan entry means Today or Doing
        assert (
            conn.execute(
                "SELECT COUNT(*) FROM day_plan JOIN task ON task.id = day_plan.task_id"
                " WHERE day_plan.outcome IS NULL AND task.\"column\" NOT IN ('today', 'doing')"
            ).fetchone()[0]
            == 0
        )
        # ... and every task in Today or Doing has exactly one open plan entry
        assert (
            conn.execute(
                "SELECT COUNT(*) FROM task WHERE \"column\" IN ('today', 'doing')"
                " AND (SELECT COUNT(*) FROM day_plan"
                " WHERE task_id = task.id AND outcome IS NULL) != 1"
            ).fetchone()[0]
            == 0
        )
    finally:
        conn.close()
