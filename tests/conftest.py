"""Every test gets its own data and config directories, and a fixed clock unless it asks."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mlpm.store import Store

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


@pytest.fixture
def db_path(isolated_home: Path) -> Path:
    return isolated_home / "data" / "mlpm.db"


@pytest.fixture
def store(db_path: Path) -> Store:
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
