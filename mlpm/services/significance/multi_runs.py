"""Compare N runs or N groups of imported runs on one summary metric: what changed in their
configs, each side's numbers, and the significance test against a baseline.

Two sides are the two-sided check of `mlpm sig runs` (`run_compare.compare_runs`, the same
result). Three or more groups are ranked over the seeds every group shares (Friedman, as
`mlpm sig multi`), then each is tested against the baseline on those seeds (paired, the
p-values Holm-adjusted together, as `mlpm sig multi --baseline`). Only finished runs count
unless asked; the runs left out are named."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlpm.errors import UsageError
from mlpm.services.metric_rules import Direction, direction, shared_key_metric
from mlpm.services.run_diff import (
    ConfigDiff,
    MetricRow,
    Side,
    config_diff,
    config_items,
    metric_rows,
)
from mlpm.services.runs import Run
from mlpm.services.significance.results import (
    BaselineCheck,
    RankCheck,
    Record,
    Report,
    SampleCheck,
)
from mlpm.services.significance.run_compare import PAIR_KEYS, compare_runs
from mlpm.services.significance.run_sides import SideRef, baseline_label, resolve_sides
from mlpm.wording import counted

if TYPE_CHECKING:
    from mlpm.stats.multiple import BaselineRow, RankResult
    from mlpm.store import Store

ADJUST = "holm"


@dataclass(slots=True)
class ManyComparison:
    """N sides on one metric: the config diff, the metric table, and the test (the two-sided
    check for two sides; Friedman then Holm-adjusted tests against the baseline for more)."""

    metric: str
    way: Direction
    sides: list[Side]
    diff: ConfigDiff
    rows: list[MetricRow]
    baseline: str
    two: SampleCheck | None = None
    ranks: RankResult | None = None
    against: list[BaselineRow] = field(default_factory=list)
    alpha: float = 0.05
    pair_key: str | None = None
    shared: list[Any] = field(default_factory=list)  # the pairing values every side has
    no_test: str | None = None  # why there is no test, in one line
    notes: list[str] = field(default_factory=list)
    saved_ids: list[int] = field(default_factory=list)

    kind = "runs"

    def records(self) -> list[Record]:
        """What `save_check` stores: the two-sided check as `sig runs` saves it; for more
        sides one comparison per side against the baseline (linked to both sides' runs) and
        the Friedman ranking (linked to every run). Nothing without a test."""
        if self.two is not None:
            return self.two.records()
        if self.ranks is None:
            return []
        by_label = {s.label: [r.id for r in s.runs] for s in self.sides}
        every = [r for s in self.sides for r in s.runs]
        tasks = {t for r in every for t in r.task_ids}
        task = next(iter(tasks)) if len(tasks) == 1 and all(r.task_ids for r in every) else None
        inputs = {
            "metric": self.metric,
            "sides": [s.to_json() for s in self.sides],
            "baseline": self.baseline,
            "pair_by": self.pair_key,
            "shared": self.shared,
        }
        out = []
        for row in self.against:
            row.result.kind = "runs"
            row.result.metric = self.metric
            data = row.result.to_json()
            out.append(Record(data, inputs, by_label[self.baseline], by_label[row.model], task))
        ranks = RankCheck(self.ranks).to_json()
        out.append(Record(ranks, inputs, [r.id for r in every], [], task))
        return out

    def report(self) -> Report:
        """The test in words (its title, its lines, the warnings)."""
        return Report(self.test_title(), body=self.test_lines(), warnings=self.warnings())

    def verdicts(self) -> dict[str, str]:
        """Each side's plain-words verdict against the baseline ({} without a test)."""
        if self.two is not None:
            other = next(s.label for s in self.sides if s.label != self.baseline)
            return {other: self.two.result.verdict_text}
        return {row.model: row.verdict_text for row in self.against}

    def test_title(self) -> str:
        """What the test is, in one line (the heading of its part)."""
        if self.two is not None:
            other = next(s.label for s in self.sides if s.label != self.baseline)
            return f"{other} against {self.baseline} (as mlpm sig runs)"
        if self.ranks is None:
            return f"against {self.baseline}"
        seeds = counted(len(self.shared), f"{self.pair_key} value")
        return (
            f"all {len(self.sides)} on the {seeds} they share (Friedman), then each against "
            f"{self.baseline} (paired, {ADJUST.title()}-adjusted)"
        )

    def test_lines(self) -> list[str]:
        """The test in words, the same in the CLI and the TUI: headline first."""
        if self.no_test is not None:
            return [self.no_test]
        if self.two is not None:
            told = self.two.report()
            return [told.first_line, *told.body]  # its warnings are in `warnings()`
        lines = []
        if self.ranks is not None:
            told = RankCheck(self.ranks).report()
            lines += [f"all {len(self.sides)}: {told.headline}", *told.body]
        if self.against:
            told = BaselineCheck(self.baseline, ADJUST, self.alpha, self.against).report()
            lines += [f"against {self.baseline}: {told.headline}", *told.body]
        return lines

    def warnings(self) -> list[str]:
        out = list(self.notes)
        if self.two is not None:
            out += [w for w in self.two.result.warnings if w not in out]
        if self.ranks is not None:
            out += self.ranks.warnings
        return out

    def to_json(self) -> dict[str, Any]:
        test: dict[str, Any] | None = None
        if self.two is not None:
            test = self.two.to_json()
        elif self.ranks is not None:
            test = {
                "kind": "friedman+baseline",
                "friedman": RankCheck(self.ranks).to_json(),
                "against_baseline": BaselineCheck(
                    self.baseline, ADJUST, self.alpha, self.against
                ).to_json(),
            }
        return {
            "metric": self.metric,
            "higher_is_better": self.way.higher_is_better,
            "baseline": self.baseline,
            "sides": [s.to_json() for s in self.sides],
            "what_changed": self.diff.to_json(),
            "metric_table": [r.to_json() for r in self.rows],
            "pair_by": self.pair_key,
            "shared": self.shared,
            "test": test,
            "no_test": self.no_test,
            "verdicts": self.verdicts(),
            "warnings": self.warnings(),
        }


def _pair_value(run: Run, key: str) -> Any:
    return config_items(run).get(key)


def _pairing(
    sides: Sequence[Side], rows: Sequence[MetricRow], keys: Sequence[str]
) -> tuple[str | None, list[str], str]:
    """The first key set on every run, unique within each side; the values every side has
    (as JSON, sorted); why not, when no key pairs them."""
    reasons = []
    for key in keys:
        per_side = []
        for side, row in zip(sides, rows, strict=True):
            runs = [r for r in side.runs if r.id in row.ids]
            per_side.append([json.dumps(_pair_value(r, key), sort_keys=True) for r in runs])
        if any(v == "null" for values in per_side for v in values):
            reasons.append(f"not every run has config {key!r}")
            continue
        if any(len(set(values)) != len(values) for values in per_side):
            reasons.append(f"config {key!r} repeats within a side")
            continue
        shared = set(per_side[0]).intersection(*per_side[1:])
        return key, sorted(shared, key=_json_order), ""
    return None, [], "; ".join(reasons) or "no pairing key"


def _json_order(text: str) -> tuple[int, Any]:
    value = json.loads(text)
    return (0, value) if isinstance(value, int | float) else (1, text)


def _several(result: ManyComparison, pair_by: str | None, alpha: float) -> None:
    """Friedman over the shared seeds, then every side against the baseline (paired,
    Holm-adjusted); or, when the seeds cannot carry a test, why not."""
    from mlpm.stats.multiple import against_baseline, friedman_nemenyi

    if all(row.n == 1 for row in result.rows):
        result.no_test = (
            "no test: one run a side (compare groups of runs over seeds to test a difference)"
        )
        return
    key, shared, why = _pairing(result.sides, result.rows, [pair_by] if pair_by else PAIR_KEYS)
    if key is None:
        result.no_test = f"no test: nothing pairs the runs across the sides ({why})"
        return
    result.pair_key = key
    result.shared = [json.loads(v) for v in shared]
    if len(shared) < 2:
        have = f" ({key} {', '.join(shared)})" if shared else ""
        result.no_test = (
            f"no test: {counted(len(shared), key + ' value')}{have} shared by all "
            f"{len(result.sides)} sides; a Friedman test needs 2 or more"
        )
        return
    columns: dict[str, list[float]] = {}
    for side, row in zip(result.sides, result.rows, strict=True):
        by_value = {
            json.dumps(_pair_value(r, key), sort_keys=True): row.values[row.ids.index(r.id)]
            for r in side.runs
            if r.id in row.ids
        }
        columns[side.label] = [by_value[v] for v in shared]
        alone = [
            r.label
            for r in side.runs
            if r.id in row.ids and json.dumps(_pair_value(r, key), sort_keys=True) not in shared
        ]
        if alone:
            result.notes.append(
                f"left out of the test {counted(len(alone), 'run')} of {side.label} whose "
                f"{key!r} not every side has ({', '.join(alone[:3])})"
            )
    higher = result.way.higher_is_better
    labels = list(columns)
    table = [[columns[m][i] for m in labels] for i in range(len(shared))]
    result.ranks = friedman_nemenyi(table, labels, alpha=alpha, higher_is_better=higher)
    result.against = against_baseline(
        columns, result.baseline, paired=True, method=ADJUST, alpha=alpha, higher_is_better=higher
    )
    calls = [r for r in result.against if r.verdict in ("a_better", "b_better")]
    decisive = result.ranks.p_decisive
    if calls and decisive is not None and decisive >= alpha:
        result.notes.append(
            "the Friedman test finds no difference across all sides: the pairwise "
            "verdicts stand on their own adjusted p-values"
        )


def compare_many(
    store: Store,
    refs: Sequence[SideRef],
    *,
    metric: str | None = None,
    baseline: str | None = None,
    pair_by: str | None = None,
    higher_is_better: bool | None = None,
    include_unfinished: bool = False,
    alpha: float = 0.05,
) -> ManyComparison:
    """Compare two or more sides (runs or W&B groups) on a summary metric (default: the key
    metric they share) against `baseline` (a side's label; default: the first side)."""
    from mlpm.stats.checks import check_alpha

    check_alpha(alpha)
    if len(refs) < 2:
        raise UsageError("compare needs two or more runs or groups")
    sides, refs, dropped = resolve_sides(store, refs, include_unfinished)
    metric = metric or shared_key_metric([r for s in sides for r in s.runs])
    if not metric:
        raise UsageError("these runs have no numeric summary metric to compare: give -m METRIC")
    rows = metric_rows(sides, metric)
    for row in rows:
        if not row.n:
            raise UsageError(f"no run of {row.label} has a numeric {metric!r} in its summary")
    labels = [s.label for s in sides]
    base = labels[0] if baseline is None else baseline_label(sides, baseline)
    if base not in labels:
        raise UsageError(f"no side {base!r} to take as the baseline (sides: {', '.join(labels)})")
    way = direction(metric, higher_is_better)
    result = ManyComparison(metric, way, sides, config_diff(sides), rows, base, alpha=alpha)
    for row in rows:
        if row.without:
            result.notes.append(
                f"{counted(len(row.without), 'run')} of {row.label} without a numeric "
                f"{metric!r} ({', '.join(row.without[:3])})"
            )
    for side in sides:
        if side.left_out:
            names = ", ".join(f"{run} ({why})" for run, why in side.left_out[:3])
            result.notes.append(
                f"left out {counted(len(side.left_out), 'unfinished run')} of {side.label}: "
                f"{names}; --include-unfinished counts them"
            )
    said_dropped = (
        [f"left out {', '.join(dropped)}: no finished run (--include-unfinished counts them)"]
        if dropped
        else []
    )
    result.notes += said_dropped
    if (note := way.note()) is not None:
        result.notes.append(note)
    if len(sides) == 2:
        # The check of `mlpm sig runs`, given what the user named (it says itself which runs
        # it leaves out and why, and which way is better).
        first, second = refs if labels[0] == base else refs[::-1]
        result.two = compare_runs(
            store,
            list(first.runs),
            list(second.runs),
            metric=metric,
            group_a=first.group,
            group_b=second.group,
            pair_by=pair_by,
            higher_is_better=higher_is_better,
            alpha=alpha,
            include_unfinished=include_unfinished,
        )
        result.pair_key = result.two.inputs.get("pair_by")
        result.notes = said_dropped
        return result
    _several(result, pair_by, alpha)
    return result
