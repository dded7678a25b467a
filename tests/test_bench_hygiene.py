"""The benches never touch the user's data: a run with MLPM_DB and MLPM_HOME pointing at the
user's files leaves them byte-identical, writes no bytecode into the package and leaves no
temp folders behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import mlpm
from mlpm.services import projects
from mlpm.store import Store

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


@pytest.fixture
def user(tmp_path: Path) -> dict[str, Path]:
    """A user's database (with a project in it), home folder and temp folder; and a copy of
    the mlpm package, without bytecode, for the bench to import."""
    db = tmp_path / "user" / "mlpm.db"
    store = Store.open(db)
    projects.add(store, "mine")
    store.close()
    home = tmp_path / "user-home"
    home.mkdir()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    src = tmp_path / "src"
    shutil.copytree(
        Path(mlpm.__file__).parent, src / "mlpm", ignore=shutil.ignore_patterns("__pycache__")
    )
    return {"db": db, "home": home, "tmp": tmp, "src": src}


def run_bench(user: dict[str, Path], *args: str) -> str:
    env = {
        **os.environ,
        "MLPM_DB": str(user["db"]),
        "MLPM_HOME": str(user["home"]),
        "TMPDIR": str(user["tmp"]),
        "PYTHONPATH": str(user["src"]),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPYCACHEPREFIX", None)
    done = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*"))


def bench_leaving_everything_untouched(user: dict[str, Path], *args: str) -> str:
    """Run a bench as a user with MLPM_DB set would; check it touched nothing of theirs."""
    before = user["db"].read_bytes()
    db_folder = files_under(user["db"].parent)
    out = run_bench(user, str(BENCH / args[0]), *args[1:])
    assert user["db"].read_bytes() == before
    assert files_under(user["db"].parent) == db_folder  # no -wal, no -journal
    assert files_under(user["home"]) == []
    assert files_under(user["tmp"]) == []  # no mlpm-bench-*, no tw-bench-*
    assert not list(user["src"].rglob("*.pyc"))  # nothing compiled into the package
    return out


def test_cli_latency_touches_nothing_and_puts_board_beside_today(user: dict[str, Path]) -> None:
    out = bench_leaving_everything_untouched(user, "cli_latency.py", "--tasks", "30", "--runs", "1")
    assert out.splitlines()[0].startswith("30 tasks in the database")
    lines = {line[:18].strip(): line for line in out.splitlines()}
    for label in ("mlpm today", "mlpm board"):
        assert lines[label].count(" ms") == 2, out  # wall and CPU
    assert "board / today" in lines


def test_timer_stats_touches_nothing(user: dict[str, Path]) -> None:
    out = bench_leaving_everything_untouched(
        user, "timer_stats.py", "--days", "2", "--tasks", "3", "--runs", "1"
    )
    assert "20 ended focus sessions over 2 days" in out


def test_sync_bench_touches_nothing_and_prints_its_bars(user: dict[str, Path]) -> None:
    out = bench_leaving_everything_untouched(
        user, "sync.py", "--tasks", "30", "--ops", "600", "--changes", "10", "--runs", "1"
    )
    assert "sync bringing 10 ops" in out and "beyond them" in out and "bytes per op" in out
    assert "rebuild of" in out and "task add" in out


def test_run_checks_bench_touches_nothing_and_prints_wall_and_cpu(user: dict[str, Path]) -> None:
    out = bench_leaving_everything_untouched(
        user, "run_checks.py", "--runs", "60", "--groups", "3", "--repeats", "1"
    )
    assert "seeded 60 runs in 3 groups" in out
    assert "s wall" in out and "s CPU" in out and "runs flagged" in out


def test_every_bench_runs_isolated() -> None:
    benches = [p for p in BENCH.glob("*.py") if p.name != "isolated.py"]
    assert len(benches) >= 6
    for path in benches:
        text = path.read_text()
        assert "from isolated import isolated" in text and "with isolated(" in text, path.name
