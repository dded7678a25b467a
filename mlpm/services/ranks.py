"""Ranks: the float order of cards in a board column and of entries in a day plan."""

from __future__ import annotations

from mlpm.store import Store


def between(before: float | None, after: float | None) -> float:
    """A rank strictly between two neighbours (either may be missing)."""
    if before is None and after is None:
        return 1.0
    if before is None:
        return after - 1  # type: ignore[operator]
    if after is None:
        return before + 1
    return (before + after) / 2


def end_rank(store: Store, project_id: int, column: str) -> float:
    """A rank after every card in a project's column."""
    top = store.scalar(
        'SELECT MAX(rank) FROM task WHERE project_id = ? AND "column" = ?', (project_id, column)
    )
    return (top or 0) + 1
