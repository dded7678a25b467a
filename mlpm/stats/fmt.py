"""Number formatting shared by the verdicts and the plain-text report."""

from __future__ import annotations

import math


def num(value: float | None, digits: int = 4) -> str:
    """A number with `digits` significant digits; '-' for none, 'inf' for infinity."""
    if value is None:
        return "-"
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}g}"


def signed(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "-"
    text = num(value, digits)
    return text if text.startswith("-") else f"+{text}"


def pval(value: float | None) -> str:
    """A p-value as people read it: 3 significant digits, scientific below 0.0001."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if value <= 1e-300:  # a double holds no trustworthy p below this (see result.P_FLOOR)
        return "< 1e-300"
    if value < 1e-4:
        return f"{value:.2e}"
    return f"{value:.3g}"


def monte_carlo_p(hits: int, resamples: int) -> tuple[float, str, bool]:
    """A Monte-Carlo p-value (hits + 1) / (R + 1): never 0; shown as a bound when no hit."""
    p = (hits + 1) / (resamples + 1)
    if hits == 0:
        return p, f"< {pval(p)} (1/(R+1), R = {resamples})", True
    return p, pval(p), False
