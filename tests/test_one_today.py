"""One Today: the day plan is the only order. Whatever commands ran, the board's Today column
of every project is today's plan (its open entries not in Doing), in plan order, and
`task list -c today` agrees; leftovers from earlier days are listed apart, never in that order."""

from __future__ import annotations

import json
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PROJECTS = ("asr", "tts")
ID = st.integers(1, 7).map(str)
POSITION = st.integers(1, 5).map(str)
COLUMN = st.sampled_from(["backlog", "today", "doing", "done"])
COMMANDS = st.one_of(
    st.tuples(
        st.just("task"), st.just("add"), st.just("t"), st.just("-p"), st.sampled_from(PROJECTS)
    ),
    st.tuples(
        st.just("task"),
        st.just("add"),
        st.just("t"),
        st.just("-p"),
        st.sampled_from(PROJECTS),
        st.just("--today"),
    ),
    st.tuples(st.just("task"), st.just("move"), ID, COLUMN),
    st.tuples(st.just("task"), st.just("move"), ID, st.just("today"), st.just("--at"), POSITION),
    st.tuples(st.just("task"), st.sampled_from(["start", "done"]), ID),
    st.tuples(st.just("task"), st.just("drop"), ID, st.just("--reason"), st.just("moot")),
    st.tuples(st.just("today"), st.just("add"), ID),
    st.tuples(st.just("today"), st.just("add"), ID, st.just("--at"), POSITION),
    st.tuples(st.just("today"), st.just("move"), ID, POSITION),
    st.tuples(st.just("today"), st.just("remove"), ID),
    st.tuples(st.just("today"), st.just("review"), st.just("--keep"), ID),
    st.tuples(st.just("today"), st.just("review"), st.just("--all"), st.just("backlog")),
    st.tuples(st.just("undo")),
    st.tuples(st.just("next-day")),
)
DAYS = [f"2026-03-{day:02d}T10:00:00+01:00" for day in range(2, 12)]


def _json(cli, *argv: str):
    result = cli(*argv, "--json")
    assert result.exit_code == 0, (argv, result.output)
    return json.loads(result.stdout)


def assert_one_today(cli) -> None:
    plan = _json(cli, "today")["tasks"]
    for slug in [p["slug"] for p in _json(cli, "project", "list")]:  # undo may remove one
        expected = [t["id"] for t in plan if t["column"] == "today" and t["project"] == slug]
        board = {c["name"]: c for c in _json(cli, "board", "-p", slug)["columns"]}
        assert [t["id"] for t in board["today"]["tasks"]] == expected
        listed = _json(cli, "task", "list", "-c", "today", "-p", slug)
        assert [t["id"] for t in listed if not t.get("waiting_for_review")] == expected
        waiting = [t["id"] for t in listed if t.get("waiting_for_review")]
        assert [t["id"] for t in board["today"]["waiting_for_review"]] == waiting
        assert not set(waiting) & set(expected)
        # together they are the whole Today column
        everything = _json(cli, "task", "list", "-p", slug)
        in_today = sorted(t["id"] for t in everything if t["column"] == "today")
        assert sorted(expected + waiting) == in_today


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(commands=st.lists(COMMANDS, min_size=1, max_size=12))
def test_board_today_is_the_plan_after_any_commands(cli, monkeypatch, commands):
    with tempfile.TemporaryDirectory() as home:
        monkeypatch.setenv("MLPM_HOME", home)
        day = 0
        monkeypatch.setenv("MLPM_NOW", DAYS[day])
        for slug in PROJECTS:
            assert cli("project", "add", slug).exit_code == 0
        for argv in commands:
            if argv == ("next-day",):
                day += 1
                monkeypatch.setenv("MLPM_NOW", DAYS[day])
                continue
            result = cli(*argv)
            assert result.exit_code in (0, 1, 2), (argv, result.output)
            assert "Traceback" not in result.output
            assert_one_today(cli)


@pytest.fixture
def four(cli):
    assert cli("project", "add", "asr").exit_code == 0
    for title in ("one", "two", "three"):
        assert cli("task", "add", title, "--today").exit_code == 0
    assert cli("task", "add", "four").exit_code == 0


def test_the_issue_repro_lists_one_order_everywhere(cli, four):
    assert cli("task", "move", "4", "today", "--at", "1").exit_code == 0
    order = [4, 1, 2, 3]
    assert [t["id"] for t in _json(cli, "today")["tasks"]] == order
    assert [t["id"] for t in _json(cli, "task", "list", "-c", "today")] == order
    board = {c["name"]: c for c in _json(cli, "board")["columns"]}
    assert [t["id"] for t in board["today"]["tasks"]] == order
    # `today move` reorders the board as well
    assert cli("today", "move", "3", "1").exit_code == 0
    board = {c["name"]: c for c in _json(cli, "board")["columns"]}
    assert [t["id"] for t in board["today"]["tasks"]] == [3, 4, 1, 2]
    text = cli("task", "list", "-c", "today").output.splitlines()
    assert [int(line.split()[0]) for line in text] == [3, 4, 1, 2]


def test_leftovers_are_listed_apart_as_waiting_for_review(cli, four, monkeypatch):
    monkeypatch.setenv("MLPM_NOW", "2026-03-03T09:00:00+01:00")
    assert cli("task", "move", "4", "today").exit_code == 0
    board = cli("board", "--width", "130").output
    cards, _, waiting = board.partition("waiting for review")
    assert "4 four" in cards and "1 one" not in cards
    assert [line.split()[0] for line in waiting.splitlines()[1:]] == ["1", "2", "3"]
    assert "Today 4 (3 to review)" in board
    listed = cli("task", "list", "-c", "today").output.splitlines()
    assert listed[0].split()[0] == "4"
    assert listed[1].startswith("waiting for review")
    assert [line.split()[0] for line in listed[2:]] == ["1", "2", "3"]
    # a leftover has no place in today's order until it is reviewed
    refused = cli("task", "move", "1", "today", "--at", "1")
    assert refused.exit_code == 1 and "waits for review" in refused.output
    assert cli("today", "review", "--keep", "2").exit_code == 0
    assert [t["id"] for t in _json(cli, "task", "list", "-c", "today")][:2] == [4, 2]
