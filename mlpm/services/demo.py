"""A throw-away demo: a realistic speech-recognition project built through the real services
(tasks across the board, a week of day plans and focus sessions, lessons, a git repository
with linked commits, W&B runs with metric curves, saved comparisons)."""

from __future__ import annotations

import contextlib
import os
import random
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from mlpm import clock
from mlpm.store import Store

PROJECT = "Speech recognition"
CHORES = [
    [],
    ["Pin the CUDA and torch versions"],
    ["Move dataset paths into the config", "Delete stale checkpoints"],
    [],
    ["Add a README section on evaluation"],
    ["Rotate the W&B API key", "Fix the flaky data-loader test"],
]


@dataclass(slots=True)
class Demo:
    home: Path
    db: Path
    repo: Path
    tasks: int
    commits: int
    runs: int
    comparisons: int


@contextlib.contextmanager
def _at(moment: datetime) -> Iterator[None]:
    """Run services as if at `moment` (they read the clock through MLPM_NOW)."""
    old = os.environ.get("MLPM_NOW")
    os.environ["MLPM_NOW"] = moment.isoformat(timespec="seconds")
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("MLPM_NOW", None)
        else:
            os.environ["MLPM_NOW"] = old


def _git(repo: Path, *args: str, when: datetime | None = None) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Ada Demo",
        "GIT_AUTHOR_EMAIL": "ada@example.org",
        "GIT_COMMITTER_NAME": "Ada Demo",
        "GIT_COMMITTER_EMAIL": "ada@example.org",
    }
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when.isoformat(timespec="seconds")
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def _commit(repo: Path, message: str, when: datetime) -> str:
    path = repo / "train.py"
    path.write_text(path.read_text() + f"# {message.splitlines()[0]}\n")
    _git(repo, "add", "train.py")
    _git(repo, "commit", "-q", "-m", message, when=when)
    return _git(repo, "rev-parse", "HEAD")


def _curve(rng: random.Random, final: float, epochs: int, seconds: float) -> list[dict[str, float]]:
    rows = []
    for epoch in range(epochs):
        progress = 1 - 0.9 ** (epoch + 1)
        rows.append(
            {
                "epoch": epoch,
                "train/loss": round(2.5 * (1 - progress) + 0.2 + rng.gauss(0, 0.02), 4),
                "val/acc": round(final * progress + rng.gauss(0, 0.004), 4),
                "epoch_seconds": round(seconds * rng.uniform(0.95, 1.05), 2),
            }
        )
    return rows


def build(home: Path) -> Demo:
    """Fill `home` with a demo database and repository; return what was made."""
    from mlpm.integrations import wandb_write
    from mlpm.services import (
        commit_scan,
        comparisons,
        lessons,
        projects,
        run_sync,
        tasks,
        timer,
        timer_session,
        today,
    )
    from mlpm.services.significance.run_compare import compare_runs
    from mlpm.stats.props import two_proportions

    home.mkdir(parents=True, exist_ok=True)
    repo = home / "speech-recognition"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "train.py").write_text('"""Train a conformer on LibriSpeech."""\n')
    db = home / "demo.db"
    store = Store.open(db)
    rng = random.Random(7)
    now = clock.now().replace(second=0, microsecond=0)
    start = (now - timedelta(days=7)).replace(hour=9, minute=30)

    with _at(start):
        project = projects.add(store, PROJECT, repo_path=str(repo))
        projects.edit(store, project.slug, wandb_entity="ada", wandb_project="speech")
        _git(repo, "add", "train.py")
        _git(repo, "commit", "-q", "-m", "Initial training script", when=start)
    titles = [
        ("Decide the metrics: WER on test-clean and test-other", 1, ["metrics"]),
        ("Set up W&B tracking with config and git commit", 2, ["tracking"]),
        ("Make a 1% subset for fast iteration", 2, ["data"]),
        ("Exploratory data analysis of utterance lengths", 3, ["data", "eda"]),
        ("Baseline: conformer-small, 3 seeds", 3, ["baseline"]),
        ("SpecAugment: time and frequency masking", 2, ["augmentation"]),
        ("Save test predictions with the ground truth", 1, ["eval"]),
        ("Checkpoint every 30 minutes; test resuming", 2, ["training"]),
        ("Audio augmentation library on the GPU", 3, ["augmentation", "performance"]),
        ("Learning-rate sweep with the tuner", 3, ["tuning"]),
        ("Tune beam width by hand", 2, ["tuning"]),
        ("Write the mid-project report", 2, ["report"]),
        ("Plan multi-GPU training", 2, ["scaling"]),
        ("Review 200 labels with a phonetician", 3, ["labels"]),
    ]
    ids = []
    with _at(start + timedelta(minutes=5)):
        for title, estimate, tags in titles:
            ids.append(tasks.add(store, title, estimate=estimate, tags=tags).task.id)
    shas: dict[int, str] = {}
    # A week of work: plan the day, focus, commit, finish.
    schedule = [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5)]  # (day offset, task index)
    for day, index in schedule:
        morning = start + timedelta(days=day, hours=0, minutes=10)
        task_id = ids[index]
        with _at(morning):
            today.add(store, task_id, force=True)
            tasks.start(store, task_id, force=True)
            timer.start(store, task_id, minutes=25, now=morning)
        with _at(morning + timedelta(minutes=30)):
            timer_session.settle(store, now=morning + timedelta(minutes=30))
            shas[task_id] = _commit(
                repo,
                f"{titles[index][0]}\n\nTask: {task_id}",
                morning + timedelta(minutes=28),
            )
        with _at(morning + timedelta(hours=1)):
            timer.start(store, task_id, minutes=25, now=morning + timedelta(hours=1))
            timer.stop(
                store,
                "a colleague asked about the data",
                now=morning + timedelta(hours=1, minutes=12),
            )
        with _at(morning + timedelta(hours=3)):
            tasks.done(store, task_id)
            for chore in CHORES[day][: day % 3]:  # some days finish more than others
                tasks.done(store, tasks.add(store, chore, estimate=1, tags=["chore"]).task.id)
    with _at(start + timedelta(days=5, hours=2)):
        tasks.drop(store, ids[10], "the learning-rate sweep tunes the beam too")
        _commit(
            repo,
            f"Move augmentation to batched GPU ops (mlpm#{ids[8]})",
            start + timedelta(days=5, hours=2),
        )
    # Yesterday's plan left a task for today's review; today has a plan under its cap.
    with _at(now - timedelta(days=1)):
        today.add(store, ids[11], force=True)
    with _at(now):
        for index in (8, 6, 7):
            today.add(store, ids[index], force=True)
        tasks.start(store, ids[8], force=True)
        commit_scan.sync(store, projects.by_id(store, project.id))

    # W&B runs: baseline vs SpecAugment over three seeds, and a slow augmentation run.
    wandb_dir = repo / "wandb"
    made = 0

    def write_run(
        name: str, group: str, seed: int, final: float, seconds: float, sha: str, day: int
    ) -> None:
        nonlocal made
        run_id = f"{group[:4]}{seed}{made:02d}x"
        begun = start + timedelta(days=day, hours=1)
        history = _curve(rng, final, 20, seconds)
        data = wandb_write.build_run(
            run_id,
            project="speech",
            entity="ada",
            name=name,
            group=group,
            job_type="train",
            tags=[group],
            config={"seed": seed, "lr": 3e-4, "augment": group != "baseline"},
            commit=sha,
            remote="git@example.org:ada/speech.git",
            host="gpu-box",
            program="train.py",
            args=["--seed", str(seed)],
            start=begun.timestamp(),
            history=history,
            summary={**history[-1], "val/acc": history[-1]["val/acc"]},
            runtime=int(seconds * 20),
        )
        folder = wandb_dir / f"offline-run-{begun:%Y%m%d_%H%M%S}-{run_id}"
        folder.mkdir(parents=True)
        (folder / f"run-{run_id}.wandb").write_bytes(data)
        made += 1

    for seed in (1, 2, 3):
        write_run(
            f"baseline-s{seed}",
            "baseline",
            seed,
            0.842 + rng.gauss(0, 0.003),
            18.0,
            shas[ids[4]],
            4,
        )
        write_run(
            f"specaug-s{seed}",
            "specaugment",
            seed,
            0.861 + rng.gauss(0, 0.003),
            18.5,
            shas[ids[5]],
            5,
        )
    write_run("specaug-cpu-aug", "specaugment", 4, 0.86, 900.0, shas[ids[5]], 6)
    with _at(now):
        run_sync.sync_local(store, [wandb_dir], project_id=project.id)
        compared = compare_runs(
            store,
            [],
            [],
            metric="val/acc",
            group_a="baseline",
            group_b="specaugment",
            pair_by="seed",
            seed=1,
        )
        comparisons.save(
            store,
            compared.result.to_json(),
            inputs=compared.inputs,
            task_id=ids[5],
            runs_a=compared.runs_a,
            runs_b=compared.runs_b,
        )
        props = two_proportions(0.75, 0.79, 1000, 1000, label_a="old model", label_b="new model")
        comparisons.save(store, props.to_json(), inputs={"p_a": 0.75, "p_b": 0.79, "n": 1000})

        for text, category, tags, task_index in [
            (
                "Measure data-pipeline throughput after every new transform: the CPU augmentation "
                "made an epoch 50x slower",
                "ml",
                ["performance", "data"],
                8,
            ),
            ("Decide the metrics before the first experiment", "ml", ["metrics"], 0),
            (
                "Save test predictions with the ground truth so new metrics need no re-runs",
                "ml",
                ["eval"],
                6,
            ),
            (
                "75% against 79% on 1,000 examples may be luck: check significance",
                "ml",
                ["significance"],
                None,
            ),
            ("Drop tasks that became obsolete instead of polishing them", "general", ["focus"], 10),
            ("A 1% subset made the inner loop ten times faster", "ml", ["data"], 2),
        ]:
            lessons.add(
                store,
                text,
                category=category,
                tags=tags,
                task_id=ids[task_index] if task_index is not None else None,
            )
    result = Demo(
        home=home,
        db=db,
        repo=repo,
        tasks=store.scalar("SELECT COUNT(*) FROM task"),
        commits=int(_git(repo, "rev-list", "--count", "HEAD")),
        runs=made,
        comparisons=2,
    )
    store.close()
    return result
