"""Many regression checks against earlier runs at once, with `regression_check`'s verdicts.

One measure of a group's finished runs becomes a `Series` sorted by start time with exact
prefix sums, so the baseline of a run (the runs that started before it) is a bisection and
its mean and standard deviation a few integer operations: exact, so equal to what
`statistics` gives `regression_check` on the same numbers. A check that is not worse, or
whose t statistic is below the normal distribution's critical value (the t distribution's is
higher), is settled without scipy; the rest get their p-values in one scipy call.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

from mlpm.stats.regression import (
    MIN_BASELINE,
    RegressionResult,
    grossly_worse,
    prediction_p_values,
    prediction_result,
    prediction_t,
    regression_check,
)

_SQRT_BITS = 2 * 53 + 3  # as `statistics`: enough bits for a correctly rounded float root


@dataclass(slots=True)
class Series:
    """One measure over a group's finished runs, oldest first: the finite values (with exact
    prefix sums of value * scale and its square, all integers) and the non-finite ones."""

    starts: list[Any]
    values: list[float]
    bad_starts: list[Any]
    bad_values: list[float]
    scale: int
    sums: list[int]
    squares: list[int]

    def baseline(self, start: Any) -> list[float]:
        """The values of the runs that started before `start` (non-finite ones too)."""
        k, bad = bisect_left(self.starts, start), bisect_left(self.bad_starts, start)
        return self.values[:k] + self.bad_values[:bad]


def series(points: Iterable[tuple[Any, float]]) -> Series:
    """A series from (start time, value) pairs."""
    good: list[tuple[Any, float]] = []
    bad: list[tuple[Any, float]] = []
    for start, value in sorted(points, key=lambda p: p[0]):
        (good if math.isfinite(value) else bad).append((start, value))
    ratios = [v.as_integer_ratio() for _, v in good]
    scale = max((d for _, d in ratios), default=1)  # powers of two: the largest is common
    sums, squares = [0], [0]
    for n, d in ratios:
        scaled = n * (scale // d)
        sums.append(sums[-1] + scaled)
        squares.append(squares[-1] + scaled * scaled)
    return Series(
        [s for s, _ in good],
        [v for _, v in good],
        [s for s, _ in bad],
        [v for _, v in bad],
        scale,
        sums,
        squares,
    )


def _sqrt_of_fraction(n: int, m: int) -> float:
    """The square root of n/m (both positive), correctly rounded, as `statistics.stdev`
    rounds it (round to odd on enough bits, then one rounding to float)."""
    q = (n.bit_length() - m.bit_length() - _SQRT_BITS) // 2
    if q >= 0:
        m <<= 2 * q
        root = math.isqrt(n // m)
        return float((root | (root * root * m != n)) << q)
    n <<= -2 * q
    root = math.isqrt(n // m)
    return (root | (root * root * m != n)) / (1 << -q)


@dataclass(slots=True)
class _Pending:
    key: Hashable
    t: float
    n_base: int
    ratio: float
    ignored: int


@dataclass
class BatchCheck:
    """Checks added one by one; `flagged()` gives the results of the ones flagged."""

    alpha: float = 0.05
    _flagged: dict[Hashable, RegressionResult] = field(default_factory=dict)
    _pending: dict[bool, list[_Pending]] = field(default_factory=lambda: {True: [], False: []})

    def __post_init__(self) -> None:
        # Below the normal's one-sided critical value, a t statistic's p is above alpha.
        usable = 0 < self.alpha < 0.5
        self._cut = NormalDist().inv_cdf(1 - self.alpha) * (1 - 1e-9) if usable else -math.inf

    def add(self, key: Hashable, s: Series, start: Any, value: float, higher: bool) -> None:
        """Is `value` worse than the values of `s` that started before `start`?"""
        k = bisect_left(s.starts, start)
        if k == 0 or not math.isfinite(value):
            return  # nothing to compare: never flagged
        total = s.sums[k]
        mean = total / s.scale / k  # as fmean: the correctly rounded sum, divided by k
        if not (value < mean if higher else value > mean):
            return
        ss = k * s.squares[k] - total * total
        sd = _sqrt_of_fraction(ss, k * (k - 1) * s.scale * s.scale) if k > 1 and ss else 0.0
        ratio = value / mean if mean != 0 else math.nan
        if k < MIN_BASELINE or sd == 0:  # the rule of thumb, no test: ask for its words
            if grossly_worse(ratio, True, higher):
                self._check(key, s.baseline(start), value, higher)
            return
        t = prediction_t(value, mean, sd, k)
        if abs(t) < self._cut:
            return
        ignored = bisect_left(s.bad_starts, start)
        self._pending[higher].append(_Pending(key, t, k, ratio, ignored))

    def add_plain(self, key: Hashable, baseline: list[float], value: float, higher: bool) -> None:
        """A check against a baseline given as it is (for a case the series cannot serve)."""
        self._check(key, baseline, value, higher)

    def _check(self, key: Hashable, baseline: list[float], value: float, higher: bool) -> None:
        result = regression_check(baseline, value, higher_is_better=higher, alpha=self.alpha)
        if result.flagged:
            self._flagged[key] = result

    def flagged(self) -> dict[Hashable, RegressionResult]:
        """Every check flagged, by key (the p-values still needed computed in one go)."""
        for higher, pending in self._pending.items():
            ps = prediction_p_values([c.t for c in pending], [c.n_base for c in pending], higher)
            for c, p in zip(pending, ps, strict=True):
                result = prediction_result(c.ratio, True, p, c.n_base, self.alpha, c.ignored)
                if result.flagged:
                    self._flagged[c.key] = result
            pending.clear()
        return self._flagged
