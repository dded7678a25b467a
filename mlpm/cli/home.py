"""What bare `mlpm` does: open the terminal UI, or print a summary when it cannot run.
On an empty database it first offers to start a project from a template."""

from __future__ import annotations

import sys

import click

from mlpm.cli.context import open_store
from mlpm.cli.output import clean, warn
from mlpm.errors import MlpmError
from mlpm.wording import counted


def interactive() -> bool:
    return sys.stdout.isatty() and sys.stdin.isatty()


def offer_template() -> None:
    """First run: start a project from a template, or go on with an empty database."""
    from pathlib import Path

    from mlpm.cli.project import _repo_here
    from mlpm.services import templates

    names = []
    for item in templates.available():
        try:
            templates.load(item.name)
        except MlpmError as exc:  # a broken user template is named, not offered
            warn(str(exc))
        else:
            names.append(item.name)
    click.echo("Welcome to mlpm. There is no project yet.")
    click.echo("Start one from a template (" + ", ".join(names) + "), or press Enter to skip.")
    choice = click.prompt(
        "template",
        default="",
        show_default=False,
        show_choices=False,
        type=click.Choice([*names, ""]),
    )
    if not choice:
        return
    repo = _repo_here()
    default_name = Path(repo).name if repo else "my-project"
    name = click.prompt("project name", default=default_name)
    made = templates.create_project(open_store(), name, choice, repo_path=repo)
    project, template = made.project, made.template
    click.echo(
        f"created {clean(project.slug)} from {template.name}: "
        f"{counted(len(template.tasks), 'task')}, "
        f"{counted(len(template.checklist), 'checklist lesson')}"
    )
    if made.capacity_note:
        click.echo(f"  {made.capacity_note}")


@click.command()
def home() -> None:
    """Open the terminal UI (on a terminal), else print the project and today's plan."""
    from mlpm.cli.today import show_today
    from mlpm.services import projects

    store = open_store()
    if interactive():
        if not projects.list_projects(store):
            offer_template()
        from mlpm.tui.app import run

        run(store.path)
        return
    current = projects.current_or_none(store)
    if current is None:
        click.echo("no project yet: mlpm init (from a template) or mlpm project add NAME")
        return
    click.echo(f"project: {clean(current.slug)} ({current.status})")
    show_today()
