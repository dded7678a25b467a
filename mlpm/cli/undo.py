"""`mlpm undo`"""

from __future__ import annotations

import click

from mlpm.cli.context import open_store
from mlpm.cli.output import clean, emit_json


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def undo(as_json: bool) -> None:
    """Revert the last change; run again to go further back."""
    from mlpm.services.undo import undo as revert

    done = revert(open_store())
    if as_json:
        emit_json(done.to_json())
        return
    click.echo(f"undid {clean(done.command)} ({clean(done.summary)}, {done.at})")
