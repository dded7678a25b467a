"""A whole benchmark suite as one check: `suite` from a tidy file (method, task, seed, score),
`suite_from_runs` from imported runs (method = group, task = a config key), both returning a
`SuiteCheck`, the typed result that is also its saved record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlpm.errors import UsageError
from mlpm.services.significance.results import Record, Report
from mlpm.services.significance.suite_text import method_table, pair_lines, profile_chart
from mlpm.stats.fmt import num
from mlpm.stats.suite import Improvement, MethodSummary, SuiteResult
from mlpm.wording import counted

if TYPE_CHECKING:
    from mlpm.store import Store


@dataclass(slots=True)
class SuiteCheck:
    """IQM, mean, median and optimality gap per method with bootstrap CIs, the probability of
    improvement of each method over each other, and performance profiles."""

    result: SuiteResult
    inputs: dict[str, Any] = field(default_factory=dict)
    runs: list[str] = field(default_factory=list)  # imported runs behind it, if any
    saved_ids: list[int] = field(default_factory=list)

    kind = "suite"

    @property
    def verdict(self) -> str:
        return "summary"

    @property
    def verdict_text(self) -> str:
        """The highest IQM, and whether its CI clears every other method's (a description,
        not a test: the CIs say how sure)."""
        r = self.result
        ranked = sorted(r.methods, key=lambda m: m.iqm, reverse=True)
        top = ranked[0]
        where = f"{counted(len(r.methods), 'method')} on {counted(len(r.tasks), 'task')}"
        text = (
            f"{where}: highest IQM {top.method} {num(top.iqm)} "
            f"({round(100 * (1 - r.alpha)):g}% CI [{num(top.iqm_ci_low)}, {num(top.iqm_ci_high)}])"
        )
        if len(ranked) > 1:
            clear = all(top.iqm_ci_low > m.iqm_ci_high for m in ranked[1:])
            text += (
                "; its CI lies above every other method's"
                if clear
                else f"; its CI overlaps {ranked[1].method}'s"
            )
        return text

    def to_json(self) -> dict[str, Any]:
        data = self.result.to_json()
        if self.saved_ids:
            data["saved_id"] = self.saved_ids[0]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SuiteCheck:
        profiles = data.get("profiles") or {}
        result = SuiteResult(
            methods=[MethodSummary(**m) for m in data["methods"]],
            prob_improvement=[Improvement(**p) for p in data.get("prob_improvement", [])],
            tasks=[str(t) for t in data.get("tasks", [])],
            taus=[float(t) for t in profiles.get("taus", [])],
            profiles={str(k): list(v) for k, v in (profiles.get("share_above") or {}).items()},
            normalisation=str(data.get("normalisation", "none")),
            gamma=float(data.get("gamma", 1.0)),
            alpha=round(1 - float(data.get("ci_level", 0.95)), 12),
            resamples=int(data.get("resamples", 0)),
            seed=int(data.get("seed", 0)),
            warnings=[str(w) for w in data.get("warnings", [])],
        )
        return cls(result)

    def records(self) -> list[Record]:
        data = self.result.to_json()
        top = max(self.result.methods, key=lambda m: m.iqm)
        data.update(
            test="stratified bootstrap (IQM, probability of improvement)",
            verdict=self.verdict,
            verdict_text=self.verdict_text,
            alpha=self.result.alpha,
            label_a=f"{len(self.result.methods)} methods",
            label_b=f"{len(self.result.tasks)} tasks",
            n_a=sum(m.runs for m in self.result.methods),
            difference=top.iqm,
            ci_low=top.iqm_ci_low,
            ci_high=top.iqm_ci_high,
        )
        return [Record(data, self.inputs, runs_a=list(self.runs))]

    def report(self) -> Report:
        r = self.result
        body = method_table(r)
        body += pair_lines(r)
        body += profile_chart(r.taus, r.profiles)
        how = {"none": "raw scores", "min-max": "min-max per task", "reference": "reference"}
        body.append(
            f"  {r.resamples} stratified-bootstrap resamples (seeds within each task), seed "
            f"{r.seed}; scores: {how.get(r.normalisation, r.normalisation)}; optimality gap "
            f"to {num(r.gamma)} (Agarwal et al. 2021)"
        )
        return Report(self.verdict_text, body=body, warnings=list(r.warnings))


def read_reference(path_text: str) -> dict[str, tuple[float, float]]:
    """Per-task reference scores from a CSV (task,low,high) or JSON lines file: low maps to 0
    and high to 1 (e.g. random and human scores)."""
    import csv
    import json
    from pathlib import Path

    path = Path(path_text).expanduser()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read reference {path_text}: {exc}") from None
    rows: list[dict[str, Any]]
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        try:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise UsageError(f"reference {path_text}: not JSON lines ({exc.msg})") from None
    else:
        rows = list(csv.DictReader(text.splitlines()))
    out: dict[str, tuple[float, float]] = {}
    for i, row in enumerate(rows, start=1):
        try:
            out[str(row["task"]).strip()] = (float(row["low"]), float(row["high"]))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise UsageError(
                f"reference {path_text} row {i}: needs task, low and high (numbers)"
            ) from None
    if not out:
        raise UsageError(f"reference {path_text}: no rows")
    return out


def _config(config: dict[str, Any], key: str) -> Any:
    from mlpm.services.runs import lookup

    value = lookup(config, key)
    if isinstance(value, dict) and "value" in value:  # W&B's {"value": ..., "desc": ...}
        value = value["value"]
    return value


def suite(
    table: str | Sequence[dict[str, Any]],
    *,
    normalise: str | None = None,
    reference: str | dict[str, tuple[float, float]] | None = None,
    gamma: float = 1.0,
    resamples: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
) -> SuiteCheck:
    """A suite from a tidy file (CSV or JSON lines: method, task, seed, score) or rows."""
    from mlpm.stats.suite import compare_suite
    from mlpm.stats.tidy import from_rows, read_suite

    if normalise is not None and reference is not None:
        raise UsageError("give --normalise or --reference, not both")
    data = read_suite(table) if isinstance(table, str) else from_rows(table)
    ref = read_reference(reference) if isinstance(reference, str) else reference
    result = compare_suite(
        data,
        normalise=normalise,
        reference=ref,
        gamma=gamma,
        alpha=alpha,
        resamples=resamples,
        seed=seed,
    )
    inputs = {
        "table": table if isinstance(table, str) else f"{len(table)} rows",
        "normalise": normalise,
        "reference": reference if isinstance(reference, str) else None,
    }
    return SuiteCheck(result, inputs)


def suite_from_runs(
    store: Store,
    *,
    metric: str,
    task_key: str,
    seed_key: str = "seed",
    groups: Sequence[str] = (),
    normalise: str | None = None,
    gamma: float = 1.0,
    resamples: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
) -> SuiteCheck:
    """A suite from imported runs: method = the run's group, task = config `task_key`
    (dataset, environment), seed = config `seed_key`. Runs lacking any of these, or a
    numeric `metric`, are left out and counted in a warning."""
    from mlpm.services.runs import list_runs
    from mlpm.stats.suite import compare_suite
    from mlpm.stats.tidy import from_rows

    wanted = set(groups)
    rows, used, skipped = [], [], 0
    for run in list_runs(store):
        if run.group is None or (wanted and run.group not in wanted):
            continue
        task, run_seed = (_config(run.config, key) for key in (task_key, seed_key))
        value = run.metric(metric)
        if (
            task is None
            or run_seed is None
            or isinstance(value, bool)
            or not isinstance(value, int | float)
        ):
            skipped += 1
            continue
        rows.append({"method": run.group, "task": task, "seed": run_seed, "score": value})
        used.append(run.id)
    if not rows:
        raise UsageError(
            f"no grouped run has config {task_key!r} and {seed_key!r} and a numeric {metric!r}"
        )
    data = from_rows(rows, "runs")
    result = compare_suite(
        data, normalise=normalise, gamma=gamma, alpha=alpha, resamples=resamples, seed=seed
    )
    if skipped:
        result.warnings.append(
            f"left out {counted(skipped, 'run')} without a group, config {task_key!r} or "
            f"{seed_key!r}, or a numeric {metric!r}"
        )
    inputs = {"metric": metric, "task_key": task_key, "seed_key": seed_key, "groups": groups}
    return SuiteCheck(result, {**inputs, "groups": list(groups)}, used)
