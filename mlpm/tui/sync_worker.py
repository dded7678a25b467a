"""The TUI's sync: `mlpm sync` in a thread worker when the app opens (if sync is set up) and
every `sync.every_minutes` (0: only on open), on its own database connection, so the UI never
waits on git. What it did is one quiet notice ("synced: 3 in, 2 out"); a failure is one
warning notice and the next round tries again."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from mlpm.errors import MlpmError
from mlpm.services import settings, sync_run
from mlpm.store import Store

Severity = Literal["information", "warning"]
Notify = Callable[[str, Severity], None]  # called on the worker's thread


def loop(path: Path, stop: threading.Event, notify: Notify, *, every: float = 60.0) -> None:
    """Sync now, then every `sync.every_minutes` (times `every` seconds) until `stop`."""
    store = Store.open(path)
    try:
        if not sync_run.is_set_up(store):
            return
        while not stop.is_set():
            once(store, notify)
            minutes = _minutes(store)
            if minutes <= 0 or stop.wait(minutes * every):
                return
    finally:
        store.close()


def once(store: Store, notify: Notify) -> None:
    try:
        report = sync_run.run(store)
    except MlpmError as exc:
        notify(f"sync: {exc}", "warning")
        return
    for problem in report.problems:
        notify(f"sync: {problem}", "warning")
    if report.sent or report.received:
        notify(sync_run.summary(report), "information")


def _minutes(store: Store) -> float:
    value: Any = settings.get(store, "sync.every_minutes")
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
