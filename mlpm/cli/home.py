"""What bare `mlpm` does: open the terminal UI, or print a summary when it cannot run."""

from __future__ import annotations

import sys

import click

from mlpm.cli.context import open_store
from mlpm.cli.output import clean


@click.command()
def home() -> None:
    """Open the terminal UI (on a terminal), else print the project and today's plan."""
    if sys.stdout.isatty() and sys.stdin.isatty():
        try:
            from mlpm.tui.app import run
        except ImportError:
            pass
        else:
            run(open_store().path)
            return
    from mlpm.cli.today import show_today
    from mlpm.services import projects

    current = projects.current_or_none(open_store())
    if current is None:
        click.echo("no project yet: mlpm project add NAME  (or mlpm --help)")
        return
    click.echo(f"project: {clean(current.slug)} ({current.status})")
    show_today()
