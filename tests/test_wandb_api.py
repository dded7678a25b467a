"""`runs sync --remote` against a fake with `wandb.Api`'s interface (no W&B server runs here)."""

from __future__ import annotations

import pytest

from mlpm.errors import MlpmError
from mlpm.integrations import wandb_api
from mlpm.services import run_history, run_sync, run_sync_remote
from mlpm.services import runs as service
from tests.wandb_fake import FakeApi, FakeRun


def _runs() -> list[FakeRun]:
    rows = [{"_step": i, "loss": 1.0 / (i + 1)} for i in range(5)]
    rows += [{"_step": 5, "val_loss": 0.7}]  # logged alone: a multi-key scan would miss it
    return [
        FakeRun(
            "r1",
            "2026-03-01T10:00:00Z",
            group="g",
            tags=["base"],
            commit="c" * 40,
            config={"lr": {"value": 0.1, "desc": None}, "_wandb": {"x": 1}},
            summary={"loss": 0.2, "_runtime": 42.5, "_wandb": {"runtime": 42}},
            rows=rows,
        ),
        FakeRun("r2", "2026-03-01T11:00:00Z", state="failed", config={"lr": 0.2}),
    ]


def test_a_remote_sync_imports_runs_in_bulk_with_their_commit(store):
    api = FakeApi(_runs())
    report = run_sync_remote.sync_remote(store, "team/asr", api=api)
    assert (report.added, report.updated, report.warnings) == (2, 0, [])
    assert api.calls[0]["path"] == "team/asr"
    assert api.calls[0]["lazy"] is False and api.calls[0]["order"] == "+created_at"
    r1 = service.get_run(store, "r1")
    assert (r1.entity, r1.project, r1.source, r1.state) == ("team", "asr", "remote", "finished")
    assert r1.commit == "c" * 40 and r1.config == {"lr": 0.1}
    assert r1.summary == {"loss": 0.2, "_runtime": 42.5} and r1.runtime == 42.5
    assert r1.start_time == "2026-03-01T10:00:00+00:00" and r1.tags == ["base"]
    assert service.get_run(store, "r2").state == "failed"  # as W&B says


def test_a_second_remote_sync_asks_only_for_runs_new_or_changed_since_the_first(store):
    api = FakeApi(_runs())
    run_sync_remote.sync_remote(store, "team/asr", api=api)  # at MLPM_NOW, 09:00 UTC
    api.all.append(FakeRun("r3", "2026-03-02T09:05:00Z"))
    report = run_sync_remote.sync_remote(store, "team/asr", api=api)
    since = {"$gte": "2026-03-02T08:50:00"}  # the first sync's start, less the clock skew
    assert api.calls[1]["filters"] == {
        "$or": [{"createdAt": since}, {"updatedAt": since}, {"heartbeatAt": since}]
    }
    assert (report.added, report.updated, report.files) == (1, 0, 1)
    assert [r.id for r in service.list_runs(store)] == ["r1", "r2", "r3"]


def test_remote_history_scans_each_key_alone_and_is_cached(store):
    api = FakeApi(_runs())
    run_sync_remote.sync_remote(store, "team/asr", api=api)
    series = run_history.history(store, "r1", ["loss", "val_loss", "nothing"], api=api)
    assert series["loss"][0] == (0, 1.0) and len(series["loss"]) == 5
    assert series["val_loss"] == [(5, 0.7)] and "nothing" not in series
    run = api.run("team/asr/r1")
    assert run.scans == [["loss"], ["val_loss"], ["nothing"]]
    assert run_history.history(store, "r1", ["loss", "nothing"], api=api)["loss"] == series["loss"]
    assert len(run.scans) == 3  # served from the cache


def test_api_failures_and_bad_addresses_are_clear_errors(store, cli):
    class Broken(FakeApi):
        def runs(self, *args, **kwargs):
            raise ConnectionError("network is unreachable")

    with pytest.raises(MlpmError, match="W&B API error for team/asr: network is unreachable"):
        run_sync_remote.sync_remote(store, "team/asr", api=Broken([]))
    assert store.scalar("SELECT COUNT(*) FROM run") == 0
    bad = cli("runs", "sync", "--remote", "just-a-project")
    assert bad.exit_code == 2 and "ENTITY/PROJECT" in bad.stderr


def test_old_wandb_without_the_lazy_argument_still_works(store):
    class OldApi(FakeApi):
        def runs(self, path=None, filters=None, order="+created_at", per_page=50):  # type: ignore[override]
            return super().runs(path, filters, order, per_page)

    assert run_sync_remote.sync_remote(store, "team/asr", api=OldApi(_runs())).added == 2


def test_wandb_api_module_does_not_import_wandb_until_asked():
    import subprocess
    import sys

    code = (
        "import sys\nimport mlpm.integrations.wandb_api as w\n"
        "w.parse_address('a/b')\nassert 'wandb' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert wandb_api.parse_address(" team/asr/ ") == ("team", "asr")


def test_runs_still_running_at_the_last_sync_are_refreshed(store):
    api = FakeApi(_runs())
    api.all[0].state = "running"
    run_sync_remote.sync_remote(store, "team/asr", api=api)
    assert service.get_run(store, "r1").state == "running"
    api.all[0].state = "finished"
    api.all[0].summary = {"loss": 0.1}
    report = run_sync_remote.sync_remote(store, "team/asr", api=api)
    assert (report.added, report.updated) == (0, 1)
    r1 = service.get_run(store, "r1")
    assert r1.state == "finished" and r1.summary == {"loss": 0.1}


def test_a_run_imported_from_local_files_is_not_replaced_by_its_remote_copy(store, tmp_path):
    from mlpm.integrations import wandb_write as ww

    run_dir = tmp_path / "wandb" / "run-20260301_100000-r1"
    run_dir.mkdir(parents=True)
    (run_dir / "run-r1.wandb").write_bytes(ww.build_run("r1", name="local", program="t.py"))
    run_sync.sync_local(store, [tmp_path / "wandb"])
    report = run_sync_remote.sync_remote(store, "team/asr", api=FakeApi(_runs()))
    assert (report.added, report.unchanged) == (1, 1)
    r1 = service.get_run(store, "r1")
    assert r1.source == "online" and r1.program == "t.py"
