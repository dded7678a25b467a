"""Guards on the numbers handed to a check: finite, enough of them, same length when paired."""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from mlpm.errors import UsageError

# Fourth powers of larger values (Welch's degrees of freedom square the variances) overflow
# float64, whose largest value is about 1.8e308.
MAX_MAGNITUDE = 1e75
ALPHA_MIN, ALPHA_MAX = 1e-6, 0.5

F = TypeVar("F", bound=Callable[..., Any])


def quiet(func: F) -> F:
    """Run `func` with every warning (numpy's RuntimeWarning, scipy's small-sample warnings)
    silenced: a check reports its caveats in its own words, never as library noise."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _too_big(name: str, where: str, number: float) -> UsageError:
    return UsageError(
        f"{name}: value {where} is {number:g}, too large for the arithmetic (magnitudes above "
        f"{MAX_MAGNITUDE:g} overflow); rescale the scores"
    )


def finite_list(values: Sequence[float | str], name: str) -> list[float]:
    """`values` as floats; NaN, infinity or non-numbers are refused, saying where."""
    out: list[float] = []
    for i, value in enumerate(values, start=1):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise UsageError(f"{name}: value {i} ({value!r}) is not a number") from None
        if not math.isfinite(number):
            raise UsageError(f"{name}: value {i} is {number} (NaN or infinite values are refused)")
        if abs(number) > MAX_MAGNITUDE:
            raise _too_big(name, str(i), number)
        out.append(number)
    if not out:
        raise UsageError(f"{name}: no values")
    return out


def as_array(values: Sequence[float], name: str) -> Any:
    """`values` as a float64 numpy array, refusing NaN or infinity (saying which position)."""
    import numpy as np

    arr = np.asarray(values, dtype=float) if not isinstance(values, np.ndarray) else values
    arr = np.asarray(arr, dtype=float).ravel()
    if arr.size == 0:
        raise UsageError(f"{name}: no values")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        where = ", ".join(str(int(i) + 1) for i in bad[:5])
        more = f" and {bad.size - 5} more" if bad.size > 5 else ""
        raise UsageError(
            f"{name}: value {where}{more} is NaN or infinite ({bad.size} bad of {arr.size}); "
            "NaN or infinite values are refused"
        )
    big = np.flatnonzero(np.abs(arr) > MAX_MAGNITUDE)
    if big.size:
        raise _too_big(name, str(int(big[0]) + 1), float(arr[big[0]]))
    return arr


def check_alpha(alpha: float) -> float:
    """Refuse a level outside [1e-6, 0.5]: smaller ones make 100% CIs and infinite bounds."""
    if not ALPHA_MIN <= alpha <= ALPHA_MAX:
        raise UsageError(f"alpha must be between {ALPHA_MIN:g} and {ALPHA_MAX:g} (got {alpha!r})")
    return alpha


def check_margin(margin: float | None) -> float | None:
    if margin is not None and not (math.isfinite(margin) and margin > 0):
        raise UsageError(f"the equivalence margin must be a positive number (got {margin})")
    return margin


def same_length(a: Any, b: Any, what: str = "paired samples") -> None:
    if len(a) != len(b):
        raise UsageError(
            f"{what} need the same number of values on both sides (A has {len(a)}, B has {len(b)})"
        )


def is_constant(values: Any) -> bool:
    """True when the values differ only by floating-point noise (so their sd is meaningless)."""
    import numpy as np

    arr = np.asarray(values, dtype=float)
    scale = float(np.abs(arr).max()) if arr.size else 0.0
    return float(np.ptp(arr)) <= 1e-12 * scale if arr.size else True


def json_lines(text: str, path_text: str, expected: str) -> list[dict[str, Any]]:
    """The objects of a JSON-lines file, one a line (blank lines skipped); a line that is not
    JSON or not an object is one clear error naming the file, the line and `expected`."""
    import json

    rows = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path_text} line {i}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise UsageError(f"{path_text} line {i}: expected an object with {expected}")
        rows.append(row)
    return rows
