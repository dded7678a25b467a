"""Opening a repository through GitPython: what is wrong when it cannot be opened."""

from __future__ import annotations

import warnings

import pytest

from mlpm.integrations import git_repo
from tests.git_repos import GitRepo, init_repo


def test_open_repo_explains_what_is_wrong(tmp_path) -> None:
    with pytest.raises(git_repo.RepoError, match="not found"):
        git_repo.open_repo(tmp_path / "nowhere")
    (tmp_path / "plain").mkdir()
    with pytest.raises(git_repo.RepoError, match="is not a git repository"):
        git_repo.open_repo(tmp_path / "plain")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(git_repo.RepoError, match="not a directory"):
        git_repo.open_repo(tmp_path / "file.txt")


def test_a_subdirectory_opens_its_repository(repo: GitRepo) -> None:
    repo.commit("one")
    (repo.path / "src").mkdir()
    opened = git_repo.open_repo(repo.path / "src")
    assert git_repo.repo_key(opened) == str(repo.path.resolve())


def test_dollar_signs_in_the_path_are_kept(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("x", "/elsewhere")
    made = init_repo(tmp_path / "$HOME" / "a$x")
    sha = made.commit("one")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # GitPython warns when it expands a variable
        opened = git_repo.open_repo(made.path)
        assert git_repo.repo_key(opened) == str(made.path.resolve())
        assert git_repo.read_tips(opened) == {"HEAD": sha, "refs/heads/main": sha}
