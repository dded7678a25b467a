"""How runs look on the Runs screen: a run's row of cells, its values, its flag and the status
line."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from mlpm.services.run_checks import THROUGHPUT_KEYS, RunFlag
from mlpm.services.run_fields import resolve
from mlpm.services.runs import Run, number
from mlpm.tui.render import literal
from mlpm.tui.screens.runs_data import RunsData, fmt_value
from mlpm.wording import counted

FLAG_WIDTH = 20
NAME_WIDTH = 28
VALUE_WIDTH = 24  # a long config value (a path, a list) is cut to this
MARK_STYLE = "bold cyan"
STATE_STYLE = {"finished": "green", "running": "yellow", "preempted": "magenta"}
STATE_STYLE |= {"failed": "red", "killed": "red", "crashed": "red"}


def mark_cell(marked: bool) -> Text:
    return Text("●", style=MARK_STYLE) if marked else Text(" ")


def flag_cell(flag: RunFlag | None) -> Text:
    """A short flag ("⚠ crashed", "⚠ slow 2.7×", "⚠ val.acc worse +1"); the whole message
    is in the status line when the cursor is on the run."""
    if flag is None:
        return Text("")
    text = Text("⚠ ", style="bold red")
    text.append_text(literal(short_flag(flag), "red"))
    text.truncate(FLAG_WIDTH, overflow="ellipsis")
    return text


def short_flag(flag: RunFlag) -> str:
    """The first reason a run is flagged, in a few words, and how many more there are."""
    if flag.measures == ("state",):  # "crashed at epoch 3 (no exit record)"
        return flag.message.split(" ", 1)[0]
    if not flag.measures:
        return "worse"
    name = flag.measures[0]
    found = re.search(re.escape(name) + r": .*?([0-9.]+(?:e[+-]?\d+)?)x the baseline", flag.message)
    ratio = float(found.group(1)) if found else None
    if ratio and name in THROUGHPUT_KEYS:
        ratio = 1 / ratio  # fewer samples a second: slower by the inverse
    if name.startswith("runtime/") or name in THROUGHPUT_KEYS:
        first = f"slow {ratio:.2g}×" if ratio else "slow"
    else:
        first = f"{name} worse"
    more = len(flag.measures) - 1
    return f"{first} +{more}" if more else first


def value_cell(value: Any) -> Text:
    """A config or summary value: numbers right-aligned to 4 digits, text literal."""
    if number(value) is not None and not isinstance(value, bool):
        return fmt_value(value)
    if value is None or value == []:
        return Text("–", style="dim")
    if isinstance(value, bool):
        return Text("true" if value else "false")
    if isinstance(value, list):
        return literal(", ".join(str(v) for v in value))
    return literal(str(value) if isinstance(value, str) else json.dumps(value, default=str))


def align_numbers(rows: Iterable[list[Text]], columns: range) -> set[int]:
    """Right-align the columns whose every cell is a number or "–" (the dashes too), the rest
    to the left, numbers too, as `runs list` prints them; the right-aligned columns."""
    rows = list(rows)
    right = {i for i in columns if all(r[i].justify == "right" or r[i].plain == "–" for r in rows)}
    for row in rows:
        for i in columns:
            row[i].justify = "right" if i in right else "left"
    return right


def row_cells(
    run: Run, *, marked: bool, columns: Sequence[str], flag: RunFlag | None
) -> list[Text]:
    """Mark, name, group, state, tasks, commit, the config and summary columns and the flag."""
    name = literal(run.label)
    name.truncate(NAME_WIDTH, overflow="ellipsis")
    linked = ",".join(f"#{t}" for t in run.task_ids)
    tasks = Text(linked, style="cyan") if linked else Text("–", style="dim")
    commit = Text((run.commit or "")[:7] or "–", style="yellow" if run.commit else "dim")
    cells = [
        mark_cell(marked),
        name,
        literal(run.group or "–", "" if run.group else "dim"),
        Text(run.state, style=STATE_STYLE.get(run.state, "")),
        tasks,
        commit,
    ]
    for key in columns:
        cell = value_cell(resolve(run, key))
        cell.truncate(VALUE_WIDTH, overflow="ellipsis")
        cells.append(cell)
    cells.append(flag_cell(flag))
    return cells


@dataclass(frozen=True, slots=True)
class Shown:
    """What the status line says about the table: how it is narrowed and ordered."""

    count: int  # runs in the table
    group: str | None
    states: tuple[str, ...]  # () for every state
    query: str  # the filter box's text ("" for none)
    sort_title: str
    reverse: bool


def status_line(
    data: RunsData, shown: Shown, *, marked: int, flag: RunFlag | None, width: int = 0
) -> Text:
    """Runs shown (of how many), the group, state and filter, the order, the marks, and the
    flag of the cursor's run; when that is wider than `width` (0: any width), the order and
    then the group go first, so the cursor run's flag is read whole."""
    if not data.runs:
        if shown.group is not None:
            return Text(" no runs in this group", style="yellow")
        return Text(" no runs yet: import them with `mlpm runs sync`", style="yellow")
    narrowed = bool(shown.states) or bool(shown.query)
    count = Text()
    if narrowed:
        count.append(f" {shown.count:,} of {counted(len(data.runs), 'run')}", style="bold")
    else:
        count.append(f" {counted(len(data.runs), 'run')}", style="bold")
    group = Text()  # (a style given to Text() would cover what is appended too)
    group.append("  group ", style="dim")
    group.append_text(literal(shown.group or "all", "bold"))
    narrowing = Text()
    for i, state in enumerate(shown.states):
        narrowing.append(", " if i else "  state ", style="dim")
        narrowing.append(state, style="bold " + STATE_STYLE.get(state, ""))
    if shown.query:
        narrowing.append("  filter ", style="dim")
        narrowing.append_text(literal(shown.query, "bold"))
    order = Text()
    order.append("  sorted by ", style="dim")
    order.append_text(literal(shown.sort_title))
    order.append(" ↓" if shown.reverse else " ↑")
    tail = Text()
    if marked:
        tail.append(f"  {marked} marked", style="bold cyan")
    if flag is not None:
        tail.append("  ⚠ ", style="bold red")
        tail.append_text(literal(flag.message, "red"))
    elif narrowed and not shown.count:
        tail.append("  no run matches: escape clears the filter", style="yellow")
    parts = [count, group, narrowing, order, tail]
    # Too wide: the order goes first, then "group all" (a chosen group stays).
    for dropped in (order, group) if width else ():
        if sum(p.cell_len for p in parts) <= width or (dropped is group and shown.group):
            break
        parts = [part for part in parts if part is not dropped]
    return Text("").join(parts)
