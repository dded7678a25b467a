"""`e` and `E` from any screen: the task form, and long text (notes, a lesson) in the user's
editor with the app suspended. Every save is one service call, so one `u` undoes it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from textual.app import SuspendNotSupported

from mlpm import editor
from mlpm.errors import MlpmError
from mlpm.services import lessons, task_query, tasks

if TYPE_CHECKING:
    from mlpm.tui.app import MlpmApp


def run_editor(app: MlpmApp, text: str) -> str | None:
    """Hand the terminal to the editor on `text`; what it saved, or None (told why)."""
    try:
        try:
            with app.suspend():
                return editor.edit(text)
        except SuspendNotSupported:
            if not app.is_headless:  # e.g. Textual Web: no terminal to hand over
                app.notify("this terminal cannot run an editor", severity="warning")
                return None
            return editor.edit(text)  # tests: the "editor" is a script that needs no terminal
    except MlpmError as exc:
        app.notify(str(exc), title="Editor", severity="error", markup=False, timeout=8)
        return None


async def open_edit_form(app: MlpmApp, task_id: int) -> None:
    """`e`: the task form on the task as stored now."""
    from mlpm.tui.screens.task_form import edit_form

    try:
        task = await app.db(task_query.get, task_id)
    except MlpmError as exc:
        app.notify(str(exc), severity="error", markup=False)
        return
    app.push_screen(edit_form(app, task))


async def _edit_text(
    app: MlpmApp,
    load: Callable[..., Any],
    key: int,
    text_of: Callable[[Any], str],
    save: Callable[[str], Awaitable[object]],
    name: str,
) -> None:
    """Load a record, hand its text to the editor, and save it only when it changed."""
    try:
        record = await app.db(load, key)
    except MlpmError as exc:
        app.notify(str(exc), severity="error", markup=False)
        return
    written = run_editor(app, text_of(record))
    if written is None:
        return
    if written == text_of(record).rstrip("\n"):
        app.notify(f"{name} unchanged", markup=False, timeout=3)
        return
    await save(written)


async def edit_task_notes(app: MlpmApp, task_id: int) -> None:
    """`E`: the task's notes in the editor; saved when changed."""

    async def save(text: str) -> object:
        return await app.perform(
            tasks.edit, task_id, notes=text, success=f"notes of #{task_id} saved"
        )

    await _edit_text(app, task_query.get, task_id, lambda t: t.notes, save, f"notes of #{task_id}")


async def edit_lesson_text(app: MlpmApp, lesson_id: int) -> None:
    """`E` on a lesson: its text in the editor; saved when changed."""

    async def save(text: str) -> object:
        return await app.perform(
            lessons.edit, lesson_id, text=text, success=f"lesson #{lesson_id} saved"
        )

    await _edit_text(
        app, lessons.get, lesson_id, lambda lesson: lesson.text, save, f"lesson #{lesson_id}"
    )
