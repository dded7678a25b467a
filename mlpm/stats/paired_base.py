"""Paired samples shared by the paired checks: both sides as arrays, and the result fields every
paired check fills in first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlpm.stats.checks import as_array, same_length
from mlpm.stats.result import Result

MIN_PAIRS = 3


def prepare(a: Sequence[float], b: Sequence[float], label_a: str, label_b: str) -> tuple[Any, Any]:
    x, y = as_array(a, label_a), as_array(b, label_b)
    same_length(x, y)
    return x, y


def base_result(
    x: Any,
    y: Any,
    alpha: float,
    higher_is_better: bool,
    margin: float | None,
    label_a: str,
    label_b: str,
    metric: str,
    kind: str,
) -> Result:
    """The fields every paired result shares; each check fills in the rest with `replace`."""
    return Result(
        kind=kind,
        test="none",
        why="",
        verdict="too_few",
        verdict_text="",
        n_a=int(x.size),
        n_b=int(y.size),
        alpha=alpha,
        mean_a=float(x.mean()),
        mean_b=float(y.mean()),
        difference=float((y - x).mean()),
        ci_level=1 - alpha,
        higher_is_better=higher_is_better,
        margin=margin,
        label_a=label_a,
        label_b=label_b,
        metric=metric,
    )
