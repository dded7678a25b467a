"""SVG snapshots of timer mode and the Stats screen (update: pytest --snapshot-update)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from textual.app import App

from mlpm.services import projects, tasks, timer
from mlpm.tui.screens import timer as timer_screen
from mlpm.tui.screens.stats import StatsScreen
from mlpm.tui.screens.timer import TimerScreen

T0 = datetime.fromisoformat("2026-03-02T10:00:00+01:00")  # MLPM_NOW in every test
SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["small", "large"])


class Host(App[None]):
    def __init__(self, screen) -> None:
        super().__init__()
        self.hosted = screen

    def on_mount(self) -> None:
        self.push_screen(self.hosted)


@pytest.fixture(autouse=True)
def quiet(monkeypatch) -> None:
    monkeypatch.setattr(timer_screen, "desktop_notify", lambda title, body: None)


@pytest.fixture
def week(store, project) -> list[int]:
    """A week of focus sessions on three tasks in two projects; a session running now."""
    projects.add(store, "tts")
    ids = [
        tasks.add(store, "train the baseline", estimate=2, today=True).task.id,
        tasks.add(store, "error analysis on the noisy set", estimate=3).task.id,
        tasks.add(store, "vocoder sweep", project="tts").task.id,
    ]
    for day in range(6, 0, -1):
        start = T0 - timedelta(days=day)
        for n in range(day % 4 + 1):
            timer.start(store, ids[(day + n) % 3], now=start + timedelta(minutes=30 * n))
            if (day + n) % 5 == 0:
                timer.stop(store, "meeting", now=start + timedelta(minutes=30 * n + 12))
    timer.start(store, ids[0], now=T0 - timedelta(minutes=10))
    return ids


@SIZES
def test_timer_running(snap_compare, db_path, week, size):
    assert snap_compare(Host(TimerScreen(db_path)), terminal_size=size, press=["_"])


@SIZES
def test_timer_idle_with_a_break_due(snap_compare, db_path, store, week, size):
    timer.stop(store, now=T0 - timedelta(minutes=6))  # interrupted: earns no break
    timer.start(store, week[0], minutes=5, now=T0 - timedelta(minutes=5))
    # ...but this one ran its planned time, ending at 10:00: a short break is offered next
    assert snap_compare(Host(TimerScreen(db_path)), terminal_size=size, press=["_"])


@SIZES
def test_stats(snap_compare, db_path, week, size):
    assert snap_compare(Host(StatsScreen(db_path, days=7)), terminal_size=size, press=["_"])
