"""How the Compare screen shows a comparison of three or more sides: each side's verdict
against the baseline first, then what changed in the configs, the metric table, and the
test with its warnings. The words and numbers are the service's, as `mlpm runs compare`
prints them."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from mlpm.services.run_diff import metric_table, numeric_columns
from mlpm.services.significance.multi_runs import ManyComparison
from mlpm.tui.render import literal

WON = ("a_better", "b_better")


def verdict_code(result: ManyComparison) -> str:
    """The class the verdict box takes: too_few without a test, the two-sided check's own
    verdict, b_better when some side differs from the baseline, else no_difference."""
    if result.no_test is not None:
        return "too_few"
    if result.two is not None:  # two sides left (a side had no finished run)
        return result.two.verdict
    return "b_better" if any(r.verdict in WON for r in result.against) else "no_difference"


def verdict_text(result: ManyComparison) -> Text:
    """One line per side against the baseline ("wide vs base: ..."), or why there is no
    test."""
    if result.no_test is not None:
        return literal(result.no_test, "bold")
    out = Text()
    wins = {r.model: r.verdict in WON for r in result.against}
    for i, (side, words) in enumerate(result.verdicts().items()):
        if i:
            out.append("\n")
        out.append_text(literal(f"{side} vs {result.baseline}: ", "bold"))
        out.append_text(literal(words, "bold" if wins.get(side) else ""))
    return out


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1))
    numeric = numeric_columns(rows, len(headers))
    for header, right in zip(headers, numeric, strict=True):
        table.add_column(literal(header), justify="right" if right else "left", overflow="fold")
    for row in rows:
        table.add_row(*(literal(cell) for cell in row))
    return table


def body(result: ManyComparison) -> RenderableType:
    """What changed, the metric table, then the test and the warnings."""
    diff = result.diff
    parts: list[RenderableType] = [
        Text.assemble(("What changed", "bold"), ": ", literal(diff.summary()))
    ]
    if diff.rows:
        parts.append(_table(["config", *diff.labels], [[k, *cells] for k, cells in diff.rows]))
    way = "higher" if result.way.higher_is_better else "lower"
    parts += [Text(""), Text.assemble(literal(result.metric, "bold"), f" ({way} is better)")]
    parts.append(_table(*metric_table(result.rows, result.metric)))
    parts += [Text(""), literal(result.test_title(), "bold")]
    # Each line indented as a block, so a long line wraps under its own start.
    for line in result.test_lines():
        indent = 2 + len(line) - len(line.lstrip(" "))
        parts.append(Padding(literal(line.strip()), (0, 0, 0, indent)))
    for warning in result.warnings():
        parts.append(Padding(literal(f"warning: {warning}", "yellow"), (0, 0, 0, 2)))
    return Group(*parts)
