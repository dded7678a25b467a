"""What the board screen reads, through the services: a project's columns, a window at a time."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from mlpm.models import COLUMNS, Project
from mlpm.services import board, projects, today_column
from mlpm.store import Store

WINDOW = 100  # cards read per column at first; more are read as the view scrolls


@dataclass(slots=True)
class BoardData:
    """The project shown (None: there is none yet) and its columns as read."""

    project: Project | None
    columns: list[board.Column]


def fetch_board(
    store: Store,
    project: str | None,
    tag: str | None,
    windows: dict[str, int],
    only: Collection[str] | None = None,
) -> BoardData:
    """The chosen (else current) project's board, through the services.

    Unfiltered columns are read a window at a time (the first `windows[column]` cards, more
    as the view scrolls down), so a backlog of 10,000 cards costs what the screen shows;
    `only` names the columns a change touched (the others are not read again)."""
    chosen = projects.get(store, project) if project else projects.current_or_none(store)
    if chosen is None:
        return BoardData(None, [])
    caps = {name: windows.get(name, WINDOW) for name in COLUMNS}
    return BoardData(chosen, board.columns(store, chosen, tag=tag, windows=caps, only=only))


def position_of(store: Store, project: Project, column: str, task_id: int) -> int:
    """1-based position of a task within its whole (unfiltered) column."""
    ids = [t.id for t in today_column.board_order(store, project=project, column=column)[0]]
    return ids.index(task_id) + 1
