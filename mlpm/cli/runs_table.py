"""The runs table `mlpm runs list` prints: fixed columns, the chosen config and summary
columns (numbers right-aligned), and regression flags."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from mlpm.cli.output import clean, fit, one_line, style, width

if TYPE_CHECKING:
    from mlpm.services.run_checks import RunFlag
    from mlpm.services.runs import Run

STATE_COLOURS = {"finished": "green", "running": "yellow", "preempted": "magenta"}
STATE_COLOURS |= {"failed": "red", "killed": "red", "crashed": "red"}


def value_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def state_text(run: Run) -> str:
    return style(run.state, fg=STATE_COLOURS.get(run.state))


def _cell(value: Any) -> str:
    if value is None or value == []:
        return "–"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return one_line(",".join(str(v) for v in value))
    return one_line(value_text(value))


def print_table(found: list[Run], keys: list[str], flags: dict[str, RunFlag]) -> None:
    from mlpm.services import run_display, run_fields

    cells = {k: [_cell(run_fields.resolve(r, k)) for r in found] for k in keys}
    widths = {k: min(16, max(width(k), *(width(c) for c in cells[k]))) for k in keys}
    numeric = {k: all(c == "–" or _is_number(c) for c in cells[k]) for k in keys}
    header = (
        f"{fit('id', 10)} {fit('name', 24)} {fit('group', 14)} {fit('state', 10)}"
        f"{fit('tasks', 8)} {fit('commit', 7)} {fit('started (UTC)', 16)} {'runtime':>7}"
    ) + "".join(f"  {_align(clean(k), widths[k], numeric[k])}" for k in keys)
    click.echo(style(header.rstrip(), dim=True))
    for i, run in enumerate(found):
        tasks = ",".join(f"#{t}" for t in run.task_ids) or "–"
        commit = (run.commit or "")[:7] or "–"
        line = (
            f"{fit(clean(run.id), 10)} {fit(clean(run.label), 24)}"
            f" {fit(clean(run.group or '–'), 14)} {state_text(run)}{' ' * (10 - len(run.state))}"
            f"{fit(tasks, 8)} {commit:<7}"
            f" {(run.start_time or '–')[:16]:<16} {run_display.format_runtime(run.runtime):>7}"
        ) + "".join(f"  {_align(cells[k][i], widths[k], numeric[k])}" for k in keys)
        if run.id in flags:
            line += "  " + style(f"⚠ {clean(flags[run.id].message)}", fg="red")
        click.echo(line.rstrip())


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _align(text: str, cells: int, right: bool) -> str:
    fitted = fit(text, cells)
    if not right:
        return fitted
    body = fitted.rstrip(" ")
    return " " * (cells - width(body)) + body
