"""Compare: is B really better than A? The verdict first, then the difference with its 95% CI,
the test and why it was chosen, the p-value, the effect size and the warnings.

Opened from the Runs screen with two runs or two groups, it shows what changed in their
configs, runs the check (in the database worker: scipy never runs on the UI loop), saves it
as a comparison record linked to its runs (and to their task when they share one), and shows
it. With three or more runs or groups it
shows each one's verdict against a baseline (b picks another), what changed in their configs,
the metric table and the test (`compare_many`; shown, not saved). Opened on its own (key 8),
it lists the saved comparisons and shows the one under the cursor.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from mlpm.errors import MlpmError
from mlpm.services import comparisons
from mlpm.services.comparisons import Comparison
from mlpm.services.run_diff import ConfigDiff, config_diff
from mlpm.services.significance.multi_runs import ManyComparison, compare_many
from mlpm.services.significance.results import SampleCheck
from mlpm.services.significance.run_compare import compare_runs
from mlpm.services.significance.run_sides import resolve_sides
from mlpm.services.significance.saving import save_check, saved_check
from mlpm.store import Store
from mlpm.tui.app import FAILED
from mlpm.tui.render import literal
from mlpm.tui.screens import compare_many as many_view
from mlpm.tui.screens.base import DataScreen
from mlpm.tui.screens.runs_data import CompareRequest
from mlpm.tui.widgets.compare_tables import what_changed
from mlpm.tui.widgets.keybar import KeyBar
from mlpm.tui.widgets.navbar import NavBar
from mlpm.tui.widgets.table import KeyTable

LOG_LIMIT = 200
LOG_COLUMNS = ("#", "When", "Metric", "A", "B", "Verdict", "p")
VERDICT_STYLE = {
    "b_better": "green",
    "a_better": "green",
    "equivalent": "cyan",
    "no_difference": "yellow",
    "too_few": "red",
    "continue": "yellow",  # a sequential check that has not decided yet
}
VERDICT_SHORT = {
    "b_better": "B better",
    "a_better": "A better",
    "no_difference": "no difference",
    "continue": "keep adding seeds",
    "summary": "suite",  # a benchmark suite describes; it calls no winner
    "too_few": "too few to tell",
    "equivalent": "equivalent",
    "differ": "some differ",
    "regression": "regression",
    "ok": "no regression",
}


def compare_and_save(store: Store, request: CompareRequest) -> Comparison:
    """Compare the request's sides on its metric and save the result, linked to the runs
    (and to their task when every compared run is linked to the same single task)."""
    check = compare_runs(
        store,
        list(request.runs_a),
        list(request.runs_b),
        metric=request.metric,
        group_a=request.group_a,
        group_b=request.group_b,
        higher_is_better=request.higher_is_better,
    )
    [saved] = save_check(lambda: store, check)
    return saved


def sides_diff(store: Store, request: CompareRequest) -> ConfigDiff:
    """What changed between the request's sides, over the runs `mlpm runs compare` takes
    (finished ones)."""
    sides, _, _ = resolve_sides(store, request.sides, include_unfinished=False)
    return config_diff(sides)


def compare_sides(store: Store, request: CompareRequest) -> ManyComparison:
    """Three or more sides against the request's baseline, as `mlpm runs compare`."""
    return compare_many(
        store,
        request.sides,
        metric=request.metric,
        baseline=request.baseline,
        higher_is_better=request.higher_is_better,
    )


def report(comparison: Comparison) -> tuple[Text, Text]:
    """(verdict, the rest) of a saved comparison, as literal text."""
    told = saved_check(comparison).report()
    body = Text()
    if told.detail:
        body.append_text(literal("  " + told.detail))
        body.append("\n")
    for line in told.body:
        body.append_text(literal(line))
        body.append("\n")
    for warning in told.warnings:
        body.append_text(literal(f"  warning: {warning}", "yellow"))
        body.append("\n")
    body.rstrip()
    return literal(told.headline, "bold"), body


def saved_line(comparison: Comparison) -> Text:
    text = Text(f"saved as comparison #{comparison.id}", style="dim")
    if comparison.task_id is not None:
        text.append(f", linked to task #{comparison.task_id}", style="dim")
    runs = len(comparison.runs_a) + len(comparison.runs_b)
    if runs:
        text.append(f", with its {runs} runs", style="dim")
    text.append(" · u undoes", style="dim")
    return text


class CompareScreen(DataScreen):
    """One comparison's verdict and numbers above the list of saved comparisons."""

    CSS_PATH = Path(__file__).with_name("compare.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="compare.back", tooltip="Back to the runs"),
        Binding(
            "d",
            "flip",
            "Flip direction",
            id="compare.flip",
            tooltip="Compare again taking the other direction as better (saved anew)",
        ),
        Binding(
            "b",
            "baseline",
            "Baseline",
            id="compare.baseline",
            tooltip="Test every side against the next one as the baseline",
        ),
    ]
    AUTO_FOCUS = "#compare-log"

    def __init__(self, request: CompareRequest | None = None) -> None:
        super().__init__()
        self.request = request
        self.shown: Comparison | None = None
        self.many: ManyComparison | None = None  # a comparison of 3+ sides, shown
        self.items: list[Comparison] = []
        self._select: int | None = None

    def compose(self) -> ComposeResult:
        yield NavBar("compare")
        with VerticalScroll(id="compare-report"):
            yield Static(id="compare-changes")  # two sides: what changed, above the verdict
            yield Static(id="compare-verdict")
            yield Static(id="compare-body")
            yield Static(id="compare-saved")
        yield Static(Text(" Saved comparisons", style="bold"), id="compare-log-title")
        yield KeyTable(id="compare-log", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    async def first_load(self) -> None:
        if self.request is not None:
            # Reading the report is the point: arrows and page keys scroll it (tab: the log).
            self.query_one("#compare-report").focus()
            self._run(self.request)
        else:
            self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return self.app.screen is self and len(self.app.screen_stack) > 1
        if action == "flip":
            return self.request is not None and (self.shown or self.many) is not None
        if action == "baseline":
            return self.many is not None and self.many.no_test is None
        return True

    def action_back(self) -> None:
        self.dismiss(None)

    def action_flip(self) -> None:
        if self.request is None:
            return
        if self.many is not None:
            higher = self.many.way.higher_is_better
        elif self.shown is not None:
            check = saved_check(self.shown)
            higher = check.higher_is_better if isinstance(check, SampleCheck) else True
        else:
            return
        self.request = replace(self.request, higher_is_better=not higher)
        self._run(self.request)

    def action_baseline(self) -> None:
        if self.request is None or self.many is None:
            return
        labels = [side.label for side in self.many.sides]
        after = labels[(labels.index(self.many.baseline) + 1) % len(labels)]
        self.request = replace(self.request, baseline=after)
        self._run(self.request)

    # -- running a comparison --------------------------------------------------------------

    @work(exclusive=True, group="compare-run")
    async def _run(self, request: CompareRequest) -> None:
        if request.many:
            await self._run_many(request)
            return
        what = (
            f"{request.group_a} vs {request.group_b}"
            if request.group_a
            else f"{len(request.runs_a)} vs {len(request.runs_b)} runs"
        )
        self._show_message(f"comparing {request.metric}: {what} …")
        try:
            diff: ConfigDiff | None = await self.mlpm.db(sides_diff, request)
        except MlpmError:
            diff = None  # no sides to tell apart: the check below says why
        saved = await self.perform(compare_and_save, request)
        if saved is FAILED:
            self._show_message("no comparison (the notice says why): escape goes back", "red")
            self._show_changes(diff)
            self.reload()
            return
        self._select = saved.id
        self._show(saved)
        self._show_changes(diff)
        self.reload()

    async def _run_many(self, request: CompareRequest) -> None:
        self._show_message(f"comparing {request.metric}: {len(request.sides)} sides …")
        try:
            result = await self.mlpm.db(compare_sides, request)
        except MlpmError as exc:
            self.notify(str(exc), title="Error", severity="error", markup=False)
            self._show_message("no comparison (the notice says why): escape goes back", "red")
            self.reload()
            return
        self._show_many(result)
        self.reload()

    def _show_many(self, result: ManyComparison) -> None:
        self.many = result
        self.refresh_bindings()
        verdict = self.query_one("#compare-verdict", Static)
        verdict.update(many_view.verdict_text(result))
        code = many_view.verdict_code(result)
        for name in VERDICT_STYLE:
            verdict.set_class(name == code, f"-{name}")
        self.query_one("#compare-body", Static).update(many_view.body(result))
        keys = " · b: another baseline · d: flip direction" if result.no_test is None else ""
        self.query_one("#compare-saved", Static).update(
            Text(
                f"against {result.baseline}{keys} · not saved (mlpm runs compare --save stores it)",
                style="dim",
            )
        )

    def _show_message(self, message: str, style: str = "dim") -> None:
        self.shown = None
        self.many = None
        self.refresh_bindings()
        verdict = self.query_one("#compare-verdict", Static)
        verdict.update(literal(message, style))
        for code in VERDICT_STYLE:
            verdict.remove_class(f"-{code}")
        self.query_one("#compare-body", Static).update("")
        self.query_one("#compare-saved", Static).update("")
        self._show_changes(None)

    def _show_changes(self, diff: ConfigDiff | None) -> None:
        """What changed between the two sides just compared (hidden for any other)."""
        changes = self.query_one("#compare-changes", Static)
        changes.update(what_changed(diff) if diff is not None else "")
        changes.display = diff is not None

    def _show(self, comparison: Comparison) -> None:
        if self.shown is not None and self.shown.id != comparison.id:
            self._show_changes(None)  # the diff was of the comparison shown before
        self.shown = comparison
        self.many = None
        self.refresh_bindings()
        head, body = report(comparison)
        verdict = self.query_one("#compare-verdict", Static)
        verdict.update(head)
        for code in VERDICT_STYLE:
            verdict.set_class(code == comparison.verdict, f"-{code}")
        self.query_one("#compare-body", Static).update(body)
        self.query_one("#compare-saved", Static).update(saved_line(comparison))

    # -- the saved comparisons -------------------------------------------------------------

    def reload(self) -> None:
        self._load()

    @work(exclusive=True, group="compare-load")
    async def _load(self) -> None:
        try:
            items = await self.mlpm.db(comparisons.list_comparisons, limit=LOG_LIMIT)
        except MlpmError as exc:
            self.notify(str(exc), title="Error", severity="error", markup=False)
            return
        self.items = items
        table = self.query_one("#compare-log", DataTable)
        want = self._select or (self.shown.id if self.shown else None)
        ids = [c.id for c in items]
        # Refilling moves the cursor: those moves are not the user's choice of a comparison.
        with self.prevent(DataTable.RowHighlighted):
            # Columns are added with their rows: a header drawn before the rows arrive keeps
            # its first widths when the table is not focused.
            table.clear(columns=True)
            table.add_columns(*LOG_COLUMNS)
            for c in items:
                table.add_row(*self._cells(c), key=str(c.id))
            if want in ids:
                table.move_cursor(row=ids.index(want), animate=False)
        self._select = None
        if self.many is not None:
            pass  # the comparison of many sides stays shown above the saved ones
        elif not items and self.request is None:
            self._show_message(
                "no saved comparisons yet: on the Runs screen (7), mark two runs or two "
                "groups and press c"
            )
        elif self.request is None and items and (self.shown is None or self.shown.id not in ids):
            self._show(items[table.cursor_row if want in ids else 0])
        elif self.shown is not None and self.shown.id not in ids:  # undone meanwhile
            self.query_one("#compare-saved", Static).update(
                Text("undone: this comparison is no longer saved", style="yellow")
            )

    @staticmethod
    def _cells(c: Comparison) -> list[Any]:
        p = "–" if c.p_value is None else f"{c.p_value:.3g}"
        return [
            Text(str(c.id), style="dim"),
            Text(c.created_at[:16].replace("T", " "), style="dim"),
            literal(c.metric or "–"),
            literal(c.label_a),
            literal(c.label_b),
            Text(VERDICT_SHORT.get(c.verdict, c.verdict), VERDICT_STYLE.get(c.verdict, "")),
            Text(p, justify="right"),
        ]

    @on(DataTable.RowHighlighted, "#compare-log")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        chosen = next((c for c in self.items if str(c.id) == key), None)
        if chosen is not None and (self.shown is None or self.shown.id != chosen.id):
            self._show(chosen)
