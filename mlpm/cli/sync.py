"""`mlpm sync`, `sync setup URL`, `sync status`, `sync rebuild`: share tasks, lessons and
comparisons through an ordinary git repository (explicit: never on a quick command's path)."""

from __future__ import annotations

import click

from mlpm.cli.context import open_store
from mlpm.cli.output import clean, emit_json, warn

_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group(invoke_without_command=True)
@_JSON
@click.pass_context
def sync(ctx: click.Context, as_json: bool) -> None:
    """Send this replica's changes and receive the others' (git fetch, merge, push)."""
    if ctx.invoked_subcommand is not None:
        return
    from mlpm.services import sync_run

    report = sync_run.run(open_store())
    for problem in report.problems:
        warn(clean(problem))
    if as_json:
        emit_json(report.to_json())
        return
    pushed = f", pushed after {report.pushes} tries" if report.pushes > 1 else ""
    click.echo(
        f"synced: sent {report.sent} ops, received {report.received} "
        f"({report.written} rows changed){pushed}"
    )


@sync.command()
@click.argument("url", required=False)
@click.option(
    "--ref", "in_project", is_flag=True,
    help="Keep the log under refs/mlpm/ops of the project's own repository (URL, or the"
    " current project's origin): no new branch, code untouched.",
)  # fmt: skip
@_JSON
def setup(url: str | None, in_project: bool, as_json: bool) -> None:
    """Use URL (any git URL or path, e.g. a bare repository) as the sync repository."""
    from mlpm.services import sync_run

    done = sync_run.setup(open_store(), url, in_project=in_project)
    if as_json:
        emit_json(done)
        return
    where = f" ({done['ref']} of {clean(done['url'])})" if in_project else ""
    click.echo(f"sync set up: replica {done['replica']}, repository {clean(done['dir'])}{where}")
    if not done["author"]:
        warn("git has no user.email here: personal entries are matched by replica only")


@sync.command()
@_JSON
def status(as_json: bool) -> None:
    """This replica, the last sync, ops waiting to be pushed, replicas seen."""
    from mlpm.services import sync_run

    info = sync_run.status(open_store())
    if as_json:
        emit_json(info)
        return
    click.echo(f"replica   {info['replica']} ({clean(info['author'] or 'no author')})")
    ref = f" ({info['ref']})" if info["ref"] and info["ref"] != "refs/heads/mlpm-ops" else ""
    click.echo(f"remote    {clean(info['url'] or 'not set up (mlpm sync setup URL)')}{ref}")
    click.echo(f"last sync {info['last_sync'] or 'never'}")
    click.echo(f"waiting   {info['ops_waiting']} ops, {info['commits_unpushed']} commits unpushed")
    for r in info["replicas"]:
        mark = " (this one)" if r["this"] else ""
        click.echo(f"  {r['replica']}{mark}: {r['ops']} ops, last {r['last_op']}")


@sync.command()
@_JSON
def rebuild(as_json: bool) -> None:
    """Recreate tasks, lessons, projects, plans from the op log alone."""
    from mlpm.services import sync_run

    done = sync_run.rebuild(open_store())
    for problem in done["problems"]:
        warn(clean(problem))
    if as_json:
        emit_json(done)
        return
    click.echo(f"rebuilt {done['rows']} rows from the op log")
