"""The lessons-learned log: add, list, full-text search (FTS5, ranked), export."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from mlpm import clock
from mlpm.errors import NotFound, UsageError
from mlpm.models import Lesson
from mlpm.services import lesson_query, projects
from mlpm.services.tasks import clean_tags
from mlpm.store import Store

MAX_TEXT = 10_000
# Private-use characters mark matches in search results; front ends turn them into bold/colour.
MARK_START, MARK_END = "\ue000", "\ue001"
_SELECT = (
    "SELECT lesson.*, project.slug AS project FROM lesson"
    " LEFT JOIN project ON project.id = lesson.project_id"
)


def clean_category(category: str) -> str:
    value = category.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", value):
        raise UsageError(f"invalid category {category!r}: one word, letters, digits, - or _")
    return value


def add(
    store: Store,
    text: str,
    *,
    tags: list[str] | tuple[str, ...] = (),
    category: str = "general",
    project: str | None = None,
    task_id: int | None = None,
    commit_sha: str | None = None,
    run_id: str | None = None,
) -> Lesson:
    """Record a lesson, in the current project unless another is named."""
    text = text.strip()
    if not text:
        raise UsageError("a lesson cannot be empty")
    if len(text) > MAX_TEXT:
        raise UsageError(f"a lesson is at most {MAX_TEXT:,} characters (got {len(text):,})")
    tags = clean_tags(tags)
    category = clean_category(category)
    project_id = None
    if task_id is not None:
        from mlpm.services import task_query

        task = task_query.get(store, task_id)
        project_id = task.project_id
    if project:
        project_id = projects.get(store, project).id
    elif project_id is None and (current := projects.current_or_none(store)):
        project_id = current.id
    with store.write("lesson add") as tx:
        key = tx.insert(
            "lesson",
            {
                "text": text,
                "category": category,
                "tags": json.dumps(tags),
                "project_id": project_id,
                "task_id": task_id,
                "commit_sha": commit_sha,
                "run_id": run_id,
                "created_at": clock.stamp(),
            },
        )
    return get(store, key)


def get(store: Store, lesson_id: int) -> Lesson:
    row = store.one(_SELECT + " WHERE lesson.id = ?", (lesson_id,))
    if row is None:
        raise NotFound(f"no lesson with id {lesson_id}")
    return Lesson.from_row(row)


def list_lessons(
    store: Store,
    *,
    tag: str | None = None,
    project: str | None = None,
    category: str | None = None,
    since: date | None = None,
    limit: int | None = None,
) -> list[Lesson]:
    where, params = _filters(store, tag=tag, project=project, category=category, since=since)
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY lesson.id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [Lesson.from_row(r) for r in store.query(sql, params)]


def _filters(
    store: Store,
    *,
    tag: str | None,
    project: str | None,
    category: str | None,
    since: date | None,
) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if tag:
        where.append("EXISTS (SELECT 1 FROM json_each(lesson.tags) WHERE value = ?)")
        params.append(tag.lstrip("#+"))
    if project:
        where.append("lesson.project_id = ?")
        params.append(projects.get(store, project).id)
    if category:
        where.append("lesson.category = ?")
        params.append(clean_category(category))
    if since:
        where.append("substr(lesson.created_at, 1, 10) >= ?")
        params.append(since.isoformat())
    return where, params


def search(
    store: Store,
    query: str,
    *,
    tag: str | None = None,
    project: str | None = None,
    category: str | None = None,
    limit: int = 50,
    prefix: bool = True,
    strict: bool = True,
) -> list[Lesson]:
    """Lessons matching `query` (the syntax of `lesson_query`), best first (bm25), with
    matches marked in `highlighted`. A query FTS5 cannot read is a UsageError when `strict`,
    else (search as you type) the stray part is left out."""
    match = lesson_query.to_fts(query, prefix=prefix, strict=strict)
    if not match:
        return []
    where, params = _filters(store, tag=tag, project=project, category=category, since=None)
    sql = (
        "SELECT lesson.*, project.slug AS project,"
        f" highlight(lesson_fts, 0, '{MARK_START}', '{MARK_END}') AS highlighted"
        " FROM lesson_fts JOIN lesson ON lesson.id = lesson_fts.rowid"
        " LEFT JOIN project ON project.id = lesson.project_id"
        " WHERE lesson_fts MATCH ?"
        + "".join(f" AND {w}" for w in where)
        + " ORDER BY lesson_fts.rank LIMIT ?"
    )
    return [Lesson.from_row(r) for r in store.query(sql, [match, *params, limit])]


def export_markdown(lessons: list[Lesson], *, title: str = "Lessons learned") -> str:
    """A checklist grouped by category: the starting list of the next project."""
    lines = [f"# {title}", ""]
    by_category: dict[str, list[Lesson]] = {}
    for lesson in lessons:
        by_category.setdefault(lesson.category, []).append(lesson)
    for category in sorted(by_category):
        lines += [f"## {category}", ""]
        for lesson in by_category[category]:
            text = " ".join(lesson.text.split())
            tags = " ".join(f"#{t}" for t in lesson.tags)
            lines.append(f"- [ ] {text}" + (f" {tags}" if tags else ""))
        lines.append("")
    return "\n".join(lines)
