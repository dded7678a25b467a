"""Seed by seed: peeking after every seed up to 50 keeps the false positive rate at alpha for
the anytime-valid sequences, and not for the plain t-test."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mlpm.errors import UsageError
from mlpm.stats.sequential import (
    eb_sequence,
    running_intersection,
    sequential_test,
    t_sequence,
)

SIMS, SEEDS, ALPHA = 2000, 50, 0.05
SLACK = 3 * np.sqrt(ALPHA * (1 - ALPHA) / SIMS)  # three Monte-Carlo standard errors


def _ever_rejects(low: np.ndarray, high: np.ndarray) -> float:
    return float(((low > 0) | (high < 0)).any(axis=1).mean())


def test_peeking_after_every_seed_keeps_alpha_and_the_plain_t_does_not() -> None:
    rng = np.random.default_rng(2024)
    d = rng.normal(0.0, 0.01, (SIMS, SEEDS))  # B - A, no true difference
    assert _ever_rejects(*running_intersection(*t_sequence(d, ALPHA, SEEDS))) <= ALPHA + SLACK
    plain = np.zeros(SIMS, dtype=bool)
    for n in range(3, SEEDS + 1):
        plain |= stats.ttest_1samp(d[:, :n], 0.0, axis=1).pvalue < ALPHA
    assert plain.mean() > 3 * ALPHA  # stopping at the first p < 0.05 finds "winners"


def test_bounded_sequence_keeps_alpha_on_bounded_scores() -> None:
    rng = np.random.default_rng(7)
    a, b = rng.beta(8, 2, (SIMS, SEEDS)), rng.beta(8, 2, (SIMS, SEEDS))
    low, high = eb_sequence((b - a + 1) / 2, ALPHA)
    assert _ever_rejects(*running_intersection(2 * low - 1, 2 * high - 1)) <= ALPHA + SLACK


def test_one_check_matches_the_vectorised_sequence() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(0.80, 0.01, 12)
    b = a + rng.normal(0.002, 0.01, 12)
    r = sequential_test(list(a), list(b))
    low, high = running_intersection(*t_sequence(b - a, ALPHA, SEEDS))
    assert (r.ci_low, r.ci_high) == pytest.approx((low[-1], high[-1]))
    assert r.n == 12 and len(r.intervals) == 12


def test_decisions() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(0.80, 0.005, 10)
    better = sequential_test(list(a), list(a + 0.02 + rng.normal(0, 0.002, 10)))
    assert better.decision == "b_better" and better.ci_low > 0
    assert better.decision_text.startswith("B is better than A (anytime-valid CI [")
    loss = sequential_test(
        list(a), list(a + 0.02 + rng.normal(0, 0.002, 10)), higher_is_better=False, label_b="new"
    )
    assert loss.decision == "a_better"
    tight = sequential_test(list(a), list(a + rng.normal(0, 0.0005, 10)), delta=0.01)
    assert tight.decision == "no_difference"
    assert tight.decision_text.startswith("no difference larger than 0.01")
    early = sequential_test([0.8, 0.81], [0.82, 0.80])
    assert early.decision == "continue" and "keep adding seeds" in early.decision_text
    assert early.to_json()["ci_low"] is None  # no interval from 2 pairs: null, not -inf


def test_refusals() -> None:
    with pytest.raises(UsageError, match="past the planned maximum of 5"):
        sequential_test([0.1] * 6, [0.2] * 6, max_seeds=5)
    with pytest.raises(UsageError, match="outside the bounds"):
        sequential_test([0.1, 0.2, 1.5], [0.2, 0.3, 0.4], bounds=(0.0, 1.0))


def test_equal_differences_print_no_zero_width_interval() -> None:
    """All differences equal: the t sequence has no spread, so it says so and shows no
    interval (never [0.1, 0.1]); with --bounds the assumption-free sequence still speaks."""
    from mlpm.stats.sequential import sequential_test

    flat = sequential_test([0.5] * 6, [0.6] * 6)
    assert flat.decision == "continue"
    assert "all 6 differences equal +0.1" in flat.decision_text
    assert math.isnan(flat.ci_low) and math.isnan(flat.ci_high)
    bounded = sequential_test([0.5] * 6, [0.6] * 6, bounds=(0.0, 1.0))
    assert bounded.ci_low < bounded.ci_high


def test_an_early_flat_stretch_does_not_pin_the_interval() -> None:
    """Three equal differences, then spread: the interval is the later looks' (it contains
    the mean), not the single point of the flat looks."""
    from mlpm.stats.sequential import sequential_test

    a = [0.5, 0.5, 0.5, 0.51, 0.49, 0.5, 0.52]
    b = [0.6, 0.6, 0.6, 0.58, 0.63, 0.61, 0.6]
    result = sequential_test(a, b)
    assert result.ci_low < result.mean_difference < result.ci_high
    assert result.ci_high - result.ci_low > 1e-3
