"""Fixtures shared by every test module. Every test gets its own data and config
directories, its own git identity (never the machine's), and a fixed clock unless it asks."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mlpm.store import Store
from tests import wandb_runs as wandb_support
from tests.git_repos import GitRepo, init_repo

NOW = "2026-03-02T10:00:00+01:00"  # a Monday, inside default work hours


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every mlpm path at a temp dir; freeze the clock; no colour, no W&B network."""
    home = tmp_path / "mlpm-home"
    monkeypatch.setenv("MLPM_HOME", str(home))
    monkeypatch.delenv("MLPM_DB", raising=False)
    monkeypatch.setenv("MLPM_NOW", NOW)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.delenv("MLPM_DEBUG", raising=False)
    return home


@pytest.fixture(autouse=True)
def git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed identity and no user or system git config, so a test never depends on (or
    changes) the machine's: a fresh machine has no ~/.gitconfig."""
    config = tmp_path / "gitconfig"
    config.write_text(
        "[user]\n\tname = Test Dev\n\temail = dev@example.com\n"
        "[commit]\n\tgpgsign = false\n[init]\n\tdefaultBranch = main\n"
        '[protocol "file"]\n\tallow = always\n'
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test Dev")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "dev@example.com")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "MLPM_NO_HOOK"):
        monkeypatch.delenv(name, raising=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the session's real W&B runs are slow: making them starts wandb several times."""
    for item in items:
        if "wandb_runs" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def db_path(isolated_home: Path) -> Path:
    return isolated_home / "data" / "mlpm.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    """An opened, migrated store on a real file."""
    opened = Store.open(db_path)
    yield opened
    opened.close()


@pytest.fixture
def project(store: Store):
    """A current project named "asr"."""
    from mlpm.services import projects

    return projects.add(store, "asr")


class _Entry:
    """Lets CliRunner drive `mlpm.cli.main` (with its error handling), not the bare group."""

    name = "mlpm"

    def main(self, args: list[str], **_: object) -> object:
        from mlpm.cli import main

        return main(list(args))


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Run the real CLI in-process: `cli("task", "add", "x")` returns click's Result
    (`exit_code`, `stdout`, `stderr`, `output`)."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(_Entry(), list(args), input=input, catch_exceptions=False)  # type: ignore[arg-type]

    return run


def run_mlpm(
    *args: str, env: dict[str, str] | None = None, input: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m mlpm` in a real subprocess with the test's environment."""
    return subprocess.run(
        [sys.executable, "-m", "mlpm", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        input=input,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture
def anyio_backend() -> str:
    """The Textual tests run on asyncio."""
    return "asyncio"


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


@pytest.fixture(scope="session")
def wandb_runs(tmp_path_factory: pytest.TempPathFactory) -> wandb_support.WandbRuns:
    """The session's real offline W&B runs, generated once. Read-only: tests that change
    files use `runs_copy`."""
    return wandb_support.generate(tmp_path_factory.mktemp("wandb-runs"))


@pytest.fixture
def runs_copy(wandb_runs: wandb_support.WandbRuns, tmp_path: Path) -> wandb_support.WandbRuns:
    """A private copy of the session's repo (with its wandb/ directory) for one test."""
    return wandb_support.copy(wandb_runs, tmp_path)
