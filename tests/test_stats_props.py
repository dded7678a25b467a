"""Summary numbers: two-proportion z, Fisher, Newcombe, Wilson, Cohen's h and power, against
the reference values and statsmodels/scipy."""

from __future__ import annotations

import pytest

from mlpm.errors import UsageError
from mlpm.stats.props import newcombe, two_proportions, wilson

REL = 1e-9


def test_reference_values_079_vs_075() -> None:
    r = two_proportions(0.75, 0.79, 1000)
    assert r.statistic == pytest.approx(2.12537571, rel=1e-8)
    assert r.p_value == pytest.approx(0.03355527543, rel=1e-9)
    assert r.extra["p_fisher"] == pytest.approx(0.03817273195, rel=1e-9)
    assert r.extra["odds_ratio"] == pytest.approx(1.253968254, rel=1e-9)
    assert r.extra["newcombe_ci"] == pytest.approx([0.00310334951, 0.07676924488], rel=1e-9)
    assert r.ci_low is not None and 0 < r.ci_low < r.difference < r.ci_high
    assert r.extra["wilson_b"] == pytest.approx([0.7636693995, 0.8141110806], rel=1e-9)
    assert r.extra["wilson_a"] == pytest.approx([0.7222397197, 0.775846901], rel=1e-9)
    assert r.effect_size == pytest.approx(0.09512991507, rel=1e-9)
    assert r.extra["n_per_model_80"] == pytest.approx(1734.612167, rel=1e-9)
    assert r.verdict == "b_better"
    assert "1,735 test examples per model" in r.power_text
    assert "489 examples paired" in r.power_text
    assert any("paired test" in w for w in r.warnings)


def test_matches_statsmodels() -> None:
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import (
        confint_proportions_2indep,
        proportion_confint,
        proportions_ztest,
    )

    for (x_a, n_a), (x_b, n_b) in [((612, 900), (655, 910)), ((40, 120), (61, 130))]:
        r = two_proportions(x_a / n_a, x_b / n_b, n_a, n_b)
        z, p = proportions_ztest([x_b, x_a], [n_b, n_a])
        assert r.extra["z"] == pytest.approx(z, rel=REL)
        assert r.extra["p_z"] == pytest.approx(p, rel=REL)
        low, high = confint_proportions_2indep(x_b, n_b, x_a, n_a, method="newcomb")
        assert r.extra["newcombe_ci"] == pytest.approx([low, high], rel=REL)
        assert wilson(x_a, n_a) == pytest.approx(
            proportion_confint(x_a, n_a, method="wilson"), rel=REL
        )
        n = NormalIndPower().solve_power(r.effect_size, alpha=0.05, power=0.8, ratio=1.0)
        assert r.extra["n_per_model_80"] == pytest.approx(n, rel=1e-6)


def test_fisher_decides_for_small_counts() -> None:
    from scipy.stats import fisher_exact

    r = two_proportions(0.9, 0.3, 10)
    assert r.test == "Fisher's exact test"
    assert r.p_value == pytest.approx(fisher_exact([[3, 7], [9, 1]]).pvalue, rel=REL)
    assert r.verdict == "a_better"


def test_no_difference_names_what_could_be_detected() -> None:
    r = two_proportions(0.75, 0.76, 500)
    assert r.verdict == "no_difference"
    assert "could only detect a gain of" in r.verdict_text


def test_equivalence_within_margin() -> None:
    r = two_proportions(0.800, 0.801, 100_000, margin=0.01)
    assert r.verdict == "equivalent"
    assert "within ±0.01" in r.verdict_text
    lo, hi = newcombe(80_000, 100_000, 80_100, 100_000, 0.10)
    assert -0.01 < lo < hi < 0.01


def test_all_correct_on_both_sides_is_not_a_difference() -> None:
    r = two_proportions(1.0, 1.0, 50)
    assert r.p_value == 1.0
    assert r.verdict == "no_difference"


@pytest.mark.parametrize("bad", [1.5, -0.1, float("nan")])
def test_refuses_values_that_are_not_proportions(bad: float) -> None:
    with pytest.raises(UsageError, match="proportion"):
        two_proportions(bad, 0.5, 100)


def test_refuses_empty_test_set() -> None:
    with pytest.raises(UsageError, match="--n"):
        two_proportions(0.5, 0.6, 0)


@pytest.mark.parametrize(
    ("acc", "n", "places"),
    [(0.75, 3, None), (0.79, 3, None), (0.7, 3, 2), (0.5, 7, None), (0.7512, 1000, None)],
)
def test_refuses_an_accuracy_that_is_no_whole_count(acc: float, n: int, places: int | None) -> None:
    with pytest.raises(UsageError, match="is not a whole number of correct answers"):
        two_proportions(acc, 0.5 if n % 2 == 0 else 1.0, n, places=(places, None))


def test_the_message_shows_the_arithmetic() -> None:
    with pytest.raises(UsageError) as info:
        two_proportions(0.75, 0.79, 3)
    assert str(info.value).startswith("A: 0.75 × 3 = 2.25 is not a whole number of correct answers")


@pytest.mark.parametrize(
    ("acc", "n", "count"), [(0.751, 1000, 751), (0.333, 3, 1), (0.67, 3, 2), (0.7, 3, 2)]
)
def test_accepts_an_accuracy_rounded_to_the_digits_given(acc: float, n: int, count: int) -> None:
    r = two_proportions(acc, 0.0, n)
    assert r.extra["count_a"] == count


def test_detectable_gain_is_never_more_than_possible() -> None:
    """With 3 examples a side no accuracy gain can be detected: say so, not "1.08"."""
    r = two_proportions(1 / 3, 2 / 3, 3)
    assert r.verdict == "no_difference"
    assert r.verdict_text == (
        "no detectable difference (this data is too small to detect any possible gain)"
    )
    assert r.to_json()["detectable"] is None


def test_fisher_odds_ratio_undefined_is_not_nan() -> None:
    r = two_proportions(0.0, 0.0, 10)
    assert r.test == "Fisher's exact test" and r.p_value == 1.0
    assert r.statistic is None
    from mlpm.stats.report import render

    assert "nan" not in render(r)
