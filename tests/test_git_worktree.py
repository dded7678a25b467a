"""The cheap working-tree readers: HEAD token, code state, common git directory."""

from __future__ import annotations

from mlpm.integrations import git_worktree
from tests.git_repos import GitRepo, init_repo


def test_head_token_moves_with_head(tmp_path, repo: GitRepo) -> None:
    assert git_worktree.head_token(tmp_path / "nowhere") is None
    empty = git_worktree.head_token(repo.path)
    assert empty is not None  # an unborn branch still has a HEAD file
    repo.commit("one")
    first = git_worktree.head_token(repo.path)
    assert first != empty
    repo.commit("two")
    second = git_worktree.head_token(repo.path)
    assert second != first
    assert git_worktree.head_token(repo.path) == second  # stable while nothing moves
    repo.git("pack-refs", "--all")
    packed = git_worktree.head_token(repo.path)
    repo.commit("three")  # loose ref again
    assert git_worktree.head_token(repo.path) not in (packed, second)
    repo.git("checkout", "-q", "--detach", "HEAD~1")
    assert "ref:" not in (git_worktree.head_token(repo.path) or "ref:")


def test_code_state_reads_head_branch_and_dirtiness(tmp_path, repo: GitRepo) -> None:
    state = git_worktree.read_code_state(repo.path)
    assert state is not None and state.head_sha is None and state.branch == "main"
    sha = repo.commit("one")
    state = git_worktree.read_code_state(repo.path)
    assert (state.head_sha, state.branch, state.dirty) == (sha, "main", False)
    (repo.path / "f.txt").write_text("edited\n")
    assert git_worktree.read_code_state(repo.path).dirty is True
    repo.git("checkout", "-q", "f.txt")
    (repo.path / "new.py").write_text("print()\n")
    assert git_worktree.read_code_state(repo.path).dirty is True  # untracked files count
    (repo.path / "new.py").unlink()
    repo.git("checkout", "-q", "--detach")
    state = git_worktree.read_code_state(repo.path)
    assert state.branch is None and state.head_sha == sha and state.dirty is False
    assert git_worktree.read_code_state(tmp_path / "nowhere") is None


def test_linked_worktrees_share_a_common_dir(tmp_path, repo: GitRepo) -> None:
    repo.commit("one")
    repo.git("worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wt")
    assert git_worktree.common_dir(tmp_path / "wt") == git_worktree.common_dir(repo.path)
    assert git_worktree.common_dir(tmp_path / "wt") is not None
    other = init_repo(tmp_path / "other")
    assert git_worktree.common_dir(other.path) != git_worktree.common_dir(repo.path)
