"""Sync on a machine where git knows no one (no user.email anywhere, as on a fresh server or
CI box): the log still commits and pushes, and ops still carry who made them as far as
mlpm knows; the person is never invented from the fallback committer."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def nobody(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("NAME", "EMAIL"):
        for who in ("AUTHOR", "COMMITTER"):
            monkeypatch.delenv(f"GIT_{who}_{name}", raising=False)
    monkeypatch.delenv("EMAIL", raising=False)


def test_two_machines_without_a_git_identity_sync_a_task(cli, tmp_path: Path) -> None:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    laptop, server = str(tmp_path / "laptop.db"), str(tmp_path / "server.db")
    cli("--db", laptop, "project", "add", "asr")
    cli("--db", laptop, "sync", "setup", str(bare))
    cli("--db", laptop, "task", "add", "tune the learning rate")
    sent = cli("--db", laptop, "sync")
    assert sent.exit_code == 0 and "sent" in sent.stdout
    cli("--db", server, "sync", "setup", str(bare))
    assert cli("--db", server, "sync").exit_code == 0
    [task] = json.loads(cli("--db", server, "task", "list", "--all", "--json").stdout)
    assert task["title"] == "tune the learning rate"
    status = json.loads(cli("--db", server, "sync", "status", "--json").stdout)
    assert status["last_sync"] and status["author"] in (None, "")
