"""`mlpm stats`: focus time and finished work, per day, project and task."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from mlpm.cli.context import open_store
from mlpm.cli.output import clean, emit_json, fit, style
from mlpm.wording import counted

if TYPE_CHECKING:
    from mlpm.services.focus_stats import FocusStats

BAR = 20


def bar(value: float, top: float, cells: int = BAR) -> str:
    """A bar of `cells` width scaled to `top` (eighth blocks for the fractional part)."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / top * cells * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (" ▏▎▍▌▋▊▉"[rest] if rest else "")


def hours(minutes: float) -> str:
    whole = round(minutes)
    return f"{whole // 60}h{whole % 60:02d}" if whole >= 60 else f"{whole}m"


def show(data: FocusStats) -> None:
    days = len(data.per_day)
    click.echo(style(f"focus {data.first} … {data.last} ({counted(days, 'day')})", bold=True))
    median = data.median_done_per_worked_day
    capacity = f" (median {median:g} per worked day)" if median is not None else ""
    click.echo(
        f"  {hours(data.focus_minutes)} focused · {counted(data.sessions, 'pomodoro')}"
        f" · {data.interrupted} interrupted · {counted(data.tasks_done, 'task')} finished{capacity}"
    )
    click.echo()
    click.echo(f"  {'day':<10}  {'focus':<{BAR}}  {'time':>5}  pom  int  done")
    top = max((d.focus_minutes for d in data.per_day), default=0)
    for d in data.per_day:
        click.echo(
            f"  {d.day}  {bar(d.focus_minutes, top):<{BAR}}  {hours(d.focus_minutes):>5}"
            f"  {d.sessions:>3}  {d.interrupted:>3}  {d.tasks_done:>4}"
        )
    if data.per_project:
        click.echo()
        click.echo(style("per project", bold=True))
        top = max(p.focus_minutes for p in data.per_project)
        for p in data.per_project:
            click.echo(
                f"  {fit(clean(p.project), 16)}  {bar(p.focus_minutes, top):<{BAR}}"
                f"  {hours(p.focus_minutes):>5}  {p.sessions:>3} pom  {p.interrupted:>2} int"
            )
    if data.per_task:
        click.echo()
        click.echo(style("per task: estimate against actual pomodoros", bold=True))
        for t in data.per_task:
            estimate = "–" if t.estimate is None else str(t.estimate)
            flag = style("  over", fg="yellow") if t.over_estimate else ""
            click.echo(
                f"  {t.task_id:>5}  {fit(clean(t.title), 36)}  est {estimate:>2}"
                f"  actual {t.pomodoros_total:>2}  {hours(t.focus_minutes):>5}{flag}"
            )
    if data.interruption_reasons:
        click.echo()
        click.echo(style("interruptions", bold=True))
        for reason, count in data.interruption_reasons[:10]:
            click.echo(f"  {count:>3}  {clean(reason)}")


@click.command()
@click.option("--days", "-d", type=int, default=14, show_default=True, help="Days to cover.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stats(days: int, as_json: bool) -> None:
    """Focus minutes and pomodoros per day, project and task; interruptions; tasks finished."""
    from mlpm.services import focus_stats

    data = focus_stats.summary(open_store(), days)
    if as_json:
        emit_json(data.to_json())
        return
    show(data)
