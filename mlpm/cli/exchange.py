"""`mlpm export` and `mlpm import`"""

from __future__ import annotations

import click

from mlpm.cli.context import open_store
from mlpm.cli.output import clean, json_text


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "md"]),
    default="json",
    show_default=True,
    help="json: the whole database, restorable; md: a report of one project.",
)
@click.option("--project", "-p", help="Project for the Markdown report (default: current).")
@click.option("--out", type=click.Path(dir_okay=False), help="File to write (default: stdout).")
def export(fmt: str, project: str | None, out: str | None) -> None:
    """Export everything as JSON (restorable with `mlpm import`) or a project as Markdown."""
    from mlpm.services import exchange

    store = open_store()
    if fmt == "json":
        text = json_text(exchange.dump(store), indent=1)
    else:  # stored text may hold terminal escapes: shown as visible escapes, file or not
        text = clean(exchange.report_markdown(store, project), multiline=True)
    if out:
        import os

        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # a dump is private data
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + ("\n" if not text.endswith("\n") else ""))
        click.echo(f"wrote {clean(out)}")
    else:
        click.echo(text, nl=not text.endswith("\n"))


@click.command("import")
@click.argument("path", type=click.Path(dir_okay=False, exists=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mlpm", "taskwarrior", "jrnl"]),
    help="Format (default: detected).",
)
@click.option("--project", "-p", help="Project for imported tasks without one, or for lessons.")
def import_(path: str, fmt: str | None, project: str | None) -> None:
    """Import an mlpm dump, a Taskwarrior `task export` or a jrnl `--format json` export."""
    from pathlib import Path

    from mlpm.services import exchange

    click.echo(exchange.import_file(open_store(), Path(path), fmt=fmt, project=project))
