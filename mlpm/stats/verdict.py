"""Plain-language verdicts, decided by one rule for every kind of check.

The rule: a verdict never contradicts the numbers printed with it. "B is better" needs both
p < alpha and an interval (from the same result) that excludes 0; when the two disagree the
verdict says so. A zero-width interval is never printed, and when no test could reach alpha
with the data given, the verdict says so and how much data would.
"""

from __future__ import annotations

import math

from mlpm.stats.fmt import num, pval, signed

Interval = tuple[float | None, float | None]


def _excludes_zero(ci: Interval | None) -> bool | None:
    """True/False when the interval is known, None otherwise."""
    if ci is None or ci[0] is None or ci[1] is None:
        return None
    return ci[0] > 0 or ci[1] < 0


def decide(
    *,
    difference: float | None,
    p_value: float | None,
    alpha: float,
    higher_is_better: bool,
    margin: float | None = None,
    equivalence_ci: Interval | None = None,
    detectable: float | None = None,
    ci: Interval | None = None,
    ci_level: float | None = None,
    label_a: str = "A",
    label_b: str = "B",
) -> tuple[str, str]:
    """(code, text) for a difference B - A with its p-value and (optionally) its interval.

    With a margin, A and B are "equivalent" when the (1 - 2 alpha) CI of the difference lies
    inside (-margin, +margin) (two one-sided tests). Otherwise B (or A) is better when p < alpha
    in its favour and `ci`, when given, excludes 0; if p and `ci` disagree the verdict is
    "no_difference" and its text says they disagree. Else there is no detectable difference,
    with the smallest difference this data could have detected (80% power) when known.
    """
    if margin is not None and equivalence_ci is not None:
        low, high = equivalence_ci
        if low is not None and high is not None and -margin < low and high < margin:
            return "equivalent", f"{label_a} and {label_b} are equivalent within ±{num(margin)}"
    significant = p_value is not None and difference is not None and p_value < alpha
    significant = significant and difference != 0
    excludes = _excludes_zero(ci)
    level = f"{round(100 * (ci_level if ci_level is not None else 1 - alpha)):g}%"
    if significant and excludes is False and ci is not None:
        return "no_difference", (
            f"no firm verdict: the test gives p = {pval(p_value)} < {alpha:g}, but the {level} "
            f"CI [{num(ci[0])}, {num(ci[1])}] includes 0; the two disagree"
        )
    if significant and difference is not None:
        b_wins = (difference > 0) == higher_is_better
        winner, loser = (label_b, label_a) if b_wins else (label_a, label_b)
        return ("b_better" if b_wins else "a_better"), f"{winner} is better than {loser}"
    if excludes and ci is not None and p_value is not None:
        return "no_difference", (
            f"no firm verdict: the {level} CI [{num(ci[0])}, {num(ci[1])}] excludes 0, but the "
            f"test gives p = {pval(p_value)}, not below {alpha:g}; the two disagree"
        )
    text = "no detectable difference"
    if detectable is not None and math.isinf(detectable):
        text += " (this data is too small to detect any possible gain)"
    elif detectable is not None:
        text += f" (this data could only detect a gain of {num(abs(detectable), 3)} or more)"
    if margin is not None:
        text += f"; not shown equivalent within ±{num(margin)}"
    return "no_difference", text


def too_few(n_a: int, n_b: int, *, what: str = "runs", need: int = 3) -> tuple[str, str]:
    """The verdict when no test can be trusted: fewer than `need` runs a side (or pairs)."""
    if what == "runs":
        counts, where = f"{n_a} vs {n_b}", f"{what} a side"
    else:
        counts, where = f"{n_a}", what
    return (
        "too_few",
        f"too few {what} ({counts}): with fewer than {need} {where} no test can be "
        f"trusted; collect at least {need} {where} before comparing",
    )


def cannot_reach(test: str, min_p: float, alpha: float, have: str, need: str) -> tuple[str, str]:
    """The verdict when the deciding test cannot go below alpha whatever the data say."""
    return (
        "too_few",
        f"no test can decide with {have}: {test} cannot go below p = {pval(min_p)}, not below "
        f"alpha = {alpha:g}; {need} would let it decide",
    )


def headline(
    verdict_text: str,
    difference: float | None,
    ci: Interval,
    ci_level: float,
    constant: bool = False,
) -> str:
    """The first line a user reads: the verdict, then the difference with its CI.

    A zero-width interval is never printed: `constant` (or low == high) says instead that
    every difference equals the one shown.
    """
    if difference is None:
        return verdict_text
    low, high = ci
    text = f"{verdict_text}: difference (B - A) {signed(difference)}"
    if constant or (low is not None and low == high):
        text += f" (all differences equal {signed(difference)}: no interval to show)"
    elif low is not None and high is not None:
        text += f", {round(ci_level * 100):g}% CI [{num(low)}, {num(high)}]"
    return text
