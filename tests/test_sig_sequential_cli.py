"""`sig seeds --sequential` and `sig runs --sequential` end to end: the three answers a user
can get, the anytime-valid interval and the method line, saving, and imported runs."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from mlpm.services import comparisons
from mlpm.services.significance.saving import saved_check
from mlpm.store import Store

A = "0.71,0.74,0.70,0.73,0.72,0.75"
B = "0.78,0.80,0.77,0.81,0.79,0.80"


def test_sequential_says_b_is_better_with_its_interval_and_method(cli) -> None:
    r = cli("sig", "seeds", A, B, "--sequential")
    assert r.exit_code == 0, r.output
    first = r.stdout.splitlines()[0]
    assert first.startswith("B is better than A (anytime-valid CI [")
    assert "after 6 seeds" in first
    assert "method: group-sequential paired t, a look after every seed up to 50" in r.stdout
    assert "assumes: the differences are roughly normal" in r.stdout
    data = json.loads(cli("sig", "seeds", A, B, "--sequential", "--json").stdout)
    assert data["kind"] == "sequential" and data["decision"] == data["verdict"] == "b_better"
    assert 0 < data["ci_low"] < data["mean_difference"] < data["ci_high"]


def test_sequential_says_keep_adding_seeds_then_no_difference_within_delta(cli) -> None:
    noisy = cli("sig", "seeds", "0.70,0.74,0.71", "0.72,0.71,0.75", "--sequential")
    assert noisy.stdout.startswith("keep adding seeds: the anytime-valid CI [")
    rng = random.Random(7)
    same_a = ",".join(f"{0.7 + rng.gauss(0, 0.01):.4f}" for _ in range(40))
    same_b = ",".join(f"{0.7 + rng.gauss(0, 0.01):.4f}" for _ in range(40))
    settled = cli("sig", "seeds", same_a, same_b, "--sequential", "--delta", "0.03")
    assert settled.stdout.startswith("no difference larger than 0.03 (anytime-valid CI ["), (
        settled.stdout
    )
    lower = cli("sig", "seeds", A, B, "--sequential", "--lower-is-better", "--json")
    assert json.loads(lower.stdout)["decision"] == "a_better"


def test_sequential_with_bounds_and_negative_scores(cli) -> None:
    bounded = cli("sig", "seeds", A, B, "--sequential", "--bounds", "0,1")
    assert "empirical-Bernstein confidence sequence" in bounded.stdout
    assert "assumes: every score lies in [0, 1]; nothing else is assumed" in bounded.stdout
    outside = cli("sig", "seeds", A, "1.5,0.8,0.8", "--sequential", "--bounds", "0,1")
    assert outside.exit_code == 2 and "outside the bounds" in outside.stderr
    losses = cli("sig", "seeds", "-0.8,-1.3,-1.1", "-0.7,-1.2,-1.0", "--sequential")
    assert losses.exit_code == 0, losses.output
    assert "3 pairs so far; mean difference (B - A) +0.1" in losses.stdout


def test_sequential_refuses_what_it_cannot_honour(cli) -> None:
    paired = cli("sig", "seeds", A, B, "--sequential", "--paired")
    assert paired.exit_code == 2 and "--sequential pairs by position" in paired.stderr
    bounds = cli("sig", "seeds", A, B, "--bounds", "0,1")
    assert bounds.exit_code == 2 and "go with --sequential" in bounds.stderr
    many = ",".join("0.5" for _ in range(6))
    past = cli("sig", "seeds", many, many, "--sequential", "--max-seeds", "5")
    assert past.exit_code == 2 and "past the planned maximum of 5" in past.stderr


def test_sequential_is_saved_and_read_back(cli, db_path: Path, project) -> None:
    r = cli("sig", "seeds", A, B, "--sequential", "--save")
    assert r.stdout.rstrip().endswith("saved as comparison 1")
    store = Store.open(db_path)
    try:
        saved = comparisons.get(store, 1)
        told = saved_check(saved).report()
    finally:
        store.close()
    assert saved.kind == "sequential" and saved.verdict == "b_better"
    assert told.headline == r.stdout.splitlines()[0]
    assert any(line.startswith("  method: group-sequential") for line in told.body)


def _runs(db_path: Path) -> None:
    store = Store.open(db_path)
    now = "2026-03-02T10:00:00+01:00"
    with store.write("test runs", undoable=False) as tx:
        for group, accs in (("g1", A), ("g2", B)):
            for seed, acc in enumerate(accs.split(",")):
                tx.insert(
                    "run",
                    {
                        "id": f"{group}-s{seed}",
                        "source": "offline",
                        "name": f"{group}-s{seed}",
                        "group_name": group,
                        "state": "finished",
                        "start_time": f"2026-03-0{1 + (5 - seed if group == 'g2' else seed)}",
                        "config": json.dumps({"seed": seed}),
                        "summary": json.dumps({"val/acc": float(acc)}),
                        "imported_at": now,
                        "updated_at": now,
                    },
                )
    store.close()


def test_runs_sequential_pairs_by_seed(cli, db_path: Path) -> None:
    cli("sig", "log")
    _runs(db_path)
    args = ("sig", "runs", "--group-a", "g1", "--group-b", "g2", "--metric", "val/acc")
    r = cli(*args, "--sequential")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("g2 is better than g1 (anytime-valid CI [")
    assert "assumes: paired by config 'seed'" in r.stdout
    data = json.loads(cli(*args, "--sequential", "--json", "--save").stdout)
    pairs = zip(A.split(","), B.split(","), strict=True)
    by_hand = [float(b) - float(a) for a, b in pairs]
    assert data["mean_difference"] == pytest.approx(sum(by_hand) / 6, abs=1e-12)
    logged = json.loads(cli("sig", "log", "--run", "g1-s0", "--json").stdout)
    assert logged[0]["kind"] == "sequential" and len(logged[0]["runs_b"]) == 6


def test_contradicting_intervals_are_named_never_printed_backwards(cli) -> None:
    # Three tight gains, then twenty tight losses: far from normal, and the early interval
    # (around +0.02) and the late one (around -0.025) do not meet.
    diffs = [0.02, 0.0201, 0.0199] + [-0.03 + 0.0001 * (i % 3 - 1) for i in range(20)]
    a = ",".join(["0.5"] * len(diffs))
    b = ",".join(f"{0.5 + d:.4f}" for d in diffs)
    data = json.loads(cli("sig", "seeds", a, b, "--sequential", "--json").stdout)
    assert data["ci_low"] <= data["ci_high"]
    assert any("contradict each other" in w for w in data["warnings"])
