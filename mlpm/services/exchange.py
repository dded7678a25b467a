"""Getting data in and out: a complete JSON dump (restored without loss), Taskwarrior and jrnl
imports, and a Markdown report of a project."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlpm import clock
from mlpm.errors import MlpmError
from mlpm.store import Store

# Tables filled by triggers or SQLite itself are rebuilt, not dumped.
_SKIP_PREFIXES = ("sqlite_", "_sqlite_", "lesson_fts")


def _tables(store: Store) -> list[str]:
    rows = store.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
    return [r["name"] for r in rows if not r["name"].startswith(_SKIP_PREFIXES)]


def dump(store: Store) -> dict[str, Any]:
    """Every row of every table, with the schema steps it was written by."""
    applied = store.applied_migrations()
    sequences = {r["name"]: r["seq"] for r in store.query("SELECT name, seq FROM sqlite_sequence")}
    return {
        "format": "mlpm-dump",
        "version": 1,
        "exported_at": clock.stamp(),
        "migrations": {name: sorted(steps) for name, steps in sorted(applied.items())},
        "sequences": sequences,
        "tables": {t: store.query(f'SELECT * FROM "{t}" ORDER BY rowid') for t in _tables(store)},
    }


def restore(store: Store, data: Any, source: str) -> dict[str, int]:
    """Load a dump into an empty database, in one transaction; return rows per table."""
    from mlpm.services.exchange_model import dump as parse_dump

    parsed = parse_dump(data, source)
    if store.scalar("SELECT COUNT(*) FROM project") or store.scalar("SELECT COUNT(*) FROM event"):
        raise MlpmError(
            f"{store.path} already holds data; restore a dump into a new database (--db NEW.db)"
        )
    mine = {name: sorted(steps) for name, steps in store.applied_migrations().items()}
    newer = [
        f"{name}:{step}"
        for name, steps in parsed.migrations.items()
        for step in steps
        if step not in mine.get(name, [])
    ]
    if newer:
        raise MlpmError(f"{source} was written by a newer mlpm ({', '.join(newer[:3])})")
    known = set(_tables(store))
    unknown = sorted(set(parsed.tables) - known)
    if unknown:
        raise MlpmError(f"{source} has tables this mlpm does not know: {', '.join(unknown)}")
    counts: dict[str, int] = {}
    # No event of its own: the restored log is the original's, row for row.
    with store.write(f"import {Path(source).name}", undoable=False, logged=False) as tx:
        tx.defer_foreign_keys()
        for table in [t for t in _tables(store) if t in parsed.tables]:
            rows = parsed.tables[table]
            tx.delete_where(table, "true")
            if not rows:
                continue
            cols = list(rows[0])
            try:
                tx.insert_many(table, cols, [tuple(row.get(c) for c in cols) for row in rows])
            except Exception as exc:  # sqlite3 errors: a constraint or an unknown column
                raise MlpmError(f"{source}: table {table}: {exc}") from None
            counts[table] = len(rows)
        for name, seq in parsed.sequences.items():
            tx.delete_where("sqlite_sequence", "name = ?", (name,))
            tx.insert_many("sqlite_sequence", ("name", "seq"), [(name, seq)])
    return counts


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MlpmError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MlpmError(f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise MlpmError(f"{path} is not JSON: {exc.msg} (line {exc.lineno})") from None
    except RecursionError:  # no export of mlpm, Taskwarrior or jrnl nests this deep
        raise MlpmError(f"{path} is nested too deeply to be an export") from None


def detect(data: Any) -> str:
    if isinstance(data, dict) and data.get("format") == "mlpm-dump":
        return "mlpm"
    if isinstance(data, dict) and "entries" in data:
        return "jrnl"
    if isinstance(data, list):
        return "taskwarrior"
    raise MlpmError("unknown file: expected an mlpm dump, a Taskwarrior or a jrnl JSON export")


def import_file(
    store: Store, path: Path, *, fmt: str | None = None, project: str | None = None
) -> str:
    """Import a file (format detected unless given); return a one-line summary."""
    data = _load_json(path)
    kind = fmt or detect(data)
    if kind == "mlpm":
        counts = restore(store, data, str(path))
        return f"restored {sum(counts.values())} rows in {len(counts)} tables from {path.name}"
    if kind == "taskwarrior":
        return import_taskwarrior(store, data, str(path), default_project=project)
    if kind == "jrnl":
        return import_jrnl(store, data, str(path), project=project)
    raise MlpmError(f"unknown import format {kind!r}")


_TW_COLUMNS = {
    "pending": "backlog",
    "waiting": "backlog",
    "completed": "done",
    "deleted": "dropped",
}


def import_taskwarrior(
    store: Store, data: Any, source: str, *, default_project: str | None = None
) -> str:
    """Taskwarrior tasks become tasks (projects created as needed), annotations become notes.
    Already-imported tasks (by uuid) are skipped, so importing twice adds nothing."""
    from mlpm.services import projects, settings, tasks
    from mlpm.services.exchange_model import taskwarrior

    items = taskwarrior(data, source)
    fallback = projects.resolve(store, default_project).slug if default_project else None
    if fallback is None and (current := projects.current_or_none(store)):
        fallback = current.slug
    added = skipped = 0
    created: list[str] = []
    with store.write(f"import {Path(source).name}") as tx:
        for item in items:
            marker = f"taskwarrior:{item.uuid}"
            if item.status == "recurring" or store.one(
                "SELECT 1 FROM task WHERE instr(notes, ?) > 0", (marker,)
            ):
                skipped += 1
                continue
            name = item.project or fallback or "inbox"
            slug = projects.slugify(name) or "inbox"
            row = store.one("SELECT id FROM project WHERE slug = ?", (slug,))
            if row is None:
                limit = int(settings.get(store, "active_projects_limit"))
                active = store.scalar("SELECT COUNT(*) FROM project WHERE status = 'active'")
                project_id = tx.insert(
                    "project",
                    {
                        "slug": slug,
                        "name": name,
                        "status": "active" if active < limit else "paused",
                        "settings": json.dumps(projects.DEFAULT_SETTINGS),
                        "created_at": item.entry,
                        "updated_at": item.entry,
                    },
                )
                created.append(slug)
                if not settings.get(store, "current_project"):
                    settings._put(tx, "current_project", slug)
            else:
                project_id = row["id"]
            column = (
                "doing" if item.status == "pending" and item.start else _TW_COLUMNS[item.status]
            )
            notes = [f"{a.entry[:10]}: {a.description}" for a in item.annotations]
            notes.append(f"(imported from {marker})")
            rank = store.scalar(
                'SELECT COALESCE(MAX(rank), 0) + 1 FROM task WHERE project_id = ? AND "column" = ?',
                (project_id, column),
            )
            tx.insert(
                "task",
                {
                    "project_id": project_id,
                    "title": tasks.clean_title(item.description),
                    "notes": "\n".join(notes),
                    "column": column,
                    "rank": rank,
                    "tags": json.dumps(tasks.clean_tags(item.tags)),
                    "created_at": item.entry,
                    "updated_at": item.modified or item.entry,
                    "started_at": item.start,
                    "done_at": item.end if column == "done" else None,
                    "dropped_at": item.end if column == "dropped" else None,
                    "drop_reason": "deleted in Taskwarrior" if column == "dropped" else None,
                },
            )
            added += 1
    extra = f"; new projects: {', '.join(created)}" if created else ""
    return f"imported {added} tasks from Taskwarrior ({skipped} skipped){extra}"


def import_jrnl(store: Store, data: Any, source: str, *, project: str | None = None) -> str:
    """jrnl entries become lessons; `@tags` become tags; starred entries get a `starred` tag."""
    from mlpm.services import projects
    from mlpm.services.exchange_model import jrnl
    from mlpm.services.tasks import clean_tags

    export = jrnl(data, source)
    target = projects.resolve(store, project) if project else projects.current_or_none(store)
    added = skipped = 0
    with store.write(f"import {Path(source).name}") as tx:
        for entry in export.entries:
            text = entry.title + (f"\n{entry.body}" if entry.body else "")
            created = f"{entry.date}T{entry.time}:00"
            if store.one(
                "SELECT 1 FROM lesson WHERE text = ? AND substr(created_at, 1, 16) = ?",
                (text, created[:16]),
            ):
                skipped += 1
                continue
            tags = [t.lstrip("@#") for t in entry.tags] + (["starred"] if entry.starred else [])
            tx.insert(
                "lesson",
                {
                    "text": text,
                    "category": "general",
                    "tags": json.dumps(clean_tags(tags)),
                    "project_id": target.id if target else None,
                    "created_at": created,
                },
            )
            added += 1
    return f"imported {added} lessons from jrnl ({skipped} already there)"


def report_markdown(store: Store, project_name: str | None = None) -> str:
    """A project's state to share: board, today, lessons and saved comparisons."""
    from mlpm.services import board, lessons, projects, today

    project = projects.resolve(store, project_name)
    lines = [f"# {project.name}", "", f"Report of {clock.today()} · status: {project.status}", ""]
    lines += ["## Board", ""]
    for column in board.columns(store, project):
        lines.append(f"### {column.header}")
        lines.append("")
        for task in column.tasks:
            est = f" ({task.estimate} pom.)" if task.estimate else ""
            why = f" — dropped: {task.drop_reason}" if task.column == "dropped" else ""
            lines.append(f"- #{task.id} {task.title}{est}{why}")
        lines.append("")
    plan = today.plan(store)
    mine = [e for e in plan.entries if e.task.project_id == project.id]
    lines += ["## Today", "", plan.capacity.line, ""]
    lines += [f"{e.position}. #{e.task.id} {e.task.title}" for e in mine] or ["(nothing planned)"]
    lines += ["", "## Lessons", ""]
    lines.append(
        lessons.export_markdown(
            lessons.list_lessons(store, project=project.slug), title="Lessons learned"
        )
        .split("\n", 2)[-1]
        .rstrip()
    )
    if "comparison" in _tables(store):
        rows = store.query(
            "SELECT * FROM comparison WHERE project_id = ? ORDER BY id", (project.id,)
        )
        lines += ["", "## Comparisons", ""]
        if not rows:
            lines.append("(none saved)")
        for row in rows:
            p = "" if row["p_value"] is None else f", p = {row['p_value']:.3g}"
            lines.append(
                f"- {row['label_a']} vs {row['label_b']} ({row['metric'] or row['kind']}): "
                f"{row['verdict_text']} [{row['test']}{p}]"
            )
    return "\n".join(lines).rstrip() + "\n"
