"""Almost Stochastic Order, written from the papers."""

from __future__ import annotations

import numpy as np
import pytest

from mlpm.stats.aso import _grid, _ratios, aso


def _dense_ratio(a: np.ndarray, b: np.ndarray, steps: int = 200_000) -> float:
    """The violation ratio integrated numerically on a fine grid of t in (0, 1)."""
    t = (np.arange(steps) + 0.5) / steps
    qa = np.sort(a)[np.ceil(t * a.size).astype(int) - 1]
    qb = np.sort(b)[np.ceil(t * b.size).astype(int) - 1]
    gap = qa - qb
    return float((gap[gap < 0] ** 2).sum() / (gap**2).sum())


@pytest.mark.parametrize(("n", "m"), [(7, 7), (7, 5), (30, 41)])
def test_violation_ratio_is_the_exact_integral(n: int, m: int) -> None:
    rng = np.random.default_rng(n * m)
    a, b = rng.normal(0.2, 1, n), rng.normal(0, 1, m)
    exact = float(_ratios(np.sort(a), np.sort(b), _grid(n, m)))
    assert exact == pytest.approx(_dense_ratio(a, b), abs=1e-4)


def test_dominance_and_its_reverse() -> None:
    rng = np.random.default_rng(0)
    good, bad = rng.normal(1.0, 0.5, 40), rng.normal(0.0, 0.5, 40)
    forward = aso(good, bad)
    backward = aso(bad, good)
    assert forward.eps_min is not None and forward.eps_min < 0.2
    assert backward.eps_min is not None and backward.eps_min > 0.8
    assert forward.eps_min >= forward.violation_ratio  # an upper confidence bound


def test_seed_is_fixed_and_reported() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(0.1, 1, 25), rng.normal(0, 1, 25)
    one, two = aso(a, b, seed=42), aso(a, b, seed=42)
    assert one == two and one.seed == 42 and one.resamples == 1000
    assert aso(a, b, seed=43).eps_min != one.eps_min


def test_identical_distributions_are_undefined_not_zero() -> None:
    r = aso([1.0, 2.0, 3.0], [3.0, 1.0, 2.0])
    assert r.eps_min is None and "identical" in r.note
