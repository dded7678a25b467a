"""Plain-language verdicts, decided the same way for every kind of check."""

from __future__ import annotations

import math

from mlpm.stats.fmt import num, signed


def decide(
    *,
    difference: float | None,
    p_value: float | None,
    alpha: float,
    higher_is_better: bool,
    margin: float | None = None,
    equivalence_ci: tuple[float | None, float | None] | None = None,
    detectable: float | None = None,
    label_a: str = "A",
    label_b: str = "B",
) -> tuple[str, str]:
    """(code, text) for a difference B - A with its p-value.

    With a margin, A and B are "equivalent" when the (1 - 2 alpha) CI of the difference lies
    inside (-margin, +margin) (two one-sided tests). Otherwise B (or A) is better when p < alpha
    in its favour, else there is no detectable difference, with the smallest difference this
    data could have detected (80% power) when it is known (infinite: none is possible).
    """
    if margin is not None and equivalence_ci is not None:
        low, high = equivalence_ci
        if low is not None and high is not None and -margin < low and high < margin:
            return "equivalent", f"{label_a} and {label_b} are equivalent within ±{num(margin)}"
    if p_value is not None and difference is not None and p_value < alpha and difference != 0:
        b_wins = (difference > 0) == higher_is_better
        winner, loser = (label_b, label_a) if b_wins else (label_a, label_b)
        return ("b_better" if b_wins else "a_better"), f"{winner} is better than {loser}"
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
        "trusted; collect more before comparing",
    )


def headline(
    verdict_text: str,
    difference: float | None,
    ci: tuple[float | None, float | None],
    ci_level: float,
) -> str:
    """The first line a user reads: the verdict, then the difference with its CI."""
    if difference is None:
        return verdict_text
    low, high = ci
    text = f"{verdict_text}: difference (B - A) {signed(difference)}"
    if low is not None and high is not None:
        text += f", {round(ci_level * 100):g}% CI [{num(low)}, {num(high)}]"
    return text
