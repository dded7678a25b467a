"""What a user types into lesson search, as a safe FTS5 query: words (all must match),
OR and NOT (upper case), -word to exclude, "a phrase", and prefix*. Anything FTS5 would
choke on is refused with one clear line, or (while typing) left out."""

from __future__ import annotations

import re

from mlpm.errors import UsageError

TOKEN = re.compile(r'"(?P<phrase>[^"]*)(?P<closed>"?)|(?P<bare>[^\s"]+)')
EXAMPLES = {
    "OR": "dataloader OR throughput",
    "AND": "data AND loader",
    "NOT": "dataloader NOT slow",
}


def _quote(words: list[str]) -> str:
    return '"' + " ".join(words).replace('"', '""') + '"'


def to_fts(text: str, *, prefix: bool = False, strict: bool = True) -> str:
    """The FTS5 query for `text` ("" when there is nothing to search for).

    `prefix` makes the last plain word a prefix (search as you type). `strict` refuses a
    stray quote or operator with a UsageError; otherwise (while typing) it is left out."""
    parts: list[str] = []
    want_term = True  # at the start, or right after an operator
    last_plain = False

    def refuse(message: str) -> None:
        if strict:
            raise UsageError(f"search {text.strip()!r}: {message}")

    for match in TOKEN.finditer(text):
        negate = star = False
        if match["bare"] is None:
            if not match["closed"]:
                refuse('a quote is not closed: write "a phrase" with both quotes')
            words = re.findall(r"\w+", match["phrase"])
            plain = not match["closed"]  # a phrase still being typed ends in a prefix
        else:
            bare = match["bare"]
            if bare in EXAMPLES:
                if want_term:
                    refuse(f"{bare} needs a word on each side ({EXAMPLES[bare]})")
                    continue
                parts.append(bare)
                want_term = True
                continue
            negate = bare.startswith("-") and len(bare) > 1
            star = bare.endswith("*")
            words = re.findall(r"\w+", bare)
            plain = not star
        if not words:
            continue  # punctuation only: nothing to find
        if negate:
            if want_term:
                refuse("-word leaves out lessons with that word: put a word to find before it")
                continue
            parts.append("NOT")
        parts.append(_quote(words) + ("*" if star else ""))
        want_term = False
        last_plain = plain and not negate
    if parts and want_term:
        refuse(f"{parts[-1]} needs a word on each side ({EXAMPLES[parts[-1]]})")
        parts.pop()
    if prefix and parts and last_plain and not text.endswith((" ", '"')):
        parts[-1] += "*"
    return " ".join(parts)
