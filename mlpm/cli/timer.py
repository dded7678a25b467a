"""`mlpm timer ...`: focus sessions and breaks from the command line."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from mlpm.cli.context import open_store
from mlpm.cli.output import clean, emit_json, style, warn
from mlpm.cli.params import TASK, WHOLE, Group

if TYPE_CHECKING:
    from mlpm.services.timer import Started, Status


def _report_started(started: Started) -> None:
    from mlpm.wording import span

    for message in started.warnings:
        warn(message)
    if started.ended is not None:
        click.echo(f"ended the {clean(started.ended.label())}")
    session = started.session
    minutes = span(session.planned_seconds)
    click.echo(f"started a {clean(session.label())}: {minutes}, until {session.planned_end:%H:%M}")


def _print_status(state: Status) -> None:
    from mlpm.services.timer_session import KIND_NAMES, fmt_seconds
    from mlpm.wording import counted, span

    for closed in state.settled:
        click.echo(f"the {clean(closed.label())} finished at {closed.ended_at:%H:%M}")
    session = state.running
    if session is None:
        click.echo("no timer running")
        last = state.last
        if last is not None and not state.settled and last.ended_at is not None:
            took = span(last.elapsed(last.ended_at))
            click.echo(
                f"  last      {clean(last.label())}, {last.outcome} at {last.ended_at:%H:%M}"
                f" after {took}"
            )
    else:
        click.echo(style(clean(session.label()), bold=True))
        if session.keep_going and state.now >= session.planned_end:
            click.echo(f"  overtime  {fmt_seconds(session.overtime(state.now))}")
        else:
            left = fmt_seconds(session.remaining(state.now))
            click.echo(f"  remaining {left} of {fmt_seconds(session.planned_seconds)}")
        click.echo(f"  ends      {session.planned_end:%H:%M}")
    done = counted(state.focus_done_today, "focus session")
    click.echo(f"today: {done}, {state.focus_minutes_today} min")
    upcoming = KIND_NAMES[state.next_kind]
    if state.next_kind == "focus" and state.next_task is not None:
        upcoming += f" on #{state.next_task.id} {clean(state.next_task.title)}"
    click.echo(f"next: {upcoming}")


@click.group(cls=Group, invoke_without_command=True)
@click.pass_context
def timer(ctx: click.Context) -> None:
    """Pomodoro timer bound to tasks: start, status, stop, break, keep-going.

    Without a subcommand: open the terminal UI in timer mode (on a terminal), else the status.
    """
    if ctx.invoked_subcommand is not None:
        return
    if sys.stdout.isatty() and sys.stdin.isatty():
        try:
            from mlpm.tui.app import run
        except ImportError:
            pass
        else:
            import inspect

            if "screen" in inspect.signature(run).parameters:
                run(open_store().path, screen="timer")
                return
    from mlpm.services import timer as service

    _print_status(service.status(open_store()))


@timer.command("start")
@click.argument("task_id", type=TASK, required=False)
@click.option(
    "--minutes", "-m", type=WHOLE, help="Length in minutes (default: timer.focus_minutes)."
)
def start(task_id: int | None, minutes: int | None) -> None:
    """Start a focus session on TASK (default: the task in Doing, else today's first)."""
    from mlpm.services import timer as service

    _report_started(service.start(open_store(), task_id, minutes=minutes))


@timer.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(as_json: bool) -> None:
    """Show the running session, its remaining time, and today's count."""
    from mlpm.services import timer as service

    state = service.status(open_store())
    if as_json:
        emit_json(state.to_json())
        return
    _print_status(state)


@timer.command("stop")
@click.option("--reason", "-r", help="Why it stopped early (recorded with the interruption).")
def stop(reason: str | None) -> None:
    """End the running session now (interrupted if before its planned end)."""
    from mlpm.services import timer as service
    from mlpm.wording import span

    session = service.stop(open_store(), reason)
    took = span(session.elapsed(session.started_at))  # ended: measured to its end
    text = f"stopped the {clean(session.label())} after {took}"
    if session.outcome == "interrupted":
        text += " (interrupted)"
    elif session.overtime_seconds:
        text += f" ({span(session.overtime_seconds)} overtime)"
    click.echo(text)


@timer.command("break")
@click.option("--long/--short", "long", default=None, help="Long or short (default: by count).")
@click.option("--minutes", "-m", type=WHOLE, help="Length in minutes (default: from settings).")
def break_(long: bool | None, minutes: int | None) -> None:
    """Start a break (a long one after every timer.long_break_every focus sessions)."""
    from mlpm.services import timer as service

    _report_started(service.start_break(open_store(), long=long, minutes=minutes))


@timer.command("keep-going")
def keep_going() -> None:
    """Keep working past the end of the focus session: the overtime is counted until you stop
    or take a break."""
    from mlpm.services import timer as service

    session = service.keep_going(open_store())
    click.echo(f"keeping going on the {clean(session.label())}: overtime counts until you stop")
