"""Benchmark suites: IQM, mean, median, optimality gap, probability of improvement and
performance profiles, against a table worked out by hand and against brute force."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import trim_mean

from mlpm.errors import UsageError
from mlpm.stats.suite import compare_suite
from mlpm.stats.tidy import from_rows, read_suite

HAND = {
    ("A", "t1"): [0.2, 0.4],
    ("A", "t2"): [0.6, 0.8],
    ("B", "t1"): [0.3, 0.4],
    ("B", "t2"): [0.5, 0.9],
}


def _rows(cells: dict[tuple[str, str], list[float]]) -> list[dict[str, object]]:
    return [
        {"method": m, "task": t, "seed": i, "score": v}
        for (m, t), values in cells.items()
        for i, v in enumerate(values)
    ]


def test_point_estimates_reproduce_the_hand_computed_table() -> None:
    r = compare_suite(_rows(HAND), resamples=500, seed=1, taus=[0.25, 0.45])
    a, b = r.methods
    # A's runs 0.2 0.4 0.6 0.8: IQM drops one from each end -> (0.4 + 0.6) / 2.
    assert (a.iqm, a.mean, a.median, a.optimality_gap) == pytest.approx((0.5, 0.5, 0.5, 0.5))
    # B's runs 0.3 0.4 0.5 0.9; gap = mean(0.7, 0.6, 0.5, 0.1).
    assert (b.iqm, b.mean, b.median, b.optimality_gap) == pytest.approx((0.45, 0.525, 0.45, 0.475))
    # P(A beats B): task 1 (0 + 0 + 1 + 1/2) / 4, task 2 (1 + 0 + 1 + 0) / 4, averaged.
    pairs = {(p.a, p.b): p for p in r.prob_improvement}
    assert pairs[("A", "B")].p == pytest.approx((0.375 + 0.5) / 2)
    assert pairs[("B", "A")].p == pytest.approx(1 - (0.375 + 0.5) / 2)
    # Share of runs above tau, per task then averaged: A (1/2 + 1) / 2 and (0 + 1) / 2.
    assert r.profiles["A"] == pytest.approx([0.75, 0.5])
    assert r.profiles["B"] == pytest.approx([1.0, 0.5])


def test_json_fields_and_intervals_hold_their_estimates() -> None:
    rng = np.random.default_rng(4)
    cells = {
        (m, f"t{t}"): list(rng.random(5) + 0.1 * k) for k, m in enumerate("XYZ") for t in range(6)
    }
    out = compare_suite(_rows(cells), resamples=800, seed=3).to_json()
    for m in out["methods"]:
        assert {
            "method",
            "iqm",
            "iqm_ci_low",
            "iqm_ci_high",
            "mean",
            "median",
            "optimality_gap",
        } <= set(m)
        for key in ("iqm", "mean", "median", "optimality_gap"):
            assert m[f"{key}_ci_low"] <= m[key] <= m[f"{key}_ci_high"]
    assert len(out["prob_improvement"]) == 6
    for p in out["prob_improvement"]:
        assert set(p) == {"a", "b", "p", "ci_low", "ci_high"}
        assert p["ci_low"] <= p["p"] <= p["ci_high"]
    json.dumps(out)


def test_iqm_and_improvement_match_brute_force_with_uneven_seeds() -> None:
    rng = np.random.default_rng(8)
    cells = {("P", "a"): list(rng.random(3)), ("P", "b"): list(rng.random(5))}
    cells |= {("Q", "a"): list(rng.random(4)), ("Q", "b"): [0.5, 0.5, float(cells[("P", "b")][0])]}
    r = compare_suite(_rows(cells), resamples=300, seed=0)
    p_scores = cells[("P", "a")] + cells[("P", "b")]
    assert r.methods[0].iqm == pytest.approx(trim_mean(p_scores, 0.25))
    assert r.methods[0].median == pytest.approx(np.median(p_scores))

    def poi(x: list[float], y: list[float]) -> float:
        return float(np.mean([(u > v) + 0.5 * (u == v) for u in x for v in y]))

    expected = (
        poi(cells[("P", "a")], cells[("Q", "a")]) + poi(cells[("P", "b")], cells[("Q", "b")])
    ) / 2
    assert r.prob_improvement[0].p == pytest.approx(expected)


def test_bootstrap_is_seeded() -> None:
    rows = _rows(HAND)
    one, two = (
        compare_suite(rows, seed=5, resamples=400),
        compare_suite(rows, seed=5, resamples=400),
    )
    assert one.to_json() == two.to_json()
    assert compare_suite(rows, seed=6, resamples=400).to_json() != one.to_json()


def test_normalisation_min_max_and_reference() -> None:
    r = compare_suite(_rows(HAND), normalise="min-max", resamples=100)
    # t1 spans 0.2..0.4, t2 0.5..0.9: A becomes 0, 1, 0.25, 0.75.
    assert r.methods[0].mean == pytest.approx(np.mean([0, 1, 0.25, 0.75]))
    ref = {"t1": (0.0, 0.5), "t2": (0.5, 1.0)}
    r = compare_suite(_rows(HAND), reference=ref, resamples=100)
    assert r.methods[1].mean == pytest.approx(np.mean([0.6, 0.8, 0.0, 0.8]))
    with pytest.raises(UsageError, match="no reference scores for task t2"):
        compare_suite(_rows(HAND), reference={"t1": (0.0, 1.0)})


def test_read_suite_from_csv_and_json_lines(tmp_path: Path) -> None:
    rows = _rows(HAND)
    csv_path = tmp_path / "s.csv"
    csv_path.write_text(
        "task,method,seed,score\n"
        + "".join(f"{r['task']},{r['method']},{r['seed']},{r['score']}\n" for r in rows)
    )
    jl = tmp_path / "s.jsonl"
    jl.write_text("".join(json.dumps(r) + "\n" for r in rows))
    for path in (csv_path, jl):
        data = read_suite(str(path))
        assert data.methods == ["A", "B"] and data.tasks == ["t1", "t2"]
        assert np.array_equal(data.scores, from_rows(rows).scores)


def test_incomplete_or_repeated_runs_are_refused() -> None:
    rows = _rows(HAND)
    with pytest.raises(UsageError, match=r"1 \(method, task\) pair without runs"):
        from_rows([r for r in rows if not (r["method"] == "B" and r["task"] == "t2")])
    with pytest.raises(UsageError, match="has seed 0 twice"):
        from_rows([*rows, rows[0]])
    with pytest.raises(UsageError, match="is refused"):
        from_rows([{**rows[0], "score": "nan"}])
