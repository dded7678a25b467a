"""The TUI's remote run sync: `mlpm runs sync --remote ADDRESS` for the current project's W&B
project (its `wandb_entity`/`wandb_project`) and MLflow server (`MLFLOW_TRACKING_URI`, or its
`mlflow_uri` setting), those its `trackers` setting names, in a child process with stdin
closed (wandb and mlflow never enter the TUI's process, and a prompt can never freeze it),
from a thread worker. Its progress and outcome are one quiet status line under the table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.timer import Timer
from textual.widgets import Static
from textual.worker import get_current_worker

from mlpm.services import trackers

if TYPE_CHECKING:
    from mlpm.models import Project
    from mlpm.tui.screens.base import DataScreen

Status = Callable[[str, bool], None]  # (line, whether it is a failure); on the worker thread
LINE_ID = "runs-remote-sync"
SHOWN_S = 8.0  # how long the outcome stays on the status line


def addresses(project: Project | None) -> list[str]:
    """The remotes the project syncs from: `ENTITY/PROJECT` and `mlflow:URI`."""
    if project is None:
        return []
    used = trackers.trackers(project)
    found = []
    if "wandb" in used and project.wandb_entity and project.wandb_project:
        found.append(f"{project.wandb_entity}/{project.wandb_project}")
    uri = project.settings.get("mlflow_uri") or os.environ.get("MLFLOW_TRACKING_URI")
    if "mlflow" in used and isinstance(uri, str) and uri:
        found.append(f"mlflow:{uri}")
    return found


def sync(
    db: Path, address: str, status: Status, cancelled: Callable[[], bool] = lambda: False
) -> bool:
    """Run one remote sync in a child process, telling `status` its progress ("fetched 200
    runs…") and its outcome; whether it succeeded. The child is ended once `cancelled()`."""
    command = [sys.executable, "-m", "mlpm", "runs", "sync", "--remote", address, "--json"]
    env = {**os.environ, "MLPM_DB": str(db), "WANDB_SILENT": "true"}
    status(f"{address}: connecting…", False)
    try:
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
    except OSError as exc:
        status(f"{address}: cannot start the sync: {exc.strerror}", True)
        return False
    watcher = threading.Thread(target=_stop_on, args=(child, cancelled), daemon=True)
    watcher.start()
    last = ""
    assert child.stderr is not None and child.stdout is not None
    for line in child.stderr:
        line = line.strip()
        if line.startswith("fetched "):
            status(f"{address}: {line}", False)
        elif line:
            last = line
    out = child.stdout.read()
    code = child.wait()
    if code != 0:
        status(f"{address}: {last.removeprefix('error: ') or f'failed (exit {code})'}", True)
        return False
    try:
        report = json.loads(out)
        done = (
            f"{report['added']} added, {report['updated']} updated, {report['unchanged']} unchanged"
        )
    except (ValueError, KeyError, TypeError):
        done = "done"
    status(f"{address}: {done}", False)
    return True


def _stop_on(child: subprocess.Popen[str], cancelled: Callable[[], bool]) -> None:
    while child.poll() is None:
        if cancelled():
            child.terminate()
            return
        time.sleep(0.2)


def start(screen: DataScreen) -> None:
    """Sync the current project's remotes from `screen` (the Runs screen) in a worker: one
    status line under it, the runs reloaded when something arrived."""
    app = screen.mlpm
    line = _line(screen)

    def show(text: str, failed: bool) -> None:
        app.call_from_thread(_show, screen, line, text, failed)

    def work() -> None:
        from mlpm.services import projects

        worker = get_current_worker()
        path, targets = app.db_sync(
            lambda store: (store.path, addresses(projects.current_or_none(store)))
        )
        if not targets:
            show(
                "no remote: set the project's W&B entity and project, or MLFLOW_TRACKING_URI", True
            )
            return
        for address in targets:
            if sync(path, address, show, lambda: worker.is_cancelled):
                app.call_from_thread(_reload, screen)

    screen.run_worker(work, thread=True, exclusive=True, group=LINE_ID, exit_on_error=False)


def _line(screen: DataScreen) -> Static:
    found = screen.query(f"#{LINE_ID}")
    if found:
        return found.first(Static)
    line = Static("", id=LINE_ID, markup=False)
    line.styles.height = 1
    line.styles.dock = "bottom"
    screen.mount(line)
    return line


_timers: dict[int, Timer] = {}  # the status line's pending "hide", by line


def _show(screen: DataScreen, line: Static, text: str, failed: bool) -> None:
    line.update(text)
    line.styles.color = "red" if failed else None
    line.display = True
    if (timer := _timers.pop(id(line), None)) is not None:
        timer.stop()
    if not text.endswith("…"):  # an outcome: gone after a while
        _timers[id(line)] = screen.set_timer(SHOWN_S, lambda: setattr(line, "display", False))


def _reload(screen: DataScreen) -> None:
    screen.mlpm.data_changed()
    screen.reload()
