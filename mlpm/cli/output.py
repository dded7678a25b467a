"""Printing for the CLI: literal text (no escape-sequence injection), colour only when wanted,
JSON for scripts, and display width for side-by-side layouts."""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import unicodedata
from typing import Any

import click

_BREAKS = re.compile(r"[ \t]*[\r\n]+[ \t]*")
# C0/C1 controls and DEL are shown as visible escapes; tab and newline are kept where allowed.
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))}
_CONTROL_KEEP_NL = {c: v for c, v in _CONTROL.items() if c not in (0x0A, 0x09)}


def clean(text: str, *, multiline: bool = False) -> str:
    """Text from users or outside made safe for a terminal: control characters escaped."""
    return text.translate(_CONTROL_KEEP_NL if multiline else _CONTROL)


def one_line(text: str) -> str:
    """`clean` for list views: each line break (and the space around it) becomes one space."""
    return clean(_BREAKS.sub(" ", text))


@functools.cache
def use_color() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()


def style(text: str, **kwargs: Any) -> str:
    return click.style(text, **kwargs) if use_color() else text


def warn(message: str) -> None:
    click.echo(f"warning: {clean(message)}", err=True)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def width(text: str) -> int:
    """Terminal cells taken by `text` (wide East Asian characters count two)."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def fit(text: str, cells: int) -> str:
    """Cut `text` to `cells` terminal cells (with an ellipsis) and pad it to exactly that."""
    if cells <= 0:
        return ""
    if width(text) > cells:
        out, used = [], 0
        for ch in text:
            w = width(ch)
            if used + w > cells - 1:
                break
            out.append(ch)
            used += w
        text = "".join(out) + "…"
    return text + " " * (cells - width(text))


def terminal_width() -> int:
    import shutil

    return max(40, shutil.get_terminal_size((100, 24)).columns)
