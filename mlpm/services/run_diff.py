"""What changed between runs or groups of runs: the config keys whose values differ, and each
side's summary of one metric (per run its value; per group n, mean, std, min and max).

Used by `mlpm runs compare` and the TUI's Compare screen; the significance tests over the same
sides are `mlpm.services.significance.multi_runs`."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mlpm.services.runs import Run, flatten, number


@dataclass(slots=True)
class Side:
    """One column of a comparison: a single run, a W&B group, or a hand-picked set of runs.
    `runs` are the runs compared (finished ones unless asked); `left_out` those that were
    not, with why."""

    label: str
    runs: list[Run]
    group: str | None = None
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (run label, why)

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "group": self.group,
            "runs": [r.id for r in self.runs],
            "left_out": [{"run": run, "why": why} for run, why in self.left_out],
        }


def config_items(run: Run) -> dict[str, Any]:
    """The run's config flattened to dotted keys; W&B's {"value": ..., "desc": ...} wrappers
    and its own `_wandb` bookkeeping left out."""
    out: dict[str, Any] = {}
    for key, value in run.config.items():
        if str(key).startswith("_wandb"):
            continue
        if isinstance(value, dict) and "value" in value and set(value) <= {"value", "desc"}:
            value = value["value"]
        if isinstance(value, dict) and value:
            out.update(flatten(value, f"{key}."))
        else:
            out[str(key)] = value
    return out


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


@dataclass(slots=True)
class ConfigDiff:
    """The config keys whose values differ between the sides, each side's value(s) per key
    (several values of a group joined with ", "; "–" when no run of the side has the key)."""

    labels: list[str]
    rows: list[tuple[str, list[str]]]
    same: int  # keys with one value on every run
    within: list[str] = field(default_factory=list)  # keys varying inside sides, alike

    def to_json(self) -> dict[str, Any]:
        return {
            "sides": self.labels,
            "differ": {key: dict(zip(self.labels, cells, strict=True)) for key, cells in self.rows},
            "same": self.same,
            "vary_within_alike": self.within,
        }

    def summary(self) -> str:
        """'2 config keys differ; 5 the same everywhere (hidden)', plus the keys that vary inside
        each side alike (a seed)."""
        from mlpm.wording import counted

        n = len(self.rows)
        text = f"{counted(n, 'config key')} {'differs' if n == 1 else 'differ'}"
        text += f"; {self.same} the same everywhere (hidden)" if self.same else ""
        if self.within:
            text += f"; varying alike within every side: {', '.join(self.within)}"
        return text


def config_diff(sides: Sequence[Side]) -> ConfigDiff:
    """The config keys that tell the sides apart. A key is hidden when every run has the same
    value, and set aside (named) when it varies inside every side over the same values (the
    seed of a group of seeds)."""
    per_side = [[config_items(r) for r in side.runs] for side in sides]
    keys = sorted({k for configs in per_side for c in configs for k in c})
    rows: list[tuple[str, list[str]]] = []
    same = 0
    within: list[str] = []
    for key in keys:
        # A run without the key counts as the value "–", so a key set on some runs shows.
        sets = [
            sorted({_text(c[key]) if key in c else "–" for c in configs}, key=_order)
            for configs in per_side
        ]
        if len({tuple(s) for s in sets}) == 1:
            if len(sets[0]) <= 1:
                same += 1
            else:
                within.append(key)
            continue
        rows.append((key, [", ".join(s) if s else "–" for s in sets]))
    return ConfigDiff([s.label for s in sides], rows, same, within)


def _order(text: str) -> tuple[int, float, str]:
    value = number(_number_or_none(text))
    return (0, value, "") if value is not None else (1, 0.0, text)


def _number_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


METRIC_COLUMNS = ("side", "n", "mean", "std", "min", "max", "left out")


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


@dataclass(slots=True)
class MetricRow:
    """One side's values of the metric: the numbers, and which runs had none."""

    label: str
    values: list[float]
    runs: list[str]  # run labels, as `values`
    ids: list[str] = field(default_factory=list)  # run ids, as `values`
    without: list[str] = field(default_factory=list)  # runs with no numeric value
    left_out: list[tuple[str, str]] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.values) if self.values else None

    @property
    def std(self) -> float | None:
        return statistics.stdev(self.values) if len(self.values) > 1 else None

    @property
    def low(self) -> float | None:
        return min(self.values) if self.values else None

    @property
    def high(self) -> float | None:
        return max(self.values) if self.values else None

    def cells(self) -> list[str]:
        """The table row both front ends show: side, n, mean, std, min, max, left out."""
        left = [f"{run} ({why})" for run, why in self.left_out]
        left += [f"{run} (no value)" for run in self.without]
        return [
            self.label,
            str(self.n),
            *(_fmt(v) for v in (self.mean, self.std, self.low, self.high)),
            ", ".join(left) or "–",
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "n": self.n,
            "mean": self.mean,
            "std": self.std,
            "min": self.low,
            "max": self.high,
            "values": [
                {"run": label, "id": run_id, "value": value}
                for label, run_id, value in zip(self.runs, self.ids, self.values, strict=True)
            ],
            "no_value": self.without,
            "left_out": [{"run": run, "why": why} for run, why in self.left_out],
        }


def metric_rows(sides: Sequence[Side], metric: str) -> list[MetricRow]:
    """Each side's numeric values of `metric` (from the run summaries)."""
    rows = []
    for side in sides:
        row = MetricRow(side.label, [], [], left_out=list(side.left_out))
        for run in side.runs:
            value = number(run.metric(metric))
            if value is None or math.isnan(value):
                row.without.append(run.label)
                continue
            row.values.append(value)
            row.runs.append(run.label)
            row.ids.append(run.id)
        rows.append(row)
    return rows


def numeric_columns(rows: Sequence[Sequence[str]], count: int) -> list[bool]:
    """Which of a table's columns hold only numbers (or "–"): those are right-aligned."""
    return [all(_is_number(row[i]) for row in rows) for i in range(count)]


def _is_number(text: str) -> bool:
    if text == "–":
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def metric_table(rows: Sequence[MetricRow], metric: str) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) of the metric table both front ends show: per group n, mean, std,
    min, max and the runs left out; when every side is a single run, just its value."""
    if all(row.n == 1 and not row.left_out and not row.without for row in rows):
        return ["run", metric], [[row.label, row.cells()[2]] for row in rows]
    return list(METRIC_COLUMNS), [row.cells() for row in rows]
