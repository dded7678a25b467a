"""How the Compare screen shows a comparison of three or more sides: each side's verdict
against the baseline first, then what changed in the configs, the metric table, and the
test with its warnings. The words and numbers are the service's, as `mlpm runs compare`
prints them."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from mlpm.services.run_diff import metric_table
from mlpm.services.significance.multi_runs import ManyComparison
from mlpm.tui.render import literal
from mlpm.tui.widgets.compare_tables import cells_table, what_changed

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


def body(result: ManyComparison) -> RenderableType:
    """What changed, the metric table, then the test and the warnings."""
    parts: list[RenderableType] = [what_changed(result.diff)]
    way = "higher" if result.way.higher_is_better else "lower"
    parts += [Text(""), Text.assemble(literal(result.metric, "bold"), f" ({way} is better)")]
    parts.append(cells_table(*metric_table(result.rows, result.metric)))
    parts += [Text(""), literal(result.test_title(), "bold")]
    # Each line indented as a block, so a long line wraps under its own start.
    for line in result.test_lines():
        indent = 2 + len(line) - len(line.lstrip(" "))
        parts.append(Padding(literal(line.strip()), (0, 0, 0, indent)))
    for warning in result.warnings():
        parts.append(Padding(literal(f"warning: {warning}", "yellow"), (0, 0, 0, 2)))
    return Group(*parts)
