"""Counts and spans read as people write them: no "1 pomodoros", no span read as a clock."""

import pytest

from mlpm.wording import counted, span


@pytest.mark.parametrize(
    ("n", "word", "shown"),
    [(1, "pomodoro", "1 pomodoro"), (2, "pomodoro", "2 pomodoros"), (0, "task", "0 tasks")],
)
def test_counted(n, word, shown):
    assert counted(n, word) == shown


def test_counted_days_and_halves():
    assert counted(1, "day") == "1 day" and counted(3, "worked day") == "3 worked days"
    assert counted(2.5, "task") == "2.5 tasks" and counted(1.0, "task") == "1 task"


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(45, "45s"), (720, "12 min"), (725, "12m05s"), (3900, "1h05m"), (0, "0s")],
)
def test_span_never_looks_like_a_clock(seconds, shown):
    assert span(seconds) == shown


def test_one_of_each_in_the_cli(cli):
    assert cli("project", "add", "asr").exit_code == 0
    assert cli("config", "set", "capacity_pomodoros", "1").exit_code == 0
    assert cli("config", "set", "capacity_tasks", "1").exit_code == 0
    assert cli("task", "add", "a", "-e", "1", "--today").exit_code == 0
    assert "1 of 1 task · 1 of 1 pomodoro" in cli("today").output
    refused = cli("task", "add", "b", "-e", "1", "--today")
    assert "#2 needs 1 pomodoro;" in refused.output
    assert cli("task", "done", "1").exit_code == 0
    shown = cli("stats", "--days", "1").output
    assert "(1 day)" in shown and "1 task finished" in shown and "0 pomodoros" in shown


def test_a_stopped_session_says_how_long_it_ran(cli, monkeypatch):
    assert cli("project", "add", "asr").exit_code == 0
    assert cli("task", "add", "a", "--today").exit_code == 0
    assert cli("timer", "start", "1").exit_code == 0
    monkeypatch.setenv("MLPM_NOW", "2026-03-02T10:12:00+01:00")
    assert "after 12 min (interrupted)" in cli("timer", "stop").output
    assert "interrupted at 10:12 after 12 min" in cli("timer", "status").output
