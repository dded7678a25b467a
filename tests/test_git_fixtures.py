"""Real git repositories in temp dirs for the git tests (fixtures and a small driver)."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest

from mlpm.store import Store

_changes = itertools.count(1)


class GitRepo:
    """A repository made and changed with the git CLI."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def git(self, *args: str, input: bytes | None = None, check: bool = True) -> str:
        done = subprocess.run(
            ["git", *args], cwd=self.path, input=input, capture_output=True, check=False
        )
        if check and done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {done.stderr.decode()}")
        return done.stdout.decode("utf-8", "replace").strip()

    def commit(self, message: str | bytes, *extra: str, file: str = "f.txt") -> str:
        """Change `file`, commit it with `message` (bytes go to git untouched); return sha."""
        (self.path / file).write_text(f"change {next(_changes)}\n")
        self.git("add", file)
        raw = message if isinstance(message, bytes) else message.encode()
        self.git("commit", "-q", "--allow-empty-message", "-F", "-", *extra, input=raw)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")


def init_repo(path: Path) -> GitRepo:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    return GitRepo(path)


@pytest.fixture(autouse=True)
def git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed identity and no user or system git config."""
    config = tmp_path / "gitconfig"
    config.write_text(
        "[user]\n\tname = Test Dev\n\temail = dev@example.com\n"
        "[commit]\n\tgpgsign = false\n[init]\n\tdefaultBranch = main\n"
        '[protocol "file"]\n\tallow = always\n'
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "MLPM_NO_HOOK"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """An empty repository (no commits yet)."""
    return init_repo(tmp_path / "repo")


@pytest.fixture
def asr(store: Store, repo: GitRepo):
    """Project "asr" pointed at `repo`, with tasks 1-3 in its backlog."""
    from mlpm.services import projects, tasks

    project = projects.add(store, "asr", repo_path=str(repo.path))
    for title in ("loader", "augment", "eval"):
        tasks.add(store, title, project="asr")
    return project
