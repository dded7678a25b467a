"""Printing for the CLI: colour only when wanted, JSON for scripts, and display width for
side-by-side layouts. Literal text comes from `mlpm.text` (re-exported here)."""

from __future__ import annotations

import functools
import json
import os
import sys
import unicodedata
from typing import Any

import click

from mlpm.text import clean, json_safe, one_line

__all__ = [
    "clean",
    "emit_json",
    "fit",
    "json_text",
    "one_line",
    "style",
    "use_color",
    "warn",
    "width",
]


@functools.cache
def use_color() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()


def style(text: str, **kwargs: Any) -> str:
    return click.style(text, **kwargs) if use_color() else text


def warn(message: str) -> None:
    click.echo(f"warning: {clean(message)}", err=True)


def json_text(data: Any, *, indent: int = 2) -> str:
    """The one way the CLI writes JSON (to the terminal or a file): readable Unicode, with
    control and bidi characters as \\u escapes so stored text cannot drive the terminal."""
    return json_safe(json.dumps(data, indent=indent, ensure_ascii=False, default=str))


def emit_json(data: Any) -> None:
    click.echo(json_text(data))


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
