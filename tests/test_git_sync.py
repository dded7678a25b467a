"""Scanning a project's repository: incremental scans, rebases, hard cases, manual links,
code states and the task in progress. Real repositories, real SQLite files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mlpm.errors import MlpmError, NotFound, UsageError
from mlpm.integrations.git_repo import RepoError
from mlpm.services import code_state, commit_scan, commits, head_watch, in_progress, projects, tasks
from mlpm.store import Store
from tests.git_repos import GitRepo, init_repo


def linked(store: Store, task_id: int) -> dict[str, tuple[str | None, bool]]:
    """sha -> (how it is linked, reachable) for a task."""
    return {c.sha: (c.source, c.reachable) for c in commits.commits_for_task(store, task_id)}


def test_first_scan_then_incremental_scans(store: Store, asr, repo: GitRepo) -> None:
    one = repo.commit("Add loader\n\nTask: 1\n")
    two = repo.commit("Speed up mlpm#2, see mlpm#1")
    repo.commit("Unrelated\n\nTask: 999\n")  # no such task: no link
    first = commit_scan.sync(store, asr)
    assert (first.full, first.scanned, first.new_commits, first.new_links) == (True, 3, 3, 3)
    assert linked(store, 1) == {one: ("trailer", True), two: ("reference", True)}
    assert linked(store, 2) == {two: ("reference", True)}

    again = commit_scan.sync(store, asr)
    assert again.up_to_date and again.new_commits == 0

    three = repo.commit("More\n\nTask: 3")
    later = commit_scan.sync(store, asr)
    assert (later.full, later.scanned, later.new_commits, later.new_links) == (False, 1, 1, 1)
    assert linked(store, 3) == {three: ("trailer", True)}
    rows = store.query(
        "SELECT author, committed_at, summary FROM git_commit WHERE sha = ?", (three,)
    )
    assert rows[0]["author"] == "Test Dev" and rows[0]["summary"] == "More"


def test_a_scan_writes_one_event_however_many_commits(store: Store, asr, repo: GitRepo) -> None:
    for i in range(30):
        repo.commit(f"c{i} mlpm#1")
    before = store.scalar("SELECT COUNT(*) FROM event")
    commit_scan.sync(store, asr)
    events = store.query("SELECT * FROM event WHERE id > (SELECT MAX(id) - 5 FROM event)")
    assert store.scalar("SELECT COUNT(*) FROM event") == before + 1
    assert events[-1]["action"] == "note" and events[-1]["undoable"] == 0


def test_all_local_branches_and_a_detached_head_are_scanned(
    store: Store, asr, repo: GitRepo
) -> None:
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    feature = repo.commit("feature work mlpm#1")
    repo.git("checkout", "-q", "main")
    repo.git("checkout", "-q", "--detach")
    detached = repo.commit("experiment on a detached HEAD mlpm#1")
    commit_scan.sync(store, asr)
    assert linked(store, 1) == {feature: ("reference", True), detached: ("reference", True)}

    repo.git("checkout", "-q", "main")  # the detached commit is left behind
    result = commit_scan.sync(store, asr)
    assert result.unreachable == 1
    assert linked(store, 1) == {feature: ("reference", True), detached: ("reference", False)}


def test_merges_are_stored_with_both_parents(store: Store, asr, repo: GitRepo) -> None:
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "side")
    side = repo.commit("side mlpm#2", file="side.txt")
    repo.git("checkout", "-q", "main")
    repo.commit("main moves on")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge side\n\nTask: 1", "side")
    merge = repo.head()
    commit_scan.sync(store, asr)
    (found,) = commits.commits_for_task(store, 1)
    assert found.sha == merge and found.is_merge and len(found.parents) == 2
    assert linked(store, 2) == {side: ("reference", True)}


def test_rebase_marks_old_commits_unreachable_and_keeps_links(
    store: Store, asr, repo: GitRepo
) -> None:
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    old = repo.commit("feature\n\nTask: 1\n", file="feature.txt")
    repo.git("checkout", "-q", "main")
    repo.commit("main moves on")
    commit_scan.sync(store, asr)
    repo.git("checkout", "-q", "feature")
    repo.git("rebase", "-q", "main")
    new = repo.head()
    assert new != old
    result = commit_scan.sync(store, asr)
    assert (result.full, result.new_commits, result.unreachable) == (False, 1, 1)
    assert linked(store, 1) == {new: ("trailer", True), old: ("trailer", False)}
    assert [c.sha for c in commits.commits_for_task(store, 1)] == [new, old]  # reachable first

    repo.git("reset", "-q", "--hard", old)  # the branch goes back: reachable again
    commit_scan.sync(store, asr)
    assert linked(store, 1)[old] == ("trailer", True)


def test_force_push_with_garbage_collected_history(store: Store, asr, repo: GitRepo) -> None:
    repo.commit("base")
    dropped = repo.commit("will be dropped mlpm#1")
    commit_scan.sync(store, asr)
    repo.git("reset", "-q", "--hard", "HEAD~1")
    kept = repo.commit("replacement mlpm#1")
    repo.git("reflog", "expire", "--expire=now", "--all")
    repo.git("gc", "-q", "--prune=now")
    result = commit_scan.sync(store, asr)  # the old tip no longer exists: a full comparison
    assert result.full and result.unreachable == 1
    assert linked(store, 1) == {kept: ("reference", True), dropped: ("reference", False)}


def test_a_repository_with_no_commits(store: Store, asr, repo: GitRepo) -> None:
    result = commit_scan.sync(store, asr)
    assert result.empty and result.scanned == 0 and "no commits yet" in result.line
    sha = repo.commit("first mlpm#1")
    assert commit_scan.sync(store, asr).new_commits == 1
    assert linked(store, 1) == {sha: ("reference", True)}


def test_a_shallow_clone_then_deepened(tmp_path: Path, store: Store, repo: GitRepo) -> None:
    shas = [repo.commit(f"c{i} mlpm#1") for i in range(6)]
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "2", f"file://{repo.path}", str(clone)], check=True
    )
    project = projects.add(store, "shallow", repo_path=str(clone))
    tasks.add(store, "t", project="shallow")
    result = commit_scan.sync(store, project)
    assert result.shallow and result.scanned == 2 and "shallow" in result.line
    assert set(linked(store, 1)) == set(shas[-2:])
    GitRepo(clone).git("fetch", "-q", "--unshallow")
    deeper = commit_scan.sync(store, project)
    assert deeper.full and not deeper.shallow and deeper.new_commits == 4
    assert set(linked(store, 1)) == set(shas)


def test_missing_then_moved_repository_keeps_links(
    tmp_path: Path, store: Store, asr, repo: GitRepo
) -> None:
    sha = repo.commit("work\n\nTask: 1")
    commit_scan.sync(store, asr)
    moved = tmp_path / "moved"
    shutil.move(str(repo.path), moved)
    with pytest.raises(RepoError, match=r"not found .*moved or deleted.*project edit"):
        commit_scan.sync(store, asr)
    assert linked(store, 1) == {sha: ("trailer", True)}  # untouched

    project = projects.edit(store, "asr", repo_path=str(moved))
    GitRepo(moved).commit("more mlpm#1")
    result = commit_scan.sync(store, project)
    assert result.moved_from == str(repo.path.resolve()) and not result.full
    assert result.new_commits == 1 and result.new_links == 1
    repos = {r["repo"] for r in store.query("SELECT repo FROM task_commit")}
    assert repos == {str(moved.resolve())}
    assert store.scalar("SELECT COUNT(*) FROM git_commit") == 2


def test_a_path_that_is_not_a_repository(tmp_path: Path, store: Store) -> None:
    (tmp_path / "plain").mkdir()
    project = projects.add(store, "plain", repo_path=str(tmp_path / "plain"))
    with pytest.raises(RepoError, match="is not a git repository"):
        commit_scan.sync(store, project)
    bare = projects.add(store, "norepo")
    with pytest.raises(MlpmError, match=r"has no repository.*--repo"):
        commit_scan.sync(store, bare)


# -- linking by hand ------------------------------------------------------------------------


def test_link_commit_by_hand(store: Store, asr, repo: GitRepo) -> None:
    sha = repo.commit("no task named here")
    found = commits.link_commit(store, 2, sha[:8])
    assert (found.sha, found.source, found.reachable, found.summary) == (
        sha,
        "manual",
        True,
        "no task named here",
    )
    with pytest.raises(MlpmError, match="already linked"):
        commits.link_commit(store, 2, sha)
    with pytest.raises(NotFound, match="no commit"):
        commits.link_commit(store, 2, "deadbeef")
    with pytest.raises(UsageError):
        commits.link_commit(store, 2, "--all")
    with pytest.raises(NotFound):
        commits.link_commit(store, 99, sha)
    assert store.scalar("SELECT COUNT(*) FROM task_commit") == 1
    commit_scan.sync(store, asr)  # a later scan keeps the manual link as it is
    assert linked(store, 2) == {sha: ("manual", True)}


def test_link_a_stored_commit_while_the_repository_is_away(
    tmp_path: Path, store: Store, asr, repo: GitRepo
) -> None:
    sha = repo.commit("stored by a scan")
    commit_scan.sync(store, asr)
    shutil.move(str(repo.path), tmp_path / "elsewhere")
    assert commits.link_commit(store, 3, sha[:10]).sha == sha
    with pytest.raises(RepoError, match="not found"):
        commits.link_commit(store, 3, "abcdef12")


# -- code states and the task in progress ------------------------------------------------------


def test_record_code_state(store: Store, asr, repo: GitRepo) -> None:
    sha = repo.commit("one")
    state = code_state.record(store, 1, "task start")
    assert state is not None
    assert (state.head_sha, state.branch, state.dirty, state.reason) == (
        sha,
        "main",
        False,
        "task start",
    )
    (repo.path / "f.txt").write_text("uncommitted\n")
    assert code_state.record(store, 1, "focus start").dirty is True
    assert [s.reason for s in code_state.for_task(store, 1)] == [
        "task start",
        "focus start",
    ]


def test_starting_a_task_records_the_code_state(store: Store, asr, repo: GitRepo) -> None:
    sha = repo.commit("one")
    tasks.start(store, 2)
    (state,) = code_state.for_task(store, 2)
    assert state.head_sha == sha and state.reason == "task start"


def test_code_state_never_raises_without_a_repository(
    tmp_path: Path, store: Store, asr, repo: GitRepo
) -> None:
    assert code_state.record(store, 1, "task start") is not None  # no commits yet
    assert code_state.for_task(store, 1)[0].head_sha is None
    shutil.rmtree(repo.path)
    assert code_state.record(store, 1, "task start") is None
    projects.add(store, "norepo")
    task = tasks.add(store, "x", project="norepo").task
    assert code_state.record(store, task.id, "task start") is None
    assert code_state.record(store, 12345, "task start") is None


def test_task_in_progress_is_the_last_started_doing_task(
    store: Store, asr, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert in_progress.of_project(store, asr) is None
    tasks.start(store, 2)
    assert in_progress.of_project(store, asr) == 2
    monkeypatch.setenv("MLPM_NOW", "2026-03-02T11:00:00+01:00")
    tasks.start(store, 3)
    assert in_progress.of_project(store, asr) == 3
    tasks.done(store, 3)
    assert in_progress.of_project(store, asr) == 2


def test_head_changed_for_a_project(store: Store, asr, repo: GitRepo) -> None:
    repo.commit("one")
    token = head_watch.head_token(asr)
    assert not head_watch.head_changed(asr, token)
    repo.commit("two")
    assert head_watch.head_changed(asr, token)
    assert head_watch.head_token(projects.add(store, "norepo")) is None


def test_the_running_focus_timer_s_task_takes_precedence(store: Store, asr, repo: GitRepo) -> None:
    from mlpm.services import timer

    tasks.start(store, 2)
    timer.start(store, 3)
    assert in_progress.of_project(store, asr) == 3
    assert code_state.for_task(store, 3)[-1].reason == "focus start"
    other = projects.add(store, "other")
    assert in_progress.of_project(store, other) is None  # the timer's task is not its own


def test_undo_and_a_manual_link(store: Store, asr, repo: GitRepo) -> None:
    from mlpm.services import undo

    sha = repo.commit("one")
    commits.link_commit(store, 1, sha)
    commits.link_commit(store, 2, sha)
    assert undo.undo(store).command.startswith("task link-commit 2")
    assert linked(store, 2) == {}
    assert linked(store, 1) == {sha: ("manual", True)}


def test_a_sha256_repository(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "sha256"
    made = subprocess.run(
        ["git", "init", "-q", "--object-format=sha256", "-b", "main", str(path)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip("this git cannot make SHA-256 repositories")
    repo = GitRepo(path)
    sha = repo.commit("on sha-256\n\nTask: 1")
    project = projects.add(store, "s256", repo_path=str(path))
    tasks.add(store, "t", project="s256")
    assert commit_scan.sync(store, project).new_links == 1
    assert len(sha) == 64 and linked(store, 1) == {sha: ("trailer", True)}


def test_commits_name_only_tasks_of_projects_in_that_repository(
    tmp_path: Path, store: Store, asr, repo: GitRepo
) -> None:
    other_repo = init_repo(tmp_path / "other")
    projects.add(store, "other", repo_path=str(other_repo.path))
    foreign = tasks.add(store, "elsewhere", project="other").task.id  # task 4
    (repo.path / "src").mkdir(exist_ok=True)
    same = projects.add(store, "same-repo", repo_path=str(repo.path / "src"))
    shared = tasks.add(store, "same repository", project=same.slug).task.id  # task 5
    repo.commit(f"Touches mlpm#1, mlpm#{foreign} and mlpm#{shared}")
    commit_scan.sync(store, asr)
    assert len(linked(store, 1)) == 1 and len(linked(store, shared)) == 1
    assert linked(store, foreign) == {}
