"""The TUI syncs through a real bare repository in a worker: when it opens and every
`sync.every_minutes`, with one quiet notice; a failing remote is one warning, not a crash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlpm.services import projects, settings, sync_run, task_query, tasks
from mlpm.store import Store
from mlpm.tui import app as tui_app
from tests import test_sync_git
from tests.test_sync_git import remote  # noqa: F401
from tests.test_tui_app import notices
from tests.test_tui_git_watch import wait_for

pytestmark = pytest.mark.anyio
git_identity = test_sync_git.git_identity


@pytest.fixture
def pair(tmp_path: Path, remote: Path):  # noqa: F811
    """A laptop that made project "asr" and a server, both set up on `remote`."""
    laptop, server = (Store.open(tmp_path / name / "mlpm.db") for name in ("laptop", "server"))
    projects.add(laptop, "asr")
    for s in (laptop, server):
        sync_run.setup(s, str(remote))
    sync_run.run(laptop)
    yield laptop, server
    laptop.close()
    server.close()


def titles(store: Store) -> list[str]:
    return sorted(t.title for t in task_query.list_tasks(store))


async def test_the_tui_syncs_when_it_opens_and_every_few_minutes(pair, monkeypatch):
    laptop, server = pair
    monkeypatch.setattr(tui_app, "SYNC_MINUTE", 0.2)
    settings.put(server, "sync.every_minutes", 1, command="test")
    tasks.add(laptop, "planned on the laptop")
    sync_run.run(laptop)
    app = tui_app.MlpmApp(server.path, screen="board")
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_for(lambda: titles(server) == ["planned on the laptop"])
        assert await wait_for(lambda: any(n.startswith("synced: ") for n in notices(app)))
        assert next(n for n in notices(app) if n.startswith("synced: ")).endswith(" in, 0 out")
        await pilot.press("2")  # the UI answers while the worker waits for its next round
        tasks.add(laptop, "later, on the laptop")
        sync_run.run(laptop)
        assert await wait_for(lambda: len(titles(server)) == 2)
        assert any(w.group == "sync" and w.is_running for w in app.workers)
    assert "later, on the laptop" in titles(server)


async def test_a_remote_that_fails_is_one_warning_and_the_app_goes_on(pair, remote):  # noqa: F811
    _, server = pair
    settings.put(server, "sync.every_minutes", 0, command="test")  # only when it opens
    shutil.rmtree(remote)
    app = tui_app.MlpmApp(server.path, screen="board")
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_for(lambda: any(n.startswith("sync: ") for n in notices(app)))
        await pilot.pause(0.3)
        assert len([n for n in notices(app) if n.startswith("sync: ")]) == 1
        assert "git fetch failed" in next(n for n in notices(app) if n.startswith("sync: "))
        assert app.is_running
        assert not any(w.group == "sync" and w.is_running for w in app.workers)
