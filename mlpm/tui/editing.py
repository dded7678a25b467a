"""`e` and `E` from any screen: the task form, and long text (notes, a lesson) in the user's
editor with the app suspended. Every save is one service call, so one `u` undoes it."""

from __future__ import annotations

from typing import TYPE_CHECKING

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


async def edit_task_notes(app: MlpmApp, task_id: int) -> None:
    """`E`: the task's notes in the editor; saved when changed."""
    try:
        task = await app.db(task_query.get, task_id)
    except MlpmError as exc:
        app.notify(str(exc), severity="error", markup=False)
        return
    written = run_editor(app, task.notes)
    if written is None:
        return
    if written == task.notes.rstrip("\n"):
        app.notify(f"notes of #{task_id} unchanged", markup=False, timeout=3)
        return
    await app.perform(tasks.edit, task_id, notes=written, success=f"notes of #{task_id} saved")


async def edit_lesson_text(app: MlpmApp, lesson_id: int) -> None:
    """`E` on a lesson: its text in the editor; saved when changed."""
    try:
        lesson = await app.db(lessons.get, lesson_id)
    except MlpmError as exc:
        app.notify(str(exc), severity="error", markup=False)
        return
    written = run_editor(app, lesson.text)
    if written is None:
        return
    if written == lesson.text.rstrip("\n"):
        app.notify(f"lesson #{lesson_id} unchanged", markup=False, timeout=3)
        return
    await app.perform(lessons.edit, lesson_id, text=written, success=f"lesson #{lesson_id} saved")
