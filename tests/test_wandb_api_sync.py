"""`runs sync --remote` keeps what it fetched: batches, resume, refresh of changed runs,
progress, and a running run that is gone warned about once."""

from __future__ import annotations

import io
import sqlite3

import pytest

from mlpm.cli.progress import Count
from mlpm.errors import MlpmError
from mlpm.integrations import wandb_api
from mlpm.services import run_sync_remote
from mlpm.services import runs as service
from tests.wandb_fake import FakeApi, FakeRun

LATER = "2026-03-02T09:30:00Z"  # after the first sync (MLPM_NOW is 09:00 UTC)


def _many(n: int) -> list[FakeRun]:
    return [
        FakeRun(f"r{i:03d}", f"2026-03-01T{i // 60:02d}:{i % 60:02d}:00Z", summary={"i": i})
        for i in range(n)
    ]


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    """The fake behind the CLI too (`make_api` is where the real `wandb.Api` is made)."""
    fake = FakeApi(_many(500))
    monkeypatch.setattr(wandb_api, "make_api", lambda entity, project, **kw: fake)
    return fake


def test_an_api_error_keeps_the_runs_that_arrived_and_the_next_sync_resumes(store, api):
    api.fail_at = 450
    with pytest.raises(MlpmError) as stopped:
        run_sync_remote.sync_remote(store, "team/asr")
    message = str(stopped.value)
    assert "429" in message and "stopped after 450 runs (450 stored)" in message
    assert "resumes at runs created from 2026-03-01T07:29:00" in message
    assert store.scalar("SELECT COUNT(*) FROM run") == 450
    cursor = store.one("SELECT * FROM remote_sync WHERE address = 'team/asr'")
    assert cursor["resume_created_at"] == "2026-03-01T07:29:00+00:00"
    report = run_sync_remote.sync_remote(store, "team/asr")
    assert api.calls[-1]["filters"] == {"createdAt": {"$gte": "2026-03-01T07:29:00"}}
    assert (report.added, report.unchanged, report.files) == (50, 1, 51)
    assert store.scalar("SELECT COUNT(*) FROM run") == 500
    done = store.one("SELECT * FROM remote_sync WHERE address = 'team/asr'")
    assert done["resume_created_at"] is None and done["changed_since"] is not None


def test_the_cursor_moves_only_with_committed_batches(store, api, monkeypatch):
    real_commit = run_sync_remote._Pass.commit
    commits: list[int] = []

    def commit(self, cursor, **changes):
        commits.append(len(self.pending))
        if len(commits) == 3:  # the third batch's transaction fails
            raise sqlite3.OperationalError("database or disk is full")
        real_commit(self, cursor, **changes)

    monkeypatch.setattr(run_sync_remote._Pass, "commit", commit)
    with pytest.raises(sqlite3.OperationalError):
        run_sync_remote.sync_remote(store, "team/asr")
    assert commits[:3] == [100, 100, 100]
    assert store.scalar("SELECT COUNT(*) FROM run") == 200
    resume = store.scalar("SELECT resume_created_at FROM remote_sync")
    assert resume == "2026-03-01T03:19:00+00:00"  # the 200th run: the last one committed


def test_the_cli_says_where_it_stopped_in_one_line_and_fails(cli, api):
    api.fail_at = 450
    result = cli("runs", "sync", "--remote", "team/asr")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if not line.startswith("fetched ")]
    assert len(lines) == 1 and lines[0].startswith("error: W&B API error for team/asr: 429")
    assert "450 stored" in lines[0]
    again = cli("runs", "sync", "--remote", "team/asr")
    assert again.exit_code == 0 and "50 added, 0 updated, 1 unchanged (51 runs)" in again.stdout


def test_runs_changed_since_the_last_sync_are_refreshed(store, api):
    api.all = _many(3)
    api.all[0].state = "preempted"
    run_sync_remote.sync_remote(store, "team/asr")
    api.all[0].edit(LATER, heartbeat=True, state="finished", summary={"i": 0, "acc": 0.9})
    api.all[1].edit(LATER, tags=["best"], notes="the one to beat")  # edited in W&B's UI
    api.all[2].edit(LATER, summary={"i": 2, "test/acc": 0.8})  # summary updated by a script
    api.all.append(FakeRun("new", LATER))
    report = run_sync_remote.sync_remote(store, "team/asr")
    assert (report.added, report.updated, report.unchanged) == (1, 3, 0)
    first, second, third = (service.get_run(store, f"r{i:03d}") for i in range(3))
    assert first.state == "finished" and first.summary == {"i": 0, "acc": 0.9}
    assert second.tags == ["best"] and second.notes == "the one to beat"
    assert third.summary == {"i": 2, "test/acc": 0.8}
    quiet = run_sync_remote.sync_remote(store, "team/asr")  # nothing changed since
    assert (quiet.added, quiet.updated) == (0, 0)


def test_full_with_remote_reads_every_run_again(cli, api):
    api.all = _many(3)
    assert cli("runs", "sync", "--remote", "team/asr").exit_code == 0
    api.all[1].summary = {"fixed": True}  # changed without W&B noting an update
    quiet = cli("runs", "sync", "--remote", "team/asr")
    assert "0 added, 0 updated, 0 unchanged (0 runs)" in quiet.stdout
    full = cli("runs", "sync", "--remote", "team/asr", "--full")
    assert api.calls[-1]["filters"] == {}
    assert "0 added, 1 updated, 2 unchanged (3 runs)" in full.stdout


def test_a_running_run_that_is_gone_is_warned_about_once(store, api):
    api.all = _many(2)
    api.all[0].state = "running"
    run_sync_remote.sync_remote(store, "team/asr")
    gone = api.all.pop(0)  # deleted in W&B
    first = run_sync_remote.sync_remote(store, "team/asr")
    assert len(first.warnings) == 1 and "team/asr/r000: cannot refresh" in first.warnings[0]
    assert "Could not find run" in first.warnings[0]
    assert run_sync_remote.sync_remote(store, "team/asr").warnings == []
    assert service.get_run(store, "r000").state == "running"
    api.all.append(gone)  # back (restored): refreshed again, and a later loss warns again
    gone.state = "finished"
    assert run_sync_remote.sync_remote(store, "team/asr").updated == 1
    assert service.get_run(store, "r000").state == "finished"


def test_progress_is_plain_lines_off_a_terminal(cli, api):
    result = cli("runs", "sync", "--remote", "team/asr")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [f"fetched {n} runs…" for n in range(100, 501, 100)]
    assert "\x1b" not in result.stderr and "\r" not in result.stderr


def test_progress_on_a_terminal_is_one_line_rewritten_then_cleared():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    count = Count("runs", stream=out)
    for n in range(1, 251):
        count(n)
    count.close()
    text = out.getvalue()
    assert "\n" not in text and "\x1b" not in text
    assert text.count("\r") == 25 + 2 and "\rfetched 250 runs…" in text
    assert text.endswith("\r" + " " * len("fetched 250 runs…") + "\r")
