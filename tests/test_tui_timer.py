"""Timer mode and the Stats screen, driven with Pilot while the clock is moved by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Digits, ProgressBar, Sparkline, Static

from mlpm.services import in_progress, tasks, timer, timer_session
from mlpm.store import Store
from mlpm.tui.screens import timer as timer_screen
from mlpm.tui.screens.stats import StatsScreen
from mlpm.tui.screens.timer import TimerScreen

T0 = datetime.fromisoformat("2026-03-02T10:00:00+01:00")

pytestmark = pytest.mark.anyio


class Host(App[None]):
    """A bare app hosting one screen on its own store (no mlpm app shell)."""

    def __init__(self, screen_factory) -> None:
        super().__init__()
        self.screen_factory = screen_factory
        self.bells = 0

    def on_mount(self) -> None:
        self.push_screen(self.screen_factory())

    def bell(self) -> None:
        self.bells += 1


def text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def digits(screen) -> str:
    return screen.query_one("#timer-clock", Digits).value


@pytest.fixture
def notifications(monkeypatch) -> list[tuple[str, str]]:
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(timer_screen, "desktop_notify", lambda t, b: sent.append((t, b)))
    return sent


@pytest.fixture
def planned(store, project) -> int:
    task = tasks.add(store, "train [bold]baseline[/bold]", estimate=2, today=True).task
    return task.id


def move_clock(monkeypatch, minutes: float) -> None:
    monkeypatch.setenv("MLPM_NOW", (T0 + timedelta(minutes=minutes)).isoformat())


async def test_timer_mode_counts_down_rings_and_offers_the_break(
    db_path: Path, planned, monkeypatch, notifications
):
    app = Host(lambda: TimerScreen(db_path))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert text(screen, "#timer-kind") == "READY"
        assert digits(screen) == "25:00"
        assert "#1 train [bold]baseline[/bold]" in text(screen, "#timer-task")  # literal

        await pilot.press("f")
        await pilot.pause()
        assert text(screen, "#timer-kind") == "FOCUS SESSION"
        assert digits(screen) == "25:00"

        move_clock(monkeypatch, 10)
        await screen.tick()
        assert digits(screen) == "15:00"
        bar = screen.query_one(ProgressBar)
        assert (bar.total, bar.progress) == (1500, 600)
        assert app.bells == 0

        move_clock(monkeypatch, 25.5)  # time ran out with the screen open
        await screen.tick()
        await pilot.pause()
        assert text(screen, "#timer-kind") == "TIME'S UP"
        assert app.bells == 1
        await app.workers.wait_for_complete()
        assert notifications == [
            ("Focus session done", "#1 train [bold]baseline[/bold]: time for a short break")
        ]
        assert "today: 1 focus session, 25 min" in text(screen, "#timer-today")
        assert "b: take the short break" in text(screen, "#timer-offer")

        # Not forced: keep going, and the overtime counts.
        await pilot.press("k")
        move_clock(monkeypatch, 31)
        await screen.tick()
        assert text(screen, "#timer-kind") == "OVERTIME"
        assert digits(screen) == "+06:00"
        await screen.tick()
        assert app.bells == 1  # rang once

        await pilot.press("b")  # the break finishes the session with its overtime
        await pilot.pause()
        assert text(screen, "#timer-kind") == "SHORT BREAK"
        assert digits(screen) == "05:00"
        last = timer_session.last_ended(Store.open(db_path))
        assert (last.outcome, last.overtime_seconds) == ("finished", 360)

        move_clock(monkeypatch, 40)
        await screen.tick()
        await pilot.pause()
        assert app.bells == 2
        await app.workers.wait_for_complete()
        assert notifications[-1][0] == "Break over"
        assert "f: start a focus session" in text(screen, "#timer-offer")


async def test_stop_early_asks_why_and_records_the_interruption(
    db_path: Path, planned, monkeypatch, notifications
):
    app = Host(lambda: TimerScreen(db_path))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await pilot.press("f")
        move_clock(monkeypatch, 4)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press(*"phone")
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert text(app.screen, "#timer-kind") == "READY"
        assert app.bells == 0 and notifications == []
    last = timer_session.last_ended(Store.open(db_path))
    assert (last.outcome, last.reason, last.elapsed(T0)) == ("interrupted", "phone", 240)


async def test_a_session_started_elsewhere_shows_with_the_right_time(
    db_path: Path, store, planned, monkeypatch
):
    timer.start(store, planned, minutes=50, now=T0)  # as if from the CLI, before the app opened
    move_clock(monkeypatch, 20)
    app = Host(lambda: TimerScreen(db_path))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert digits(app.screen) == "30:00"
        assert not app.screen.check_action("start_focus", ())  # dimmed: one is running
        timer.stop(store, now=T0 + timedelta(minutes=21))  # stopped from another process
        await app.screen.tick()
        assert text(app.screen, "#timer-kind") == "READY"
        assert app.bells == 0


async def test_errors_are_notices_not_crashes(db_path: Path, project, monkeypatch):
    app = Host(lambda: TimerScreen(db_path))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert "no task in Doing or in today's plan" in text(app.screen, "#timer-task")
        await pilot.press("f")
        await pilot.pause()
        assert any("no task to focus on" in n.message for n in app._notifications)


async def test_stats_screen_draws_charts(db_path: Path, store, planned, monkeypatch):
    for day in (2, 1, 0):  # oldest first
        start = T0 - timedelta(days=day)
        for n in range(day + 1):
            timer.start(store, planned, now=start + timedelta(minutes=30 * n))
    move_clock(monkeypatch, 240)
    app = Host(lambda: StatsScreen(db_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert "2h30 focused · 6 pomodoros" in text(screen, "#stats-summary")
        focus = screen.query_one("#stats-focus-chart", Sparkline)
        assert list(focus.data)[-3:] == [75.0, 50.0, 25.0]
        assert "asr" in text(screen, "#stats-projects")
        table = screen.query_one("#stats-tasks")
        assert table.row_count == 1
        assert "train [bold]baseline[/bold]" in str(table.get_row_at(0)[0])
        await pilot.press("d")  # 14 -> 30 days
        await pilot.pause()
        assert len(list(screen.query_one("#stats-focus-chart", Sparkline).data)) == 30


async def test_timer_mode_inside_the_mlpm_app(db_path: Path, planned, monkeypatch, notifications):
    app_module = pytest.importorskip("mlpm.tui.app")
    app = app_module.MlpmApp(db_path, screen="timer")
    async with app.run_test(size=(110, 34)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TimerScreen)
        await screen.tick()
        assert text(screen, "#timer-kind") == "READY"
        await pilot.press("f")
        await pilot.pause()
        move_clock(monkeypatch, 24)
        await screen.tick()
        assert digits(screen) == "01:00"
        assert in_progress.of_timer(Store.open(db_path)) == planned
        await pilot.press("6")  # the Stats screen, then back
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        await pilot.press("5")
        await pilot.pause()
        await app.screen.tick()
        assert text(app.screen, "#timer-kind") == "FOCUS SESSION"


async def test_pick_a_task_to_focus_on(db_path: Path, store, planned, monkeypatch):
    other = tasks.add(store, "write the report", today=True).task.id
    app = Host(lambda: TimerScreen(db_path))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "write the report" in text(app.screen, "#timer-task")
    assert in_progress.of_timer(store) == other


def test_bare_mlpm_timer_on_a_terminal_opens_timer_mode(db_path: Path, planned):
    """`mlpm timer` in a real pseudo-terminal: the app opens on the countdown; q quits."""
    import os
    import pty
    import re
    import select
    import subprocess
    import sys
    import time

    pytest.importorskip("mlpm.tui.app")
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlpm", "timer"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + 60
        while b"READY" not in re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", seen):
            assert time.monotonic() < deadline, seen[-500:]
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                seen += os.read(master, 65536)
        os.write(master, b"q")
        deadline = time.monotonic() + 30
        while proc.poll() is None:  # keep draining, so the app never blocks on a full pty
            assert time.monotonic() < deadline, "mlpm timer did not quit on q"
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:  # the other side closed
                    break
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert b"train [bold]baseline[/bold]" in re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", seen)


async def test_after_an_old_interrupted_session_the_screen_offers_focus_not_a_break(
    db_path: Path, store, planned, monkeypatch
):
    timer.start(store, planned, now=T0)
    timer.stop(store, "left early", now=T0 + timedelta(minutes=3))
    move_clock(monkeypatch, 60 * 48)  # two days later
    app = Host(lambda: TimerScreen(db_path))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert text(app.screen, "#timer-next").startswith("next: focus session (25 min)")
        assert digits(app.screen) == "25:00"
        assert text(app.screen, "#timer-offer") == "f: start a focus session"
