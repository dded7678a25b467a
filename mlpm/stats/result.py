"""The result every significance check returns, and its stable JSON form.

Pure standard library: the CLI and the TUI can hold and print results without numpy.

JSON fields (stable): kind, test, why, statistic, p_value, p_text, p_is_bound, p_floor, difference,
ci_low, ci_high, ci_level, effect_size, effect_name, verdict (a code: "b_better", "a_better",
"equivalent", "no_difference", "too_few"), verdict_text, n_a, n_b, mean_a, mean_b, alpha,
higher_is_better, margin, detectable, power_text, seed, resamples, label_a, label_b, metric,
others (list of {test, statistic, p_value, p_text, note}), extra (test-specific numbers) and
warnings.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

VERDICTS = ("b_better", "a_better", "equivalent", "no_difference", "too_few")
# The smallest p-value a result stores: below it a double cannot be trusted (2**-5000 is 0.0),
# so p is kept as this bound with `p_floor` set and printed as "< 1e-300".
P_FLOOR = 1e-300


def floored(value: float) -> float:
    """A p-value for storing: never below P_FLOOR (so never exactly 0)."""
    return P_FLOOR if value < P_FLOOR else value


def floor_p(value: float | None) -> tuple[float | None, bool]:
    """(p, floored): p below P_FLOOR (exactly 0 included) becomes P_FLOOR, flagged."""
    if value is not None and math.isfinite(value) and value <= P_FLOOR:
        return P_FLOOR, True
    return value, False


def finite_or_none(value: Any) -> Any:
    """JSON has no NaN or infinity: those become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _clean_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(v) for v in value]
    return finite_or_none(value)


@dataclass(slots=True)
class TestLine:
    """A test shown beside the main one (its p-value does not decide the verdict)."""

    test: str
    statistic: float | None
    p_value: float | None
    p_text: str = ""
    note: str = ""
    p_floor: bool = False

    def __post_init__(self) -> None:
        self.p_value, floored = floor_p(self.p_value)
        if floored:
            self.p_floor, self.p_text = True, f"< {P_FLOOR:g}"


@dataclass(slots=True)
class Result:
    """One comparison of A against B: the verdict, the main test, and everything around it.

    `difference` is B minus A in the metric's own units; the CI is for that difference.
    """

    kind: str
    test: str
    why: str
    verdict: str
    verdict_text: str
    n_a: int
    n_b: int
    alpha: float
    statistic: float | None = None
    p_value: float | None = None
    p_text: str = ""
    p_is_bound: bool = False
    p_floor: bool = False
    difference: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float = 0.95
    effect_size: float | None = None
    effect_name: str = ""
    mean_a: float | None = None
    mean_b: float | None = None
    higher_is_better: bool = True
    margin: float | None = None
    detectable: float | None = None
    power_text: str = ""
    seed: int | None = None
    resamples: int | None = None
    label_a: str = "A"
    label_b: str = "B"
    metric: str = ""
    others: list[TestLine] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.p_value, floored = floor_p(self.p_value)
        if floored:
            self.p_floor, self.p_is_bound, self.p_text = True, True, f"< {P_FLOOR:g}"

    def to_json(self) -> dict[str, Any]:
        """A plain dict for `--json` and for saving (NaN and infinity become null)."""
        return _clean_json(asdict(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        """Rebuild a result saved with `to_json` (unknown keys are ignored)."""
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        values["others"] = [TestLine(**line) for line in values.get("others", [])]
        return cls(**values)
