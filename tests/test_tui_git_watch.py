"""The app syncs commits in a worker when it opens and whenever the repository's HEAD moves."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from mlpm.services import commits, projects, tasks
from mlpm.store import Store
from tests.git_repos import init_repo
from tests.test_tui_app import notices, settle

pytestmark = pytest.mark.anyio

from mlpm.tui import app as tui_app  # noqa: E402


async def wait_for(check: Any, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(0.05)
    return False


async def test_commits_link_on_open_and_when_head_moves(
    db_path: Path, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tui_app, "GIT_POLL_SECONDS", 0.1)
    repo = init_repo(tmp_path / "repo")
    projects.add(store, "asr", repo_path=str(repo.path))
    first = tasks.add(store, "baseline").task.id
    second = tasks.add(store, "augment").task.id
    repo.commit(f"Train the baseline\n\nTask: {first}")

    app = tui_app.MlpmApp(db_path, screen="board")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert await wait_for(lambda: len(commits.commits_for_task(store, first)) == 1)
        repo.commit(f"Batch the augmentation on the GPU (mlpm#{second})")
        assert await wait_for(lambda: len(commits.commits_for_task(store, second)) == 1)
        await pilot.pause(0.2)
        assert any("new link" in n for n in notices(app))
        assert any(w.group == "git" and w.is_running for w in app.workers)


async def test_a_missing_repository_is_one_notice_not_a_crash(
    db_path: Path, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tui_app, "GIT_POLL_SECONDS", 0.1)
    (tmp_path / "gone").mkdir()
    projects.add(store, "asr", repo_path=str(tmp_path / "gone"))
    (tmp_path / "gone").rmdir()  # the repository moved away after the project was made
    app = tui_app.MlpmApp(db_path, screen="board")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert await wait_for(lambda: any(n.startswith("git:") for n in notices(app)), 5)
        await pilot.pause(0.5)  # several polls later: still one notice
        assert len([n for n in notices(app) if n.startswith("git:")]) == 1
        assert app.is_running
