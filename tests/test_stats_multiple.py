"""Several comparisons: adjusted p-values and Friedman / Iman-Davenport / Nemenyi."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlpm.errors import UsageError
from mlpm.stats.multiple import adjust, against_baseline, friedman_nemenyi

P = [0.01, 0.04, 0.03, 0.005, 0.2]


@pytest.mark.parametrize(
    ("method", "expected", "sm_name"),
    [
        ("holm", [0.04, 0.09, 0.09, 0.025, 0.2], "holm"),
        ("bonferroni", [0.05, 0.2, 0.15, 0.025, 1.0], "bonferroni"),
        ("bh", [0.025, 0.05, 0.05, 0.025, 0.2], "fdr_bh"),
    ],
)
def test_adjust_reference_and_statsmodels(method: str, expected: list[float], sm_name: str) -> None:
    from statsmodels.stats.multitest import multipletests

    got = adjust(P, method)
    assert got == pytest.approx(expected, rel=1e-9)
    assert got == pytest.approx(list(multipletests(P, method=sm_name)[1]), rel=1e-9)
    rng = np.random.default_rng(0)
    ps = list(rng.random(17) ** 3)
    assert adjust(ps, method) == pytest.approx(list(multipletests(ps, method=sm_name)[1]), rel=1e-9)


def test_adjust_refuses_bad_input() -> None:
    with pytest.raises(UsageError, match="between 0 and 1"):
        adjust([0.1, 1.2])
    with pytest.raises(UsageError, match="unknown adjustment"):
        adjust([0.1], "sidak")


def test_friedman_nemenyi() -> None:
    from scipy import stats

    rng = np.random.default_rng(1)
    table = rng.normal(size=(14, 4)) + np.array([0.0, 0.3, 0.9, 1.5])
    r = friedman_nemenyi(table.tolist(), ["a", "b", "c", "d"])
    ref = stats.friedmanchisquare(*table.T)
    assert r.chi2 == pytest.approx(ref.statistic, rel=1e-9)
    assert r.p_friedman == pytest.approx(ref.pvalue, rel=1e-9)
    n, k = 14, 4
    ff = (n - 1) * ref.statistic / (n * (k - 1) - ref.statistic)
    assert r.iman_davenport == pytest.approx(ff, rel=1e-9)
    assert r.p_iman_davenport == pytest.approx(stats.f.sf(ff, k - 1, (k - 1) * (n - 1)), rel=1e-9)
    # Demšar 2006, table 5: q_0.05 for k = 4 is 2.569.
    assert r.q_alpha == pytest.approx(2.569, abs=5e-4)
    assert r.critical_difference == pytest.approx(2.569031772546482 * math.sqrt(20 / 84), rel=1e-6)
    ranks = stats.rankdata(-table, axis=1).mean(axis=0)
    assert r.mean_ranks == pytest.approx(list(ranks), rel=1e-12)
    assert ("d", "a", pytest.approx(ranks[0] - ranks[3])) in r.different_pairs


def test_friedman_guards() -> None:
    with pytest.raises(UsageError, match="at least 3 models"):
        friedman_nemenyi([[1, 2], [2, 3]], ["a", "b"])
    with pytest.raises(UsageError, match="at least 2 datasets"):
        friedman_nemenyi([[1, 2, 3]], ["a", "b", "c"])
    flat = friedman_nemenyi([[1, 1, 1], [2, 2, 2]], ["a", "b", "c"])
    assert flat.p_friedman == 1.0 and not flat.different_pairs


def test_against_baseline_uses_adjusted_p() -> None:
    base = [0.70, 0.71, 0.69, 0.70, 0.72]
    columns = {
        "base": base,
        "big": [0.80, 0.81, 0.79, 0.80, 0.82],
        "same": [0.70, 0.72, 0.69, 0.71, 0.70],
    }
    rows = against_baseline(columns, "base")
    by = {r.model: r for r in rows}
    assert by["big"].verdict == "b_better"
    assert by["same"].verdict == "no_difference"
    raw = [by["big"].result.p_value, by["same"].result.p_value]
    assert [by["big"].p_adjusted, by["same"].p_adjusted] == pytest.approx(adjust(raw))
    with pytest.raises(UsageError, match="no column 'nope'"):
        against_baseline(columns, "nope")
