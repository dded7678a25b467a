"""Global ids: minted where a row is made, the same on every replica; short ids are their
shortest unique prefixes.

A gid is one letter from `LETTERS` then 32 hex digits (128 random bits). The first letter is
never a digit and never a hex digit, so a reference made only of digits always means a legacy
integer id, and a short id cannot be mistaken for a commit SHA.
"""

from __future__ import annotations

import secrets
from bisect import bisect_left
from collections.abc import Iterable, Sequence

LETTERS = "ghjkmnpqrstvwxyz"  # 16 letters outside 0-9a-f, no i/l/o/u to misread
GID_LENGTH = 33
MIN_SHORT = 4
# The same minting in SQL: backfills existing rows and catches rows inserted by bulk paths.
GID_SQL = f"substr('{LETTERS}', (abs(random()) % 16) + 1, 1) || lower(hex(randomblob(16)))"
# Tables whose rows are shared or personal entities (they carry a gid and write ops).
GID_TABLES = (
    "project",
    "task",
    "lesson",
    "comparison",
    "comparison_run",
    "day_plan",
    "focus_session",
    "task_commit",
    "task_run",
)


def mint() -> str:
    return LETTERS[secrets.randbelow(16)] + secrets.token_hex(16)


def looks_like_gid_prefix(text: str) -> bool:
    """True if `text` could start a gid (a letter of LETTERS, then hex digits)."""
    return (
        0 < len(text) <= GID_LENGTH
        and text[0] in LETTERS
        and all(c in "0123456789abcdef" for c in text[1:])
    )


def _common(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def short_length(gid: str, before: str | None, after: str | None) -> int:
    """Length of the shortest prefix of `gid` that its sorted neighbours do not share."""
    need = MIN_SHORT
    for other in (before, after):
        if other:
            need = max(need, _common(gid, other) + 1)
    return min(need, len(gid))


def short_ids(all_gids: Sequence[str], wanted: Iterable[str]) -> dict[str, str]:
    """gid -> short id, for `wanted` among the sorted `all_gids` of one table."""
    out: dict[str, str] = {}
    for gid in wanted:
        i = bisect_left(all_gids, gid)
        before = all_gids[i - 1] if i > 0 else None
        j = i + 1 if i < len(all_gids) and all_gids[i] == gid else i
        after = all_gids[j] if j < len(all_gids) else None
        out[gid] = gid[: short_length(gid, before, after)]
    return out
