"""`mlpm task ...`"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from mlpm.cli.context import open_store
from mlpm.cli.output import clean, emit_json, fit, style, warn
from mlpm.cli.params import TASK, WHOLE, Group

if TYPE_CHECKING:
    from mlpm.models import Task
    from mlpm.services.tasks import Change

PROJECT_WIDTH = 16  # `task list --all`: the project column
WAITING_HEADING = "waiting for review (planned on an earlier day; mlpm today review):"
COLUMN_CHOICE = click.Choice(["backlog", "today", "doing", "done", "dropped"], case_sensitive=False)


def task_line(t: Task, *, show_column: bool = True, show_project: bool = False) -> str:
    """One task as a line: id, (project,) column, estimate, title, tags."""
    est = f"{t.estimate}p" if t.estimate is not None else "–"
    tags = " ".join(style(f"#{clean(tag)}", fg="cyan") for tag in t.tags)
    column = f"{t.column:<8} " if show_column else ""
    if show_project:
        column = f"{fit(clean(t.project), PROJECT_WIDTH)} " + column
    title = clean(t.title)
    if t.column == "dropped":
        title = style(title, dim=True) + style(
            f"  (dropped: {clean(t.drop_reason or '')})", dim=True
        )
    elif t.column == "done":
        title = style(title, dim=True)
    who = f"  @{clean(t.assignee)}" if t.assignee else ""
    return f"{t.id:>5}  {column}{est:>3}  {title}" + (f"  {tags}" if tags else "") + who


def report(change: Change, verb: str) -> None:
    for message in change.warnings:
        warn(message)
    if not change.moved:
        click.echo(f"task {change.task.id} is already {change.task.column}: nothing to do")
        return
    click.echo(f"{verb} task {change.task.id}: {clean(change.task.title)}")


@click.group(cls=Group)
def task() -> None:
    """Tasks: add, list, show, edit, start, done, drop, move, assign."""


@task.command("add")
@click.argument("title")
@click.option("--project", "-p", help="Project (default: the current one).")
@click.option("--estimate", "-e", type=WHOLE, help="Estimate in pomodoros.")
@click.option("--tag", "-t", "tags", multiple=True, help="A tag (repeatable).")
@click.option("--notes", default="", help="Notes.")
@click.option("--today", is_flag=True, help="Plan it for today as well.")
@click.option("--force", is_flag=True, help="Override a full day or a hard WIP limit.")
def add(
    title: str,
    project: str | None,
    estimate: int | None,
    tags: tuple[str, ...],
    notes: str,
    today: bool,
    force: bool,
) -> None:
    """Add a task to the backlog (or to today's plan with --today)."""
    from mlpm.services import tasks

    change = tasks.add(
        open_store(),
        title,
        project=project,
        estimate=estimate,
        tags=tags,
        notes=notes,
        today=today,
        force=force,
    )
    report(change, "added")


@task.command("list")
@click.option("--column", "-c", type=COLUMN_CHOICE, help="Only this column.")
@click.option("--tag", "-t", help="Only tasks with this tag.")
@click.option("--project", "-p", help="Project (default: the current one).")
@click.option("--all", "all_projects", is_flag=True, help="Tasks of every project.")
@click.option("--assignee", "-a", help="Only tasks assigned to this person ('me': you).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(
    column: str | None,
    tag: str | None,
    project: str | None,
    all_projects: bool,
    assignee: str | None,
    as_json: bool,
) -> None:
    """List tasks in board order (Today in the order of today's plan).

    Today cards planned on an earlier day and not reviewed yet belong to no day's order:
    they are listed last, under a "waiting for review" line."""
    from mlpm.services import projects, today_column

    store = open_store()
    scope = None if all_projects else projects.resolve(store, project)
    items, waiting = today_column.board_order(
        store, project=scope, column=column.lower() if column else None, tag=tag
    )
    if assignee is not None:
        from mlpm.services import people

        who = people.me(store) if assignee.lower() == "me" else assignee.strip()
        items = [t for t in items if people.same(t.assignee, who)]
        waiting = [t for t in waiting if people.same(t.assignee, who)]
    if as_json:
        rows = [t.to_json() for t in items]
        rows += [{**t.to_json(), "waiting_for_review": True} for t in waiting]
        emit_json(rows)
        return
    if not items and not waiting:
        click.echo("no tasks")
        return
    lines = [task_line(t, show_project=all_projects) for t in items]
    if waiting:
        lines += [WAITING_HEADING, *(task_line(t, show_project=all_projects) for t in waiting)]
    # One write: echoing thousands of lines one by one costs more than building them.
    click.echo("\n".join(lines))


@task.command("show")
@click.argument("task_id", type=TASK)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show(task_id: int, as_json: bool) -> None:
    """Show a task with its history, commits and runs."""
    from mlpm.services import task_details

    details = task_details.gather(open_store(), task_id)
    if as_json:
        emit_json(details.to_json())
        return
    t = details.task
    click.echo(style(f"#{t.id} ", bold=True) + clean(t.title))
    click.echo(f"  project   {clean(t.project)}")
    status = t.column + (f" — {clean(t.drop_reason or '')}" if t.column == "dropped" else "")
    click.echo(f"  column    {status}")
    if t.estimate is None:
        click.echo("  estimate  none")
    else:
        click.echo(f"  estimate  {t.estimate} pomodoro{'s' * (t.estimate != 1)}")
    if t.tags:
        click.echo("  tags      " + " ".join(f"#{clean(tag)}" for tag in t.tags))
    if t.assignee:
        click.echo(f"  assignee  {clean(t.assignee)}")
    click.echo(f"  created   {t.created_at}")
    if t.notes:
        click.echo("  notes")
        for line in clean(t.notes, multiline=True).splitlines():
            click.echo(f"    {line}")
    if details.moves:
        click.echo("  history")
        for m in details.moves:
            forced = " (forced)" if m["forced"] else ""
            click.echo(f"    {m['at']}  {m['from'] or 'new'} → {m['to'] or 'deleted'}{forced}")
    if details.synced_moves:
        click.echo("  moves on every replica")
        for m in details.synced_moves:
            kept = "kept" if m["kept"] else "overruled"
            who = clean(m["author"] or m["replica"])
            click.echo(f"    {m['at']}  → {m['to']} on {who} ({m['replica'][:8]}): {kept}")
    if details.days:
        days = ", ".join(f"{d['day']} {d['outcome'] or 'open'}" for d in details.days)
        click.echo(f"  planned   {days}")
    if details.commits:
        click.echo("  commits")
        for c in details.commits:
            data = c.to_json()
            flag = "" if data.get("reachable", True) else " (unreachable)"
            summary = clean(str(data.get("summary", "")))
            click.echo(f"    {str(data.get('sha', ''))[:10]}  {summary}{flag}")
    if details.runs:
        click.echo("  runs")
        for run in details.runs_json():
            name = clean(str(run.get("name") or run.get("id")))
            metric = run.get("key_metric")
            shown = f"  {clean(metric['name'])} {metric['value']:.4g}" if metric else ""
            click.echo(f"    {clean(str(run.get('id')))}  {name}  {run.get('state', '')}{shown}")
    if details.lessons:
        click.echo("  lessons")
        for lesson in details.lessons:
            click.echo(f"    {lesson.id:>4}  {clean(lesson.text)}")


@task.command("edit")
@click.argument("task_id", type=TASK)
@click.option("--title")
@click.option("--notes")
@click.option("--estimate", "-e", type=WHOLE)
@click.option("--no-estimate", is_flag=True, help="Clear the estimate.")
@click.option("--tag", "-t", "add_tags", multiple=True, help="Add a tag.")
@click.option("--untag", "remove_tags", multiple=True, help="Remove a tag.")
@click.option("--project", "-p", help="Move to another project.")
@click.option("--edit-notes", is_flag=True, help="Write the notes in $VISUAL / $EDITOR.")
def edit(
    task_id: int,
    title: str | None,
    notes: str | None,
    estimate: int | None,
    no_estimate: bool,
    add_tags: tuple[str, ...],
    remove_tags: tuple[str, ...],
    project: str | None,
    edit_notes: bool,
) -> None:
    """Edit a task's title, notes, estimate, tags or project."""
    from mlpm.services import task_query, tasks

    store = open_store()
    if edit_notes:
        from mlpm import editor
        from mlpm.errors import UsageError

        if notes is not None:
            raise UsageError("give --notes or --edit-notes, not both")
        before = task_query.get(store, task_id).notes
        written = editor.edit(before)
        if written != before.rstrip("\n"):
            notes = written
        elif (
            title is None
            and estimate is None
            and project is None
            and not (no_estimate or add_tags or remove_tags)
        ):
            click.echo(f"notes of task {task_id} unchanged, nothing written")
            return
    t = tasks.edit(
        store,
        task_id,
        title=title,
        notes=notes,
        estimate=estimate,
        clear_estimate=no_estimate,
        add_tags=add_tags,
        remove_tags=remove_tags,
        project=project,
    )
    click.echo(f"edited task {t.id}: {clean(t.title)}")


@task.command("start")
@click.argument("task_id", type=TASK)
@click.option("--force", is_flag=True, help="Override a hard WIP limit on Doing.")
def start(task_id: int, force: bool) -> None:
    """Move a task to Doing."""
    from mlpm.services import tasks

    report(tasks.start(open_store(), task_id, force=force), "started")


@task.command("done")
@click.argument("task_id", type=TASK)
@click.option("--force", is_flag=True, help="Override a hard WIP limit on Done.")
def done(task_id: int, force: bool) -> None:
    """Mark a task done."""
    from mlpm.services import tasks

    report(tasks.done(open_store(), task_id, force=force), "finished")


@task.command("drop")
@click.argument("task_id", type=TASK)
@click.option("--reason", "-r", required=True, help="Why it is no longer worth doing.")
def drop(task_id: int, reason: str) -> None:
    """Drop a task that became obsolete, with the reason: a normal outcome."""
    from mlpm.services import tasks

    report(tasks.drop(open_store(), task_id, reason), "dropped")


@task.command("move")
@click.argument("task_id", type=TASK)
@click.argument("column", type=COLUMN_CHOICE)
@click.option("--reason", "-r", help="Reason (needed when moving to dropped).")
@click.option("--at", "position", type=click.IntRange(min=1), help="Position within the column.")
@click.option("--force", is_flag=True, help="Override a hard WIP limit or a full day.")
def move(task_id: int, column: str, reason: str | None, position: int | None, force: bool) -> None:
    """Move a task to COLUMN (backlog, today, doing, done, dropped)."""
    from mlpm.services import tasks

    store = open_store()
    change = tasks.move(store, task_id, column.lower(), force=force, reason=reason)
    if position is not None:
        tasks.reorder(store, task_id, position)
    report(change, f"moved to {column.lower()}:")


@task.command("assign")
@click.argument("task_id", type=TASK)
@click.argument("person", required=False)
@click.option("--me", "to_me", is_flag=True, help="Assign it to you (sync.person or git's email).")
def assign(task_id: int, person: str | None, to_me: bool) -> None:
    """Give a task to PERSON (an email or a name); an empty PERSON ("") unassigns it."""
    from mlpm.errors import UsageError
    from mlpm.services import people

    store = open_store()
    if to_me == (person is not None):
        raise UsageError('give a PERSON or --me (an empty PERSON, "", unassigns)')
    t = people.assign(store, task_id, people.me(store) if to_me else str(person))
    if t.assignee:
        click.echo(f"assigned task {t.id} to {clean(t.assignee)}: {clean(t.title)}")
    else:
        click.echo(f"unassigned task {t.id}: {clean(t.title)}")


@task.command("link-commit")
@click.argument("task_id", type=TASK)
@click.argument("sha")
def link_commit(task_id: int, sha: str) -> None:
    """Link a git commit to a task by hand."""
    from mlpm.services import commits

    commits.link_commit(open_store(), task_id, sha)
    click.echo(f"linked {clean(sha)} to task {task_id}")
