"""Text from users and outside tools, made safe to show in a terminal: shared by the CLI and
the TUI. Nothing here interprets markup; control characters become visible escapes."""

from __future__ import annotations

import re

_BREAKS = re.compile(r"[ \t]*[\r\n]+[ \t]*")
# C0/C1 controls and DEL are shown as visible escapes; tab and newline are kept where allowed.
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))}
# Bidirectional overrides and isolates can make text display in another order than it reads
# ("Trojan Source"); the line and paragraph separators break a line for some readers and not
# others: shown as escapes too.
_CONTROL.update(
    {
        c: f"\\u{c:04x}"
        for c in (0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
    }
)
# A byte that is not UTF-8 (in an argument or a file name) decodes to a lone surrogate
# (PEP 383), which no terminal can be sent: shown as the byte it stands for.
_CONTROL.update({c: f"\\x{c - 0xDC00:02x}" for c in range(0xDC80, 0xDD00)})
_CONTROL_KEEP_NL = {c: v for c, v in _CONTROL.items() if c not in (0x0A, 0x09)}
# In JSON the same characters become \u escapes, which load back to the very same string.
# json.dumps already escapes C0 inside strings; its raw tab, newline and CR can only be the
# layout between tokens, so they stay.
_JSON = {c: f"\\u{c:04x}" for c in _CONTROL if c not in (0x09, 0x0A, 0x0D)}


def clean(text: str, *, multiline: bool = False) -> str:
    """Text from users or outside made safe for a terminal: control characters escaped."""
    return text.translate(_CONTROL_KEEP_NL if multiline else _CONTROL)


def json_safe(encoded: str) -> str:
    """JSON text (as `json.dumps` writes it) made safe for a terminal: every C1 control, DEL
    and bidirectional override written as a `\\u` escape. Still valid JSON, and it loads
    back to the same data."""
    return encoded.translate(_JSON)


def one_line(text: str) -> str:
    """`clean` for list views: each line break (and the space around it) becomes one space."""
    return clean(_BREAKS.sub(" ", text))
