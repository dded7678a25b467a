"""`mlpm timer ...` in-process, and in real processes that get killed or race each other."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import run_mlpm


@pytest.fixture
def planned(cli) -> None:
    """Project "asr" with task 1 (estimate 2) planned for today, task 2 in the backlog."""
    assert cli("project", "add", "asr").exit_code == 0
    assert cli("task", "add", "train baseline", "-e", "2", "--today").exit_code == 0
    assert cli("task", "add", "eda").exit_code == 0


def test_start_status_stop(cli, planned, monkeypatch):
    result = cli("timer", "start")
    assert result.exit_code == 0, result.output
    assert "started a focus session on #1 'train baseline': 25 min, until 10:25" in result.output

    monkeypatch.setenv("MLPM_NOW", "2026-03-02T10:10:30+01:00")
    status = json.loads(cli("timer", "status", "--json").stdout)
    assert status["running"]["task_id"] == 1
    assert status["running"]["remaining_seconds"] == 870
    assert "remaining 14:30 of 25:00" in cli("timer", "status").stdout

    result = cli("timer", "stop", "--reason", "meeting")
    assert result.exit_code == 0
    assert "after 10m30s (interrupted)" in result.stdout
    assert "no timer running" in cli("timer", "status").stdout


def test_bare_timer_off_a_terminal_prints_the_status(cli, planned):
    cli("timer", "start", "2", "--minutes", "50")
    result = cli("timer")
    assert result.exit_code == 0
    assert "focus session on #2 'eda'" in result.stdout
    assert "remaining 50:00 of 50:00" in result.stdout


def test_break_after_focus_and_next(cli, planned, monkeypatch):
    cli("timer", "start")
    monkeypatch.setenv("MLPM_NOW", "2026-03-02T10:30:00+01:00")
    status = cli("timer", "status").stdout
    assert "the focus session on #1 'train baseline' finished at 10:25" in status
    assert "today: 1 focus session, 25 min" in status
    assert "next: short break" in status
    result = cli("timer", "break")
    assert "started a short break: 5 min, until 10:35" in result.stdout
    again = cli("timer", "break", "--long")
    assert again.exit_code == 1
    assert "a short break is already running (5 min left)" in again.stderr


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (("timer", "start", "--minutes", "0"), "error: a session lasts more than 0 minutes", 2),
        (("timer", "start", "--minutes", "-3"), "error: a session lasts more than 0 minutes", 2),
        (("timer", "start", "-m", "600"), "error: a session lasts at most 480 minutes", 2),
        (("timer", "start", "42"), "error: no task with id 42", 1),
        (("timer", "stop"), "error: nothing is running", 1),
        (("timer", "break", "-m", "0"), "error: a session lasts more than 0 minutes", 2),
    ],
)
def test_bad_input_is_one_line_and_records_nothing(cli, planned, db_path, args, message, code):
    import sqlite3

    result = cli(*args)
    assert result.exit_code == code
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(message)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM focus_session").fetchone()[0] == 0


def test_starting_while_one_runs_is_refused(cli, planned):
    cli("timer", "start", "1")
    result = cli("timer", "start", "2")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: a focus session on #1 'train baseline' is already running (25 min left);"
        " stop it first\n"
    )


def test_strict_work_hours_refuse_in_the_evening(cli, planned, monkeypatch):
    monkeypatch.setenv("MLPM_NOW", "2026-03-02T21:00:00+01:00")
    result = cli("timer", "start")
    assert result.exit_code == 0
    assert "warning: 21:00 is outside your work hours (09:00-18:00)" in result.stderr
    cli("timer", "stop")
    assert cli("config", "set", "timer.strict_work_hours", "true").exit_code == 0
    result = cli("timer", "start")
    assert result.exit_code == 1
    assert "strict work hours are on" in result.stderr


# -- real processes -------------------------------------------------------------------------

_HOLDER = textwrap.dedent(
    """
    import sys, time
    from mlpm.services import timer
    from mlpm.store import Store
    store = Store.open()
    if sys.argv[1] == "session":
        timer.start(store, 1, minutes=25)
        print("started", flush=True)
        time.sleep(120)
    else:  # killed in the middle of a write transaction
        with store.write("timer start 1", undoable=False) as tx:
            timer._insert(tx, "focus", 1, timer.clock.now(), 1500)
            print("started", flush=True)
            time.sleep(120)
    """
)


def _start_and_kill(mode: str) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, mode], stdout=subprocess.PIPE, text=True, env=os.environ
    )
    try:
        assert child.stdout.readline().strip() == "started"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)


def _status(now: str) -> dict:
    result = run_mlpm("timer", "status", "--json", env={"MLPM_NOW": now})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_session_survives_its_process_being_killed(planned):
    _start_and_kill("session")
    later = _status("2026-03-02T10:20:00+01:00")
    assert later["running"]["task_id"] == 1
    assert later["running"]["remaining_seconds"] == 5 * 60

    # Ran out with nothing open: recorded as finished at 10:25, not when it was read.
    after = _status("2026-03-02T12:00:00+01:00")
    assert after["running"] is None
    assert after["last"]["outcome"] == "finished"
    assert after["last"]["ended_at"] == "2026-03-02T10:25:00+01:00"
    assert after["focus_done_today"] == 1


def test_a_process_killed_mid_write_leaves_nothing_half_written(planned):
    _start_and_kill("transaction")
    state = _status("2026-03-02T10:05:00+01:00")
    assert state["running"] is None and state["last"] is None
    result = run_mlpm("timer", "start", "2", env={"MLPM_NOW": "2026-03-02T10:05:00+01:00"})
    assert result.returncode == 0, result.stderr  # the lock died with the process


def test_only_one_of_two_racing_processes_starts_a_session(planned):
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "mlpm", "timer", "start", str(task)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ,
        )
        for task in (1, 2)
    ]
    outcomes = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert sorted(code for code, _ in outcomes) == [0, 1]
    assert any("already running" in err for _, err in outcomes)
    assert _status("2026-03-02T10:01:00+01:00")["running"]["kind"] == "focus"


def test_timer_and_stats_commands_import_nothing_heavy(planned):
    probe = textwrap.dedent(
        """
        import json, sys
        from mlpm.cli import main
        for argv in (["timer", "start"], ["timer", "status"], ["timer", "status", "--json"],
                     ["timer", "stop"], ["timer", "break"], ["timer"], ["stats"],
                     ["stats", "--json"]):
            try:
                main(argv)
            except SystemExit as exc:
                assert not exc.code, (argv, exc.code)
        heavy = {"textual", "wandb", "scipy", "numpy", "git", "pydantic", "sqlite_utils"}
        print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & heavy)))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=os.environ
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_keep_going_from_the_cli_counts_the_overtime(cli, planned, monkeypatch):
    cli("timer", "start")
    monkeypatch.setenv("MLPM_NOW", "2026-03-02T10:26:00+01:00")
    result = cli("timer", "keep-going")
    assert result.exit_code == 0, result.output
    assert "overtime counts" in result.stdout
    monkeypatch.setenv("MLPM_NOW", "2026-03-02T10:40:00+01:00")
    assert "overtime  15:00" in cli("timer", "status").stdout
    assert "(15 min overtime)" in cli("timer", "stop").stdout
    status = cli("timer", "status").stdout
    assert (
        "last      focus session on #1 'train baseline', finished at 10:40 after 40 min" in status
    )
    again = cli("timer", "keep-going")
    assert again.exit_code == 1
    assert "no focus session has just run its full time" in again.stderr


def test_status_after_a_session_stopped_at_once_says_focus_next(cli, planned, monkeypatch):
    assert cli("timer", "start").exit_code == 0
    assert cli("timer", "stop").exit_code == 0  # interrupted at 00:00
    status = cli("timer", "status").stdout
    assert "next: focus session" in status and "break" not in status
