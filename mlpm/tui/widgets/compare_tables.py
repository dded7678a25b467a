"""The tables of a comparison of runs as the Compare screen draws them: what changed in the
configs (the words and rows of `mlpm runs compare`), and any table of literal cells with its
number columns right-aligned. Shared by the two-sided and the many-sided comparison."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from mlpm.services.run_diff import ConfigDiff, numeric_columns
from mlpm.tui.render import literal


def cells_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    """Headers and rows as literal text (config values are never markup), long cells folded."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1))
    numeric = numeric_columns(rows, len(headers))
    for header, right in zip(headers, numeric, strict=True):
        table.add_column(literal(header), justify="right" if right else "left", overflow="fold")
    for row in rows:
        table.add_row(*(literal(cell) for cell in row))
    return table


def what_changed(diff: ConfigDiff) -> RenderableType:
    """The line "What changed: ..." (how many keys differ, how many are hidden), then the
    keys that differ with each side's value(s)."""
    head = Text.assemble(("What changed", "bold"), ": ", literal(diff.summary()))
    if not diff.rows:
        return head
    return Group(head, cells_table(["config", *diff.labels], [[k, *c] for k, c in diff.rows]))
