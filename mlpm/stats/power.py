"""Power: how many seeds, folds or test examples would detect a given gain, and the smallest
gain the data at hand could detect. All at 80% power and two-sided level alpha by default."""

from __future__ import annotations

import math

POWER = 0.8


def normal_ind_power(effect: float, n_a: float, alpha: float, ratio: float = 1.0) -> float:
    """Power of a two-sided z-test for a standardised effect (as statsmodels NormalIndPower)."""
    from scipy.stats import norm

    crit = norm.isf(alpha / 2)
    shift = abs(effect) * math.sqrt(n_a / (1 + 1 / ratio))
    return float(norm.sf(crit - shift) + norm.cdf(-crit - shift))


def n_two_proportions(h: float, alpha: float, power: float = POWER, ratio: float = 1.0) -> float:
    """Examples per model for Cohen's h at this power (unpaired); inf when h = 0."""
    from scipy.optimize import brentq

    if h == 0:
        return math.inf
    return float(
        brentq(
            lambda n: normal_ind_power(h, n, alpha, ratio) - power,
            1e-6,
            1e12,
            xtol=1e-12,
            rtol=1e-15,
            maxiter=500,
        )
    )


def n_mcnemar(delta: float, p_disagree: float, alpha: float, power: float = POWER) -> float:
    """Test examples for a paired (McNemar) comparison: gain `delta`, disagreement rate
    `p_disagree` (Connor 1987). inf when the gain cannot be reached at that rate."""
    from scipy.stats import norm

    if delta == 0 or p_disagree <= delta**2:
        return math.inf
    za, zb = norm.isf(alpha / 2), norm.ppf(power)
    return float(
        (za * math.sqrt(p_disagree) + zb * math.sqrt(p_disagree - delta**2)) ** 2 / delta**2
    )


def _t_power(d: float, n: float, alpha: float, *, paired: bool) -> float:
    from scipy.stats import nct, t

    df = n - 1 if paired else 2 * n - 2
    nc = abs(d) * (math.sqrt(n) if paired else math.sqrt(n / 2))
    crit = t.isf(alpha / 2, df)
    value = float(nct.sf(crit, df, nc) + nct.cdf(-crit, df, nc))
    return 1.0 if math.isnan(value) else value  # nct fails only far in the tail, where power ~ 1


def n_t(d: float, alpha: float, power: float = POWER, *, paired: bool) -> float:
    """Runs per side (or pairs) for a t-test to detect a standardised effect `d`."""
    from scipy.optimize import brentq

    if d == 0 or not math.isfinite(d):
        return math.inf if d == 0 else 2.0
    from scipy.stats import norm

    low = 2.0
    if _t_power(d, low, alpha, paired=paired) >= power:
        return low
    # The normal approximation is a little optimistic; a few times it brackets the answer.
    guess = (norm.isf(alpha / 2) + norm.ppf(power)) ** 2 / d**2 * (1 if paired else 2)
    high = max(8.0, 4 * guess)
    return float(
        brentq(lambda n: _t_power(d, n, alpha, paired=paired) - power, low, high, xtol=1e-9)
    )


def mde_t(se: float, df: float, alpha: float, power: float = POWER) -> float:
    """Smallest difference a t-test with this standard error would detect at this power."""
    from scipy.stats import t

    return float((t.isf(alpha / 2, df) + t.ppf(power, df)) * se)


def mde_z(se: float, alpha: float, power: float = POWER) -> float:
    from scipy.stats import norm

    return float((norm.isf(alpha / 2) + norm.ppf(power)) * se)


def fewest_pairs(alpha: float) -> int:
    """Fewest pairs (or McNemar disagreements) whose exact sign test can give p < alpha:
    its smallest two-sided p is 2 / 2**n."""
    n = 1
    while 2.0 / 2**n >= alpha:
        n += 1
    return n


def fewest_runs(alpha: float) -> int:
    """Fewest runs a side whose exact Mann-Whitney test can give p < alpha: its smallest
    two-sided p is 2 / C(2n, n)."""
    n = 1
    while 2.0 / math.comb(2 * n, n) >= alpha:
        n += 1
    return n


def _plural(count: int, unit: str) -> str:
    """'1 fold', '3 folds'; `unit` is given in the plural and may carry trailing words."""
    head, _, tail = unit.partition(" ")
    if count == 1 and head.endswith("s"):
        head = head[:-1]
    return f"{count:,} {head}" + (f" {tail}" if tail else "")


def describe_n(n: float, unit: str, floor: int = 1) -> str:
    """'about 12 runs per side'; never fewer than `floor` (the fewest with which the check
    itself can decide), saying so when the floor is what sets the number."""
    if not math.isfinite(n):
        return f"no number of {unit} (the gain is zero or cannot be reached)"
    if n > 1e9:
        return f"more than a billion {unit}"
    need = math.ceil(n)
    if need < floor:
        return f"at least {_plural(floor, unit)} (the fewest with which this check can decide)"
    return f"about {_plural(need, unit)}"
