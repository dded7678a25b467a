"""`mlpm project ...`"""

from __future__ import annotations

import click

from mlpm.cli.context import open_store
from mlpm.cli.output import clean, emit_json, style
from mlpm.cli.params import Command, Group


@click.group(cls=Group)
def project() -> None:
    """Projects: add, list, choose the current one, pause, archive."""


@project.command("add")
@click.argument("name")
@click.option("--paused", is_flag=True, help="Create it paused (does not count as active).")
@click.option("--repo", type=click.Path(file_okay=False), help="Its git repository.")
@click.option("--use", "use_it", is_flag=True, help="Make it the current project.")
def add(name: str, paused: bool, repo: str | None, use_it: bool) -> None:
    """Add a project. The first one becomes the current project."""
    import os

    from mlpm.services import projects

    store = open_store()
    repo_path = os.path.abspath(repo) if repo else _repo_here()
    created = projects.add(store, name, paused=paused, repo_path=repo_path)
    if use_it:
        projects.use(store, created.slug)
    click.echo(f"added project {clean(created.slug)} ({created.status})")


def _repo_here() -> str | None:
    """The git repository mlpm runs in, found without running git (fast)."""
    from pathlib import Path

    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return str(folder)
    return None


@project.command("list")
@click.option("--status", type=click.Choice(["active", "paused", "archived"]))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(status: str | None, as_json: bool) -> None:
    """List projects; the current one is marked with *."""
    from mlpm.services import projects, settings

    store = open_store()
    items = projects.list_projects(store, status=status)
    current = settings.get(store, "current_project")
    if as_json:
        emit_json([{**p.to_json(), "current": p.slug == current} for p in items])
        return
    if not items:
        click.echo("no projects yet: mlpm project add NAME")
    for p in items:
        mark = "*" if p.slug == current else " "
        repo = f"  {clean(p.repo_path)}" if p.repo_path else ""
        status_text = style(f"{p.status:<8}", dim=p.status != "active")
        click.echo(f"{mark} {clean(p.slug):<24} {status_text} {clean(p.name)}{repo}")


@project.command("show")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show(name: str | None, as_json: bool) -> None:
    """Show a project (default: the current one)."""
    from mlpm.services import board, projects

    store = open_store()
    p = projects.resolve(store, name)
    if as_json:
        emit_json(p.to_json())
        return
    click.echo(f"{clean(p.slug)}: {clean(p.name)} ({p.status})")
    click.echo(f"  repository: {clean(p.repo_path or '-')}")
    if p.wandb_project:
        click.echo(f"  W&B: {clean(p.wandb_entity or '')}/{clean(p.wandb_project)}")
    for column, limit in board.limits(p).items():
        kind = "hard" if limit.hard else "soft"
        click.echo(f"  WIP limit {column}: {limit.limit} ({kind})")


@project.command("use")
@click.argument("name")
def use(name: str) -> None:
    """Make NAME the current project."""
    from mlpm.services import projects

    p = projects.use(open_store(), name)
    click.echo(f"now using {clean(p.slug)}")


def _status_command(status: str, verb: str) -> click.Command:
    @click.argument("name")
    def command(name: str) -> None:
        from mlpm.services import projects

        p = projects.set_status(open_store(), name, status)
        click.echo(f"{clean(p.slug)} is {p.status}")

    command.__doc__ = f"{verb} a project."
    return click.command(status if status != "active" else "activate", cls=Command)(command)


project.add_command(_status_command("paused", "Pause"), "pause")
project.add_command(_status_command("archived", "Archive"), "archive")
project.add_command(
    _status_command("active", "Activate (respecting the active-project limit)"), "activate"
)


@project.command("edit")
@click.argument("name", required=False)
@click.option("--name", "new_name", help="New display name.")
@click.option("--repo", type=click.Path(file_okay=False), help="Git repository path ('' to clear).")
@click.option("--wandb", "wandb_path", help="W&B ENTITY/PROJECT ('' to clear).")
def edit(name: str | None, new_name: str | None, repo: str | None, wandb_path: str | None) -> None:
    """Edit a project (default: the current one)."""
    import os

    from mlpm.errors import UsageError
    from mlpm.services import projects

    store = open_store()
    target = projects.resolve(store, name)
    entity = project_name = None
    if wandb_path is not None:
        if wandb_path and wandb_path.count("/") != 1:
            raise UsageError("--wandb takes ENTITY/PROJECT")
        entity, project_name = wandb_path.split("/") if wandb_path else ("", "")
    p = projects.edit(
        store,
        target.slug,
        new_name=new_name,
        repo_path=os.path.abspath(repo) if repo else repo,
        wandb_entity=entity,
        wandb_project=project_name,
    )
    click.echo(f"updated {clean(p.slug)}")
