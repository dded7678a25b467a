"""Per-example predictions: McNemar (reference values, statsmodels), the count-based paired
bootstrap and permutation test, macro-F1."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlpm.stats.predictions import compare_predictions, disagreements, macro_f1, mcnemar

REL = 1e-9


@pytest.mark.parametrize(
    ("b", "c", "exact", "chi_cc", "p_cc", "chi", "p", "mid"),
    [
        (10, 25, 0.0166738478, 5.6, 0.01796047753, 6.428571429, 0.01122988665, 0.01133098418),
        (5, 15, 0.04138946533, 4.05, 0.04417134491, 5.0, 0.02534731868, 0.02660369873),
    ],
)
def test_mcnemar_reference(b, c, exact, chi_cc, p_cc, chi, p, mid) -> None:
    m = mcnemar(b, c)
    assert m.p_exact == pytest.approx(exact, rel=REL)
    assert (m.chi2_cc, m.p_chi2_cc) == pytest.approx((chi_cc, p_cc), rel=REL)
    assert (m.chi2, m.p_chi2) == pytest.approx((chi, p), rel=REL)
    assert m.p_mid == pytest.approx(mid, rel=REL)


def test_mcnemar_matches_statsmodels() -> None:
    from statsmodels.stats.contingency_tables import mcnemar as sm

    for b, c in [(3, 9), (40, 31), (120, 160), (0, 4)]:
        table = [[50, b], [c, 50]]
        m = mcnemar(b, c)
        assert m.p_exact == pytest.approx(sm(table, exact=True).pvalue, rel=REL)
        assert m.p_chi2_cc == pytest.approx(sm(table, exact=False).pvalue, rel=REL)
        assert m.p_chi2 == pytest.approx(sm(table, exact=False, correction=False).pvalue, rel=REL)


def test_mcnemar_no_disagreement_is_p_one() -> None:
    m = mcnemar(0, 0)
    assert (m.p_exact, m.p_mid, m.p_chi2, m.p_chi2_cc) == (1.0, 1.0, 1.0, 1.0)


def _models(n: int, seed: int = 0, k: int = 4, acc_a: float = 0.75, acc_b: float = 0.79):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    a = np.where(rng.random(n) < acc_a, y, rng.integers(0, k, n))
    b = np.where(rng.random(n) < acc_b, y, rng.integers(0, k, n))
    return y, a, b


def _brute_macro_f1(y, p) -> float:
    labels = sorted(set(y) | set(p))
    scores = []
    for k in labels:
        tp = sum(1 for u, v in zip(y, p, strict=True) if u == v == k)
        denom = sum(1 for u in y if u == k) + sum(1 for v in p if v == k)
        scores.append(2 * tp / denom if denom else 0.0)
    return sum(scores) / len(scores)


def test_macro_f1_matches_the_definition() -> None:
    y, a, _ = _models(500, seed=1, k=6)
    a[a == 5] = 4  # a label only in the truth
    assert macro_f1(y, a, 6) == pytest.approx(_brute_macro_f1(list(y), list(a)), rel=REL)


def test_compare_predictions_numbers() -> None:
    y, a, b = _models(4000, seed=2)
    r = compare_predictions(y, a, b, resamples=4000, seed=5)
    bb, cc = disagreements(y, a, b)
    assert (r.extra["b"], r.extra["c"]) == (bb, cc)
    assert r.difference == pytest.approx((cc - bb) / 4000, rel=REL)
    assert r.p_value == pytest.approx(mcnemar(bb, cc).p_exact, rel=REL)
    assert r.extra["macro_f1_a"] == pytest.approx(_brute_macro_f1(list(y), list(a)), rel=REL)
    # The count-based bootstrap has the spread of resampling examples.
    p_disc, delta = (bb + cc) / 4000, (cc - bb) / 4000
    se = math.sqrt((p_disc - delta**2) / 4000)
    half = (r.ci_high - r.ci_low) / 2
    assert half == pytest.approx(1.96 * se, rel=0.08)
    # Swapping predictions at random is the sign test: its p is McNemar's exact p.
    assert r.extra["p_perm_accuracy"] == pytest.approx(r.p_value, abs=0.01)
    assert r.seed == 5 and r.resamples == 4000


def test_same_seed_same_answer() -> None:
    y, a, b = _models(1000, seed=3)
    one = compare_predictions(y, a, b, resamples=500, seed=11).to_json()
    two = compare_predictions(y, a, b, resamples=500, seed=11).to_json()
    assert one == two


def test_monte_carlo_p_shown_as_a_bound_never_zero() -> None:
    y, a, b = _models(5000, seed=4, acc_a=0.6, acc_b=0.9)
    r = compare_predictions(y, a, b, resamples=999, seed=0)
    assert r.extra["p_perm_accuracy"] == pytest.approx(1 / 1000)
    assert r.extra["p_perm_accuracy_is_bound"] is True
    line = next(o for o in r.others if o.test == "paired permutation, accuracy")
    assert line.p_text.startswith("< 0.001")


def test_identical_predictions() -> None:
    y, a, _ = _models(300, seed=5)
    r = compare_predictions(y, a, a.copy(), resamples=200)
    assert r.p_value == 1.0
    assert r.verdict == "no_difference"
    assert r.ci_low is None and r.ci_high is None  # a zero-width interval is never shown
    assert any("same examples" in w for w in r.warnings)


def test_many_labels_use_the_example_bootstrap() -> None:
    rng = np.random.default_rng(6)
    y = rng.integers(0, 300, 600)
    a = np.where(rng.random(600) < 0.5, y, rng.integers(0, 300, 600))
    b = np.where(rng.random(600) < 0.6, y, rng.integers(0, 300, 600))
    r = compare_predictions(y, a, b, resamples=300, seed=1)
    assert r.ci_low < r.difference < r.ci_high


def test_per_example_scores_small_n_exact_permutation() -> None:
    from scipy import stats

    from mlpm.stats.scores import compare_example_scores

    rng = np.random.default_rng(7)
    a = rng.normal(1.0, 0.2, 12)
    b = a - 0.1 + rng.normal(0, 0.1, 12)
    r = compare_example_scores(a, b, higher_is_better=False)
    ref = stats.permutation_test(
        (b, a), lambda x, y: np.mean(x - y), permutation_type="samples", n_resamples=np.inf
    )
    assert r.p_value == pytest.approx(ref.pvalue, rel=REL)
    assert r.seed is None  # exact: no resampling seed involved in the p-value
    assert r.verdict == "b_better"  # lower is better and B is lower


def test_per_example_scores_bootstrap_ci_and_threads() -> None:
    from mlpm.stats.resampling import bootstrap_mean
    from mlpm.stats.scores import compare_example_scores

    rng = np.random.default_rng(8)
    a = rng.normal(0.5, 0.2, 2000)
    b = a + 0.01 + rng.normal(0, 0.1, 2000)
    r = compare_example_scores(a, b, resamples=4000, seed=2)
    d = b - a
    se = d.std(ddof=1) / math.sqrt(d.size)
    assert (r.ci_high - r.ci_low) / 2 == pytest.approx(1.96 * se, rel=0.05)
    assert r.ci_low < d.mean() < r.ci_high
    one = bootstrap_mean(d, resamples=1000, seed=3, workers=1)
    two = bootstrap_mean(d, resamples=1000, seed=3, workers=2)
    assert np.array_equal(one, two)  # the seed, not the thread count, fixes the answer
