"""Real git repositories in temp dirs for the git tests: a small driver (fixtures: conftest)."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

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
