"""Focus statistics from real sessions recorded through the timer service."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from mlpm.errors import UsageError
from mlpm.services import focus_stats, projects, tasks, timer

MON = datetime.fromisoformat("2026-03-02T10:00:00+01:00")
TUE = MON + timedelta(days=1)


@pytest.fixture
def history(store, project, monkeypatch):
    """Two projects; Monday: two pomodoros on #1 and one interrupted on #2; Tuesday: one
    pomodoro on #3 (other project) with 10 minutes overtime; #1 finished on Tuesday."""
    one = tasks.add(store, "train baseline", estimate=1).task.id
    two = tasks.add(store, "eda", estimate=3).task.id
    projects.add(store, "tts")
    three = tasks.add(store, "vocoder", project="tts").task.id

    timer.start(store, one, now=MON)
    timer.start(store, one, now=MON + timedelta(minutes=30))
    timer.start(store, two, now=MON + timedelta(minutes=60))
    timer.stop(store, "slack", now=MON + timedelta(minutes=70))
    timer.start(store, three, now=TUE)
    timer.keep_going(store, now=TUE + timedelta(minutes=20))
    timer.stop(store, now=TUE + timedelta(minutes=35))
    timer.start(store, two, now=TUE + timedelta(hours=1))  # still running: not counted
    monkeypatch.setenv("MLPM_NOW", TUE.isoformat())
    tasks.done(store, one)
    return one, two, three


def test_per_day(store, history):
    data = focus_stats.summary(store, days=3, today=date(2026, 3, 3))
    assert [d.day for d in data.per_day] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    sunday, monday, tuesday = data.per_day
    assert (sunday.focus_minutes, sunday.sessions, sunday.tasks_done) == (0, 0, 0)
    assert (monday.focus_minutes, monday.sessions, monday.interrupted) == (60, 2, 1)
    assert (tuesday.focus_minutes, tuesday.sessions, tuesday.overtime_minutes) == (35, 1, 10)
    assert tuesday.tasks_done == 1
    assert (data.focus_minutes, data.sessions, data.interrupted) == (95, 3, 1)
    assert data.median_done_per_worked_day == 1


def test_per_project_and_per_task(store, history):
    one, two, three = history
    data = focus_stats.summary(store, days=14, today=date(2026, 3, 3))
    assert [(p.project, p.focus_minutes, p.sessions) for p in data.per_project] == [
        ("asr", 60, 2),
        ("tts", 35, 1),
    ]
    by_id = {t.task_id: t for t in data.per_task}
    assert (by_id[one].estimate, by_id[one].pomodoros_total, by_id[one].over_estimate) == (
        1,
        2,
        True,
    )
    assert (by_id[two].pomodoros_total, by_id[two].interrupted) == (0, 1)
    assert by_id[three].estimate is None and not by_id[three].over_estimate
    assert data.interruption_reasons == [("slack", 1)]


def test_window_excludes_older_days(store, history):
    data = focus_stats.summary(store, days=1, today=date(2026, 3, 3))
    assert data.sessions == 1 and [p.project for p in data.per_project] == ["tts"]
    # Actual pomodoros against the estimate count every session, not only the window's.
    assert focus_stats.summary(store, 1, today=date(2026, 3, 2)).per_task[0].pomodoros_total == 2


@pytest.mark.parametrize("days", [0, -1, 3651])
def test_bad_window(store, days):
    with pytest.raises(UsageError, match="--days is a number of days from 1 to 3650"):
        focus_stats.summary(store, days)


def test_empty_database(store):
    data = focus_stats.summary(store, 7)
    assert len(data.per_day) == 7 and data.sessions == 0
    assert data.median_done_per_worked_day is None
    assert data.to_json()["totals"]["focus_minutes"] == 0


def test_stats_cli(cli, store, history, monkeypatch):
    # By 18:00 the session left running at 11:00 ran out unwatched: it counts, finished.
    monkeypatch.setenv("MLPM_NOW", "2026-03-03T18:00:00+01:00")
    result = cli("stats", "--days", "2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "focus 2026-03-02 … 2026-03-03 (2 days)"
    assert "2h00 focused · 4 pomodoros · 1 interrupted · 1 task finished" in lines[1]
    assert any(
        line.startswith("  2026-03-02  ████") and line.endswith("1h00    2    1     0")
        for line in lines
    )
    assert "  train baseline" in result.stdout and "over" in result.stdout
    assert "    1  slack" in result.stdout

    data = json.loads(cli("stats", "--days", "2", "--json").stdout)
    assert data["totals"]["sessions"] == 4
    assert data["per_project"][0] == {
        "project": "asr",
        "focus_minutes": 85.0,
        "sessions": 3,
        "interrupted": 1,
    }

    bad = cli("stats", "--days", "0")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --days is a number of days")
