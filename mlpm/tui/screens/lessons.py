"""Lessons: search as you type (FTS, ranked, matches lit), filters, add, read one whole."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Static

from mlpm.errors import MlpmError
from mlpm.models import Lesson
from mlpm.services import lessons
from mlpm.store import Store
from mlpm.tui import editing
from mlpm.tui.app import FAILED
from mlpm.tui.render import lesson_line, literal, marked, tags
from mlpm.tui.screens.base import DataScreen
from mlpm.tui.widgets.keybar import KeyBar
from mlpm.tui.widgets.navbar import NavBar
from mlpm.tui.widgets.rowlist import RowList
from mlpm.wording import counted

SEARCH_LIMIT = 200
DEBOUNCE = 0.08  # seconds of quiet typing before searching


class LessonList(RowList[Lesson]):
    def render_row(self, item: Lesson, width: int) -> Text:
        return lesson_line(item, width)


def find(store: Store, query: str, tag: str, category: str) -> list[Lesson]:
    """Ranked matches for `query`, or every lesson (newest first) when it is empty."""
    only_tag, only_category = tag.strip() or None, category.strip() or None
    if query.strip():
        # As you type: a quote not closed yet or a trailing OR is left out, not an error.
        return lessons.search(
            store, query, limit=SEARCH_LIMIT, strict=False, tag=only_tag, category=only_category
        )
    return list(reversed(lessons.list_lessons(store, tag=only_tag, category=only_category)))


def lesson_text(lesson: Lesson) -> Text:
    """A lesson whole: text (matches lit), then category, tags, project, task, date."""
    body = lesson.highlighted if lesson.highlighted is not None else lesson.text
    text = marked(body, multiline=True)
    text.append("\n\n")
    text.append(f"[{lesson.category}]", style="magenta")
    if lesson.tags:
        text.append(" ")
        text.append_text(tags(lesson.tags))
    if lesson.project:
        text.append("  project ", style="dim")
        text.append_text(literal(lesson.project))
    if lesson.task_id:
        text.append(f"  task #{lesson.task_id}", style="dim")
    if lesson.commit_sha:
        text.append(f"  commit {lesson.commit_sha[:8]}", style="dim")
    if lesson.run_id:
        text.append("  run ", style="dim")
        text.append_text(literal(lesson.run_id))
    text.append(f"  {lesson.created_at[:10]}", style="dim")
    return text


class LessonsScreen(DataScreen):
    """Type to search; ↓ or tab to the list; enter reads a lesson whole."""

    CSS_PATH = Path(__file__).with_name("lessons.tcss")
    AUTO_FOCUS = "#lesson-list"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a,ctrl+n", "add", "Add lesson", id="lessons.add"),
        Binding("E", "edit_notes", "Edit text", id="lessons.edit_notes", tooltip="In $EDITOR"),
        Binding("slash", "focus_search", "Search", id="lessons.search"),
        Binding("escape", "focus_list", "To list", show=False, id="lessons.to_list"),
    ]

    def compose(self) -> ComposeResult:
        yield NavBar("lessons")
        with Horizontal(id="lesson-filters"):
            yield Input(placeholder="search lessons…", id="search")
            yield Input(placeholder="tag", id="tag")
            yield Input(placeholder="category", id="category")
        yield Static(id="lesson-count")
        yield LessonList(id="lesson-list", empty="no lessons match")
        yield Static(id="lesson-preview")
        yield KeyBar()

    def reload(self) -> None:
        self._search(debounce=False)

    @on(Input.Changed)
    def _typed(self) -> None:
        self._search()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_focus_list()

    def on_key(self, event: Any) -> None:
        if event.key == "down" and isinstance(self.focused, Input):
            self.action_focus_list()
            event.stop()

    @work(exclusive=True, group="lesson-search")
    async def _search(self, debounce: bool = True) -> None:
        if debounce:
            await asyncio.sleep(DEBOUNCE)  # a newer keystroke cancels this search
        query = self.query_one("#search", Input).value
        tag = self.query_one("#tag", Input).value
        category = self.query_one("#category", Input).value
        count = self.query_one("#lesson-count", Static)
        try:
            found = await self.mlpm.db(find, query, tag, category)
        except MlpmError as exc:
            count.update(Text(f" {exc}", style="red"))
            return
        self.query_one(LessonList).set_items(found)
        if query.strip():
            more = "+" if len(found) >= SEARCH_LIMIT else ""
            summary = Text(f" {len(found)}{more} match(es), best first", style="dim")
        else:
            summary = Text(f" {counted(len(found), 'lesson')}, newest first", style="dim")
        count.update(summary)
        self._preview(self.query_one(LessonList).current)

    @on(RowList.Highlighted)
    def _highlighted(self, event: RowList.Highlighted) -> None:
        self._preview(event.item)

    def _preview(self, lesson: Lesson | None) -> None:
        preview = self.query_one("#lesson-preview", Static)
        preview.update(lesson_text(lesson) if lesson else Text(""))

    @on(RowList.Selected)
    def _open(self, event: RowList.Selected) -> None:
        from mlpm.tui.screens.modals import ReadScreen

        lesson: Lesson = event.item
        self.app.push_screen(ReadScreen(Text(f"Lesson #{lesson.id}"), lesson_text(lesson)))

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_focus_list(self) -> None:
        self.query_one(LessonList).focus()

    async def action_edit_notes(self) -> None:
        if (lesson := self.query_one(LessonList).current) is not None:
            await editing.edit_lesson_text(self.mlpm, lesson.id)

    def action_add(self) -> None:
        from mlpm.tui.screens.modals import AddLessonScreen

        async def added(values: dict[str, Any] | None) -> None:
            if values:
                lesson = await self.perform(lessons.add, **values)
                if lesson is not FAILED:
                    self.notify(f"recorded lesson #{lesson.id}", markup=False, timeout=3)

        self.app.push_screen(AddLessonScreen(), added)
