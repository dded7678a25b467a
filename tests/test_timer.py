"""The timer's state machine, driven by a controllable clock (no sleeping)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from mlpm.errors import MlpmError, NotFound, Refused, UsageError
from mlpm.services import (
    focus_task,
    in_progress,
    settings,
    tasks,
    timer,
    timer_policy,
    timer_session,
    today,
)
from mlpm.store import Store

T0 = datetime.fromisoformat("2026-03-02T10:00:00+01:00")  # a Monday, inside work hours


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def rows(store: Store) -> list[dict]:
    return store.query("SELECT * FROM focus_session ORDER BY id")


@pytest.fixture
def task_id(store: Store, project) -> int:
    return tasks.add(store, "train the baseline", estimate=2).task.id


def test_a_session_counts_down_and_finishes_at_its_planned_end(store, task_id):
    started = timer.start(store, task_id, now=T0)
    assert started.session.planned_seconds == 25 * 60
    assert timer_session.running(store, now=at(10)).remaining(at(10)) == 15 * 60
    assert in_progress.of_timer(store, now=at(10)) == task_id

    # Nobody watched when it ran out: the next read records it finished at 10:25, not later.
    assert timer_session.running(store, now=at(90)) is None
    (row,) = rows(store)
    assert row["outcome"] == "finished"
    assert row["ended_at"] == "2026-03-02T10:25:00+01:00"
    assert row["overtime_seconds"] == 0
    assert in_progress.of_timer(store, now=at(90)) is None


def test_task_in_progress_reads_without_writing(store, task_id):
    timer.start(store, task_id, now=T0)
    events = store.scalar("SELECT COUNT(*) FROM event")
    assert in_progress.of_timer(store, now=at(30)) is None  # ran out: no longer in progress
    assert store.scalar("SELECT COUNT(*) FROM event") == events
    assert rows(store)[0]["ended_at"] is None  # settled later, by a reader that may write


def test_stop_early_is_an_interruption_with_its_reason(store, task_id):
    timer.start(store, task_id, now=T0)
    session = timer.stop(store, "  Slack call  ", now=at(7))
    assert session.outcome == "interrupted"
    assert session.reason == "Slack call"
    assert session.elapsed(at(99)) == 7 * 60
    assert timer_session.running(store, now=at(8)) is None


def test_keep_going_counts_the_overtime(store, task_id):
    timer.start(store, task_id, now=T0)
    assert timer.status(store, now=at(26)).running is None  # settled at 10:25
    # The user saw the end, chose to keep working: the session reopens, overtime counts.
    session = timer.keep_going(store, now=at(26))
    assert session.is_running and session.keep_going
    assert timer.status(store, now=at(40)).running.overtime(at(40)) == 15 * 60
    assert in_progress.of_timer(store, now=at(40)) == task_id
    ended = timer.stop(store, now=at(40))
    assert ended.outcome == "finished"
    assert ended.overtime_seconds == 15 * 60


def test_an_overtime_session_left_open_closes_after_the_cap(store, task_id):
    timer.start(store, task_id, now=T0)
    timer.keep_going(store, now=at(20))
    assert timer_session.running(store, now=at(25 + 239)) is not None
    assert timer_session.running(store, now=at(25 + 600)) is None
    assert rows(store)[0]["overtime_seconds"] == 4 * 3600


def test_a_break_during_overtime_finishes_the_focus_session(store, task_id):
    timer.start(store, task_id, now=T0)
    timer.keep_going(store, now=at(1))
    started = timer.start_break(store, now=at(30))
    assert started.ended.outcome == "finished" and started.ended.overtime_seconds == 5 * 60
    assert started.session.kind == "short_break"
    assert started.session.planned_seconds == 5 * 60


def test_one_session_at_a_time(store, task_id):
    other = tasks.add(store, "eda").task.id
    timer.start(store, task_id, now=T0)
    with pytest.raises(MlpmError, match=r"already running \(15 min left\); stop it first"):
        timer.start(store, other, now=at(10))
    with pytest.raises(MlpmError, match="already running"):
        timer.start_break(store, now=at(10))
    assert len(rows(store)) == 1


def test_the_database_itself_refuses_a_second_running_row(store, task_id):
    timer.start(store, task_id, now=T0)
    with (
        pytest.raises(MlpmError, match="another timer session started meanwhile"),
        store.write("race", undoable=False) as tx,
    ):
        timer._insert(tx, "focus", task_id, at(1), 60)
    assert len(rows(store)) == 1


def test_starting_focus_ends_a_running_break(store, task_id):
    timer.start_break(store, now=T0)
    started = timer.start(store, task_id, now=at(2))
    assert started.ended.kind == "short_break"
    assert started.ended.outcome == "interrupted"
    assert [r["ended_at"] is None for r in rows(store)] == [False, True]


def test_long_break_after_every_fourth_focus_session(store, task_id):
    settings.put(store, "timer.long_break_every", 2, command="test")
    clock = 0
    kinds = []
    for _ in range(4):
        timer.start(store, task_id, now=at(clock))
        clock += 25
        kinds.append(timer.status(store, now=at(clock)).next_kind)
        kinds.append(timer.start_break(store, now=at(clock)).session.kind)
        clock += 20
    assert kinds[1::2] == ["short_break", "long_break", "short_break", "long_break"]
    assert kinds[::2] == kinds[1::2]  # status announced each one before it started
    assert timer.start_break(store, long=False, now=at(clock)).session.kind == "short_break"


def test_long_break_length_comes_from_settings(store):
    session = timer.start_break(store, long=True, now=T0).session
    assert session.kind == "long_break" and session.planned_seconds == 15 * 60


def test_default_task_is_doing_then_todays_first(store, project):
    first = tasks.add(store, "first of today").task.id
    second = tasks.add(store, "second of today").task.id
    today.add(store, first)
    today.add(store, second)
    assert timer.start(store, now=T0).session.task_id == first
    timer.stop(store, now=at(1))
    tasks.start(store, second)
    assert timer.start(store, now=at(2)).session.task_id == second


def test_no_task_at_all_is_a_clear_error(store, project):
    with pytest.raises(MlpmError, match="no task to focus on"):
        timer.start(store, now=T0)
    assert rows(store) == []


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        (0, "more than 0 minutes"),
        (-5, "more than 0 minutes"),
        (481, "at most 480 minutes"),
        (float("nan"), "at most 480"),
        (float("inf"), "at most 480"),
    ],
)
def test_bad_durations_are_refused_and_nothing_is_recorded(store, task_id, minutes, message):
    with pytest.raises(UsageError, match=message):
        timer.start(store, task_id, minutes=minutes, now=T0)
    with pytest.raises(UsageError, match=message):
        timer.start_break(store, minutes=minutes, now=T0)
    assert rows(store) == []


def test_unknown_and_closed_tasks_are_refused(store, task_id):
    with pytest.raises(NotFound, match="no task with id 999"):
        timer.start(store, 999, now=T0)
    tasks.done(store, task_id)
    with pytest.raises(MlpmError, match=f"task {task_id} is done"):
        timer.start(store, task_id, now=T0)
    assert rows(store) == []


def test_stopping_when_nothing_runs(store, task_id):
    with pytest.raises(MlpmError, match="nothing is running"):
        timer.stop(store, now=T0)
    timer.start(store, task_id, now=T0)
    with pytest.raises(MlpmError, match="finished at 10:25"):
        timer.stop(store, now=at(40))
    assert rows(store)[0]["outcome"] == "finished"


def test_work_hours_warn_and_strict_mode_refuses(store, task_id):
    evening = datetime.fromisoformat("2026-03-02T19:30:00+01:00")
    saturday = datetime.fromisoformat("2026-03-07T11:00:00+01:00")
    started = timer.start(store, task_id, now=evening)
    assert started.warnings == [
        "19:30 is outside your work hours (09:00-18:00); protect your time off"
    ]
    timer.stop(store, now=evening + timedelta(minutes=1))
    settings.put(store, "timer.strict_work_hours", True, command="test")
    with pytest.raises(Refused, match="Saturday is outside your work days"):
        timer.start(store, task_id, now=saturday)
    assert len(rows(store)) == 1
    # Breaks are never guarded.
    assert timer.start_break(store, now=saturday).session.kind == "short_break"


def test_work_hours_overnight_and_listed_days(store):
    settings.put(store, "timer.work_hours", "22:00-06:00", command="test")
    settings.put(store, "timer.work_days", "fri-mon", command="test")
    sunday_night = datetime.fromisoformat("2026-03-08T23:00:00+01:00")
    assert timer_policy.work_hours_problem(store, sunday_night) is None
    assert "outside your work hours" in timer_policy.work_hours_problem(store, at(0))
    wednesday_night = datetime.fromisoformat("2026-03-04T23:00:00+01:00")
    assert "Wednesday" in timer_policy.work_hours_problem(store, wednesday_night)


def test_timer_events_are_logged_and_undone_newest_first(store, task_id):
    from mlpm.services import undo

    tasks.edit(store, task_id, title="train the baseline, again")
    timer.start(store, task_id, now=T0)
    timer.stop(store, "phone", now=at(3))
    events = store.query("SELECT * FROM event WHERE entity = 'focus_session' ORDER BY id")
    assert [e["action"] for e in events] == ["insert", "update"]
    assert {e["undoable"] for e in events} == {1}
    assert json.loads(events[-1]["after"])["reason"] == "phone"
    assert undo.undo(store).command == "timer stop"  # the session runs again
    assert rows(store)[0]["outcome"] is None and rows(store)[0]["ended_at"] is None
    assert undo.undo(store).command == f"timer start {task_id}"
    assert rows(store) == []
    assert undo.undo(store).command == f"task edit {task_id}"


def test_focus_start_records_the_code_state_of_the_projects_repo(store, task_id, tmp_path):
    import subprocess

    from mlpm.services import projects

    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    (repo / "train.py").write_text("print('hi')\n")
    subprocess.run([*git, "add", "train.py"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "first"], check=True)
    projects.edit(store, "asr", repo_path=str(repo))
    timer.start(store, task_id, now=T0)
    states = store.query("SELECT task_id, branch, dirty, reason FROM code_state")
    assert states == [{"task_id": task_id, "branch": "main", "dirty": 0, "reason": "focus start"}]


def test_status_counts_todays_sessions(store, task_id):
    timer.start(store, task_id, now=T0)
    timer.stop(store, now=at(5))
    timer.start(store, task_id, now=at(10))
    state = timer.status(store, now=at(36))
    assert state.focus_done_today == 1
    assert state.focus_minutes_today == 30
    assert state.next_kind == "short_break"
    assert state.settled and state.settled[0].outcome == "finished"
    assert json.loads(json.dumps(state.to_json()))["next_task"] is None


def test_candidates_are_doing_then_todays_plan(store, project):
    first = tasks.add(store, "planned", today=True).task.id
    doing = tasks.add(store, "in progress").task.id
    tasks.add(store, "backlog only")
    tasks.start(store, doing)
    assert [t.id for t in focus_task.candidates(store)] == [doing, first]


def test_a_clock_set_back_never_shows_more_than_planned(store, task_id):
    session = timer.start(store, task_id, now=T0).session
    assert session.remaining(T0 - timedelta(hours=3)) == 25 * 60


def test_keep_going_only_after_a_full_session(store, task_id):
    timer.start(store, task_id, now=T0)
    assert timer.status(store, now=at(1)).can_keep_going  # may commit to overtime early
    timer.stop(store, now=at(5))
    assert not timer.status(store, now=at(6)).can_keep_going
    with pytest.raises(MlpmError, match="no focus session has just run its full time"):
        timer.keep_going(store, now=at(6))
    timer.start(store, task_id, now=at(10))
    assert timer.status(store, now=at(40)).can_keep_going
    assert not timer.status(store, now=at(35 + 241)).can_keep_going  # too long ago


def test_a_session_running_past_the_end_of_work_hours_warns(store, task_id):
    assert timer.start(store, task_id, now=T0).warnings == []
    late = datetime.fromisoformat("2026-03-02T17:50:00+01:00")
    started = timer.start(store, task_id, now=late)
    assert started.warnings == ["this session ends at 18:15, after your work hours (09:00-18:00)"]


def test_a_break_is_offered_only_soon_after_a_finished_focus_session(store, task_id):
    timer.start(store, task_id, now=T0)
    assert timer.status(store, now=at(25)).next_kind == "short_break"  # ran its planned time
    assert timer.status(store, now=at(39)).next_kind == "short_break"  # still soon after
    assert timer.status(store, now=at(40)).next_kind == "focus"  # a long break's length later
    assert timer.status(store, now=at(40)).next_minutes == 25
    assert timer.status(store, now=at(60 * 24 * 2)).next_kind == "focus"  # days later


def test_no_break_after_an_interrupted_focus_session(store, task_id):
    timer.start(store, task_id, now=T0)
    timer.stop(store, now=T0)  # stopped at once: interrupted at 00:00
    state = timer.status(store, now=T0)
    assert (state.next_kind, state.next_minutes) == ("focus", 25)
    timer.start(store, task_id, now=at(1))
    timer.stop(store, "meeting", now=at(10))
    assert timer.status(store, now=at(60 * 48)).next_kind == "focus"  # two days later


def test_a_kept_going_session_earns_its_break(store, task_id):
    timer.start(store, task_id, now=T0)
    timer.keep_going(store, now=at(20))
    timer.stop(store, now=at(40))  # 15 minutes of overtime: finished
    assert timer.status(store, now=at(41)).next_kind == "short_break"
    assert timer.status(store, now=at(56)).next_kind == "focus"
