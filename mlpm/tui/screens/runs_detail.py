"""One run in full (`enter` on the Runs screen): its fields, state and exit code, the last lines
of its output when it did not finish (the traceback, `run_output`, as `mlpm runs show`), its
tags, config and summary. Every value is literal text, never markup."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from mlpm.errors import MlpmError
from mlpm.services import run_display, run_output
from mlpm.services import runs as run_service
from mlpm.services.run_output import OutputTail
from mlpm.services.runs import Run
from mlpm.store import Store
from mlpm.tui.render import literal
from mlpm.tui.screens.base import DataScreen
from mlpm.tui.screens.runs_cells import STATE_STYLE
from mlpm.tui.widgets.keybar import KeyBar
from mlpm.tui.widgets.navbar import NavBar

OUTPUT_LINES = 20  # as `mlpm runs show`


@dataclass(frozen=True, slots=True)
class RunDetail:
    """A run and, when it ended badly, the end of its output (None: no log to read)."""

    run: Run
    output: OutputTail | None
    ended_badly: bool
    keeps_output: bool  # a local W&B run (an MLflow or remote run keeps no log here)


def fetch_detail(store: Store, run_id: str) -> RunDetail:
    run = run_service.get_run(store, run_id)
    ended_badly = run.state in run_service.ENDED_BADLY
    output = run_output.tail(run, OUTPUT_LINES) if ended_badly else None
    return RunDetail(run, output, ended_badly, run_output.keeps_output(run))


def _section(text: Text, title: str) -> None:
    text.append(f"\n{title}\n", style="bold")


def detail_text(detail: RunDetail) -> Text:
    """The whole page: what `runs show` prints, the output first (it says why it ended)."""
    run = detail.run
    text = Text()
    text.append_text(literal(run.id, "bold"))
    text.append("  ")
    text.append_text(literal(run.label, "bold"))
    text.append("  ")
    text.append(run.state, style="bold " + STATE_STYLE.get(run.state, ""))
    if run.exit_code is not None:
        text.append(f"  exit code {run.exit_code}", style="bold red" if run.exit_code else "dim")
    text.append("\n")
    text.append("  tags      ", style="dim")
    text.append_text(literal(", ".join(run.tags) or "–"))
    text.append("\n")
    if detail.output is not None:  # first: it says why the run ended, above the fold
        shown = detail.output
        _section(text, f"output (last {len(shown.lines)} lines of {Path(shown.path).name})")
        for index, line in enumerate(shown.lines, 1):
            text.append("  ")  # the last line says what was raised
            text.append_text(literal(line, "bold red" if index == len(shown.lines) else ""))
            text.append("\n")
    elif detail.ended_badly and detail.keeps_output:
        _section(text, "output")
        text.append("  – (no files/output.log in the run folder)\n", style="dim")
    _section(text, "run")
    rows = [
        ("project", "/".join(p for p in (run.entity, run.project) if p) or "–"),
        ("group", run.group or "–"),
        ("job type", run.job_type or "–"),
        ("started", run.start_time or "–"),
        ("runtime", run_display.format_runtime(run.runtime)),
        ("commit", (run.commit or "–") + (f"  ({run.remote})" if run.remote else "")),
        ("tasks", ", ".join(f"#{t}" for t in run.task_ids) or "–"),
        ("host", run.host or "–"),
        ("program", " ".join([run.program or "–", *run.args])),
        ("source", f"{run.source}: {run_service.display_path(run.path) if run.path else '–'}"),
    ]
    for label, value in rows:
        text.append(f"  {label:<9} ", style="dim")
        text.append_text(literal(value))
        text.append("\n")
    for title, data in (("config", run.config), ("summary", run.summary)):
        items = [(k, v) for k, v in run_service.flatten(data) if not k.startswith("_")]
        _section(text, title)
        if not items:
            text.append("  –\n", style="dim")
        for key, value in items:
            text.append("  ")
            text.append_text(literal(key, "cyan"))
            text.append(" = ")
            text.append_text(literal(_value(value)))
            text.append("\n")
    text.rstrip()
    return text


def _value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


class RunDetailScreen(DataScreen):
    """A run's page over the Runs screen; escape goes back to the table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="run_detail.back", tooltip="Back to the runs"),
        Binding("k", "scroll('up')", "Up", show=False, id="run_detail.up"),
        Binding("j", "scroll('down')", "Down", show=False, id="run_detail.down"),
    ]
    DEFAULT_CSS = """
    RunDetailScreen #run-detail { height: 1fr; padding: 0 1; }
    """
    AUTO_FOCUS = "#run-detail"

    def __init__(self, run_id: str) -> None:
        super().__init__()
        self.run_id = run_id

    def compose(self) -> ComposeResult:
        yield NavBar("runs")
        with VerticalScroll(id="run-detail"):
            yield Static(Text("reading the run…", style="dim"), id="run-detail-body")
        yield KeyBar()

    def reload(self) -> None:
        self._load()

    @work(exclusive=True, group="runs-detail")
    async def _load(self) -> None:
        body = self.query_one("#run-detail-body", Static)
        try:
            detail = await self.mlpm.db(fetch_detail, self.run_id)
        except MlpmError as exc:
            body.update(literal(str(exc), "red"))
            return
        body.update(detail_text(detail))

    def action_back(self) -> None:
        self.dismiss()

    def action_scroll(self, where: str) -> None:
        scroll = self.query_one("#run-detail", VerticalScroll)
        if where == "up":
            scroll.scroll_up()
        else:
            scroll.scroll_down()
