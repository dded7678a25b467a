"""Real offline W&B runs, written once per test session by the installed wandb.

Each `wandb.init` costs about 2 s, so the runs are generated once (in parallel subprocesses,
`WANDB_MODE=offline`, inside a temp git repo with a commit) and every test copies them.
The fixtures `wandb_runs` / `runs_copy` (in conftest) use `generate` and `copy`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

FINISHED = """
import json, sys, wandb
for spec in json.loads(sys.argv[1]):
    run = wandb.init(project="mlpm-test", name=spec["name"], group=spec["group"],
                     job_type="train", tags=spec["tags"], config=spec["config"])
    for step in range(spec["steps"]):
        run.log({"loss": 1.0 / (step + 1), "epoch": step // 10, "val": {"acc": step / 100}})
    run.summary["best"] = 0.5
    run.finish()
"""

ENDLESS = """
import pathlib, sys, time, wandb
run = wandb.init(project="mlpm-test", name=sys.argv[1], group="g")
for step in range(100000):
    run.log({"loss": 1.0 / (step + 1), "epoch": step // 10})
    if step == int(sys.argv[2]):
        pathlib.Path(sys.argv[3]).write_text("ready")
    if step > int(sys.argv[2]):
        time.sleep(0.002)
"""

SPECS = [
    {"name": "base-a", "group": "g", "tags": ["baseline"], "config": {"lr": 0.1}, "steps": 30},
    {"name": "base-b", "group": "g", "tags": ["ablation"], "config": {"lr": 0.2}, "steps": 40},
]


@dataclass(frozen=True)
class WandbRuns:
    """Where the session's real runs are: `repo/wandb/` holds all of them."""

    root: Path
    repo: Path
    commit: str
    by_name: dict[str, Path]  # run name -> its .wandb file

    def file(self, name: str) -> Path:
        return self.by_name[name]


def wandb_env(wandb_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "MLPM_"))}
    env.update(
        WANDB_MODE="offline",
        WANDB_SILENT="true",
        WANDB_DIR=str(wandb_dir),
        WANDB_DISABLE_CODE="true",
        WANDB_CONSOLE="off",
    )
    return env


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def _wait_quiet(path: Path, seconds: float = 1.0, limit: float = 20.0) -> None:
    """Wait until a file stops changing (wandb-core exits after its parent dies)."""
    deadline = time.monotonic() + limit
    last = None
    while time.monotonic() < deadline:
        stat = path.stat() if path.exists() else None
        now = (stat.st_size, stat.st_mtime_ns) if stat else None
        if now == last:
            return
        last = now
        time.sleep(seconds)


def _wait_for_steps(wandb_dir: Path, name: str, *, past: int, limit: float = 60.0) -> None:
    """Wait until run `name` has history on disk beyond step `past` (wandb-core writes
    behind the script; a fixed sleep was too short on a loaded machine)."""
    from mlpm.integrations import wandb_history, wandb_local

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        for file in wandb_dir.glob("offline-run-*/run-*.wandb"):
            try:
                if wandb_local.read_run(file).name != name:
                    continue
                series, _ = wandb_history.read_history(file, ["loss"])
            except wandb_history.WandbFileError:
                continue
            if series.get("loss") and series["loss"][-1][0] > past:
                return
        time.sleep(0.2)


def generate(root: Path) -> WandbRuns:
    repo = root / "repo"
    plain = root / "plain"
    repo.mkdir(parents=True)
    plain.mkdir()
    git(repo, "init", "-q")
    (repo / "train.py").write_text(FINISHED)
    (repo / "endless.py").write_text(ENDLESS)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "training scripts")
    git(repo, "remote", "add", "origin", "https://example.com/team/repo.git")
    commit = git(repo, "rev-parse", "HEAD")
    (plain / "train.py").write_text(FINISHED)
    env = wandb_env(repo)
    nogit_spec = [{"name": "no-git", "group": "h", "tags": [], "config": {}, "steps": 5}]
    marker = root / "killed.ready"
    procs = [
        subprocess.Popen(
            [sys.executable, "train.py", json.dumps(SPECS)],
            cwd=repo,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        ),
        subprocess.Popen(  # wandb looks for git where WANDB_DIR is: keep it outside the repo
            [sys.executable, "train.py", json.dumps(nogit_spec)],
            cwd=plain,
            env=wandb_env(plain),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        ),
    ]
    killed = subprocess.Popen(
        [sys.executable, "endless.py", "killed", "400", str(marker)],
        cwd=repo,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while not marker.exists() and time.monotonic() < deadline and killed.poll() is None:
        time.sleep(0.05)
    _wait_for_steps(repo / "wandb", "killed", past=600)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode(errors="replace")
    for run_dir in (plain / "wandb").glob("offline-run-*"):
        shutil.move(run_dir, repo / "wandb" / run_dir.name)
    by_name: dict[str, Path] = {}
    for file in sorted((repo / "wandb").glob("*/run-*.wandb")):
        _wait_quiet(file)
        from mlpm.integrations.wandb_local import read_run

        by_name[read_run(file).name or file.stem] = file
    assert set(by_name) == {"base-a", "base-b", "no-git", "killed"}, by_name
    return WandbRuns(root=root, repo=repo, commit=commit, by_name=by_name)


def copy(runs: WandbRuns, root: Path) -> WandbRuns:
    """A private copy of `runs`' repo (with its wandb/ directory) under `root`."""
    repo = root / "repo"
    shutil.copytree(runs.repo, repo, symlinks=True)
    by_name = {name: repo / path.relative_to(runs.repo) for name, path in runs.by_name.items()}
    return WandbRuns(root=root, repo=repo, commit=runs.commit, by_name=by_name)
