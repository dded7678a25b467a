"""The end of a run's console output (a W&B run folder's `files/output.log`): where a failed
run's traceback is. Read from the file's tail only, so a long log costs no more than a short one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mlpm.services.runs import REMOTE_PREFIX, Run, fs_path

TAIL_BYTES = 64 * 1024
# Colour and cursor sequences (CSI) carry no text: dropped rather than shown as escapes.
_CSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


@dataclass(frozen=True, slots=True)
class OutputTail:
    """The last lines of a run's output, as a terminal would have shown them."""

    path: Path
    lines: list[str]


def keeps_output(run: Run) -> bool:
    """Whether the run's console output could be on this machine: a local W&B run (an MLflow
    run or one read through the W&B API keeps none here)."""
    if not run.path or run.path.startswith(REMOTE_PREFIX):
        return False
    return fs_path(run.path).suffix == ".wandb"


def output_file(run: Run) -> Path | None:
    """The run's output log, when it is a local W&B run that has one."""
    if not keeps_output(run):
        return None
    found = fs_path(run.path or "").parent / "files" / "output.log"
    return found if found.is_file() else None


def _shown(line: str) -> str:
    """A line as the terminal left it: a progress bar redrawn with `\\r` shows its last draw."""
    return _CSI.sub("", line).rstrip("\r").rsplit("\r", 1)[-1]


def tail(run: Run, lines: int = 20) -> OutputTail | None:
    """The last `lines` lines of the run's output, or None when there is no log to read."""
    path = output_file(run)
    if path is None or lines <= 0:
        return None
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - TAIL_BYTES))
            data = handle.read()
    except OSError:
        return None
    text = data.decode("utf-8", "replace")
    found = text.split("\n")  # not splitlines: a lone \r redraws a line, it does not end one
    if size > TAIL_BYTES and found:
        found = found[1:]  # the first line read is cut: not shown
    while found and not found[-1].strip():
        found.pop()
    return OutputTail(path, [_shown(line) for line in found[-lines:]])
