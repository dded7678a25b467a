"""Runs over seeds (unpaired and paired) and cross-validation folds, against the reference
values and scipy."""

from __future__ import annotations

import math

import pytest

from mlpm.errors import UsageError
from mlpm.stats import compare_samples
from mlpm.stats.paired import five_by_two, nadeau_bengio

A = [0.751, 0.762, 0.748, 0.770, 0.755]
B = [0.781, 0.779, 0.795, 0.772, 0.790]
REL = 1e-9


def test_unpaired_reference_values() -> None:
    r = compare_samples(A, B)
    assert r.test == "Welch's t-test"
    assert r.statistic == pytest.approx(4.602870816, rel=REL)
    assert r.p_value == pytest.approx(0.001752562881, rel=REL)
    assert r.extra["df"] == pytest.approx(7.99355496, rel=REL)
    assert (r.ci_low, r.ci_high) == pytest.approx((0.01307215197, 0.03932784803), rel=REL)
    assert r.extra["p_welch_one_sided"] == pytest.approx(0.0008762814407, rel=REL)
    assert r.extra["p_student"] == pytest.approx(0.001748877933, rel=REL)
    assert r.extra["mann_whitney_u"] == 25
    assert r.extra["p_mann_whitney"] == pytest.approx(0.007936507937, rel=REL)
    assert r.extra["cohens_d"] == pytest.approx(2.911111111, rel=REL)
    assert r.effect_size == pytest.approx(2.629390681, rel=REL)
    assert r.extra["p_b_greater"] == 1.0
    assert r.verdict == "b_better" and r.verdict_text == "B is better than A"


def test_unpaired_matches_scipy_on_other_data() -> None:
    from scipy import stats

    a = [0.61, 0.64, 0.59, 0.66, 0.63, 0.6, 0.62]
    b = [0.63, 0.6, 0.65, 0.64, 0.62]
    r = compare_samples(a, b, alpha=0.1)
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert r.statistic == pytest.approx(ref.statistic, rel=REL)
    assert r.p_value == pytest.approx(ref.pvalue, rel=REL)
    ci = ref.confidence_interval(0.9)
    assert (r.ci_low, r.ci_high) == pytest.approx((ci.low, ci.high), rel=REL)
    # These lists have ties: the exact permutation p of U, not the normal approximation.
    assert r.extra["p_mann_whitney"] == pytest.approx(_permutation_p(a, b), rel=REL)
    assert r.verdict == "no_difference"
    assert "could only detect a gain of" in r.verdict_text


def test_lower_is_better_turns_the_verdict() -> None:
    r = compare_samples(A, B, higher_is_better=False)
    assert r.verdict == "a_better"
    assert r.verdict_text == "A is better than B"


def test_paired_reference_values() -> None:
    r = compare_samples(A, B, paired=True)
    assert r.test == "paired t-test"
    assert r.statistic == pytest.approx(3.389757905, rel=REL)
    assert r.p_value == pytest.approx(0.02753615219, rel=REL)
    assert (r.ci_low, r.ci_high) == pytest.approx((0.004740396159, 0.04765960384), rel=REL)
    assert r.extra["wilcoxon_w"] == 0
    assert r.extra["p_wilcoxon"] == pytest.approx(0.0625, rel=REL)
    assert r.extra["p_sign_flip"] == pytest.approx(0.0625, rel=REL)
    # Said up front: with 5 pairs the rank and permutation tests cannot reach 0.05.
    assert "cannot go below p = 0.0625" in r.warnings[0]
    assert any("--cv" in w for w in r.warnings)


def test_sign_flip_matches_scipy_permutation_test() -> None:
    import numpy as np
    from scipy import stats

    rng = np.random.default_rng(3)
    a = rng.normal(0.7, 0.02, 9)
    b = a + rng.normal(0.01, 0.02, 9)
    r = compare_samples(a, b, paired=True)
    ref = stats.permutation_test(
        (b, a), lambda x, y: np.mean(x - y), permutation_type="samples", n_resamples=np.inf
    )
    assert r.extra["p_sign_flip"] == pytest.approx(ref.pvalue, rel=REL)
    assert r.extra["p_wilcoxon"] == pytest.approx(stats.wilcoxon(b - a).pvalue, rel=REL)


def test_monte_carlo_sign_flip_is_never_zero() -> None:
    a = [float(i) for i in range(40)]
    b = [x + 1 + (i % 3) * 0.01 for i, x in enumerate(a)]
    r = compare_samples(a, b, paired=True, seed=7)
    flip = next(o for o in r.others if o.test == "sign-flip permutation")
    assert flip.p_value == pytest.approx(1 / 10_001)
    assert flip.p_text.startswith("< ")
    assert "R = 10000" in flip.p_text
    assert "seed 7" in flip.note


def test_identical_samples() -> None:
    for paired in (False, True):
        r = compare_samples(A, A, paired=paired)
        assert r.verdict == "no_difference"
        assert r.p_value == pytest.approx(1.0) or r.p_value == 1.0
        assert any("identical" in w for w in r.warnings)


def test_constant_shift_does_not_claim_certainty_from_t() -> None:
    b = [x + 0.01 for x in A]
    r = compare_samples(A, b, paired=True)
    assert r.test == "sign-flip permutation"
    assert r.p_value == pytest.approx(2 / 2**5)
    assert r.verdict == "too_few"  # 5 pairs: the sign-flip test cannot go below 0.0625
    assert "at least 6 pairs" in r.verdict_text
    assert any("t-test is meaningless" in w for w in r.warnings)


def test_zero_variance_both_sides_uses_rank_test() -> None:
    r = compare_samples([0.7] * 4, [0.8] * 4)
    assert r.test == "Mann-Whitney U"
    assert math.isfinite(r.p_value)
    assert any("zero variance" in w for w in r.warnings)


@pytest.mark.parametrize("paired", [False, True])
def test_fewer_than_three_runs_gives_no_test(paired: bool) -> None:
    r = compare_samples(A[:2], B[:2], paired=paired)
    assert r.verdict == "too_few"
    assert r.p_value is None and r.test == "none"
    assert "no test can be trusted" in r.verdict_text


def test_nan_and_inf_refused_saying_where() -> None:
    with pytest.raises(UsageError, match="B: value 3 is NaN or infinite"):
        compare_samples(A, [0.7, 0.71, float("nan"), 0.72])
    with pytest.raises(UsageError, match="A: value 2"):
        compare_samples([0.7, float("inf"), 0.7], B)


def test_paired_needs_equal_lengths() -> None:
    with pytest.raises(UsageError, match="A has 5, B has 4"):
        compare_samples(A, B[:4], paired=True)


def test_equivalence_margin() -> None:
    a = [0.80, 0.81, 0.79, 0.80, 0.805, 0.795]
    b = [0.801, 0.809, 0.791, 0.80, 0.806, 0.796]
    r = compare_samples(a, b, paired=True, margin=0.01)
    assert r.verdict == "equivalent"
    assert r.verdict_text == "A and B are equivalent within ±0.01"


def test_power_plans_seeds_for_a_gain() -> None:
    from statsmodels.stats.power import TTestIndPower

    r = compare_samples(A, B, gain=0.005)
    sd = r.extra["sd_a"] ** 2 * 4 + r.extra["sd_b"] ** 2 * 4
    d = 0.005 / math.sqrt(sd / 8)
    need = TTestIndPower().solve_power(d, alpha=0.05, power=0.8)
    assert f"about {math.ceil(need)} runs per side" in r.power_text


def test_nadeau_bengio_corrected_t() -> None:
    from scipy import stats

    a = [0.80, 0.82, 0.79, 0.81, 0.83, 0.80, 0.81, 0.82, 0.80, 0.79]
    b = [0.82, 0.83, 0.80, 0.83, 0.84, 0.81, 0.83, 0.82, 0.82, 0.81]
    r = nadeau_bengio(a, b, test_train_ratio=1 / 9)
    d = [y - x for x, y in zip(a, b, strict=True)]
    j, mean = len(d), sum(d) / len(d)
    var = sum((x - mean) ** 2 for x in d) / (j - 1)
    t = mean / math.sqrt((1 / j + 1 / 9) * var)
    assert r.statistic == pytest.approx(t, rel=REL)
    assert r.p_value == pytest.approx(2 * stats.t.sf(abs(t), j - 1), rel=REL)
    naive = stats.ttest_rel(b, a)
    assert r.p_value > naive.pvalue  # the correction is less confident than the naive t
    assert r.others[0].test.startswith("naive paired t (not used)")


def test_five_by_two_cv() -> None:
    from scipy import stats

    a = [0.80, 0.81, 0.79, 0.82, 0.80, 0.78, 0.81, 0.80, 0.79, 0.81]
    b = [0.82, 0.82, 0.81, 0.83, 0.81, 0.80, 0.83, 0.81, 0.80, 0.83]
    r = five_by_two(a, b)
    p = [[b[2 * i + j] - a[2 * i + j] for j in range(2)] for i in range(5)]
    s2 = [(x - sum(row) / 2) ** 2 + (y - sum(row) / 2) ** 2 for row in p for x, y in [row]]
    t = p[0][0] / math.sqrt(sum(s2) / 5)
    f = sum(x * x for row in p for x in row) / (2 * sum(s2))
    assert r.statistic == pytest.approx(t, rel=REL)
    assert r.p_value == pytest.approx(2 * stats.t.sf(abs(t), 5), rel=REL)
    assert r.extra["f"] == pytest.approx(f, rel=REL)
    assert r.extra["p_f"] == pytest.approx(stats.f.sf(f, 10, 5), rel=REL)
    with pytest.raises(UsageError, match="10 scores a side"):
        five_by_two(a[:8], b[:8])


def test_probability_of_superiority_with_its_ci() -> None:
    from scipy import stats

    a = [0.61, 0.64, 0.59, 0.66, 0.63, 0.60, 0.62, 0.65]
    b = [0.63, 0.60, 0.65, 0.64, 0.66, 0.67, 0.62, 0.64]
    r = compare_samples(a, b)
    u = stats.mannwhitneyu(b, a).statistic
    assert r.extra["p_b_better"] == pytest.approx(u / 64, rel=REL)
    low, high = r.extra["p_b_better_ci"]
    assert low < r.extra["p_b_better"] < high
    assert r.extra["p_b_better_convincing"] is False
    flipped = compare_samples(a, b, higher_is_better=False)
    assert flipped.extra["p_b_better"] == pytest.approx(1 - u / 64, rel=REL)


def _permutation_p(a: list[float], b: list[float]) -> float:
    """scipy's exact two-sided permutation p of the Mann-Whitney U of B."""
    import numpy as np
    from scipy import stats

    def u_of_b(x: list[float], y: list[float], axis: int = -1) -> float:
        return stats.mannwhitneyu(y, x, method="asymptotic", axis=axis).statistic

    return stats.permutation_test(
        (a, b), u_of_b, permutation_type="independent", n_resamples=np.inf, vectorized=True
    ).pvalue


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([1, 1, 1], [2, 2, 2]),
        ([0.7, 0.7, 0.71, 0.72], [0.71, 0.73, 0.73, 0.74, 0.74]),
        ([3, 1, 2, 2, 5, 4, 4, 4], [4, 6, 5, 5, 7, 2]),
    ],
)
def test_mann_whitney_with_ties_is_the_exact_permutation_p(a: list, b: list) -> None:
    r = compare_samples(a, b)
    assert r.extra["p_mann_whitney"] == pytest.approx(_permutation_p(a, b), rel=REL)
    assert r.extra["mann_whitney_method"].startswith("ties: exact over all")


def test_three_constant_runs_a_side_say_no_test_can_decide() -> None:
    """1,1,1 vs 2,2,2: the rank test decides, and 3 + 3 runs cannot go below p = 0.1 = 2/C(6,3):
    the verdict says so and how many runs would (2/C(8,4) = 0.029 < 0.05)."""
    r = compare_samples([1, 1, 1], [2, 2, 2])
    assert r.test == "Mann-Whitney U"
    assert r.p_value == pytest.approx(2 / math.comb(6, 3), rel=REL)
    assert r.verdict == "too_few"
    assert "no test can decide" in r.verdict_text
    assert "at least 4 runs a side" in r.verdict_text
    assert r.effect_size == math.inf  # no variance: Hedges' g is infinite, said so
    assert r.to_json()["effect_size"] is None
    assert "undefined" in r.effect_name


def test_mann_whitney_without_ties_is_scipys_exact() -> None:
    from scipy import stats

    a, b = [0.1, 0.5, 0.3, 0.9, 0.7, 0.2, 0.4, 0.6, 0.8], [0.55, 0.95, 0.85, 0.75, 0.65, 1.0]
    r = compare_samples(a, b)
    ref = stats.mannwhitneyu(b, a, method="exact")
    assert r.extra["p_mann_whitney"] == pytest.approx(ref.pvalue, rel=REL)
    assert r.extra["mann_whitney_method"] == "exact"


def test_mann_whitney_with_ties_and_many_splits_is_a_seeded_monte_carlo() -> None:
    a = [round(0.70 + (i % 5) / 100, 2) for i in range(14)]
    b = [round(0.72 + (i % 5) / 100, 2) for i in range(14)]
    one, two = compare_samples(a, b, seed=7), compare_samples(a, b, seed=7)
    assert one.extra["p_mann_whitney"] == two.extra["p_mann_whitney"]
    assert "Monte-Carlo permutation, 10000 resamples, seed 7" in one.extra["mann_whitney_method"]
    assert one.extra["p_mann_whitney"] == pytest.approx(_permutation_p_mc(a, b), abs=0.01)


def _permutation_p_mc(a: list[float], b: list[float]) -> float:
    import numpy as np
    from scipy import stats

    def u_of_b(x: list[float], y: list[float], axis: int = -1) -> float:
        return stats.mannwhitneyu(y, x, method="asymptotic", axis=axis).statistic

    return stats.permutation_test(
        (a, b),
        u_of_b,
        permutation_type="independent",
        n_resamples=99_999,
        vectorized=True,
        rng=np.random.default_rng(0),
    ).pvalue
