"""Issue 15, items 1-9: each against a value computed independently here (scipy, statsmodels
or exact enumeration), and the rule that a verdict never contradicts its own numbers."""

from __future__ import annotations

import math
from itertools import permutations, product
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from mlpm.stats import compare_samples
from mlpm.stats.crossval import nadeau_bengio
from mlpm.stats.inputs import align, parse_numbers, read_predictions, read_table
from mlpm.stats.multiple import adjust, against_baseline, exact_friedman_p, friedman_nemenyi
from mlpm.stats.predictions import compare_predictions
from mlpm.stats.props import score_z, two_proportions
from mlpm.stats.report import render, render_ranks
from mlpm.stats.result import P_FLOOR
from mlpm.stats.scores import compare_example_scores

BASE = [0.801, 0.795, 0.810, 0.799, 0.805]
CFGS = {
    "cfg1": [0.815, 0.809, 0.821, 0.812, 0.818],
    "cfg2": [0.803, 0.790, 0.812, 0.801, 0.800],
    "cfg3": [0.826, 0.812, 0.829, 0.818, 0.823],
}


def _table(tmp_path: Path) -> str:
    path = tmp_path / "runs.csv"
    rows = ["seed,base," + ",".join(CFGS)]
    for i in range(5):
        rows.append(",".join([str(i + 1), str(BASE[i]), *(str(CFGS[c][i]) for c in CFGS)]))
    path.write_text("\n".join(rows) + "\n")
    return str(path)


# 1. A seed column is not a configuration, nor in the Holm family.
@pytest.mark.parametrize("paired", [False, True])
def test_seed_column_is_neither_a_configuration_nor_in_the_family(
    tmp_path: Path, paired: bool
) -> None:
    from statsmodels.stats.multitest import multipletests

    table = read_table(_table(tmp_path))
    assert table.models == ["base", *CFGS]
    assert table.id_columns == ["seed"]
    assert table.rows[0] == "seed 1"
    columns = {m: [row[i] for row in table.values] for i, m in enumerate(table.models)}
    rows = against_baseline(columns, "base", paired=paired)
    assert [r.model for r in rows] == list(CFGS)
    test = stats.ttest_rel if paired else (lambda b, a: stats.ttest_ind(b, a, equal_var=False))
    raw = [float(test(CFGS[c], BASE).pvalue) for c in CFGS]
    expected = multipletests(raw, method="holm")[1]
    assert [r.p_adjusted for r in rows] == pytest.approx(list(expected), rel=1e-12)


def test_a_seed_column_of_fractions_stays_a_configuration(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("seed,base\n0.5,0.7\n0.6,0.8\n")
    assert read_table(str(path)).models == ["seed", "base"]


# 2. Labels 0/1 and 0.0/1.0 are one label; labels that never occur in y_true are flagged.
def test_float_written_labels_match_integer_labels(tmp_path: Path) -> None:
    y = [0, 1, 1, 0, 1, 1, 0, 1]
    a = [0, 1, 0, 0, 1, 1, 1, 1]
    b = [0, 1, 1, 0, 1, 0, 0, 1]
    (tmp_path / "a.csv").write_text(
        "id,y_true,y_pred\n"
        + "".join(f"{i},{t},{p}\n" for i, (t, p) in enumerate(zip(y, a, strict=True)))
    )
    (tmp_path / "b.csv").write_text(
        "id,y_pred\n" + "".join(f"{i},{float(p)}\n" for i, p in enumerate(b))
    )
    data = align(
        read_predictions(str(tmp_path / "a.csv")), read_predictions(str(tmp_path / "b.csv"))
    )
    assert data.labels == ["0", "1"]
    assert not data.notes
    r = compare_predictions(data.y_true, data.pred_a, data.pred_b, resamples=200)
    assert r.mean_b == pytest.approx(np.mean(np.equal(y, b)))
    np.save(tmp_path / "b.npy", np.asarray(b, dtype=float))
    np.save(tmp_path / "y.npy", np.asarray(y))
    np.save(tmp_path / "a.npy", np.asarray(a, dtype=np.int32))
    data = align(
        read_predictions(str(tmp_path / "a.npy")),
        read_predictions(str(tmp_path / "b.npy")),
        read_predictions(str(tmp_path / "y.npy")),
    )
    assert isinstance(data.pred_b, np.ndarray) and data.pred_b.dtype == np.int64
    assert np.array_equal(data.pred_b, b)


def test_predicted_labels_never_in_the_truth_are_warned_about(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,y_true,y_pred\n1,cat,cat\n2,dog,dog\n3,cat,dog\n")
    (tmp_path / "b.csv").write_text("id,y_pred\n1,Cat\n2,Dog\n3,Cat\n")
    data = align(
        read_predictions(str(tmp_path / "a.csv")), read_predictions(str(tmp_path / "b.csv"))
    )
    assert len(data.notes) == 1
    assert data.notes[0].startswith("B's predicted labels ('Cat', 'Dog') never occur in y_true")


# 3. The verdict and the printed interval come from one method.
@pytest.mark.parametrize(
    ("p_a", "p_b", "n"), [(0.75, 0.86, 100), (0.90, 0.97, 100), (0.78, 0.92, 50)]
)
def test_props_interval_inverts_the_pooled_z_test(p_a: float, p_b: float, n: int) -> None:
    from scipy.optimize import minimize_scalar
    from statsmodels.stats.proportion import proportions_ztest

    r = two_proportions(p_a, p_b, n)
    x_a, x_b = round(p_a * n), round(p_b * n)
    assert r.p_value == pytest.approx(proportions_ztest([x_b, x_a], [n, n])[1], rel=1e-12)
    excludes = r.ci_low > 0 or r.ci_high < 0
    assert (r.verdict == "b_better") == excludes == (r.p_value < 0.05)

    def z_at(delta: float) -> float:
        """Score statistic at delta with the restricted MLE found numerically."""

        def nll(q_a: float) -> float:
            q_b = q_a + delta
            return -(
                x_a * math.log(q_a)
                + (n - x_a) * math.log(1 - q_a)
                + x_b * math.log(q_b)
                + (n - x_b) * math.log(1 - q_b)
            )

        lo, hi = max(0.0, -delta) + 1e-12, min(1.0, 1 - delta) - 1e-12
        q_a = minimize_scalar(nll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-13}).x
        q_b = q_a + delta
        se = math.sqrt(q_a * (1 - q_a) / n + q_b * (1 - q_b) / n)
        return (x_b / n - x_a / n - delta) / se

    crit = stats.norm.isf(0.025)
    assert z_at(r.ci_low) == pytest.approx(crit, abs=1e-5)
    assert z_at(r.ci_high) == pytest.approx(-crit, abs=1e-5)
    assert score_z(x_a, n, x_b, n, r.ci_low) == pytest.approx(crit, abs=1e-9)


# 4. p is never printed or stored as exactly 0.
def test_mcnemar_far_below_a_double_is_floored_and_flagged() -> None:
    y = np.zeros(6000, dtype=int)
    a = y.copy()
    a[:5000] = 1  # A wrong on 5000, B right everywhere: b = 0, c = 5000
    r = compare_predictions(y, a, y.copy(), resamples=200)
    assert r.extra["b"] == 0 and r.extra["c"] == 5000
    assert stats.binom.cdf(0, 5000, 0.5) == 0.0  # what a double gives
    assert r.p_value == P_FLOOR and r.p_floor and r.to_json()["p_value"] == P_FLOOR
    assert "p < 1e-300" in render(r)
    assert all(o.p_value != 0 for o in r.others)


def test_props_far_below_a_double_is_floored() -> None:
    r = two_proportions(0.01, 0.99, 100_000)
    assert r.p_value == P_FLOOR and r.p_floor
    assert r.extra["p_z"] > 0 and r.extra["p_fisher"] > 0
    assert r.verdict == "b_better"


def _friedman_enumerated(table: np.ndarray) -> float:
    """Exact Friedman p: every assignment of rankings to the rows, counted."""
    n, k = table.shape
    ranks = stats.rankdata(-table, axis=1)
    observed = float((ranks.sum(axis=0) ** 2).sum())
    perms = [np.array(p) for p in permutations(range(1, k + 1))]
    hits = sum(
        float((np.sum(rows, axis=0) ** 2).sum()) >= observed - 1e-9
        for rows in product(perms, repeat=n)
    )
    return hits / len(perms) ** n


def test_friedman_where_every_dataset_ranks_alike_uses_the_exact_p() -> None:
    table = np.array([[0.9, 0.8, 0.7], [0.85, 0.8, 0.6], [0.7, 0.65, 0.5], [0.95, 0.9, 0.1]])
    r = friedman_nemenyi(table, ["a", "b", "c"])
    assert r.p_exact == pytest.approx(_friedman_enumerated(table), rel=1e-12)
    assert r.p_exact == pytest.approx(6 / 6**4, rel=1e-12)
    assert math.isinf(r.iman_davenport) and r.p_iman_davenport is None
    assert "exact Friedman p = 0.00463" in r.verdict_text
    assert "p = 0 " not in render_ranks(r) and "p = 0;" not in render_ranks(r)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 3)])
def test_exact_friedman_matches_enumeration(shape: tuple[int, int]) -> None:
    table = np.random.default_rng(sum(shape)).random(shape)
    ranks = stats.rankdata(-table, axis=1)
    squares = float((ranks.sum(axis=0) ** 2).sum())
    assert exact_friedman_p(squares, *shape) == pytest.approx(_friedman_enumerated(table))


# 5. Zero variance.
def test_constant_seeds_say_no_test_can_decide_and_show_no_interval() -> None:
    r = compare_samples([0.8, 0.8, 0.8], [0.9, 0.9, 0.9])
    text = render(r)
    assert r.verdict == "too_few" and "at least 4 runs a side" in r.verdict_text
    assert "[0.1, 0.1]" not in text and "e+14" not in text
    assert r.ci_low is None and r.ci_high is None
    r = compare_samples([0.8] * 5, [0.9] * 5)
    assert r.verdict == "b_better"
    assert r.p_value == pytest.approx(2 / math.comb(10, 5))
    assert "all differences equal +0.1" in render(r).splitlines()[0]


def test_constant_paired_difference_decided_by_the_exact_sign_flip() -> None:
    a = [0.70, 0.72, 0.71]
    r = compare_samples(a, [x + 0.009 for x in a], paired=True)
    assert r.verdict == "too_few" and "at least 6 pairs" in r.verdict_text
    assert "[0.009, 0.009]" not in render(r)
    a8 = [0.70, 0.72, 0.71, 0.69, 0.73, 0.70, 0.74, 0.68]
    r = compare_samples(a8, [x + 0.009 for x in a8], paired=True)
    assert r.verdict == "b_better"
    assert r.p_value == pytest.approx(2 / 2**8)  # exact: only all + or all - as extreme
    assert "all differences equal +0.009" in render(r).splitlines()[0]


# 6. Negative values.
def test_negative_numbers_parse() -> None:
    assert parse_numbers("-0.8,-1.3", "A") == [-0.8, -1.3]
    assert parse_numbers("\u22120.8 -1.3e0", "A") == [-0.8, -1.3]


# 7. Hommel.
def test_hommel_matches_statsmodels() -> None:
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(3)
    for m in (1, 2, 5, 12):
        p = list(rng.random(m) ** 3)
        assert adjust(p, "hommel") == pytest.approx(list(multipletests(p, method="hommel")[1]))
    p = [0.01, 0.04, 0.03, 0.005, 0.2]
    assert adjust(p, "hommel") == pytest.approx(list(multipletests(p, method="hommel")[1]))


# 9. Wording, power floors and the exact Mann-Whitney.
def test_power_never_recommends_at_or_below_the_minimum() -> None:
    a, b = [0.751, 0.762, 0.748, 0.770, 0.755], [0.781, 0.779, 0.795, 0.772, 0.790]
    assert "about 4 runs per side" in compare_samples(a, b).power_text
    paired = compare_samples(a, b, paired=True).power_text
    assert "at least 6 pairs" in paired or int(paired.split()[1]) >= 6
    folds = nadeau_bengio(
        [0.80, 0.81, 0.79, 0.80, 0.82, 0.81, 0.80, 0.79, 0.81, 0.80],
        [0.90, 0.92, 0.89, 0.91, 0.93, 0.90, 0.91, 0.90, 0.92, 0.90],
        test_train_ratio=1 / 9,
    )
    assert "1 folds" not in folds.power_text
    assert "at least 4 folds" in folds.power_text


def test_mann_whitney_11_vs_11_without_ties_is_exact() -> None:
    ranks_b = [2, 4, 8, 9, 14, 15, 16, 17, 19, 20, 21]
    b = [float(v) for v in ranks_b]
    a = [float(v) for v in range(22) if v not in ranks_b]
    r = compare_samples(a, b)
    exact = stats.mannwhitneyu(b, a, method="exact").pvalue
    assert r.extra["p_mann_whitney"] == pytest.approx(exact, rel=1e-12)
    assert r.extra["p_mann_whitney"] == pytest.approx(0.055668, abs=5e-7)
    assert r.extra["mann_whitney_method"] == "exact"


# The rule: "better" never stands beside an interval containing 0.
def _consistent(r: object) -> None:
    verdict, low, high = r.verdict, r.ci_low, r.ci_high  # type: ignore[attr-defined]
    if verdict in ("b_better", "a_better") and (low is not None or high is not None):
        assert low is not None and high is not None
        assert low > 0 or high < 0, (verdict, low, high)
    if low is not None and high is not None:
        assert low != high  # a zero-width interval is never shown


scores = st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=3, max_size=12)
quiet = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@quiet
@given(a=scores, b=scores, paired=st.booleans())
def test_seed_verdicts_never_contradict_their_interval(a: list, b: list, paired: bool) -> None:
    if paired:
        b = (b * 4)[: len(a)]
    _consistent(compare_samples(a, b, paired=paired))


@quiet
@given(x_a=st.integers(0, 60), x_b=st.integers(0, 60), n=st.integers(60, 200))
def test_props_verdicts_never_contradict_their_interval(x_a: int, x_b: int, n: int) -> None:
    _consistent(two_proportions(x_a / n, x_b / n, n, places=(12, 12)))


@quiet
@given(seed=st.integers(0, 10_000), n=st.integers(10, 80), skill=st.floats(0.3, 0.95))
def test_prediction_and_score_verdicts_never_contradict(seed: int, n: int, skill: float) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    a = np.where(rng.random(n) < 0.6, y, rng.integers(0, 3, n))
    b = np.where(rng.random(n) < skill, y, rng.integers(0, 3, n))
    _consistent(compare_predictions(y, a, b, resamples=300, seed=seed))
    _consistent(compare_example_scores(rng.random(n), rng.random(n) + skill - 0.6, resamples=300))
    folds_a = rng.random(5) * 0.1 + 0.8
    _consistent(
        nadeau_bengio(folds_a, folds_a + rng.normal(skill - 0.6, 0.02, 5), test_train_ratio=0.25)
    )
