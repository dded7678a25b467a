"""Small modal screens: a one-line prompt, the add-lesson form, a picker of one value or of
several, and a reader for long text (the task form is in `task_form`). Each returns its result
through `dismiss` (None when cancelled)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, SelectionList, Static, TextArea
from textual.widgets.option_list import Option

CANCEL = Binding("escape", "cancel", "Cancel", id="modal.cancel")


def split_tags(text: str) -> list[str]:
    """`"data, eval #slow"` -> `["data", "eval", "#slow"]` (the service cleans and checks)."""
    return [part for part in text.replace(",", " ").split() if part]


def parse_int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.lstrip("-").isdigit() else None


class Modal(ModalScreen[Any]):
    DEFAULT_CSS = """
    Modal {
        align: center middle;
    }
    Modal > Vertical {
        width: 70;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    Modal .title {
        text-style: bold;
        width: 1fr;
        margin-bottom: 1;
    }
    Modal Input, Modal TextArea {
        margin-bottom: 0;
    }
    Modal .buttons {
        height: auto;
        align-horizontal: right;
    }
    Modal Label {
        color: $text-muted;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [CANCEL]

    def action_cancel(self) -> None:
        self.dismiss(None)

    def performed(self, result: Any) -> None:
        """A change made from this dialog: the screen beneath keeps its cursor on it."""
        stack = self.app.screen_stack
        below = stack[stack.index(self) - 1] if self in stack[1:] else None
        if callable(hook := getattr(below, "performed", None)):
            hook(result)


class PromptScreen(Modal):
    """Ask for one line of text (a drop reason, a tag filter)."""

    def __init__(
        self, title: str, *, placeholder: str = "", value: str = "", allow_empty: bool = False
    ) -> None:
        super().__init__()
        self.prompt_title = title
        self.placeholder = placeholder
        self.value = value
        self.allow_empty = allow_empty

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.prompt_title), classes="title")
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt")
            yield Label(Text("enter to confirm · escape to cancel"))

    @on(Input.Submitted, "#prompt")
    def submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() or self.allow_empty:
            self.dismiss(event.value)


class AddLessonScreen(Modal):
    """Text, tags, category and an optional task: returns a dict for `lessons.add`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        CANCEL,
        Binding("ctrl+s", "save", "Save", id="lesson_form.save", priority=True),
    ]
    DEFAULT_CSS = """
    AddLessonScreen TextArea { height: 6; }
    AddLessonScreen .row { height: auto; }
    AddLessonScreen .row Input { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Record a lesson"), classes="title")
            yield TextArea(id="text", soft_wrap=True, show_line_numbers=False)
            with Horizontal(classes="row"):
                yield Input(placeholder="tags: eval data", id="tags")
                yield Input(placeholder="category", value="general", id="category")
                yield Input(placeholder="task id", id="task", type="integer")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
            yield Label(Text("ctrl+s to save · escape to cancel"))

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        text = self.query_one("#text", TextArea).text
        if not text.strip():
            self.query_one("#text", TextArea).focus()
            return
        self.dismiss(
            {
                "text": text,
                "tags": split_tags(self.query_one("#tags", Input).value),
                "category": self.query_one("#category", Input).value.strip() or "general",
                "task_id": parse_int(self.query_one("#task", Input).value),
            }
        )


class PickScreen(Modal):
    """Choose one of a few values (a project to show, a tag to filter by)."""

    def __init__(self, title: str, choices: Sequence[tuple[str, Text]]) -> None:
        super().__init__()
        self.pick_title = title
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.pick_title), classes="title")
            yield OptionList(*[Option(label, id=value) for value, label in self.choices])

    @on(OptionList.OptionSelected)
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class PickManyScreen(Modal):
    """Choose any of a few values (states to show): space toggles one, enter returns those
    chosen as a list (empty: none chosen)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        CANCEL,
        # Before the list's own enter, which toggles like space.
        Binding("enter", "done", "Show", id="pick_many.done", priority=True),
    ]

    def __init__(
        self, title: str, choices: Sequence[tuple[str, Text]], chosen: Sequence[str] = ()
    ) -> None:
        super().__init__()
        self.pick_title = title
        self.choices = list(choices)
        self.chosen = set(chosen)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.pick_title), classes="title")
            yield SelectionList[str](
                *[(label, value, value in self.chosen) for value, label in self.choices]
            )
            yield Label(Text("space toggles · enter shows them (none: all) · escape cancels"))

    def action_done(self) -> None:
        self.dismiss(list(self.query_one(SelectionList).selected))


class ReadScreen(Modal):
    """Read a long text whole (a lesson)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        CANCEL,
        Binding("q,enter", "cancel", "Close", show=False, id="reader.close"),
    ]
    DEFAULT_CSS = """
    ReadScreen > Vertical { width: 90; }
    ReadScreen VerticalScroll { height: auto; max-height: 30; }
    """

    hint = "escape to close"

    def __init__(self, title: Text, body: Text) -> None:
        super().__init__()
        self.read_title = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.read_title, classes="title")
            with VerticalScroll():
                yield Static(self.body)
            yield Label(Text(self.hint))


class TaskReadScreen(ReadScreen):
    """A task's details, whole; `e` and `E` close it and edit the task."""

    hint = "e to edit · E notes in your editor · escape to close"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "then('edit')", "Edit", id="reader.edit"),
        Binding("E", "then('edit_notes')", "Edit notes", id="reader.edit_notes"),
    ]

    def action_then(self, what: str) -> None:
        self.dismiss(what)
