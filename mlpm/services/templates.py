"""Project templates: the built-in ones shipped in the package, the user's own in the config
directory, creating a project from one, and turning a project's lessons into a new one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlpm import clock
from mlpm.errors import MlpmError, NotFound, Refused, UsageError
from mlpm.paths import config_dir
from mlpm.store import Store
from mlpm.wording import counted

if TYPE_CHECKING:
    from mlpm.services.template_model import Template


@dataclass(slots=True)
class Created:
    """What `create_project` made, and what it could not do as the template asked."""

    project: Any
    template: Template
    capacity_set: bool  # the template's day size became the user's (none was set before)
    not_today: list[str]  # starter tasks meant for Today that stayed in the backlog
    capacity: tuple[int, int] = (0, 0)  # the user's day size now: tasks, pomodoros

    @property
    def capacity_note(self) -> str:
        """What became of the template's day size, in one line ("" if it is the user's)."""
        name, cap = self.template.name, self.template.capacity
        size = f"{counted(cap.tasks, 'task')}, {counted(cap.pomodoros, 'pomodoro')}"
        if self.capacity_set:
            return (
                f"day capacity set to {size}, the {name} template's, as none was set"
                " (it is yours for every project: mlpm config set capacity_tasks N)"
            )
        if self.capacity == (cap.tasks, cap.pomodoros):
            return ""
        tasks, pomodoros = self.capacity
        apply = [
            f"mlpm config set {key} {value}"
            for key, value, now in (
                ("capacity_tasks", cap.tasks, tasks),
                ("capacity_pomodoros", cap.pomodoros, pomodoros),
            )
            if value != now
        ]
        return (
            f"the {name} template suggests a day of {size}; yours stays"
            f" {counted(tasks, 'task')}, {counted(pomodoros, 'pomodoro')}"
            f" (to use it: {'; '.join(apply)})"
        )


@dataclass(slots=True)
class TemplateFile:
    name: str
    path: Path
    builtin: bool


def builtin_dir() -> Path:
    """Templates inside the installed package (`mlpm/templates`), or the repository's
    top-level `templates/` in an editable install."""
    packaged = Path(str(resources.files("mlpm"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


def user_dir() -> Path:
    return config_dir() / "templates"


def available() -> list[TemplateFile]:
    """Built-in and user templates; a user template overrides a built-in one of the same name."""
    found: dict[str, TemplateFile] = {}
    for folder, builtin in ((builtin_dir(), True), (user_dir(), False)):
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                found[path.stem] = TemplateFile(path.stem, path, builtin)
    return sorted(found.values(), key=lambda t: t.name)


def check_name(name: str) -> str:
    from mlpm.services.template_model import NAME

    if not NAME.match(name):
        raise UsageError(f"invalid template name {name!r}: letters, digits, - or _ (no paths)")
    return name


def find(name: str) -> TemplateFile:
    check_name(name)
    for item in available():
        if item.name == name:
            return item
    names = ", ".join(t.name for t in available()) or "none"
    raise NotFound(f"no template named {name!r} (available: {names})")


def load(name: str) -> Template:
    from mlpm.services.template_model import parse

    item = find(name)
    try:
        text = item.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MlpmError(f"{item.path}: cannot read: {exc}") from None
    template = parse(text, item.path)
    if template.name != item.name:
        raise MlpmError(f"{item.path}: name: {template.name!r} differs from the file name")
    return template


def create_project(
    store: Store,
    name: str,
    template_name: str,
    *,
    repo_path: str | None = None,
    wandb_entity: str | None = None,
    wandb_project: str | None = None,
    paused: bool = False,
) -> Created:
    """Create a project from a template in one transaction: its limits, starter tasks and
    checklist (as lessons). Refuses an existing project. The template's day size becomes the
    user's only when they have not chosen one (capacity is personal, not per project)."""
    from mlpm.services import moves, projects, settings, task_query, tasks

    template = load(template_name)
    slug = projects.slugify(projects._validate_name(name))
    if store.one("SELECT 1 FROM project WHERE slug = ?", (slug,)):
        raise MlpmError(f"a project named {slug!r} already exists; choose another name")
    chosen = store.scalar(
        "SELECT COUNT(*) FROM setting WHERE key IN ('capacity_tasks', 'capacity_pomodoros')"
    )
    not_today: list[str] = []
    now = clock.stamp()
    wip = {col: {"limit": w.limit, "hard": w.hard} for col, w in template.wip.items()}
    project_settings = {"wip": wip, "template": template.name}
    with store.write(f"init {slug} --template {template.name}") as tx:
        if not paused:
            projects._check_active_limit(store, adding=slug)
        project_id = tx.insert(
            "project",
            {
                "slug": slug,
                "name": name.strip(),
                "status": "paused" if paused else "active",
                "repo_path": repo_path,
                "wandb_entity": wandb_entity,
                "wandb_project": wandb_project,
                "settings": json.dumps(project_settings),
                "created_at": now,
                "updated_at": now,
            },
        )
        settings._put(tx, "current_project", slug)
        if not chosen:  # a fresh user starts from the template's day size
            settings._put(tx, "capacity_tasks", template.capacity.tasks)
            settings._put(tx, "capacity_pomodoros", template.capacity.pomodoros)
        for rank, starter in enumerate(template.tasks, start=1):
            task_id = tx.insert(
                "task",
                {
                    "project_id": project_id,
                    "title": tasks.clean_title(starter.title),
                    "notes": starter.notes,
                    "column": "backlog",
                    "rank": rank,
                    "estimate": starter.estimate,
                    "tags": json.dumps(tasks.clean_tags(starter.tags)),
                    "created_at": now,
                    "updated_at": now,
                },
            )
            if starter.column != "backlog":
                try:  # it joins today only if the day has room
                    moves.move(tx, task_query.get(store, task_id), starter.column)
                except Refused:
                    not_today.append(starter.title)
        for item in template.checklist:
            tx.insert(
                "lesson",
                {
                    "text": item.text,
                    "category": item.category,
                    "tags": json.dumps(tasks.clean_tags([*item.tags, "checklist"])),
                    "project_id": project_id,
                    "created_at": now,
                },
            )
    capacity = (
        int(settings.get(store, "capacity_tasks")),
        int(settings.get(store, "capacity_pomodoros")),
    )
    return Created(projects.by_id(store, project_id), template, not chosen, not_today, capacity)


def from_lessons(store: Store, project_name: str, *, name: str | None = None) -> str:
    """A template (TOML text) whose checklist is a project's lessons and whose limits are its."""
    from mlpm.services import board, lessons, projects

    project = projects.get(store, project_name)
    template_name = check_name(name or f"{project.slug}-lessons")
    items = lessons.list_lessons(store, project=project.slug)
    lines = [
        f"# Made by `mlpm template from-lessons` from project {project.slug!r} on {clock.today()}",
        f"name = {_toml_str(template_name)}",
        f"description = {_toml_str(f'What {project.name} taught us')}",
        "",
        "[capacity]",
        f"tasks = {int(_setting(store, 'capacity_tasks'))}",
        f"pomodoros = {int(_setting(store, 'capacity_pomodoros'))}",
    ]
    for column, limit in board.limits(project).items():
        lines += [
            "",
            f"[wip.{column}]",
            f"limit = {limit.limit}",
            f"hard = {str(limit.hard).lower()}",
        ]
    for lesson in items:
        tags = [t for t in lesson.tags if t != "checklist"]
        lines += [
            "",
            "[[checklist]]",
            f"text = {_toml_str(lesson.text)}",
            f"category = {_toml_str(lesson.category)}",
            f"tags = [{', '.join(_toml_str(t) for t in tags)}]",
        ]
    return "\n".join(lines) + "\n"


def _setting(store: Store, key: str) -> Any:
    from mlpm.services import settings

    return settings.get(store, key)


def _toml_str(value: str) -> str:
    """A TOML basic string (JSON's escaping is valid TOML for these characters)."""
    return json.dumps(value, ensure_ascii=False)


def wandb_project_of(repo_path: str | None) -> tuple[str | None, str | None]:
    """The W&B entity and project of the newest run in the repository's `wandb/` folder, which
    a project made from a template takes unless told otherwise; (None, None) when none."""
    from mlpm.integrations.wandb_local import find_run_files, read_run

    if not repo_path or not (Path(repo_path) / "wandb").is_dir():
        return None, None
    files = sorted(find_run_files([Path(repo_path) / "wandb"]), key=lambda p: p.stat().st_mtime)
    for path in reversed(files):
        try:
            info = read_run(path)
        except Exception:  # a half-written or foreign file: try the next newest
            continue
        if info.project:
            return info.entity, info.project
    return None, None
