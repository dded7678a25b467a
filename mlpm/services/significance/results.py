"""Typed results of the checks that compare A with B (or rank several models), and the plain
report both front ends show: `Report`, `Record`, `SampleCheck`, `RankCheck`, `BaselineCheck`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlpm.stats.fmt import num, pval, signed
from mlpm.stats.multiple import METHODS, BaselineRow, RankResult
from mlpm.stats.result import Result
from mlpm.wording import counted


@dataclass(slots=True)
class Report:
    """What a check says, verdict first: `headline` (the verdict), `detail` (the difference
    and its CI, when there is one), the body lines, then the warnings."""

    headline: str
    detail: str = ""
    body: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def first_line(self) -> str:
        return f"{self.headline}: {self.detail}" if self.detail else self.headline

    def lines(self) -> list[str]:
        return [self.first_line, *self.body, *(f"  warning: {w}" for w in self.warnings)]

    def text(self) -> str:
        return "\n".join(self.lines())


@dataclass(slots=True)
class Record:
    """One comparison row a check is saved as: its result JSON, inputs and runs."""

    data: dict[str, Any]
    inputs: dict[str, Any]
    runs_a: list[str] = field(default_factory=list)
    runs_b: list[str] = field(default_factory=list)
    task_id: int | None = None  # the task the check belongs to, when it knows one


def difference_text(result: Result) -> str:
    """'difference (B - A) +0.04, 95% CI [0.01, 0.07]' ('' when there is no difference)."""
    if result.verdict == "too_few" or result.difference is None:
        return ""
    text = f"difference (B - A) {signed(result.difference)}"
    if result.ci_low is not None and result.ci_high is not None:
        level = round(result.ci_level * 100)
        text += f", {level:g}% CI [{num(result.ci_low)}, {num(result.ci_high)}]"
    return text


@dataclass(slots=True)
class SampleCheck:
    """A against B on one metric (props, seeds, folds, preds, imported runs): a stats
    `Result` with the inputs it came from and, for runs, the runs on each side."""

    result: Result
    inputs: dict[str, Any] = field(default_factory=dict)
    runs_a: list[str] = field(default_factory=list)
    runs_b: list[str] = field(default_factory=list)
    task_id: int | None = None  # the one task every compared run is linked to, if any
    saved_ids: list[int] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.result.kind

    @property
    def verdict(self) -> str:
        return self.result.verdict

    @property
    def higher_is_better(self) -> bool:
        return self.result.higher_is_better

    def to_json(self) -> dict[str, Any]:
        data = self.result.to_json()
        if self.saved_ids:
            data["saved_id"] = self.saved_ids[0]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SampleCheck:
        return cls(Result.from_json(data))

    def records(self) -> list[Record]:
        return [
            Record(
                self.result.to_json(), self.inputs, self.runs_a, self.runs_b, task_id=self.task_id
            )
        ]

    def report(self) -> Report:
        from mlpm.stats.report import render

        r = self.result
        lines = render(r).splitlines()[1:]
        body = lines[: len(lines) - len(r.warnings)]
        return Report(r.verdict_text, difference_text(r), body, list(r.warnings))


def _rank_result(data: dict[str, Any]) -> RankResult:
    models = [str(m) for m in data.get("models", [])]
    ranks = data.get("mean_ranks") or {}
    return RankResult(
        models=models,
        n_datasets=int(data.get("n_datasets") or 0),
        mean_ranks=[float(ranks[m]) for m in models],
        chi2=data.get("statistic"),
        p_friedman=data.get("p_value"),
        iman_davenport=data.get("iman_davenport"),
        p_iman_davenport=data.get("p_iman_davenport"),
        critical_difference=float(data.get("critical_difference") or 0.0),
        q_alpha=float(data.get("q_alpha") or 0.0),
        alpha=float(data["alpha"]),
        verdict_text=str(data["verdict_text"]),
        different_pairs=[
            (p["better"], p["worse"], float(p["rank_gap"])) for p in data.get("different_pairs", [])
        ],
        warnings=list(data.get("warnings", [])),
    )


@dataclass(slots=True)
class RankCheck:
    """Several models ranked over datasets (Friedman, Iman-Davenport, Nemenyi)."""

    ranks: RankResult
    inputs: dict[str, Any] = field(default_factory=dict)
    saved_ids: list[int] = field(default_factory=list)

    kind = "multi"

    @property
    def verdict(self) -> str:
        """'differ' when some pair of models differs, else 'no_difference'."""
        return "differ" if self.ranks.different_pairs else "no_difference"

    def to_json(self) -> dict[str, Any]:
        data = self.ranks.to_json()
        data.update(
            verdict=self.verdict,
            label_a=", ".join(self.ranks.models),
            label_b="",
            n_a=self.ranks.n_datasets,
        )
        if self.saved_ids:
            data["saved_id"] = self.saved_ids[0]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RankCheck:
        return cls(_rank_result(data))

    def records(self) -> list[Record]:
        data = self.to_json()
        data.pop("saved_id", None)
        return [Record(data, self.inputs)]

    def report(self) -> Report:
        from mlpm.stats.report import render_ranks

        r = self.ranks
        lines = render_ranks(r).splitlines()[1:]
        return Report(r.verdict_text, "", lines[: len(lines) - len(r.warnings)], list(r.warnings))


@dataclass(slots=True)
class BaselineCheck:
    """Every configuration against a baseline, the p-values adjusted together. Saved as one
    comparison per configuration."""

    baseline: str
    method: str
    alpha: float
    rows: list[BaselineRow]
    inputs: dict[str, Any] = field(default_factory=dict)
    saved_ids: list[int] = field(default_factory=list)

    kind = "baseline"

    @property
    def differing(self) -> list[str]:
        """The configurations that differ from the baseline after adjustment."""
        return [r.model for r in self.rows if r.verdict in ("b_better", "a_better")]

    def to_json(self) -> dict[str, Any]:
        comparisons = []
        for i, row in enumerate(self.rows):
            data = row.result.to_json()
            if i < len(self.saved_ids):
                data["extra"]["saved_id"] = self.saved_ids[i]
            comparisons.append(data)
        return {
            "kind": self.kind,
            "baseline": self.baseline,
            "adjustment": self.method,
            "alpha": self.alpha,
            "comparisons": comparisons,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BaselineCheck:
        rows = []
        for item in data.get("comparisons", []):
            result = Result.from_json(item)
            p_adjusted = result.extra.get("p_adjusted")
            rows.append(
                BaselineRow(
                    result.label_b,
                    result,
                    float("nan") if p_adjusted is None else float(p_adjusted),
                    result.verdict,
                    result.verdict_text,
                )
            )
        return cls(str(data["baseline"]), str(data["adjustment"]), float(data["alpha"]), rows)

    def records(self) -> list[Record]:
        return [Record(row.result.to_json(), self.inputs) for row in self.rows]

    def report(self) -> Report:
        head = (
            f"{len(self.differing)} of {counted(len(self.rows), 'configuration')} differ from "
            f"{self.baseline} after {METHODS[self.method]} adjustment (alpha {self.alpha:g})"
        )
        body = []
        for r in self.rows:
            res = r.result
            ci = f"[{num(res.ci_low)}, {num(res.ci_high)}]" if res.ci_low is not None else "-"
            body.append(
                f"  {r.model}: {r.verdict_text}; difference {signed(res.difference)} "
                f"CI {ci}, {res.test} p = {pval(res.p_value)}, adjusted p = {pval(r.p_adjusted)}"
            )
        return Report(head, body=body)
