"""Editing without leaving the TUI: the task form (`e`, `a`), notes and lesson text in $EDITOR
(`E`), and the same editor from the CLI (`task edit --edit-notes`, `lesson add` with no text)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from mlpm import editor
from mlpm.services import lessons, task_query, tasks, undo
from mlpm.store import Store
from tests.test_tui_app import notices, screen_text, settle

pytest.importorskip("textual")
pytestmark = pytest.mark.anyio

from mlpm.tui.app import MlpmApp  # noqa: E402
from mlpm.tui.screens.lessons import LessonList  # noqa: E402
from mlpm.tui.screens.task_form import TaskForm  # noqa: E402


def fake_editor(tmp_path: Path, text: str, *, seen: Path | None = None) -> str:
    """A script standing in for the editor: records the file's mode and text, writes `text`."""
    script = tmp_path / "fake_editor.py"
    seen = seen or tmp_path / "seen.txt"
    script.write_text(
        "import os, sys\n"
        "path = sys.argv[-1]\n"
        f"with open({str(seen)!r}, 'w') as out:\n"
        "    out.write(oct(os.stat(path).st_mode & 0o777) + '\\n' + open(path).read())\n"
        f"open(path, 'w').write({text!r})\n"
    )
    return f"{sys.executable} {script}"


@pytest.fixture
def three(store: Store, project) -> Store:
    tasks.add(store, "prepare data", estimate=2, tags=["data"], today=True)
    tasks.add(store, "train baseline", estimate=3, today=True)
    tasks.add(store, "write report", today=True)
    return store


# -- the editor itself ------------------------------------------------------------------------


def test_editor_command_splits_like_a_shell_and_falls_back(monkeypatch) -> None:
    assert editor.command({"VISUAL": "code --wait", "EDITOR": "vi"}) == ["code", "--wait"]
    assert editor.command({"EDITOR": "'my editor' -n"}) == ["my editor", "-n"]
    monkeypatch.setattr(
        editor.shutil, "which", lambda name: f"/bin/{name}" if name == "nano" else None
    )
    assert editor.command({}) == ["/bin/nano"]
    monkeypatch.setattr(editor.shutil, "which", lambda name: None)
    with pytest.raises(editor.MlpmError, match="set \\$EDITOR"):
        editor.command({})


def test_editor_file_is_private_and_never_goes_through_a_shell(tmp_path, monkeypatch) -> None:
    seen = tmp_path / "seen.txt"
    monkeypatch.setenv("EDITOR", fake_editor(tmp_path, "new; $(touch pwned)", seen=seen))
    monkeypatch.delenv("VISUAL", raising=False)
    assert editor.edit("old") == "new; $(touch pwned)"
    mode, before = seen.read_text().split("\n", 1)
    assert mode == oct(stat.S_IRUSR | stat.S_IWUSR) and before == "old\n"
    assert not (Path.cwd() / "pwned").exists()


# -- the task form ------------------------------------------------------------------------------


async def test_e_edits_and_saves_and_one_undo_reverts(db_path: Path, three: Store) -> None:
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, TaskForm)
        assert app.screen.focused is not None and app.screen.focused.id == "title"
        await pilot.press("ctrl+a", "ctrl+k", *"clean the data", "tab")
        await pilot.press("backspace", "5", "tab", "ctrl+a", "ctrl+k", *"data eval", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, TaskForm)
        task = task_query.get(three, 1)
        assert (task.title, task.estimate, task.tags) == ("clean the data", 5, ["data", "eval"])
        assert "clean the data" in screen_text(app)
        await pilot.press("u")
        await settle(pilot)
        task = task_query.get(three, 1)
        assert (task.title, task.estimate, task.tags) == ("prepare data", 2, ["data"])


async def test_escape_cancels_the_form(db_path: Path, three: Store) -> None:
    tasks.add(three, "in the backlog")
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("e")  # the cursor starts in the backlog
        await settle(pilot)
        assert isinstance(app.screen, TaskForm)
        assert app.screen.query_one("#title").value == "in the backlog"
        await pilot.press(*" changed", "escape")
        await settle(pilot)
        assert not isinstance(app.screen, TaskForm)
    assert task_query.get(three, 4).title == "in the backlog"
    assert undo.last_undoable(three)[0]["command"] == "task add"


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("title", ["ctrl+a", "ctrl+k"], "a task title cannot be empty"),
        ("estimate", ["ctrl+a", "ctrl+k", "0"], "from 1 to 100"),
        ("estimate", ["ctrl+a", "ctrl+k", *"101"], "from 1 to 100"),
        ("tags", [*" #"], "invalid tag ''"),
        ("tags", [" ", *"x" * 51], "a tag is at most 50 characters"),
        ("project", ["ctrl+a", "ctrl+k", *"nowhere"], "no project named 'nowhere'"),
    ],
)
async def test_a_bad_value_is_shown_in_the_form_and_nothing_saved(
    db_path: Path, three: Store, field: str, typed: list[str], message: str
) -> None:
    before = task_query.get(three, 1)
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, TaskForm)
        form.query_one(f"#{field}").focus()
        await pilot.press("end", *typed, "enter")
        await settle(pilot)
        assert app.screen is form  # still open
        assert message in str(form.query_one("#form-error").render())
        assert not [n for n in notices(app) if message in n]
    assert task_query.get(three, 1) == before


async def test_a_adds_through_the_same_form(db_path: Path, three: Store) -> None:
    app = MlpmApp(db_path, screen="board")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, TaskForm)
        await pilot.press("enter")  # empty title: the service says so, in the form
        await settle(pilot)
        assert "a task title cannot be empty" in str(form.query_one("#form-error").render())
        await pilot.press(*"ablation", "tab", "2", "enter")
        await settle(pilot)
        added = task_query.get(three, 4)
        assert (added.title, added.estimate, added.column) == ("ablation", 2, "backlog")


# -- notes and lessons in the editor ------------------------------------------------------------


async def test_E_writes_notes_that_task_show_prints(
    db_path: Path, three: Store, tmp_path: Path, monkeypatch, cli
) -> None:
    monkeypatch.setenv("EDITOR", fake_editor(tmp_path, "line one\n[b]two[/b]\n"))
    monkeypatch.delenv("VISUAL", raising=False)
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)
        assert any("notes of #1 saved" in n for n in notices(app))
    shown = cli("task", "show", "1")
    assert "line one" in shown.stdout and "[b]two[/b]" in shown.stdout
    undo.undo(three)
    assert task_query.get(three, 1).notes == ""


async def test_E_with_unchanged_notes_writes_nothing(
    db_path: Path, three: Store, tmp_path: Path, monkeypatch
) -> None:
    tasks.edit(three, 1, notes="kept as is")
    monkeypatch.setenv("EDITOR", fake_editor(tmp_path, "kept as is\n"))
    app = MlpmApp(db_path, screen="today")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)
        assert any("unchanged" in n for n in notices(app))
    assert undo.last_undoable(three)[0]["command"] == "task edit 1"  # the edit above, not a new one
    assert len([e for e in three.query("SELECT * FROM event WHERE command = 'task edit 1'")]) == 1


async def test_E_on_a_lesson_edits_its_text(
    db_path: Path, store: Store, project, tmp_path: Path, monkeypatch
) -> None:
    lessons.add(store, "seeds matter")
    monkeypatch.setenv("EDITOR", fake_editor(tmp_path, "seeds matter: use three\n"))
    app = MlpmApp(db_path, screen="lessons")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.query_one(LessonList).focus()
        await pilot.press("E")
        await settle(pilot)
    assert lessons.get(store, 1).text == "seeds matter: use three"
    assert [lesson.id for lesson in lessons.search(store, "three")] == [1]


# -- the CLI ------------------------------------------------------------------------------------


def test_cli_task_edit_edit_notes(three: Store, tmp_path: Path, monkeypatch, cli) -> None:
    monkeypatch.setenv("EDITOR", fake_editor(tmp_path, "from the editor\n"))
    result = cli("task", "edit", "2", "--edit-notes")
    assert result.exit_code == 0, result.output
    assert task_query.get(three, 2).notes == "from the editor"
    again = cli("task", "edit", "2", "--edit-notes")
    assert "unchanged, nothing written" in again.stdout


def test_cli_lesson_add_without_text_opens_the_editor(
    store: Store, project, tmp_path: Path, monkeypatch, cli
) -> None:
    monkeypatch.setenv("EDITOR", fake_editor(tmp_path, "written at length\n\nsecond para\n"))
    assert "added lesson 1" in cli("lesson", "add", "-t", "eval").stdout
    assert lessons.get(store, 1).text == "written at length\n\nsecond para"
    monkeypatch.setenv("EDITOR", fake_editor(tmp_path, "  \n"))
    assert "aborted, nothing added" in cli("lesson", "add").stdout
    assert len(lessons.list_lessons(store)) == 1


def test_cli_editor_that_fails_saves_nothing(three: Store, monkeypatch, cli) -> None:
    monkeypatch.setenv("EDITOR", f"{sys.executable} -c 'raise SystemExit(3)'")
    result = cli("task", "edit", "1", "--edit-notes")
    assert result.exit_code == 1 and "exited with 3; nothing saved" in result.stderr
    assert task_query.get(three, 1).notes == ""
    assert os.environ["EDITOR"]  # the variable was read, not a fallback editor
