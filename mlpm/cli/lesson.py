"""`mlpm lesson ...`"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from mlpm.cli.context import open_store
from mlpm.cli.output import clean, emit_json, json_text, one_line, style, use_color
from mlpm.cli.params import ID, TASK, Group

if TYPE_CHECKING:
    from mlpm.models import Lesson


def highlighted(text: str) -> str:
    """Show FTS match marks as reverse video (or **word** without colour), text kept literal."""
    from mlpm.services.lessons import MARK_END, MARK_START

    out = []
    for i, part in enumerate(text.split(MARK_START)):
        if i == 0:
            out.append(one_line(part))
            continue
        match, _, rest = part.partition(MARK_END)
        shown = (
            style(clean(match), reverse=True, bold=True) if use_color() else f"**{clean(match)}**"
        )
        out.append(shown + one_line(rest))
    return "".join(out)


def lesson_line(lesson: Lesson, text: str | None = None) -> str:
    tags = " ".join(style(f"#{clean(t)}", fg="cyan") for t in lesson.tags)
    body = text if text is not None else one_line(lesson.text)
    return f"{lesson.id:>5}  [{clean(lesson.category)}] {body}" + (f"  {tags}" if tags else "")


@click.group(cls=Group)
def lesson() -> None:
    """The lessons-learned log: add, list, search, show, export."""


@lesson.command("add")
@click.argument("text", required=False)
@click.option("--tag", "-t", "tags", multiple=True, help="A tag (repeatable).")
@click.option(
    "--category", "-c", default="general", show_default=True, help="e.g. ml, general, data."
)
@click.option("--task", "task_id", type=TASK, help="The task it came from.")
@click.option("--project", "-p", help="Project (default: the task's, else the current one).")
@click.option("--commit", "commit_sha", help="A commit it refers to.")
@click.option("--run", "run_id", help="A W&B run it refers to.")
def add(
    text: str | None,
    tags: tuple[str, ...],
    category: str,
    task_id: int | None,
    project: str | None,
    commit_sha: str | None,
    run_id: str | None,
) -> None:
    """Record a lesson (without TEXT: write it in $VISUAL / $EDITOR, as `git commit` does)."""
    from mlpm.services import lessons

    if text is None:
        from mlpm import editor

        text = editor.edit("")
        if not text.strip():
            click.echo("aborted, nothing added")
            return
    item = lessons.add(
        open_store(),
        text,
        tags=tags,
        category=category,
        task_id=task_id,
        project=project,
        commit_sha=commit_sha,
        run_id=run_id,
    )
    click.echo(f"added lesson {item.id}")


@lesson.command("list")
@click.option("--tag", "-t", help="Only lessons with this tag.")
@click.option("--project", "-p", help="Only this project's lessons.")
@click.option("--category", "-c", help="Only this category.")
@click.option("--since", help="Only lessons since DATE (YYYY-MM-DD, yesterday, -7d).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(
    tag: str | None, project: str | None, category: str | None, since: str | None, as_json: bool
) -> None:
    """List lessons, oldest first."""
    from mlpm.clock import parse_date
    from mlpm.services import lessons

    items = lessons.list_lessons(
        open_store(),
        tag=tag,
        project=project,
        category=category,
        since=parse_date(since) if since else None,
    )
    if as_json:
        emit_json([item.to_json() for item in items])
        return
    if not items:
        click.echo("no lessons")
    for item in items:
        click.echo(lesson_line(item))


@lesson.command("search")
@click.argument("query")
@click.option("--tag", "-t", help="Only lessons with this tag.")
@click.option("--project", "-p", help="Only this project's lessons.")
@click.option("--category", "-c", help="Only this category.")
@click.option("--limit", default=20, type=click.IntRange(1, 1000), show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def search(
    query: str,
    tag: str | None,
    project: str | None,
    category: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Full-text search, best match first, matches highlighted.

    \b
    dataloader throughput     lessons with both words (word forms too: seeds finds seed)
    dataloader OR throughput  either word
    dataloader NOT slow       the first without the second (also: dataloader -slow)
    '"learning rate"'         the words together, in this order (quote for the shell)
    'warm*'                   words starting with warm

    OR and NOT are upper case (or, not in lower case are searched as words); the last
    word also matches as a prefix."""
    from mlpm.services import lessons

    items = lessons.search(
        open_store(), query, tag=tag, project=project, category=category, limit=limit
    )
    if as_json:
        data = []
        for item in items:
            entry = item.to_json()
            entry["highlighted"] = (
                (entry.get("highlighted") or "")
                .replace(lessons.MARK_START, "**")
                .replace(lessons.MARK_END, "**")
            )
            data.append(entry)
        emit_json(data)
        return
    if not items:
        click.echo("no matches")
    for item in items:
        click.echo(lesson_line(item, highlighted(item.highlighted or item.text)))


@lesson.command("show")
@click.argument("lesson_id", type=ID)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show(lesson_id: int, as_json: bool) -> None:
    """Show one lesson whole."""
    from mlpm.services import lessons

    item = lessons.get(open_store(), lesson_id)
    if as_json:
        emit_json(item.to_json())
        return
    click.echo(
        style(f"lesson {item.id}", bold=True) + f"  [{clean(item.category)}]  {item.created_at}"
    )
    click.echo(clean(item.text, multiline=True))
    if item.tags:
        click.echo("tags: " + " ".join(f"#{clean(t)}" for t in item.tags))
    for label, value in (
        ("project", item.project),
        ("task", item.task_id),
        ("commit", item.commit_sha),
        ("run", item.run_id),
    ):
        if value is not None:
            click.echo(f"{label}: {clean(str(value))}")


@lesson.command("export")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("--project", "-p", help="Only this project's lessons.")
@click.option("--tag", "-t", help="Only lessons with this tag.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write to a file.")
def export(fmt: str, project: str | None, tag: str | None, out: str | None) -> None:
    """Export lessons: Markdown is a checklist grouped by category."""
    from mlpm.services import lessons

    items = lessons.list_lessons(open_store(), project=project, tag=tag)
    if fmt == "json":
        text = json_text([item.to_json() for item in items])
    else:  # stored text may hold terminal escapes: shown as visible escapes, file or not
        title = f"Lessons learned: {project}" if project else "Lessons learned"
        text = clean(lessons.export_markdown(items, title=title), multiline=True)
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        click.echo(f"wrote {len(items)} lessons to {clean(out)}")
    else:
        click.echo(text)
