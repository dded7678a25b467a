"""Code states: HEAD, branch and a dirty flag noted when work on a task starts (task start,
focus start), so a result traces back to the code it came from."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from mlpm import clock
from mlpm.store import Store


@dataclass(slots=True)
class CodeState:
    """HEAD and a dirty flag recorded when work on a task started."""

    id: int
    task_id: int
    at: str
    repo: str
    head_sha: str | None
    branch: str | None
    dirty: bool | None
    reason: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CodeState:
        values = dict(row)
        values["dirty"] = None if row["dirty"] is None else bool(row["dirty"])
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def record(store: Store, task_id: int, reason: str) -> CodeState | None:
    """Record HEAD, branch and whether the tree was dirty for a task (at task start, focus
    start). One `git status`, no GitPython. None (and nothing stored) when the task's project
    has no readable repository: this never raises for a missing repository."""
    from mlpm.integrations import git_worktree

    row = store.one(
        "SELECT project.repo_path FROM task JOIN project ON project.id = task.project_id"
        " WHERE task.id = ?",
        (task_id,),
    )
    if row is None or not row["repo_path"]:
        return None
    state = git_worktree.read_code_state(row["repo_path"])
    if state is None:
        return None
    with store.write(f"code state {reason}", undoable=False) as tx:
        key = tx.insert(
            "code_state",
            {
                "task_id": task_id,
                "at": clock.stamp(),
                "repo": state.repo,
                "head_sha": state.head_sha,
                "branch": state.branch,
                "dirty": None if state.dirty is None else int(state.dirty),
                "reason": reason,
            },
        )
    row = store.one("SELECT * FROM code_state WHERE id = ?", (key,))
    assert row is not None  # inserted just above, in this process
    return CodeState.from_row(row)


def for_task(store: Store, task_id: int) -> list[CodeState]:
    """The code states recorded for a task, oldest first."""
    rows = store.query("SELECT * FROM code_state WHERE task_id = ? ORDER BY at, id", (task_id,))
    return [CodeState.from_row(r) for r in rows]
