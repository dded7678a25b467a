"""Regenerate the MLflow stores under tests/data/mlflow/ with the real mlflow (3.x).

    pip install mlflow   # test-data only: mlpm never imports it
    python tests/data/make_mlflow_stores.py

Both stores (`mlflow.db`, MLflow's default SQLite store, and an `mlruns/` file store) get the
same runs, made in a git repository that `make_repo` rebuilds byte for byte (fixed authors
and dates), so the tests can scan its commits for `Task:` trailers without mlflow:

- baseline-s1..s3: FINISHED, lr 0.1, model conformer, tag group=baseline, 20 steps of
  val/acc and loss, at the commit that carries `Task: 1`;
- diverged: FAILED after 7 steps (lr 1.0); stopped: KILLED after 12 steps;
- sweep (a parent run) and its nested child sweep-lr0.3 (no group tag: group "sweep");
the last four at a second commit without a trailer.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "mlflow"
EXPERIMENT = "asr"
T0 = 1_772_366_400_000  # 2026-03-01T12:00:00Z, in ms: every time below is fixed
STEPS = 20


def make_repo(path: Path) -> tuple[str, str]:
    """A git repository with two commits, the same shas wherever it is built: (the commit
    with `Task: 1`, the commit after it)."""
    path.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env |= {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "HOME": str(path)}

    def git(*args: str, date: str = "2026-03-01T11:00:00Z") -> str:
        for who in ("AUTHOR", "COMMITTER"):
            env[f"GIT_{who}_NAME"], env[f"GIT_{who}_EMAIL"] = "Ada", "ada@example.com"
            env[f"GIT_{who}_DATE"] = date
        done = subprocess.run(
            ["git", *args], cwd=path, env=env, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    git("init", "-q", "-b", "main")
    (path / "train.py").write_text("print('train')\n")
    git("add", "train.py")
    git("commit", "-q", "-m", "Baseline training\n\nTask: 1")
    first = git("rev-parse", "HEAD")
    (path / "train.py").write_text("print('train, higher lr')\n")
    git("add", "train.py")
    git("commit", "-q", "-m", "Try higher learning rates", date="2026-03-01T11:30:00Z")
    return first, git("rev-parse", "HEAD")


def _curve(step: int, lr: float, seed: int) -> dict[str, float]:
    acc = 0.5 + 0.4 * (1 - 0.8**step) - 0.01 * seed - (0.2 if lr >= 1.0 else 0.0)
    return {"val/acc": round(acc, 6), "loss": round(2.0 * 0.85**step + 0.02 * seed, 6)}


def _log(client: Any, exp: str, name: str, *, start: int, steps: int, status: str,
         params: dict[str, Any], tags: dict[str, str], seed: int = 0) -> str:  # fmt: skip
    run = client.create_run(exp, run_name=name, start_time=start, tags=tags)
    run_id = run.info.run_id
    for key, value in params.items():
        client.log_param(run_id, key, value)
    for step in range(steps):
        for key, value in _curve(step, float(params["lr"]), seed).items():
            client.log_metric(run_id, key, value, timestamp=start + 1000 * (step + 1), step=step)
    client.set_terminated(run_id, status=status, end_time=start + 1000 * (steps + 1))
    return str(run_id)


def fill(uri: str, first: str, second: str) -> None:
    """Log the runs into the store at `uri`."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment(EXPERIMENT)

    def tags(commit: str, **extra: str) -> dict[str, str]:
        return {
            "mlflow.source.git.commit": commit,
            "mlflow.source.name": "train.py",
            "mlflow.user": "ada",
            **extra,
        }

    base = {"model": "conformer", "lr": 0.1}
    for seed in (1, 2, 3):
        _log(client, exp, f"baseline-s{seed}", start=T0 + seed * 60_000, steps=STEPS,
             status="FINISHED", params={**base, "seed": seed},
             tags=tags(first, group="baseline"), seed=seed)  # fmt: skip
    _log(client, exp, "diverged", start=T0 + 300_000, steps=7, status="FAILED",
         params={"model": "conformer", "lr": 1.0}, tags=tags(second))  # fmt: skip
    _log(client, exp, "stopped", start=T0 + 360_000, steps=12, status="KILLED",
         params={"model": "transformer", "lr": 0.1}, tags=tags(second))  # fmt: skip
    parent = _log(client, exp, "sweep", start=T0 + 420_000, steps=1, status="FINISHED",
                  params={"model": "conformer", "lr": 0.3}, tags=tags(second))  # fmt: skip
    _log(client, exp, "sweep-lr0.3", start=T0 + 430_000, steps=STEPS, status="FINISHED",
         params={"model": "conformer", "lr": 0.3},
         tags=tags(second, **{"mlflow.parentRunId": parent}))  # fmt: skip


def shrink(db: Path) -> None:
    """Small pages and no free ones: MLflow's ~60 tables cost one page each."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA page_size = 512")
    con.execute("VACUUM")
    con.close()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="mlflow-stores-") as tmp:
        work = Path(tmp)
        first, second = make_repo(work / "repo")
        os.chdir(work / "repo")
        os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # the file store is behind a flag
        fill(f"sqlite:///{work / 'mlflow.db'}", first, second)
        fill(f"file:{work / 'mlruns'}", first, second)
        shrink(work / "mlflow.db")
        shutil.rmtree(OUT, ignore_errors=True)
        OUT.mkdir(parents=True)
        shutil.copy(work / "mlflow.db", OUT / "mlflow.db")
        shutil.copytree(work / "mlruns", OUT / "mlruns", ignore=shutil.ignore_patterns(".trash"))
    size = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {OUT} ({size / 1024:.0f} KiB); commits {first[:7]} (Task: 1), {second[:7]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
