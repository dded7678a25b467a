"""Everything known about one task: the task, its moves, day plans, lessons, commits, runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlpm.models import Lesson, Task
from mlpm.services import sync_merge, task_query, tasks
from mlpm.services.commits import commits_for_task
from mlpm.services.metric_rules import key_metric
from mlpm.services.runs import runs_for_task
from mlpm.store import Store


@dataclass(slots=True)
class TaskDetails:
    task: Task
    moves: list[dict[str, Any]]
    days: list[dict[str, Any]]
    lessons: list[Lesson]
    commits: list[Any] = field(default_factory=list)
    runs: list[Any] = field(default_factory=list)
    # Moves made on every replica (sync), the kept one marked; empty on a lone replica.
    synced_moves: list[dict[str, Any]] = field(default_factory=list)

    def runs_json(self) -> list[dict[str, Any]]:
        """The task's runs, each with its headline number (`key_metric`)."""
        return [{**r.to_json(), "key_metric": _key_metric(r)} for r in self.runs]

    def to_json(self) -> dict[str, Any]:
        return {
            **self.task.to_json(),
            "history": self.moves,
            "days": self.days,
            "lessons": [lesson.to_json() for lesson in self.lessons],
            "commits": [c.to_json() for c in self.commits],
            "runs": self.runs_json(),
            **({"synced_moves": self.synced_moves} if self.synced_moves else {}),
        }


def _key_metric(run: Any) -> dict[str, Any] | None:
    """The run's headline number (`metric_rules.key_metric`), as {"name", "value"}."""
    found = key_metric(run)
    return None if found is None else {"name": found[0], "value": found[1]}


def gather(store: Store, task_id: int) -> TaskDetails:
    task = task_query.get(store, task_id)
    days = store.query(
        "SELECT day, outcome, forced FROM day_plan WHERE task_id = ? ORDER BY day, id", (task_id,)
    )
    lessons = [
        Lesson.from_row(r)
        for r in store.query(
            "SELECT lesson.*, NULL AS project FROM lesson WHERE task_id = ? ORDER BY id",
            (task_id,),
        )
    ]
    return TaskDetails(
        task=task,
        moves=tasks.history(store, task_id),
        days=[{**d, "forced": bool(d["forced"])} for d in days],
        lessons=lessons,
        commits=commits_for_task(store, task_id),
        runs=runs_for_task(store, task_id),
        synced_moves=_synced_moves(store, task.gid),
    )


def _synced_moves(store: Store, gid: str) -> list[dict[str, Any]]:
    moves = sync_merge.column_history(store, gid)
    return moves if len({m["replica"] for m in moves}) > 1 else []
