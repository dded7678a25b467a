"""Typed results of the checks that have no B - A difference: p-values adjusted together
(`AdjustCheck`) and a regression check of new runs against a baseline (`RegressionCheck`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlpm.services.significance.results import Record, Report
from mlpm.stats.fmt import pval
from mlpm.stats.multiple import METHODS
from mlpm.stats.result import finite_or_none


@dataclass(slots=True)
class AdjustCheck:
    """Raw p-values and the same p-values adjusted for multiple comparisons."""

    method: str
    alpha: float
    p_values: list[float]
    adjusted: list[float]
    saved_ids: list[int] = field(default_factory=list)

    kind = "adjust"

    @property
    def significant(self) -> list[bool]:
        return [p < self.alpha for p in self.adjusted]

    @property
    def verdict(self) -> str:
        return "differ" if any(self.significant) else "no_difference"

    @property
    def verdict_text(self) -> str:
        return (
            f"{sum(self.significant)} of {len(self.p_values)} significant after "
            f"{METHODS[self.method]} (alpha {self.alpha:g})"
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "method": self.method,
            "alpha": self.alpha,
            "p_values": self.p_values,
            "adjusted": self.adjusted,
            "significant": self.significant,
            "kind": self.kind,
            "test": f"{METHODS[self.method]} adjustment",
            "verdict": self.verdict,
            "verdict_text": self.verdict_text,
            "label_a": f"{len(self.p_values)} p-values",
            "label_b": "",
            "n_a": len(self.p_values),
            "p_value": min(self.adjusted),
        }
        if self.saved_ids:
            data["saved_id"] = self.saved_ids[0]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AdjustCheck:
        return cls(
            str(data["method"]),
            float(data["alpha"]),
            [float(p) for p in data["p_values"]],
            [float(p) for p in data["adjusted"]],
        )

    def records(self) -> list[Record]:
        data = self.to_json()
        data.pop("saved_id", None)
        return [Record(data, {"p_values": self.p_values, "method": self.method})]

    def report(self) -> Report:
        body = [
            f"  p = {pval(p)} -> adjusted {pval(q)}{'  *' if q < self.alpha else ''}"
            for p, q in zip(self.p_values, self.adjusted, strict=True)
        ]
        return Report(self.verdict_text, body=body)


@dataclass(slots=True)
class RegressionCheck:
    """Are the new runs significantly worse than the baseline runs?"""

    flagged: bool
    p_value: float | None
    ratio: float | None  # new mean / baseline mean (None when the baseline mean is 0)
    message: str
    alpha: float
    higher_is_better: bool
    baseline: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    saved_ids: list[int] = field(default_factory=list)

    kind = "regression"

    @property
    def verdict(self) -> str:
        return "regression" if self.flagged else "ok"

    @property
    def verdict_text(self) -> str:
        return ("REGRESSION: " if self.flagged else "ok: ") + self.message

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "flagged": self.flagged,
            "p_value": self.p_value,
            "ratio": finite_or_none(self.ratio),
            "message": self.message,
            "kind": self.kind,
            "test": "regression check",
            "verdict": self.verdict,
            "verdict_text": self.verdict_text,
            "alpha": self.alpha,
            "higher_is_better": self.higher_is_better,
            "label_a": "baseline",
            "label_b": "new",
            "n_a": len(self.baseline),
            "n_b": len(self.values),
        }
        if self.saved_ids:
            data["saved_id"] = self.saved_ids[0]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RegressionCheck:
        return cls(
            bool(data["flagged"]),
            data.get("p_value"),
            data.get("ratio"),
            str(data["message"]),
            float(data["alpha"]),
            bool(data.get("higher_is_better", True)),
        )

    def records(self) -> list[Record]:
        data = self.to_json()
        data.pop("saved_id", None)
        inputs = {
            "baseline": self.baseline,
            "value": self.values,
            "higher_is_better": self.higher_is_better,
        }
        return [Record(data, inputs)]

    def report(self) -> Report:
        return Report(self.verdict_text)
