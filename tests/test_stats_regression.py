"""The regression check behind the Runs table's flag."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from mlpm.stats.regression import regression_check


def test_the_18_seconds_to_15_minutes_epoch_is_flagged_even_with_one_baseline_run() -> None:
    r = regression_check([18.0], 900.0, higher_is_better=False)
    assert r.flagged and r.p_value is None
    assert r.ratio == pytest.approx(50.0)
    assert "only 1 baseline run" in r.message and "no significance test" in r.message


def test_small_baseline_does_not_claim_certainty() -> None:
    r = regression_check([18.0, 18.4, 17.9], 19.0, higher_is_better=False)
    assert not r.flagged and r.p_value is None
    assert "only 3 baseline run" in r.message


def test_prediction_interval_test_with_enough_baseline() -> None:
    base = [18.0, 18.5, 17.9, 18.2, 18.1]
    r = regression_check(base, 19.0, higher_is_better=False)
    mean = sum(base) / 5
    sd = math.sqrt(sum((x - mean) ** 2 for x in base) / 4)
    t = (19.0 - mean) / (sd * math.sqrt(1 + 1 / 5))
    assert r.p_value == pytest.approx(stats.t.sf(t, 4), rel=1e-9)
    assert r.flagged
    assert r.message.startswith("significantly worse")


def test_higher_is_better_direction() -> None:
    base = [0.80, 0.81, 0.79, 0.80, 0.805]
    assert regression_check(base, 0.70, higher_is_better=True).flagged
    better = regression_check(base, 0.90, higher_is_better=True)
    assert not better.flagged and better.message.startswith("not worse")


def test_several_new_runs_use_welch() -> None:
    base = [100.0, 102.0, 98.0, 101.0, 99.0]
    new = [90.0, 91.0, 89.0]
    r = regression_check(base, new, higher_is_better=True)
    ref = stats.ttest_ind(new, base, equal_var=False, alternative="less")
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert r.flagged


def test_flat_baseline_and_bad_numbers() -> None:
    flat = regression_check([18.0] * 5, 19.0, higher_is_better=False)
    assert not flat.flagged and "all equal" in flat.message
    r = regression_check([18.0, float("nan"), 18.2], float("inf"), higher_is_better=False)
    assert not r.flagged and "no finite value" in r.message
    empty = regression_check([], 3.0, higher_is_better=False)
    assert not empty.flagged and "no baseline" in empty.message
