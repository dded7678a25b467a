"""A remote run's history fetched by a child `python -m <module>` (stdin closed, so a
tracker's prompt can never freeze the terminal or the TUI), so the calling process never
imports the tracker's library. The child prints `{key: [[step, value], ...]}` as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from mlpm.errors import MlpmError

Points = dict[str, list[tuple[int, float]]]


def fetch(module: str, args: list[str], what: str, env: dict[str, str] | None = None) -> Points:
    """Run `python -m module *args`; its JSON history, or one line naming `what` failed."""
    command = [sys.executable, "-m", module, *args]
    try:
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            env={**os.environ, **(env or {})},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MlpmError(f"cannot fetch the history of {what}: {exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["unknown error"])[-1].removeprefix("error: ")
        raise MlpmError(f"cannot fetch the history of {what}: {last}")
    data = json.loads(done.stdout)
    return {k: [(int(s), float(v)) for s, v in points] for k, points in data.items()}
