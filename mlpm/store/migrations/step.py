"""One migration step: a name and the function that applies it (the areas' lists hold these)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Migration:
    """One named, append-only schema step. `apply` receives a `sqlite_utils.Database`."""

    name: str
    apply: Callable[[Any], None]


def sql(*statements: str) -> Callable[[Any], None]:
    """A migration step made of plain SQL statements."""

    def run(db: Any) -> None:
        for statement in statements:
            db.execute(statement)

    return run
