"""Smoke test in a real terminal: start `mlpm` in tmux, send keys, read the pane."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


@pytest.fixture
def tmux() -> Iterator[Callable[..., str]]:
    """Run tmux commands on a private server (killed afterwards)."""
    socket = f"mlpm-test-{uuid.uuid4().hex[:8]}"

    def run(*args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=30
        )
        return out.stdout

    yield run
    subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, timeout=30)


def wait_for(read: Callable[[], str], needle: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    text = read()
    while needle not in text and time.monotonic() < deadline:
        time.sleep(0.2)
        text = read()
    assert needle in text, text
    return text


def test_mlpm_opens_the_board_moves_a_card_and_quits(
    tmux: Callable[..., str], isolated_home: Path, cli
) -> None:
    cli("project", "add", "asr")
    cli("task", "add", "first [red]task[/red]", "--estimate", "2")
    env = " ".join(
        f"{k}={v}" for k, v in os.environ.items() if k.startswith("MLPM_") or k == "NO_COLOR"
    )
    command = f"env {env} {sys.executable} -m mlpm"
    tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30", command)

    def pane() -> str:
        return tmux("capture-pane", "-p", "-t", "t")

    wait_for(pane, "Backlog 1")
    wait_for(pane, "first [red]ta")  # the title as typed, not as markup
    tmux("send-keys", "-t", "t", "L")
    wait_for(pane, "Backlog 0")
    wait_for(pane, "Today 1")
    cli("task", "add", "added by the CLI")  # live refresh from another process
    wait_for(pane, "Backlog 1")  # the new card, read again from the database
    wait_for(pane, "#2 added by")  # the card, its id kept however narrow
    tmux("send-keys", "-t", "t", "q")
    deadline = time.monotonic() + 10
    while "t:" in tmux("ls") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "t:" not in tmux("ls")
