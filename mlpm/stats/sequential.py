"""Seed by seed without cheating: an anytime-valid confidence sequence for the mean difference
B - A, so the check may be rerun after every new seed and stopped when it decides, with the
chance of ever wrongly calling a winner held at alpha.

Seeds arrive as pairs (run i of A and run i of B; unpaired runs are paired in arrival order,
which keeps the differences independent with mean mu_B - mu_A).

- Bounded scores (every score within known bounds, e.g. accuracies in [0, 1]): the predictable
  plug-in empirical-Bernstein confidence sequence of Waudby-Smith & Ramdas (2023, JRSS-B,
  Theorem 2), on the differences rescaled to [0, 1]. Valid with no other assumption.
- Otherwise (the default; losses, log-likelihoods, or bounded scores whose gains are small
  against their range, where any bounded-mean sequence needs many seeds): a group-sequential
  t design with a look after every seed up to a planned maximum (50 by default). Under
  normal differences the sequence of t statistics has the same law whatever the variance, so
  one nominal level alpha' (Pocock's idea, found once by seeded simulation) makes the chance
  of ever crossing it at any look <= max_seeds exactly alpha. The interval at each look is
  mean +- t(1 - alpha'/2, n - 1) s / sqrt(n). It assumes roughly normal differences.

The interval is the running intersection of all intervals so far (itself a valid sequence).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from mlpm.errors import UsageError
from mlpm.stats.checks import as_array, check_alpha, check_margin
from mlpm.stats.fmt import num
from mlpm.wording import counted

LAMBDA_CAP = 0.5  # the bet never exceeds half the capital (the paper's c = 1/2)
MIN_LOOK = 3  # the t design looks from 3 pairs on (with 2, one degree of freedom wastes alpha)
MAX_SEEDS = 50
SIMULATIONS = 40_000
DECISIONS = ("continue", "b_better", "a_better", "no_difference")


@dataclass(slots=True)
class SequentialResult:
    """The decision after the seeds so far, with the anytime-valid interval of B - A."""

    decision: str  # one of DECISIONS
    decision_text: str
    n: int  # pairs of runs used
    mean_difference: float
    ci_low: float
    ci_high: float
    alpha: float
    method: str
    assumption: str
    delta: float | None
    higher_is_better: bool
    intervals: list[tuple[int, float, float]] = field(default_factory=list)  # (n, low, high)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        from mlpm.stats.result import _clean_json

        return {"kind": "sequential", **_clean_json(asdict(self))}


def eb_sequence(x: Any, alpha: float) -> tuple[Any, Any]:
    """Running (low, high) of the empirical-Bernstein confidence sequence for the mean of
    values in [0, 1]; `x` is (..., n), so many sequences run at once (before intersection)."""
    import numpy as np

    x = np.asarray(x, dtype=float)
    n = x.shape[-1]
    t = np.arange(1, n + 1, dtype=float)
    mu_hat = (0.5 + np.cumsum(x, axis=-1)) / (t + 1)
    mu_prev = np.concatenate([np.full((*x.shape[:-1], 1), 0.5), mu_hat[..., :-1]], axis=-1)
    var_hat = (0.25 + np.cumsum((x - mu_hat) ** 2, axis=-1)) / (t + 1)
    var_prev = np.concatenate([np.full((*x.shape[:-1], 1), 0.25), var_hat[..., :-1]], axis=-1)
    log_term = math.log(2 / alpha)
    lam = np.minimum(np.sqrt(2 * log_term / (var_prev * t * np.log1p(t))), LAMBDA_CAP)
    psi = (-np.log1p(-lam) - lam) / 4
    v = 4 * (x - mu_prev) ** 2
    lam_sum = np.cumsum(lam, axis=-1)
    centre = np.cumsum(lam * x, axis=-1) / lam_sum
    half = (log_term + np.cumsum(v * psi, axis=-1)) / lam_sum
    return centre - half, centre + half


@functools.lru_cache(maxsize=16)
def nominal_level(alpha: float, max_seeds: int, first: int = MIN_LOOK) -> float:
    """alpha' with P(some look n in first..max_seeds has paired-t p < alpha') = alpha under
    normal null differences (seeded simulation, deterministic)."""
    import numpy as np
    from scipy import special

    rng = np.random.default_rng(20210101)
    z = rng.standard_normal((SIMULATIONS, max_seeds))
    n = np.arange(1, max_seeds + 1, dtype=float)
    mean = np.cumsum(z, axis=1) / n
    var = (np.cumsum(z * z, axis=1) - n * mean**2) / np.maximum(n - 1, 1)
    looks = slice(first - 1, max_seeds)
    t = np.abs(mean[:, looks] / np.sqrt(var[:, looks] / n[looks]))
    df = n[looks] - 1

    def crossed(level: float) -> float:
        return float(np.mean((t > special.stdtrit(df, 1 - level / 2)).any(axis=1)))

    # Bisection on the nominal level: 40 comparisons of the simulated paths.
    low, high = alpha / max_seeds, alpha  # Bonferroni's level is too small, alpha too large
    for _ in range(40):
        mid = math.sqrt(low * high)
        low, high = (mid, high) if crossed(mid) <= alpha else (low, mid)
    return low


def t_sequence(d: Any, alpha: float, max_seeds: int) -> tuple[Any, Any]:
    """Running (low, high) of the group-sequential t intervals for the mean of `d` (..., n);
    nan before MIN_LOOK values."""
    import numpy as np
    from scipy import special

    d = np.asarray(d, dtype=float)
    n = np.arange(1, d.shape[-1] + 1, dtype=float)
    level = nominal_level(alpha, max_seeds)
    mean = np.cumsum(d, axis=-1) / n
    var = np.maximum((np.cumsum(d * d, axis=-1) - n * mean**2) / np.maximum(n - 1, 1), 0.0)
    crit = np.where(n >= MIN_LOOK, special.stdtrit(np.maximum(n - 1, 1), 1 - level / 2), np.nan)
    half = crit * np.sqrt(var / n)
    # A look whose differences are all equal has no spread: its zero-width interval says
    # nothing (and would pin the running intersection to one point), so it counts as no look.
    flat = var <= 1e-24 * np.maximum(mean**2, 1e-300)
    half = np.where(flat, np.nan, half)
    return mean - half, mean + half


def running_intersection(low: Any, high: Any) -> tuple[Any, Any]:
    import numpy as np

    low = np.fmax.accumulate(np.nan_to_num(low, nan=-np.inf), axis=-1)
    high = np.fmin.accumulate(np.nan_to_num(high, nan=np.inf), axis=-1)
    return low, high


def sequential_test(
    a: Sequence[float],
    b: Sequence[float],
    *,
    alpha: float = 0.05,
    delta: float | None = None,
    bounds: tuple[float, float] | None = None,
    max_seeds: int = MAX_SEEDS,
    higher_is_better: bool = True,
    label_a: str = "A",
    label_b: str = "B",
) -> SequentialResult:
    """Decide from the runs so far: "keep adding seeds", B (or A) better, or no difference
    larger than `delta`. With `bounds` (low, high) holding every possible score, the
    assumption-free empirical-Bernstein sequence; else the group-sequential t design with
    looks after every seed up to `max_seeds`."""
    import numpy as np

    check_alpha(alpha)
    check_margin(delta)
    if max_seeds < MIN_LOOK:
        raise UsageError(f"max_seeds must be at least {MIN_LOOK} (got {max_seeds})")
    x, y = as_array(a, label_a), as_array(b, label_b)
    warnings: list[str] = []
    n = min(x.size, y.size)
    if x.size != y.size:
        warnings.append(
            f"{label_a} has {x.size} runs and {label_b} {y.size}: the first {n} of each are "
            "paired in the order given; add runs to both"
        )
    x, y = x[:n], y[:n]
    d = y - x
    if bounds is not None:
        lo, hi = float(bounds[0]), float(bounds[1])
        if not hi > lo:
            raise UsageError(f"bounds must be low < high (got {lo}, {hi})")
        outside = int(np.count_nonzero((np.r_[x, y] < lo) | (np.r_[x, y] > hi)))
        if outside:
            raise UsageError(f"{counted(outside, 'score')} outside the bounds [{lo:g}, {hi:g}]")
        span = hi - lo
        low_x, high_x = eb_sequence((d + span) / (2 * span), alpha)
        # Back to B - A units, never wider than the differences can be.
        low = np.maximum(low_x * 2 * span - span, -span)
        high = np.minimum(high_x * 2 * span - span, span)
        method = "empirical-Bernstein confidence sequence (Waudby-Smith & Ramdas 2023)"
        assumption = f"every score lies in [{lo:g}, {hi:g}]; nothing else is assumed"
    else:
        if n > max_seeds:
            raise UsageError(
                f"{n} seeds is past the planned maximum of {max_seeds}: the design's alpha "
                "holds only up to it (plan a larger --max-seeds before starting)"
            )
        low, high = t_sequence(d, alpha, max_seeds)
        level = nominal_level(alpha, max_seeds)
        method = (
            f"group-sequential paired t, a look after every seed up to {max_seeds} "
            f"(nominal level {level:.3g} per look)"
        )
        assumption = (
            "the differences are roughly normal; for bounded scores, --bounds gives an "
            "assumption-free (but slower to decide) sequence"
        )
    raw_low, raw_high = low, high
    low, high = running_intersection(low, high)
    if low[-1] > high[-1]:
        # An empty intersection happens with chance below alpha when the assumption holds;
        # show the latest look's own interval and say what it means instead of [hi, lo].
        low[-1], high[-1] = float(raw_low[-1]), float(raw_high[-1])
        warnings.append(
            "the intervals so far contradict each other (their intersection is empty): "
            "the scores may break the method's assumption; the latest look's own interval "
            "is shown" + ("" if bounds is not None else " (--bounds assumes less)")
        )
    ci_low, ci_high = float(low[-1]), float(high[-1])
    mean = float(d.mean())
    decision, text = _decide(ci_low, ci_high, delta, higher_is_better, label_a, label_b, n)
    flat = float(np.ptp(d)) <= 1e-12 * max(float(np.abs(d).max(initial=0.0)), 1e-300)
    if bounds is None and n >= MIN_LOOK and flat and decision == "continue":
        ci_low = ci_high = math.nan  # never a zero-width interval
        text = (
            f"keep adding seeds: all {n} differences equal {mean:+.4g} so far, no "
            "spread for the t sequence to build an interval from (--bounds LOW,HIGH gives a "
            "sequence that needs none)"
        )
    return SequentialResult(
        decision=decision,
        decision_text=text,
        n=n,
        mean_difference=mean,
        ci_low=ci_low,
        ci_high=ci_high,
        alpha=alpha,
        method=method,
        assumption=assumption,
        delta=delta,
        higher_is_better=higher_is_better,
        intervals=[
            (i + 1, float(lw), float(hg)) for i, (lw, hg) in enumerate(zip(low, high, strict=True))
        ],
        warnings=warnings,
    )


def _decide(
    low: float,
    high: float,
    delta: float | None,
    higher_is_better: bool,
    label_a: str,
    label_b: str,
    n: int,
) -> tuple[str, str]:
    """The decision from the current interval: a winner only when it excludes 0."""
    shown = (
        f"anytime-valid CI [{num(low)}, {num(high)}] after {counted(n, 'seed')}"
        if math.isfinite(low) and math.isfinite(high)
        else f"no interval yet after {counted(n, 'seed')}"
    )
    if not (math.isfinite(low) and math.isfinite(high)):
        return "continue", f"keep adding seeds: {shown} (the design looks from {MIN_LOOK} on)"
    if low > 0 or high < 0:
        b_wins = (low > 0) == higher_is_better
        winner, loser = (label_b, label_a) if b_wins else (label_a, label_b)
        return ("b_better" if b_wins else "a_better"), f"{winner} is better than {loser} ({shown})"
    if delta is not None and -delta < low and high < delta:
        return "no_difference", f"no difference larger than {num(delta)} ({shown})"
    want = f"; or stop when it lies within ±{num(delta)}" if delta is not None else ""
    return "continue", f"keep adding seeds: the {shown} still contains 0{want}"
