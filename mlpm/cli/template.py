"""`mlpm template ...` and `mlpm init`"""

from __future__ import annotations

import click

from mlpm.cli.context import open_store
from mlpm.cli.output import clean, emit_json, style, warn
from mlpm.wording import counted


@click.group()
def template() -> None:
    """Project templates: starter tasks, limits and a lessons checklist."""


@template.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(as_json: bool) -> None:
    """Built-in templates and your own (in the config directory)."""
    from mlpm.services import templates

    items = templates.available()
    if as_json:
        emit_json([{"name": t.name, "path": str(t.path), "builtin": t.builtin} for t in items])
        return
    for item in items:
        kind = "built-in" if item.builtin else "yours"
        description = ""
        try:
            description = templates.load(item.name).description
        except Exception as exc:
            description = style(f"(invalid: {exc})", fg="red")
        click.echo(f"{item.name:<20} {kind:<9} {clean(description)}")
    click.echo(style(f"your templates go in {templates.user_dir()}", dim=True))


@template.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show(name: str, as_json: bool) -> None:
    """Show a template's tasks, limits and checklist."""
    from mlpm.services import templates

    t = templates.load(name)
    if as_json:
        emit_json(t.model_dump())
        return
    click.echo(style(t.name, bold=True) + f"  {clean(t.description)}")
    click.echo(
        f"capacity: {counted(t.capacity.tasks, 'task')} · "
        f"{counted(t.capacity.pomodoros, 'pomodoro')}"
    )
    for column, limit in t.wip.items():
        click.echo(f"WIP {column}: {limit.limit} ({'hard' if limit.hard else 'soft'})")
    if t.tasks:
        click.echo("starter tasks:")
        for task in t.tasks:
            est = f"{task.estimate}p" if task.estimate else "–"
            click.echo(f"  {task.column:<8} {est:>3}  {clean(task.title)}")
    if t.checklist:
        click.echo("checklist:")
        for item in t.checklist:
            click.echo(f"  - [ ] [{item.category}] {clean(item.text)}")


@template.command("from-lessons")
@click.option("--project", "-p", required=True, help="The project whose lessons to use.")
@click.option("--name", help="Template name (default: PROJECT-lessons).")
@click.option("--out", type=click.Path(dir_okay=False), help="File to write (default: stdout).")
@click.option("--save", is_flag=True, help="Save it among your templates.")
def from_lessons(project: str, name: str | None, out: str | None, save: bool) -> None:
    """Turn a project's lessons-learned log into a template for the next project."""
    from pathlib import Path

    from mlpm.services import templates
    from mlpm.services.template_model import parse

    text = templates.from_lessons(open_store(), project, name=name)
    parsed = parse(text, "(generated)")  # never write a template that would not load
    target = Path(out) if out else (templates.user_dir() / f"{parsed.name}.toml" if save else None)
    if target is None:
        click.echo(text, nl=False)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(
        f"wrote template {parsed.name} ({len(parsed.checklist)} lessons) to {clean(str(target))}"
    )


@click.command()
@click.argument("name", required=False)
@click.option("--template", "-t", "template_name", default="ml-experiment", show_default=True)
@click.option("--repo", type=click.Path(file_okay=False, exists=True), help="Git repository.")
@click.option("--paused", is_flag=True, help="Create it paused.")
def init(name: str | None, template_name: str, repo: str | None, paused: bool) -> None:
    """Start a project from a template, linked to the git repository and W&B project here."""
    import os
    from pathlib import Path

    from mlpm.cli.project import _repo_here
    from mlpm.services import templates

    repo_path = os.path.abspath(repo) if repo else _repo_here()
    name = name or Path(repo_path or os.getcwd()).name
    entity, wandb_project = templates.wandb_project_of(repo_path)
    made = templates.create_project(
        open_store(),
        name,
        template_name,
        repo_path=repo_path,
        wandb_entity=entity,
        wandb_project=wandb_project,
        paused=paused,
    )
    project, t = made.project, made.template
    click.echo(
        f"created project {clean(project.slug)} from {t.name}: "
        f"{counted(len(t.tasks), 'starter task')}, {counted(len(t.checklist), 'checklist lesson')}"
    )
    if made.capacity_note:
        click.echo(f"  {made.capacity_note}")
    if made.not_today:
        stay = "stays" if len(made.not_today) == 1 else "stay"
        warn(f"today is full: {counted(len(made.not_today), 'starter task')} {stay} in the backlog")
    if repo_path:
        click.echo(f"  repository: {clean(repo_path)}")
    if wandb_project:
        click.echo(f"  W&B project: {clean(entity or '?')}/{clean(wandb_project)}")
    click.echo("next: mlpm today · mlpm board · mlpm lesson list --tag checklist")
