"""`mlpm sync setup --ref`: the op log kept under `refs/mlpm/ops` of the project's own
repository (a bare "project" repo with code branches, two replicas, real git): no branch
appears, the code branches and the developers' clones are untouched, code is never fetched."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mlpm.integrations import sync_repo
from mlpm.services import projects, settings, sync_run, task_query, tasks
from mlpm.store import Store


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Ada")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "ada@example.org")


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def project_repo(tmp_path: Path) -> tuple[Path, Path]:
    """A bare project repository with code on `main` and `feature`, and a developer's clone."""
    bare = tmp_path / "project.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    dev = tmp_path / "dev"
    subprocess.run(["git", "clone", "-q", str(bare), str(dev)], check=True, capture_output=True)
    git(dev, "checkout", "-q", "-b", "main")
    (dev / "train.py").write_text("print('train')\n")
    git(dev, "add", "train.py")
    git(dev, "commit", "-q", "-m", "train")
    git(dev, "checkout", "-q", "-b", "feature")
    (dev / "eval.py").write_text("print('eval')\n")
    git(dev, "add", "eval.py")
    git(dev, "commit", "-q", "-m", "eval")
    git(dev, "push", "-q", "origin", "main", "feature")
    git(dev, "checkout", "-q", "main")
    return bare, dev


def code_state(bare: Path, dev: Path) -> dict[str, str]:
    return {
        "remote branches": git(bare, "for-each-ref", "--format=%(refname) %(objectname)",
                               "refs/heads"),
        "dev branches": git(dev, "branch", "-a"),
        "dev status": git(dev, "status", "--porcelain"),
        "dev head": git(dev, "rev-parse", "HEAD"),
    }  # fmt: skip


def test_two_replicas_sync_through_a_ref_of_the_project_repo(project_repo, tmp_path, cli):
    bare, dev = project_repo
    before = code_state(bare, dev)
    a = Store.open(tmp_path / "a" / "mlpm.db")
    b = Store.open(tmp_path / "b" / "mlpm.db")
    projects.add(a, "asr", repo_path=str(dev))
    # a: no URL, the current project's repository's origin; b: the URL given.
    done = json.loads(cli("--db", str(a.path), "sync", "setup", "--ref", "--json").stdout)
    assert done["url"] == str(bare) and done["ref"] == "refs/mlpm/ops"
    cli("--db", str(b.path), "sync", "setup", "--ref", str(bare))
    made = tasks.add(a, "fix the loader").task
    sync_run.run(a)
    assert sync_run.run(b).received > 0
    settings.put(b, "current_project", "asr", command="project use asr")
    tasks.edit(b, b.scalar("SELECT id FROM task WHERE gid = ?", (made.gid,)), title="fixed")
    tasks.add(b, "from b")
    sync_run.run(b)
    sync_run.run(a)
    titles = lambda s: sorted(t.title for t in task_query.list_tasks(s))  # noqa: E731
    assert titles(a) == titles(b) == ["fixed", "from b"]

    # The log is a ref of the project's repository, not a branch; code is untouched.
    assert git(bare, "for-each-ref", "--format=%(refname)", "refs/mlpm") == "refs/mlpm/ops"
    assert git(bare, "branch", "-a", "--format=%(refname:short)").split() == ["feature", "main"]
    git(dev, "fetch", "-q", "origin")
    assert code_state(bare, dev) == before
    # mlpm's clone fetched the log alone: the code's commits are not in it.
    clone = Path(sync_run.status(a)["dir"])
    main = git(bare, "rev-parse", "main")
    absent = subprocess.run(["git", "-C", str(clone), "cat-file", "-e", main])
    assert absent.returncode != 0
    status = json.loads(cli("--db", str(b.path), "sync", "status", "--json").stdout)
    assert status["ref"] == "refs/mlpm/ops" and status["commits_unpushed"] == 0
    a.close()
    b.close()


def test_a_rejected_push_to_the_ref_is_fetched_rebased_and_retried(
    project_repo, tmp_path, monkeypatch
):
    bare, _dev = project_repo
    a = Store.open(tmp_path / "a" / "mlpm.db")
    b = Store.open(tmp_path / "b" / "mlpm.db")
    projects.add(a, "asr")
    for s in (a, b):
        sync_run.setup(s, str(bare), in_project=True)
    sync_run.run(a)
    sync_run.run(b)
    settings.put(b, "current_project", "asr", command="project use asr")
    tasks.add(a, "from a")
    sync_run.run(a)
    tasks.add(b, "from b")
    real_fetch = sync_repo.fetch
    calls: list[Path] = []

    def stale_first(repo: Path) -> bool:  # b misses a's push once: its push is rejected
        calls.append(repo)
        return real_fetch(repo) if len(calls) > 1 else False

    monkeypatch.setattr(sync_repo, "fetch", stale_first)
    report = sync_run.run(b)
    assert report.pushes == 2 and report.received > 0
    monkeypatch.setattr(sync_repo, "fetch", real_fetch)
    sync_run.run(a)
    titles = lambda s: sorted(t.title for t in task_query.list_tasks(s))  # noqa: E731
    assert titles(a) == titles(b) == ["from a", "from b"]
    # Never forced: the remote's log holds both replicas' commits in one line of history.
    log = git(bare, "log", "--format=%s", "refs/mlpm/ops")
    assert sum(1 for line in log.splitlines() if line.startswith("mlpm ops from")) >= 3
    a.close()
    b.close()


def test_ref_without_a_project_remote_is_one_clear_line(tmp_path, cli, monkeypatch):
    lone = tmp_path / "lone"
    subprocess.run(["git", "init", "-q", str(lone)], check=True)
    monkeypatch.chdir(lone)
    db = tmp_path / "c" / "mlpm.db"
    Store.open(db).close()
    result = cli("--db", str(db), "sync", "setup", "--ref")
    assert result.exit_code != 0
    assert "origin" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "c" / "mlpm-sync").exists()
    # A URL that is no repository: one line, and nothing left to clear away before a retry.
    result = cli("--db", str(db), "sync", "setup", "--ref", str(tmp_path / "nowhere.git"))
    assert result.exit_code != 0 and "git fetch failed" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "c" / "mlpm-sync").exists()
