"""Turning domain objects into `rich.text.Text`: user text is always literal (never markup)
and its control characters are shown escaped, as the CLI prints them."""

from __future__ import annotations

from rich.text import Text

from mlpm.models import Lesson, Task
from mlpm.services.lessons import MARK_END, MARK_START
from mlpm.text import clean

MATCH_STYLE = "bold reverse"


def literal(text: str, style: str = "", *, multiline: bool = False) -> Text:
    """User text exactly as typed: `[red]x[/red]` stays brackets, ESC shows as `\\x1b`."""
    return Text(clean(text, multiline=multiline), style=style)


def marked(text: str, style: str = MATCH_STYLE, *, multiline: bool = False) -> Text:
    """Text whose search matches are between `MARK_START`/`MARK_END`, with matches styled."""
    out = Text()
    rest = text
    while rest:
        start = rest.find(MARK_START)
        if start < 0:
            out.append(clean(rest, multiline=multiline))
            break
        out.append(clean(rest[:start], multiline=multiline))
        rest = rest[start + 1 :]
        end = rest.find(MARK_END)
        match, rest = (rest, "") if end < 0 else (rest[:end], rest[end + 1 :])
        out.append(clean(match, multiline=multiline), style=style)
    return out


def tags(values: list[str], style: str = "cyan") -> Text:
    return Text(" ".join(f"#{clean(t)}" for t in values), style=style)


def estimate(task: Task) -> str:
    return f"{task.estimate}p" if task.estimate is not None else "–"


def card(task: Task, width: int, *, compact: bool = True) -> Text:
    """A card's first line: `#12 title … 2p` when `compact` (one line per card; narrow
    columns keep the title only), else the title alone (`card_detail` is the next line)."""
    ident = f"#{task.id} " if compact and width >= 22 else ""
    show_est = compact and task.estimate is not None and width >= 16
    est = f" {estimate(task)}" if show_est else ""
    text = Text()
    text.append(ident, style="dim")
    room = max(1, width - len(ident) - len(est))
    title = literal(task.title.splitlines()[0] if task.title else "")
    title.truncate(room, overflow="ellipsis", pad=True)
    text.append_text(title)
    if est:
        text.append(est, style="dim")
    return text


def card_detail(task: Task, width: int) -> Text:
    """A card's second line, on tall terminals: `#12 · 2p · #data #eval`."""
    text = Text()
    text.append(f"  #{task.id}", style="dim")
    if task.estimate is not None:
        text.append(f" · {estimate(task)}", style="dim")
    if task.tags:
        text.append(" · ", style="dim")
        text.append_text(tags(task.tags))
    return text


def lesson_line(lesson: Lesson, width: int) -> Text:
    """One lesson on one line: category, text (matches highlighted), tags."""
    text = Text()
    text.append(f"#{lesson.id} ", style="dim")
    text.append(f"[{lesson.category}] ", style="magenta")
    body = lesson.highlighted if lesson.highlighted is not None else lesson.text
    text.append_text(marked(" ".join(body.split())))
    if lesson.tags:
        text.append(" ")
        text.append_text(tags(lesson.tags))
    return text


def meter(label: str, used: int, cap: int, width: int = 10) -> Text:
    """`Tasks ██████░░░░ 3/5`, red when over the cap, yellow when at it."""
    cap = max(cap, 0)
    filled = width if cap == 0 else min(width, round(width * used / cap))
    style = "red bold" if used > cap else "yellow" if used == cap else "green"
    text = Text(f"{label} ")
    text.append("█" * filled, style=style)
    text.append("░" * (width - filled), style="dim")
    text.append(f" {used}/{cap}", style=style)
    return text
