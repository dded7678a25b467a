"""`mlpm board`: the columns side by side, with counts against WIP limits."""

from __future__ import annotations

import click

from mlpm.cli.context import open_store
from mlpm.cli.output import clean, emit_json, fit, style, terminal_width, warn
from mlpm.models import COLUMNS


@click.group(invoke_without_command=True)
@click.option("--project", "-p", help="Project (default: the current one).")
@click.option("--tag", "-t", help="Only tasks with this tag.")
@click.option("--rows", default=20, type=click.IntRange(1, 10_000), help="Cards per column.")
@click.option("--width", type=click.IntRange(40, 1000), help="Width (default: the terminal's).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def board(
    ctx: click.Context,
    project: str | None,
    tag: str | None,
    rows: int,
    width: int | None,
    as_json: bool,
) -> None:
    """Print the board of a project."""
    if ctx.invoked_subcommand is not None:
        return
    from mlpm.services import board as rules
    from mlpm.services import projects
    from mlpm.services.people import initials

    store = open_store()
    p = projects.resolve(store, project)
    if as_json:  # JSON carries every card, as before; the screen reads what it shows
        columns = rules.columns(store, p, tag=tag)
        emit_json(
            {
                "project": p.slug,
                "columns": [
                    {
                        "name": c.name,
                        "count": c.count,
                        "limit": c.limit.limit if c.limit else None,
                        "hard": c.limit.hard if c.limit else None,
                        "tasks": [t.to_json() for t in c.tasks],
                        "waiting_for_review": [t.to_json() for t in c.waiting],
                    }
                    for c in columns
                ],
            }
        )
        return
    columns = rules.columns(store, p, tag=tag, windows=dict.fromkeys(COLUMNS, rows))
    total = width or terminal_width()
    cell = max(8, (total - 3 * (len(columns) - 1)) // len(columns))
    click.echo(style(clean(p.name), bold=True))
    headers = []
    for c in columns:
        text = fit(c.header, cell)
        headers.append(style(text, bold=True, fg="red" if c.at_limit else None))
    click.echo(" │ ".join(headers).rstrip())
    click.echo("─┼─".join("─" * cell for _ in columns))
    for i in range(max((len(c.tasks) for c in columns), default=0)):
        cells = []
        for c in columns:
            if i < len(c.tasks):
                t = c.tasks[i]
                who = f"({initials(t.assignee)}) " if t.assignee else ""
                cells.append(fit(f"{t.id} {who}{clean(t.title)}", cell))
            else:
                cells.append(" " * cell)
        click.echo(" │ ".join(cells).rstrip())
    # One line under the cards: how many each cut column holds beyond the window.
    if any(c.count > len(c.tasks) for c in columns):
        cells = [
            fit(f"… and {c.count - len(c.tasks):,} more", cell)
            if c.count > len(c.tasks)
            else " " * cell
            for c in columns
        ]
        click.echo(style(" │ ".join(cells).rstrip(), dim=True))
    # Leftovers from earlier days are in no day's order: listed apart, under the board.
    waiting = [t for c in columns for t in c.waiting]
    if waiting:
        click.echo()
        click.echo(style("waiting for review (planned on an earlier day; mlpm today review):"))
        for t in waiting[:rows]:
            click.echo(fit(f"  {t.id} {clean(t.title)}", total).rstrip())
        if len(waiting) > rows:
            click.echo(style(f"  … and {len(waiting) - rows:,} more", dim=True))


@board.command("limit")
@click.argument("column")
@click.argument("limit")
@click.option("--soft", "mode", flag_value="soft", help="Warn past the limit.")
@click.option("--hard", "mode", flag_value="hard", default=True, help="Refuse past it (default).")
@click.option("--project", "-p", help="Project (default: the current one).")
def limit(column: str, limit: str, mode: str, project: str | None) -> None:
    """Set a column's WIP limit (a number, or 'none' to remove it)."""
    from mlpm.errors import UsageError
    from mlpm.services import board as rules
    from mlpm.services import projects

    store = open_store()
    p = projects.resolve(store, project)
    if limit.lower() in ("none", "off"):
        value = None
    elif limit.isdigit():
        value = int(limit)
    else:
        raise UsageError(f"invalid limit {limit!r}: a whole number from 1, or 'none'")
    if over := rules.set_limit(store, p, column, value, hard=mode == "hard"):
        warn(over)
    shown = "removed" if value is None else f"{value} ({mode})"
    click.echo(f"WIP limit for {column.lower()} in {clean(p.slug)}: {shown}")
