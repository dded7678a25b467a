"""Saved significance checks ("comparisons"), linked to their runs and task."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from mlpm import clock
from mlpm.errors import NotFound, UsageError

if TYPE_CHECKING:
    from mlpm.store import Store

_NUMBERS = ("statistic", "p_value", "effect_size", "difference", "ci_low", "ci_high")


@dataclass(slots=True)
class Comparison:
    """One saved check: what was compared, the test, its numbers and the verdict."""

    id: int
    created_at: str
    kind: str
    label_a: str
    label_b: str
    metric: str
    test: str
    statistic: float | None
    p_value: float | None
    effect_size: float | None
    effect_name: str
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    alpha: float
    verdict: str
    verdict_text: str
    n_a: int | None
    n_b: int | None
    seed: int | None
    task_id: int | None
    project_id: int | None
    runs_a: list[str] = field(default_factory=list)
    runs_b: list[str] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: dict[str, Any], runs: Sequence[dict[str, Any]] = ()) -> Comparison:
        return cls(
            id=row["id"],
            created_at=row["created_at"],
            kind=row["kind"],
            label_a=row["label_a"],
            label_b=row["label_b"],
            metric=row["metric"],
            test=row["test"],
            statistic=row["statistic"],
            p_value=row["p_value"],
            effect_size=row["effect_size"],
            effect_name=row["effect_name"],
            difference=row["difference"],
            ci_low=row["ci_low"],
            ci_high=row["ci_high"],
            alpha=row["alpha"],
            verdict=row["verdict"],
            verdict_text=row["verdict_text"],
            n_a=row["n_a"],
            n_b=row["n_b"],
            seed=row["seed"],
            task_id=row["task_id"],
            project_id=row["project_id"],
            runs_a=[r["run_id"] for r in runs if r["side"] == "a"],
            runs_b=[r["run_id"] for r in runs if r["side"] == "b"],
            inputs=json.loads(row["inputs"] or "{}"),
            result=json.loads(row["result"] or "{}"),
        )

    def to_json(self, *, full: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not full:
            data.pop("result")
        return data


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def save(
    store: Store,
    data: dict[str, Any],
    *,
    inputs: dict[str, Any] | None = None,
    task_id: int | None = None,
    runs_a: Sequence[str] = (),
    runs_b: Sequence[str] = (),
) -> Comparison:
    """Store a check's JSON result (`Result.to_json()` or a rank result) as a comparison."""
    for key in ("kind", "test", "verdict", "verdict_text", "alpha"):
        if key not in data:
            raise UsageError(f"a comparison needs {key!r}")
    project_id = None
    if task_id is not None:
        row = store.one("SELECT project_id FROM task WHERE id = ?", (task_id,))
        if row is None:
            raise NotFound(f"no task {task_id}")
        project_id = row["project_id"]
    else:
        from mlpm.services import projects

        current = projects.current_or_none(store)
        project_id = current.id if current else None
    values = {
        "created_at": clock.stamp(),
        "kind": data["kind"],
        "project_id": project_id,
        "task_id": task_id,
        "label_a": str(data.get("label_a", "A")),
        "label_b": str(data.get("label_b", "B")),
        "metric": str(data.get("metric") or ""),
        "test": data["test"],
        "effect_name": str(data.get("effect_name") or ""),
        "alpha": float(data["alpha"]),
        "verdict": data["verdict"],
        "verdict_text": data["verdict_text"],
        "n_a": data.get("n_a"),
        "n_b": data.get("n_b"),
        "seed": data.get("seed"),
        "inputs": json.dumps(inputs or {}, default=str),
        "result": json.dumps(data, default=str),
        **{k: _number(data.get(k)) for k in _NUMBERS},
    }
    with store.write("sig save") as tx:
        new_id = tx.insert("comparison", values)
        for side, ids in (("a", runs_a), ("b", runs_b)):
            for run_id in dict.fromkeys(ids):
                tx.insert(
                    "comparison_run", {"comparison_id": new_id, "run_id": run_id, "side": side}
                )
    return get(store, new_id)


def get(store: Store, comparison_id: int) -> Comparison:
    row = store.one("SELECT * FROM comparison WHERE id = ?", (comparison_id,))
    if row is None:
        raise NotFound(f"no comparison {comparison_id}")
    runs = store.query(
        "SELECT run_id, side FROM comparison_run WHERE comparison_id = ? ORDER BY id",
        (comparison_id,),
    )
    return Comparison.from_row(row, runs)


def list_comparisons(
    store: Store,
    *,
    task_id: int | None = None,
    run_id: str | None = None,
    limit: int | None = None,
) -> list[Comparison]:
    """Saved comparisons, newest first, filtered by task or run."""
    where, params = [], []
    if task_id is not None:
        where.append("task_id = ?")
        params.append(task_id)
    if run_id is not None:
        where.append("id IN (SELECT comparison_id FROM comparison_run WHERE run_id = ?)")
        params.append(run_id)
    sql = "SELECT * FROM comparison"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    rows = store.query(sql, params)
    runs: dict[int, list[dict[str, Any]]] = {}
    if rows:
        marks = ", ".join("?" for _ in rows)
        for r in store.query(
            f"SELECT comparison_id, run_id, side FROM comparison_run WHERE comparison_id IN "
            f"({marks}) ORDER BY id",
            [row["id"] for row in rows],
        ):
            runs.setdefault(r["comparison_id"], []).append(r)
    return [Comparison.from_row(row, runs.get(row["id"], [])) for row in rows]


# -- comparing imported runs ---------------------------------------------------------------

PAIR_KEYS = ("seed", "random_seed", "fold", "split")
LOWER_IS_BETTER_WORDS = (
    "loss",
    "error",
    "err",
    "wer",
    "cer",
    "perplexity",
    "runtime",
    "time",
    "latency",
    "mse",
    "mae",
    "rmse",
)


def metric_higher_is_better(metric: str) -> bool:
    """The direction assumed from a metric's name: loss, error, runtime... lower is better."""
    return not any(word in metric.lower() for word in LOWER_IS_BETTER_WORDS)


@dataclass(slots=True)
class RunComparison:
    """A comparison of two sets of imported runs, ready to print or save."""

    result: Any  # mlpm.stats.result.Result
    runs_a: list[str]
    runs_b: list[str]
    inputs: dict[str, Any]
    task_id: int | None = None  # the one task every run is linked to, if there is one


def _config_value(config: dict[str, Any], key: str) -> Any:
    from mlpm.services.runs import lookup

    value = lookup(config, key)
    if isinstance(value, dict) and "value" in value:  # W&B's {"value": ..., "desc": ...}
        value = value["value"]
    return value


def _pairing(side_a: list[Any], side_b: list[Any], keys: Sequence[str]) -> tuple[str | None, str]:
    """The first config key whose values pair the runs one to one, and why (or why not)."""
    reasons = []
    for key in keys:
        va = [_config_value(r.config, key) for r in side_a]
        vb = [_config_value(r.config, key) for r in side_b]
        if any(v is None for v in va + vb):
            reasons.append(f"not every run has config {key!r}")
            continue
        ka, kb = (
            [json.dumps(v, sort_keys=True) for v in va],
            [json.dumps(v, sort_keys=True) for v in vb],
        )
        if len(set(ka)) != len(ka) or len(set(kb)) != len(kb):
            reasons.append(f"config {key!r} repeats within a side")
        elif set(ka) != set(kb):
            reasons.append(f"the {key!r} values differ between the sides")
        else:
            return key, f"paired by config {key!r} (the same values on both sides)"
    return None, "unpaired: " + ("; ".join(reasons) if reasons else "no pairing key")


def _resolve(store: Store, refs: Sequence[str], group: str | None, side: str) -> list[Any]:
    from mlpm.services import runs as run_service

    if group is not None and refs:
        raise UsageError(f"give runs or --group-{side} for side {side.upper()}, not both")
    if group is not None:
        found = run_service.group_runs(store, group)
        if not found:
            raise NotFound(f"no imported runs in group {group!r} (mlpm runs sync imports them)")
        return found
    if not refs:
        raise UsageError(f"no runs for side {side.upper()}: give run ids or --group-{side}")
    out = []
    for ref in refs:
        for part in (p.strip() for p in ref.split(",")):
            if part:
                out.append(run_service.get_run(store, part))
    return out


def compare_runs(
    store: Store,
    refs_a: Sequence[str],
    refs_b: Sequence[str],
    *,
    metric: str,
    group_a: str | None = None,
    group_b: str | None = None,
    pair_by: str | None = None,
    paired: bool | None = None,
    higher_is_better: bool | None = None,
    alpha: float = 0.05,
    margin: float | None = None,
    seed: int | None = None,
) -> RunComparison:
    """Compare a summary metric of two sets of imported runs (or two W&B groups).

    Pairs runs by a config key (`pair_by`, else the first of seed, random_seed, fold, split
    that matches one to one) unless `paired` is False; says which was chosen and why.
    """
    from mlpm.stats import compare_samples

    side_a = _resolve(store, refs_a, group_a, "a")
    side_b = _resolve(store, refs_b, group_b, "b")
    overlap = {r.id for r in side_a} & {r.id for r in side_b}
    if overlap:
        raise UsageError(f"{len(overlap)} run(s) are on both sides (e.g. {sorted(overlap)[0]})")
    notes: list[str] = []

    def values(runs: list[Any], side: str) -> tuple[list[Any], list[float]]:
        kept, nums, missing = [], [], []
        for run in runs:
            value = run.metric(metric)
            if isinstance(value, bool) or not isinstance(value, int | float):
                missing.append(run.label)
                continue
            kept.append(run)
            nums.append(float(value))
        if missing:
            notes.append(
                f"left out {len(missing)} run(s) of {side} without a numeric "
                f"{metric!r} in their summary ({', '.join(missing[:3])})"
            )
        unfinished = [r.label for r in kept if r.state != "finished"]
        if unfinished:
            notes.append(
                f"{side} includes {len(unfinished)} run(s) that did not finish "
                f"({', '.join(unfinished[:3])})"
            )
        return kept, nums

    side_a, nums_a = values(side_a, "A")
    side_b, nums_b = values(side_b, "B")
    if not nums_a or not nums_b:
        raise UsageError(
            f"no run on side {'A' if not nums_a else 'B'} has a numeric {metric!r} in its summary"
        )
    if higher_is_better is None:
        higher_is_better = metric_higher_is_better(metric)
        lowered = not higher_is_better
        notes.append(
            f"{'lower' if lowered else 'higher'} {metric} taken as better (from its "
            "name; --higher-is-better or --lower-is-better to say otherwise)"
        )
    key, why = (
        (None, "unpaired (as asked)")
        if paired is False
        else _pairing(side_a, side_b, [pair_by] if pair_by else PAIR_KEYS)
    )
    if paired and key is None:
        raise UsageError(f"cannot pair these runs: {why.removeprefix('unpaired: ')}")
    if key is not None:
        order = {
            json.dumps(_config_value(r.config, key), sort_keys=True): i
            for i, r in enumerate(side_a)
        }
        pairs = sorted(
            zip(side_b, nums_b, strict=True),
            key=lambda rv: order[json.dumps(_config_value(rv[0].config, key), sort_keys=True)],
        )
        side_b, nums_b = [r for r, _ in pairs], [v for _, v in pairs]
    label_a = group_a or (side_a[0].label if len(side_a) == 1 else "A")
    label_b = group_b or (side_b[0].label if len(side_b) == 1 else "B")
    if label_a == label_b:
        label_a, label_b = "A", "B"
    result = compare_samples(
        nums_a,
        nums_b,
        paired=key is not None,
        alpha=alpha,
        higher_is_better=higher_is_better,
        margin=margin,
        label_a=label_a,
        label_b=label_b,
        metric=metric,
        seed=seed,
    )
    result.kind = "runs"
    result.why = f"{why}; {result.why}" if result.why else why
    result.warnings[:0] = notes
    if len(side_a) == 1 and len(side_b) == 1:
        result.warnings.append(
            "one run a side: compare groups of runs over seeds, or their "
            "per-example predictions (mlpm sig preds)"
        )
    inputs = {
        "metric": metric,
        "group_a": group_a,
        "group_b": group_b,
        "pair_by": key,
        "values_a": nums_a,
        "values_b": nums_b,
    }
    tasks = {t for r in side_a + side_b for t in r.task_ids}
    shared = (
        next(iter(tasks)) if len(tasks) == 1 and all(r.task_ids for r in side_a + side_b) else None
    )
    return RunComparison(result, [r.id for r in side_a], [r.id for r in side_b], inputs, shared)
