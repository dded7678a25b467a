"""`mlpm undo`"""

from __future__ import annotations

import click

from mlpm.cli.context import open_store
from mlpm.cli.output import clean, emit_json


@click.command()
@click.option(
    "--skip", is_flag=True, help="Leave the last change as it is (one undo cannot revert)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def undo(skip: bool, as_json: bool) -> None:
    """Revert the last change; run again to go further back.

    A change undo cannot revert (a git sync, runs sync) stops it with a message:
    `mlpm undo --skip` then leaves that change as it is, and the next undo goes on to
    the change before it."""
    from mlpm.services import undo as undoing

    if skip:
        command = undoing.skip(open_store())
        if as_json:
            emit_json({"skipped": command})
        else:
            click.echo(f"skipped {clean(command)} (left as it is); mlpm undo goes on before it")
        return
    done = undoing.undo(open_store())
    if as_json:
        emit_json(done.to_json())
        return
    click.echo(f"undid {clean(done.command)} ({clean(done.summary)}, {done.at})")
