"""`runs sync --remote mlflow:URI`: an MLflow tracking server through MlflowClient, behind the
interface the W&B remote uses: batches kept on an error, resume, refresh of changed runs;
against a fake (no server runs here) and the real client on a real store."""

from __future__ import annotations

import json
import shutil
import sys
import types
from collections import Counter
from pathlib import Path

import pytest

from mlpm.errors import MlpmError
from mlpm.integrations import mlflow_api
from mlpm.services import projects, run_history, run_sync_remote
from tests.mlflow_fake import FakeClient, ms, run

ADDRESS = "mlflow:http://mlflow.example:5000"
LATER = "2026-03-02T09:30:00Z"  # after the first sync (MLPM_NOW is 09:00 UTC)
DATA = Path(__file__).parent / "data" / "mlflow"


def _many(n: int) -> list:
    return [run(f"r{i:03d}", f"2026-03-01T{i // 60:02d}:{i % 60:02d}:00Z", i=i) for i in range(n)]


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    """The fake behind the CLI too (`make_client` is where the real MlflowClient is made)."""
    fake = FakeClient(_many(500))
    monkeypatch.setattr(mlflow_api, "make_client", lambda uri: fake)
    monkeypatch.setattr(mlflow_api, "PER_PAGE", 50)
    return fake


def test_a_429_keeps_the_batches_that_arrived_and_the_next_sync_resumes(cli, store, client):
    client.fail_at = 450
    stopped = cli("runs", "sync", "--remote", ADDRESS)
    assert stopped.exit_code == 1
    lines = [line for line in stopped.stderr.splitlines() if not line.startswith("fetched ")]
    assert len(lines) == 1, stopped.stderr
    assert lines[0].startswith(
        f"error: MLflow API error for {ADDRESS[7:]}: RESOURCE_EXHAUSTED: 429"
    )
    assert "stopped after 450 runs (450 stored)" in lines[0]
    assert "resumes at runs created from 2026-03-01T07:29:00" in lines[0]
    assert store.scalar("SELECT COUNT(*) FROM run") == 450
    client.fail_at = None
    again = cli("runs", "sync", "--remote", ADDRESS)
    assert again.exit_code == 0, again.output
    assert client.calls[-1] == f"attributes.start_time >= {ms('2026-03-01T07:29:00Z')}"
    assert "50 added, 0 updated, 1 unchanged (51 runs)" in again.stdout
    assert store.scalar("SELECT COUNT(*) FROM run") == 500
    shown = json.loads(cli("runs", "show", "mlflow:r007", "--json").stdout)
    assert (shown["state"], shown["config"], shown["summary"]) == (
        "finished",
        {"lr": 0.1, "seed": 7},
        {"i": 7.0},
    )
    assert shown["group"] == "asr"  # no group tag, no parent: the experiment


def test_the_next_sync_refreshes_runs_that_ended_and_warns_once_about_a_gone_one(store, client):
    client.runs["r010"].info.status = "RUNNING"
    client.runs["r010"].info.end_time = None
    client.runs["r011"].info.status = "RUNNING"
    client.runs["r011"].info.end_time = None
    run_sync_remote.sync_remote(store, ADDRESS)
    running = {r["id"] for r in store.query("SELECT id FROM run WHERE state = 'running'")}
    assert running == {"mlflow:r010", "mlflow:r011"}
    # r010 finished after that sync with a better value; r011 was deleted on the server.
    client.runs["r010"].info.status = "FINISHED"
    client.runs["r010"].info.end_time = ms(LATER)
    client.runs["r010"].data.metrics["i"] = 99.0
    client.gone.add("r011")
    report = run_sync_remote.sync_remote(store, ADDRESS)
    assert (report.added, report.updated) == (0, 1)
    row = store.one("SELECT state, summary FROM run WHERE id = 'mlflow:r010'")
    assert row["state"] == "finished" and json.loads(row["summary"]) == {"i": 99.0}
    assert [w for w in report.warnings if "r011" in w] == [
        f"{ADDRESS}/mlflow:r011: cannot refresh (kept as running):"
        " RESOURCE_DOES_NOT_EXIST: Run 'r011' not found"
    ]
    assert not run_sync_remote.sync_remote(store, ADDRESS).warnings  # once, not every sync


def test_a_tag_or_metric_set_after_a_run_ended_arrives_and_unchanged_runs_cost_no_history(
    store, client
):
    run_sync_remote.sync_remote(store, ADDRESS)
    # MLflow keeps no time of these: neither moves the run's start or end.
    client.runs["r020"].data.tags["group"] = "seeds"
    client.runs["r030"].data.metrics["i"] = 77.0
    client.calls.clear()
    report = run_sync_remote.sync_remote(store, ADDRESS)
    assert (report.added, report.updated, report.unchanged) == (0, 2, 498)
    assert store.scalar("SELECT group_name FROM run WHERE id = 'mlflow:r020'") == "seeds"
    assert json.loads(store.scalar("SELECT summary FROM run WHERE id = 'mlflow:r030'")) == {
        "i": 77.0
    }
    assert client.calls == [""] * 10  # every run listed, 50 a page
    client.calls.clear()
    again = run_sync_remote.sync_remote(store, ADDRESS)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 500)
    assert client.calls == [""] * 10 and client.histories == []


def test_history_comes_from_the_client(store, client):
    run_sync_remote.sync_remote(store, ADDRESS)
    points = run_history.history(store, "mlflow:r005", ["i"], api=client)
    assert points == {"i": [(0, 5.0), (1, 10.0), (2, 15.0)]}


def test_a_missing_package_or_an_unreachable_server_is_one_line(cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow", None)
    monkeypatch.setitem(sys.modules, "mlflow.client", None)
    missing = cli("runs", "sync", "--remote", ADDRESS)
    assert missing.exit_code == 1
    assert missing.stderr == "error: mlflow is not installed: pip install mlflow-skinny\n"

    class Refusing:
        def __init__(self, tracking_uri: str) -> None:
            pass

        def search_experiments(self, **_: object) -> list:
            raise ConnectionError(
                "HTTPConnectionPool(host='mlflow.example', port=5000): Max retries exceeded"
            )

    fake = types.ModuleType("mlflow.client")
    fake.MlflowClient = Refusing  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mlflow", types.ModuleType("mlflow"))
    monkeypatch.setitem(sys.modules, "mlflow.client", fake)
    down = cli("runs", "sync", "--remote", ADDRESS)
    assert down.exit_code == 1
    assert down.stderr.splitlines() == [
        "error: cannot reach MLflow at http://mlflow.example:5000: HTTPConnectionPool("
        "host='mlflow.example', port=5000): Max retries exceeded"
    ]


def test_the_trackers_setting_gates_a_remote_and_what_a_folder_is_searched_for(
    cli, store, client, tmp_path
):
    projects.add(store, "asr")
    assert cli("project", "edit", "--trackers", "wandb").exit_code == 0
    refused = cli("runs", "sync", "--remote", ADDRESS)
    assert refused.exit_code != 0
    assert "project 'asr' uses wandb, not mlflow: `mlpm project edit --trackers`" in refused.stderr
    folder = tmp_path / "runs"
    folder.mkdir()
    shutil.copy(DATA / "mlflow.db", folder / "mlflow.db")
    skipped = cli("runs", "sync", str(folder))
    assert "0 added" in skipped.stdout
    assert cli("runs", "sync", str(folder / "mlflow.db")).stdout.startswith("7 added")


@pytest.mark.slow  # imports mlflow (seconds) and starts it once more for the history
def test_the_real_client_on_a_real_store_imports_what_the_local_reader_does(cli, tmp_path):
    pytest.importorskip("mlflow.client")
    copy = tmp_path / "mlflow.db"  # MlflowClient may migrate the store: never the original
    shutil.copy(DATA / "mlflow.db", copy)
    remote = cli("runs", "sync", "--remote", f"mlflow:sqlite:///{copy}", "--json")
    assert remote.exit_code == 0, remote.output
    assert json.loads(remote.stdout)["added"] == 7
    listed = {r["name"]: r for r in json.loads(cli("runs", "list", "--json").stdout)}
    local_copy = tmp_path / "local" / "mlflow.db"
    local_copy.parent.mkdir()
    shutil.copy(DATA / "mlflow.db", local_copy)
    from mlpm.integrations import mlflow_sqlite

    local = {info.name: info for info in mlflow_sqlite.read_runs(local_copy)}
    assert set(listed) == set(local)
    for name, info in local.items():
        got = listed[name]
        assert got["id"] == info.run_id and got["source"] == "remote"
        assert (got["state"], got["group"], got["commit"]) == (info.state, info.group, info.commit)
        assert (got["config"], got["summary"]) == (info.config, info.summary)
        assert (got["start_time"], got["tags"]) == (info.start_time, info.tags)
    stopped = listed["stopped"]
    shown = cli("runs", "show", stopped["id"], "-m", "loss", "--json")  # in a subprocess
    assert shown.exit_code == 0, shown.output
    history = json.loads(shown.stdout)["history"]["loss"]
    expected = mlflow_sqlite.read_history(local_copy, stopped["id"][7:], ["loss"])["loss"]
    assert history == [[s, v] for s, v, _ in expected]


class Counting:
    """A real MlflowClient, counting the requests of each kind it is asked for."""

    def __init__(self, client: object) -> None:
        self.client = client
        self.counts: Counter[str] = Counter()

    def __getattr__(self, name: str) -> object:
        self.counts[name] += 1
        return getattr(self.client, name)


@pytest.mark.slow  # imports mlflow (seconds)
def test_the_real_client_brings_a_tag_and_a_metric_set_after_a_run_ended(store, tmp_path):
    pytest.importorskip("mlflow.client")
    from mlflow.client import MlflowClient

    copy = tmp_path / "mlflow.db"  # MlflowClient may migrate the store: never the original
    shutil.copy(DATA / "mlflow.db", copy)
    real = MlflowClient(tracking_uri=f"sqlite:///{copy}")
    client = Counting(real)
    address = f"mlflow:sqlite:///{copy}"
    assert run_sync_remote.sync_remote(store, address, api=client).added == 7
    ids = {r["name"]: r["id"] for r in store.query("SELECT id, name FROM run")}
    for name in ("baseline-s1", "baseline-s2"):  # read once: cached from here on
        run_history.history(store, ids[name], ["val/acc"], api=client)
    # After baseline-s2 ended: its group tag edited, a better value logged at a later step.
    uuid = ids["baseline-s2"].removeprefix("mlflow:")
    real.set_tag(uuid, "group", "seeds")
    real.log_metric(uuid, "val/acc", 0.91, step=1000)
    assert real.get_run(uuid).info.status == "FINISHED"
    client.counts.clear()
    report = run_sync_remote.sync_remote(store, address, api=client)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 6)
    row = store.one("SELECT group_name, tags, summary FROM run WHERE id = ?", (ids["baseline-s2"],))
    assert row["group_name"] == "seeds" and json.loads(row["tags"]) == ["group=seeds"]
    assert json.loads(row["summary"])["val/acc"] == 0.91
    assert client.counts["search_runs"] == 1 and not client.counts["get_metric_history"]
    client.counts.clear()
    unchanged = run_sync_remote.sync_remote(store, address, api=client)
    assert (unchanged.updated, unchanged.unchanged) == (0, 7)
    assert client.counts["search_runs"] == 1 and not client.counts["get_metric_history"]
    # Only the changed run's history is fetched again.
    s1 = run_history.history(store, ids["baseline-s1"], ["val/acc"], api=client)
    assert s1["val/acc"] and not client.counts["get_metric_history"]
    s2 = run_history.history(store, ids["baseline-s2"], ["val/acc"], api=client)
    assert s2["val/acc"][-1] == (1000, 0.91) and client.counts["get_metric_history"] == 1


def test_a_w_and_b_address_still_goes_to_w_and_b(store):
    with pytest.raises(MlpmError, match="no W&B API key"):
        run_sync_remote.sync_remote(store, "team/asr")


def test_a_child_run_is_grouped_under_its_parent_fetched_in_an_earlier_sync(store, client):
    client.runs.clear()
    parent = run("sweep", "2026-03-01T00:00:00Z")
    client.runs["sweep"] = parent
    run_sync_remote.sync_remote(store, ADDRESS)
    child = run("lr03", LATER)
    child.data.tags["mlflow.parentRunId"] = "sweep"
    client.runs["lr03"] = child
    tagged = run("tagged", LATER)
    tagged.data.tags["group"] = "seeds"
    client.runs["tagged"] = tagged
    assert run_sync_remote.sync_remote(store, ADDRESS).added == 2
    groups = {r["id"]: r["group_name"] for r in store.query("SELECT id, group_name FROM run")}
    assert groups == {"mlflow:sweep": "asr", "mlflow:lr03": "sweep", "mlflow:tagged": "seeds"}
