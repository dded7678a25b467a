"""The regression flags, computed in bulk (each group's series once, p-values in one go), are
exactly those of the straightforward check: every run against the list of its group's earlier
finished runs, one `regression_check` each."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence

import pytest

from mlpm import clock
from mlpm.services import run_checks
from mlpm.services.run_checks import RunFlag, ending_flag, run_measures
from mlpm.services.runs import Run, group_runs, list_runs
from mlpm.stats.regression import regression_check
from mlpm.store import Store

STATES = ["finished"] * 12 + ["failed", "killed", "crashed", "preempted", "running"]
COLUMNS = ("id", "source", "name", "group_name", "state", "exit_code", "start_time", "runtime")
COLUMNS += ("summary", "imported_at", "updated_at")


def reference_flags(
    store: Store,
    runs: Sequence[Run],
    *,
    metric: str | None = None,
    higher_is_better: bool | None = None,
    alpha: float = 0.05,
) -> dict[str, RunFlag]:
    """Each run against its group's earlier finished runs, one run at a time."""
    flags: dict[str, RunFlag] = {}
    groups = {r.group: group_runs(store, r.group) for r in runs if r.group}
    for run in runs:
        if (ended := ending_flag(run)) is not None:
            flags[run.id] = ended
            continue
        if not run.group or run.state == "running":
            continue
        earlier = [
            r
            for r in groups[run.group]
            if r.id != run.id
            and r.state == "finished"
            and r.start_time
            and run.start_time
            and r.start_time < run.start_time
        ]
        worse = []
        for name, (value, higher) in run_measures(run, metric, higher_is_better).items():
            baseline = [m[name][0] for r in earlier if name in (m := run_measures(r, metric))]
            if baseline:
                result = regression_check(baseline, value, higher_is_better=higher, alpha=alpha)
                if result.flagged:
                    worse.append((name, f"{name}: {result.message}"))
        if worse:
            flags[run.id] = RunFlag(tuple(n for n, _ in worse), "; ".join(m for _, m in worse))
    return flags


def _number(rnd: random.Random, mean: float, sd: float) -> float:
    """A value around `mean`, sometimes a tie, a zero, a non-finite or a gross outlier."""
    roll = rnd.random()
    if roll < 0.03:
        return rnd.choice([math.nan, math.inf, -math.inf])
    if roll < 0.06:
        return 0.0
    if roll < 0.12:
        return mean  # ties (and flat groups)
    if roll < 0.17:
        return mean * rnd.choice([0.2, 3.0, 10.0])
    return round(rnd.gauss(mean, sd), rnd.choice([2, 6, 12]))


def _summary(rnd: random.Random, flat: bool) -> dict[str, float]:
    pick = (lambda mean, sd: mean) if flat else (lambda mean, sd: _number(rnd, mean, sd))
    summary: dict[str, float] = {}
    roll = rnd.random()
    if roll < 0.7:
        summary["epoch"] = rnd.choice([10, 10, 10, 0.5, 20])
    if roll > 0.5:
        summary["_step"] = rnd.choice([1000, 1000, 0])
    if rnd.random() < 0.8:
        summary[rnd.choice(["throughput", "throughput", "samples_per_sec"])] = pick(1000, 40)
    if rnd.random() < 0.85:
        summary["val/acc"] = pick(0.8, 0.02)
    if rnd.random() < 0.85:
        summary["loss"] = pick(-0.3, 0.05)
    return summary


def seed(store: Store, n_runs: int, rnd: random.Random) -> None:
    """Runs in groups of every size (one run, a few, many; none; all equal)."""
    sizes = [1, 1, 2, 3, 4, 5, 8, 20, 40, 60, 80]
    groups = [g for g, size in enumerate(sizes) for _ in range(size)]
    now = clock.stamp()
    rows = []
    for i in range(n_runs):
        group = groups[i] if i < len(groups) else rnd.randrange(4, len(sizes))
        state = STATES[rnd.randrange(len(STATES))]
        minute = rnd.randrange(60)  # collisions: runs that start together
        start = rnd.choice([f"2026-03-01T10:{minute:02d}:00+00:00"] * 20 + [None, ""])
        flat = group == 6  # every number the same in this group
        runtime = rnd.choice([600.0 if flat else _number(rnd, 600, 25)] * 8 + [None, 0])
        rows.append(
            (
                f"r{i:04d}",
                "offline",
                f"run-{i}",
                None if rnd.random() < 0.03 else f"g{group}",
                state,
                1 if state in ("failed", "killed") else None,
                start,
                runtime,
                json.dumps(_summary(rnd, flat)),
                now,
                now,
            )
        )
    with store.write("seed", undoable=False) as tx:
        tx.insert_many("run", COLUMNS, rows)


@pytest.mark.parametrize(
    ("metric", "higher", "alpha"),
    [("val/acc", None, 0.05), ("loss", None, 0.05), ("loss", True, 0.2), (None, None, 0.6)],
)
def test_bulk_flags_are_the_straightforward_ones(store, metric, higher, alpha):
    seed(store, 400, random.Random(f"{metric}{higher}{alpha}"))
    runs = list_runs(store)
    expected = reference_flags(store, runs, metric=metric, higher_is_better=higher, alpha=alpha)
    got = run_checks.regression_flags(
        store, runs, metric=metric, higher_is_better=higher, alpha=alpha
    )
    assert got == expected
    # The runs cover what the bulk path treats apart: tests, rules of thumb, dropped numbers.
    messages = " ".join(f.message for f in expected.values())
    assert "prediction-interval t-test" in messages and "much worse than" in messages
    assert "non-finite value" in messages and "crashed" in messages
    # and a shown subset (one group) gets the same flags as the reference on that subset
    shown = [r for r in runs if r.group == "g9"]
    assert run_checks.regression_flags(store, shown, metric=metric) == reference_flags(
        store, shown, metric=metric
    )


def test_a_run_given_with_a_later_start_than_stored_is_not_its_own_baseline(store):
    seed(store, 200, random.Random(3))
    runs = list_runs(store)
    moved = [r for r in runs if r.group == "g9" and r.state == "finished"][:30]
    for run in moved:
        run.start_time = "2026-03-01T11:00:00+00:00"  # after every stored run of its group
    expected = reference_flags(store, moved, metric="val/acc")
    assert run_checks.regression_flags(store, moved, metric="val/acc") == expected
