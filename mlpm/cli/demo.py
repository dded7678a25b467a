"""`mlpm demo`"""

from __future__ import annotations

import click

from mlpm.cli.output import clean


@click.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False),
    help="Where to build it (default: a new temporary folder).",
)
@click.option("--no-open", is_flag=True, help="Build it and print where, without opening the app.")
def demo(folder: str | None, no_open: bool) -> None:
    """Open the app on a throw-away demo project (your own data is not touched)."""
    import sys
    import tempfile
    from pathlib import Path

    from mlpm.errors import MlpmError
    from mlpm.services.demo import build

    home = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="mlpm-demo-"))
    if home.exists() and any(home.iterdir()):
        raise MlpmError(f"{home} is not empty; give an empty or new folder")
    made = build(home)
    click.echo(
        f"demo in {clean(str(made.home))}: {made.tasks} tasks, {made.commits} commits, "
        f"{made.runs} W&B runs, {made.comparisons} comparisons"
    )
    click.echo(f"  explore it from the shell: mlpm --db {clean(str(made.db))} board")
    if no_open or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return
    from mlpm.tui.app import run

    run(made.db)
