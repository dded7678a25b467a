"""Seed-by-seed checks that survive peeking: `sequential` (two lists of scores, paired by
position) and `sequential_runs` (imported runs, paired as `sig runs` pairs them), both
returning a `SequentialCheck`, the typed result that is also its saved record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlpm.errors import UsageError
from mlpm.services.significance.results import Record, Report
from mlpm.stats.fmt import num, signed
from mlpm.stats.sequential import SequentialResult
from mlpm.wording import counted

if TYPE_CHECKING:
    from mlpm.store import Store

Numbers = str | Sequence[float]


@dataclass(slots=True)
class SequentialCheck:
    """The decision after the seeds so far ("continue", "b_better", "a_better",
    "no_difference") with the anytime-valid interval of B - A."""

    result: SequentialResult
    label_a: str = "A"
    label_b: str = "B"
    inputs: dict[str, Any] = field(default_factory=dict)
    runs_a: list[str] = field(default_factory=list)
    runs_b: list[str] = field(default_factory=list)
    task_id: int | None = None
    saved_ids: list[int] = field(default_factory=list)

    kind = "sequential"

    @property
    def verdict(self) -> str:
        return self.result.decision

    def to_json(self) -> dict[str, Any]:
        data = self.result.to_json()
        # verdict and verdict_text as every check spells them (the same as the decision).
        data.update(
            label_a=self.label_a,
            label_b=self.label_b,
            verdict=self.result.decision,
            verdict_text=self.result.decision_text,
        )
        if self.saved_ids:
            data["saved_id"] = self.saved_ids[0]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SequentialCheck:
        keys = SequentialResult.__dataclass_fields__  # verdict* repeat the decision
        values = {k: v for k, v in data.items() if k in keys}
        nan = float("nan")
        values["intervals"] = [
            (int(n), nan if lo is None else lo, nan if hi is None else hi)
            for n, lo, hi in values.get("intervals", [])
        ]
        for bound in ("ci_low", "ci_high", "mean_difference"):
            if values.get(bound) is None:  # JSON keeps no infinity
                values[bound] = nan
        result = SequentialResult(**values)
        return cls(result, str(data.get("label_a", "A")), str(data.get("label_b", "B")))

    def records(self) -> list[Record]:
        r = self.result
        data = self.to_json()
        data.pop("saved_id", None)
        data.update(
            test=r.method,
            n_a=r.n,
            n_b=r.n,
            difference=r.mean_difference,
        )
        return [Record(data, self.inputs, self.runs_a, self.runs_b, task_id=self.task_id)]

    def report(self) -> Report:
        r = self.result
        level = round(100 * (1 - r.alpha))
        body = [
            f"  {counted(r.n, 'pair')} so far; mean difference ({self.label_b} - {self.label_a}) "
            f"{signed(r.mean_difference)}",
            f"  method: {r.method}",
            f"  assumes: {r.assumption}",
            f"  the {level:g}% interval holds at every look at once: rerun after each new seed "
            "and stop when it decides",
        ]
        shown = [(n, lo, hi) for n, lo, hi in r.intervals if _finite(lo) and _finite(hi)]
        if len(shown) > 1:
            tail = shown[-5:]
            body.append(
                "  interval by seeds: "
                + "; ".join(f"{n}: [{num(lo, 3)}, {num(hi, 3)}]" for n, lo, hi in tail)
            )
        return Report(r.decision_text, body=body, warnings=list(r.warnings))


def _finite(value: float) -> bool:
    return value == value and abs(value) != float("inf")


def _bounds(text: str | tuple[float, float] | None) -> tuple[float, float] | None:
    if text is None or isinstance(text, tuple):
        return text
    parts = [p for p in text.replace(",", " ").split() if p]
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise UsageError(f"--bounds takes LOW,HIGH (got {text!r})") from None
    return low, high


def sequential(
    scores_a: Numbers,
    scores_b: Numbers,
    *,
    bounds: str | tuple[float, float] | None = None,
    delta: float | None = None,
    max_seeds: int = 50,
    higher_is_better: bool = True,
    alpha: float = 0.05,
    label_a: str = "A",
    label_b: str = "B",
) -> SequentialCheck:
    """Scores of A and B seed by seed, paired by position (run i of A with run i of B)."""
    from mlpm.services.significance.checks import _numbers
    from mlpm.stats.sequential import sequential_test

    a, b = _numbers(scores_a, label_a), _numbers(scores_b, label_b)
    limits = _bounds(bounds)
    result = sequential_test(
        a,
        b,
        alpha=alpha,
        delta=delta,
        bounds=limits,
        max_seeds=max_seeds,
        higher_is_better=higher_is_better,
        label_a=label_a,
        label_b=label_b,
    )
    inputs = {"a": a, "b": b, "bounds": limits, "delta": delta, "max_seeds": max_seeds}
    return SequentialCheck(result, label_a, label_b, inputs)


def sequential_runs(
    store: Store,
    refs_a: Sequence[str],
    refs_b: Sequence[str],
    *,
    metric: str,
    bounds: str | tuple[float, float] | None = None,
    delta: float | None = None,
    max_seeds: int = 50,
    **pairing: Any,
) -> SequentialCheck:
    """Imported runs, chosen and paired (by a config key such as the seed) as `sig runs`
    does: `pairing` takes compare_runs' group_a, group_b, pair_by, paired,
    higher_is_better and alpha."""
    from mlpm.services.significance.run_compare import compare_runs

    plain = compare_runs(store, refs_a, refs_b, metric=metric, **pairing)
    r = plain.result
    check = sequential(
        plain.inputs["values_a"],
        plain.inputs["values_b"],
        bounds=bounds,
        delta=delta,
        max_seeds=max_seeds,
        higher_is_better=r.higher_is_better,
        alpha=r.alpha,
        label_a=r.label_a,
        label_b=r.label_b,
    )
    pairing_why = r.why.split(";")[0] if r.why else ""
    if pairing_why:
        check.result.assumption = f"{pairing_why}; {check.result.assumption}"
    # The plain test's caveats (one run a side, re-checking inflates...) do not apply here.
    check.result.warnings[:0] = [
        w
        for w in r.warnings
        if w.startswith("left out") or " includes " in w or "taken as better" in w
    ]
    check.inputs.update(metric=metric, pair_by=plain.inputs.get("pair_by"))
    check.runs_a, check.runs_b, check.task_id = plain.runs_a, plain.runs_b, plain.task_id
    return check
