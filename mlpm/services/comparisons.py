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
    where: list[str] = []
    params: list[Any] = []
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
