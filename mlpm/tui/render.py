"""Turning domain objects into `rich.text.Text`: user text is always literal (never markup)
and its control characters are shown escaped, as the CLI prints them."""

from __future__ import annotations

from rich.cells import cell_len, chop_cells, set_cell_size
from rich.text import Text

from mlpm.models import Lesson, Task
from mlpm.services.lessons import MARK_END, MARK_START
from mlpm.text import clean

MATCH_STYLE = "bold reverse"
TITLE_LINES = 3  # a tall card wraps its title to at most this many lines


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


def first_line(title: str) -> str:
    """A title's first line; `…` says there is more below it."""
    lines = title.splitlines() or [""]
    more = any(line.strip() for line in lines[1:])
    return clean(lines[0]).rstrip() + ("…" if more else "")


def wrap(text: str, width: int, max_lines: int) -> list[str]:
    """`text` word-wrapped to `width` cells in at most `max_lines` lines, the last one
    ending in `…` when the text goes on (long words are broken where they must be)."""
    width = max(1, width)
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if cell_len(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        pieces = chop_cells(word, width) or [""]
        lines += pieces[:-1]
        current = pieces[-1]
    lines.append(current)
    if len(lines) > max_lines:
        last = " ".join(lines[max_lines - 1 :])
        lines = [*lines[: max_lines - 1], set_cell_size(last, width - 1).rstrip() + "…"]
    return lines


def card(task: Task, width: int, *, style: str = "") -> Text:
    """A compact card, one line: `#12 title… 2p` (the estimate when there is room)."""
    ident = f"#{task.id} "
    show_est = task.estimate is not None and width >= 24
    est = f" {estimate(task)}" if show_est else ""
    text = Text()
    text.append(ident, style="dim")
    room = max(1, width - len(ident) - len(est))
    title = Text(first_line(task.title), style=style)
    title.truncate(room, overflow="ellipsis", pad=True)
    text.append_text(title)
    if est:
        text.append(est, style="dim")
    return text


def card_title(task: Task, width: int) -> list[str]:
    """A tall card's title: the whole of it, wrapped to at most `TITLE_LINES` lines."""
    return wrap(first_line(task.title), width, TITLE_LINES)


def card_detail(task: Task, width: int) -> Text:
    """A tall card's last line: `#12 · 2p · #data #eval`."""
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
