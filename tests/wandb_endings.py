"""Real offline runs that end every way W&B knows, written once per test session by the
installed wandb: seeds of two groups that finished, one that raised at epoch 7 (failed), one
stopped with Ctrl-C (killed), one marked preempting then killed (preempted), and a finished
400-row run for damage tests. Tests import `endings` / `endings_copy` from here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.wandb_runs import _wait_quiet, git, wandb_env

SCRIPT = """
import json, os, signal, sys, time, wandb
# Ctrl-C raises KeyboardInterrupt, as in a shell. A process started with SIGINT ignored or
# blocked (both are inherited: nohup, a test runner's thread) keeps it so, and the "stopped"
# run would finish (seen in a full parallel test run).
signal.signal(signal.SIGINT, signal.default_int_handler)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
for spec in json.loads(sys.argv[1]):
    seed, ending = spec["seed"], spec.get("ending", "finish")
    run = wandb.init(project="endings", name=spec["name"], group=spec["group"],
                     config={"seed": seed, "lr": spec.get("lr", 0.1),
                             "model": spec.get("model", "lstm")})
    if ending == "preempt":
        run.mark_preempting()
    bonus = 0.02 + 0.004 * seed if spec["group"] == "new" else 0.0
    for step in range(spec.get("steps", 100)):
        epoch = step // 10
        if step % 10 == 0:
            print(f"epoch {epoch}", flush=True)
        run.log({"loss": 1.0 / (step + 1), "epoch": epoch,
                 "val/acc": 0.5 + bonus + 0.013 * ((seed * 7) % 5) + 0.003 * epoch})
        if epoch == spec.get("stop", 7) and step % 10 == 5:
            if ending == "raise":
                raise RuntimeError("diverged at epoch 7")
            if ending == "interrupt":  # Ctrl-C: to this thread (os.kill may reach one of
                signal.raise_signal(signal.SIGINT)  # wandb's, and the interrupt land in wandb)
            if ending == "preempt":
                time.sleep(1.5)
                os.kill(os.getpid(), signal.SIGKILL)
    run.finish()
"""

# The new group tries a conformer at a lower learning rate (what `--filter` tests select).
NEW = {"lr": 5e-4, "model": "conformer-s"}
FINISHED = [
    {"name": f"{group}-s{seed}", "group": group, "seed": seed, **(NEW if group == "new" else {})}
    for group in ("base", "new")
    for seed in range(3)
] + [{"name": "long", "group": "dmg", "seed": 9, "steps": 400}]
ENDINGS = [
    {"name": "new-s3", "group": "new", "seed": 3, "ending": "raise", **NEW},
    {"name": "stopped", "group": "other", "seed": 0, "ending": "interrupt"},
    # long enough that wandb-core has flushed whole 32 KiB blocks before the kill
    {
        "name": "preempted",
        "group": "other",
        "seed": 1,
        "ending": "preempt",
        "steps": 600,
        "stop": 37,
    },
]


@dataclass(frozen=True)
class Endings:
    """Where the runs are: `repo/wandb/` holds all of them."""

    repo: Path
    commit: str
    by_name: dict[str, Path]  # run name -> its .wandb file


def _generate(root: Path) -> Endings:
    from mlpm.integrations.wandb_local import read_run

    repo = root / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "train.py").write_text(SCRIPT)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "train")
    env = wandb_env(repo) | {"WANDB_CONSOLE": "wrap"}  # files/output.log: the traceback
    procs = [
        subprocess.Popen(
            [sys.executable, "train.py", json.dumps(specs)],
            cwd=repo,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for specs in [FINISHED[:4], FINISHED[4:], *([s] for s in ENDINGS)]
    ]
    for proc in procs:
        proc.wait(timeout=180)
    assert procs[0].returncode == 0 and procs[1].returncode == 0
    by_name = {}
    for file in sorted((repo / "wandb").glob("offline-run-*/run-*.wandb")):
        _wait_quiet(file, 0.3)  # wandb-core outlives a killed parent for a moment
        by_name[read_run(file).name or file.stem] = file
    assert set(by_name) == {s["name"] for s in FINISHED + ENDINGS}, by_name
    return Endings(repo=repo, commit=git(repo, "rev-parse", "HEAD"), by_name=by_name)


_SESSION: dict[str, Endings] = {}


@pytest.fixture(scope="session")
def endings(tmp_path_factory: pytest.TempPathFactory) -> Endings:
    """The session's runs (read-only: tests that change files use `endings_copy`)."""
    if "runs" not in _SESSION:
        _SESSION["runs"] = _generate(tmp_path_factory.mktemp("wandb-endings"))
    return _SESSION["runs"]


@pytest.fixture
def endings_copy(endings: Endings, tmp_path: Path) -> Endings:
    """A private copy of the repo and its runs for one test."""
    repo = tmp_path / "endings-repo"
    shutil.copytree(endings.repo, repo, symlinks=True)
    by_name = {
        name: repo / path.relative_to(endings.repo) for name, path in endings.by_name.items()
    }
    return Endings(repo=repo, commit=endings.commit, by_name=by_name)
