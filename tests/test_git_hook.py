"""The prepare-commit-msg hook: real `git commit`s get the trailer; an earlier hook keeps
running and comes back on uninstall; a broken mlpm never blocks a commit."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from mlpm.integrations import git_hook
from mlpm.integrations.git_repo import RepoError
from mlpm.services import commit_scan, commits, tasks
from mlpm.store import Store
from tests.git_repos import GitRepo

EARLIER = "#!/bin/sh\nprintf '\\nReviewed-by: earlier hook\\n' >> \"$1\"\n"


def message(repo: GitRepo, rev: str = "HEAD") -> str:
    return repo.git("log", "-1", "--format=%B", rev)


def hooks(repo: GitRepo) -> Path:
    return repo.path / ".git" / "hooks"


def write_hook(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def test_a_real_commit_gets_the_trailer_of_the_task_in_progress(
    store: Store, asr, repo: GitRepo
) -> None:
    repo.commit("before the hook")
    result = git_hook.install(repo.path, store.path)
    assert result.action == "installed" and result.chained is None and result.warning is None
    repo.commit("nothing in progress")
    assert "Task:" not in message(repo)
    tasks.start(store, 2)
    sha = repo.commit("Tune the loader")
    assert message(repo) == "Tune the loader\n\nTask: 2"
    commit_scan.sync(store, asr)
    assert [(c.sha, c.source) for c in commits.commits_for_task(store, 2)] == [(sha, "trailer")]


def test_the_user_s_own_task_trailer_wins(store: Store, asr, repo: GitRepo) -> None:
    git_hook.install(repo.path, store.path)
    tasks.start(store, 2)
    repo.commit("Fix eval\n\nTask: 3")
    assert message(repo) == "Fix eval\n\nTask: 3"


def test_merge_commits_are_left_alone(store: Store, asr, repo: GitRepo) -> None:
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("side", file="side.txt")
    repo.git("checkout", "-q", "main")
    repo.commit("main")
    git_hook.install(repo.path, store.path)
    tasks.start(store, 1)
    repo.git("merge", "-q", "--no-ff", "--no-edit", "side")
    assert "Task:" not in message(repo)


def test_shell_characters_in_a_message_are_only_text(
    tmp_path: Path, store: Store, asr, repo: GitRepo
) -> None:
    git_hook.install(repo.path, store.path)
    tasks.start(store, 1)
    evil = f"$(touch {tmp_path}/pwned) `touch {tmp_path}/pwned2` \"; rm -rf / '"
    repo.commit(evil)
    assert message(repo) == f"{evil}\n\nTask: 1"
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()


def test_a_broken_mlpm_never_blocks_a_commit(
    tmp_path: Path, store: Store, asr, repo: GitRepo
) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database")
    git_hook.install(repo.path, broken)
    tasks.start(store, 1)
    sha = repo.commit("still committed")
    assert message(repo) == "still committed" and sha == repo.head()
    git_hook.install(repo.path, store.path, python=str(tmp_path / "no-such-python"))
    repo.commit("no python either")
    assert message(repo) == "no python either"


def test_mlpm_no_hook_skips_it_once(
    store: Store, asr, repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_hook.install(repo.path, store.path)
    tasks.start(store, 1)
    monkeypatch.setenv("MLPM_NO_HOOK", "1")
    repo.commit("quiet")
    assert message(repo) == "quiet"


def test_an_earlier_hook_is_chained_and_restored(store: Store, asr, repo: GitRepo) -> None:
    earlier = hooks(repo) / "prepare-commit-msg"
    write_hook(earlier, EARLIER)
    result = git_hook.install(repo.path, store.path)
    assert result.chained == hooks(repo) / git_hook.SAVED
    assert "runs the earlier hook first" in result.message
    tasks.start(store, 1)
    repo.commit("both hooks")
    assert message(repo) == "both hooks\n\nReviewed-by: earlier hook\nTask: 1"

    assert git_hook.install(repo.path, store.path).action == "updated"  # idempotent
    assert (hooks(repo) / git_hook.SAVED).read_text() == EARLIER

    result = git_hook.uninstall(repo.path)
    assert result.action == "uninstalled" and "back in place" in result.message
    assert earlier.read_text() == EARLIER and earlier.stat().st_mode & stat.S_IXUSR
    assert not (hooks(repo) / git_hook.SAVED).exists()
    repo.commit("after uninstall")
    assert message(repo) == "after uninstall\n\nReviewed-by: earlier hook"


def test_a_failing_earlier_hook_still_stops_the_commit(store: Store, asr, repo: GitRepo) -> None:
    repo.commit("base")
    write_hook(hooks(repo) / "prepare-commit-msg", "#!/bin/sh\nexit 3\n")
    git_hook.install(repo.path, store.path)
    with pytest.raises(AssertionError, match="failed"):
        repo.commit("refused by the earlier hook")
    assert message(repo) == "base"


def test_uninstall_without_our_hook(store: Store, asr, repo: GitRepo) -> None:
    assert git_hook.uninstall(repo.path).action == "not-installed"
    git_hook.install(repo.path, store.path)
    write_hook(hooks(repo) / "prepare-commit-msg", "#!/bin/sh\n# someone else's\n")
    with pytest.raises(RepoError, match="not mlpm's hook"):
        git_hook.uninstall(repo.path)
    assert "someone else's" in (hooks(repo) / "prepare-commit-msg").read_text()


def test_install_refuses_to_overwrite_a_saved_hook(store: Store, asr, repo: GitRepo) -> None:
    write_hook(hooks(repo) / git_hook.SAVED, "#!/bin/sh\n# saved earlier\n")
    write_hook(hooks(repo) / "prepare-commit-msg", "#!/bin/sh\n# current\n")
    with pytest.raises(RepoError, match="move one of them away"):
        git_hook.install(repo.path, store.path)
    assert "# current" in (hooks(repo) / "prepare-commit-msg").read_text()


def test_core_hooks_path_is_honoured(tmp_path: Path, store: Store, asr, repo: GitRepo) -> None:
    repo.git("config", "core.hooksPath", ".githooks")
    result = git_hook.install(repo.path, store.path)
    assert result.path == (repo.path / ".githooks" / "prepare-commit-msg").resolve()
    assert "do not commit this hook" in (result.warning or "")
    tasks.start(store, 3)
    repo.commit("custom hooks dir")
    assert message(repo).endswith("Task: 3")


def test_a_commit_in_a_linked_worktree(tmp_path: Path, store: Store, asr, repo: GitRepo) -> None:
    repo.commit("base")
    repo.git("worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wt")
    git_hook.install(repo.path, store.path)
    tasks.start(store, 2)
    worktree = GitRepo(tmp_path / "wt")
    worktree.commit("from the worktree")
    assert message(worktree) == "from the worktree\n\nTask: 2"


def test_install_where_there_is_no_repository(tmp_path: Path, store: Store) -> None:
    with pytest.raises(RepoError, match="not found"):
        git_hook.install(tmp_path / "nowhere", store.path)
    (tmp_path / "plain").mkdir()
    with pytest.raises(RepoError, match="not a git repository"):
        git_hook.install(tmp_path / "plain", store.path)


def test_the_script_quotes_its_paths() -> None:
    text = git_hook.script("/opt/my python/bin/python3", "/data/it's here.db")
    assert "'/opt/my python/bin/python3' -m mlpm git hook run" in text
    assert "MLPM_DB='/data/it'\"'\"'s here.db'" in text


def test_rebase_and_cherry_pick_keep_the_messages_they_replay(
    store: Store, asr, repo: GitRepo
) -> None:
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("colleague's work", file="feature.txt")
    repo.git("checkout", "-q", "main")
    repo.commit("main moves on")
    git_hook.install(repo.path, store.path)
    tasks.start(store, 1)
    repo.git("checkout", "-q", "feature")
    repo.git("rebase", "-q", "main")
    assert message(repo) == "colleague's work"
    repo.git("checkout", "-q", "main")
    repo.git("cherry-pick", "feature")
    assert message(repo) == "colleague's work"
    repo.git("revert", "--no-edit", "HEAD")  # new work: it gets the trailer
    assert message(repo).endswith("\n\nTask: 1")
