"""A chart legend that fits a width: the CLI and the TUI draw the same one.

Run names of one sweep share most of their text ("aug-lr3e-4-seed0", "aug-lr3e-4-seed1"):
the common prefix and suffix (cut at a separator) are said once, the labels are cut with
"…" when they still do not fit, and "+k more" stands for the entries left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mlpm.text import clean

SEPARATORS = "-_/.:= "
MARK = 2  # "■ " before each label
GAP = 2  # between entries
MIN_LABEL = 5  # a label is not cut shorter than this ("au…-0")


@dataclass(slots=True)
class Legend:
    """What fits: the shared prefix and suffix, the labels shown, and how many are left out."""

    prefix: str
    suffix: str
    labels: list[str]
    more: int = 0

    @property
    def common(self) -> str:
        """The text the labels share, "aug-…-v2" (empty when they share nothing)."""
        if not (self.prefix or self.suffix):
            return ""
        return f"{self.prefix}…{self.suffix}"

    def text(self) -> str:
        """The legend as plain text (markers included), as the CLI prints it."""
        parts = [self.common] if self.common else []
        parts += [f"■ {label}" for label in self.labels]
        if self.more:
            parts.append(f"+{self.more} more")
        return (" " * GAP).join(parts)


def _prefix(labels: Sequence[str]) -> str:
    first, last = min(labels), max(labels)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    common = first[:n]
    cut = max(common.rfind(c) for c in SEPARATORS)
    return common[: cut + 1] if cut >= 0 else ""


def _suffix(labels: Sequence[str]) -> str:
    return _prefix([label[::-1] for label in labels])[::-1]


def _cut(label: str, size: int) -> str:
    """`label` in `size` characters, cut in the middle: names of one sweep differ at their
    ends ("…seed0", "…seed1"), so both ends are kept."""
    if len(label) <= size:
        return label
    if size < 3:
        return label[: max(0, size - 1)] + "…"
    tail = (size - 1) // 2
    return label[: size - 1 - tail] + "…" + label[len(label) - tail :]


def _width(labels: Sequence[str], common: str, more: int) -> int:
    parts = [len(common)] if common else []
    parts += [MARK + len(label) for label in labels]
    if more:
        parts.append(len(f"+{more} more"))
    return sum(parts) + GAP * (len(parts) - 1)


def _fitted(shown: Sequence[str], common: str, width: int) -> tuple[list[str], int] | None:
    """The most entries that fit (each cut no shorter than MIN_LABEL), or None."""
    for count in range(len(shown), 0, -1):
        more = len(shown) - count
        head = shown[:count]
        longest = max(len(s) for s in head)
        for size in range(longest, min(MIN_LABEL, longest) - 1, -1):
            cut = [_cut(s, size) for s in head]
            if _width(cut, common, more) <= width:
                return cut, more
    return None


def fit(labels: Sequence[str], width: int) -> Legend:
    """The legend of `labels` (outside text: escaped here) in at most `width` columns."""
    full = [clean(label) for label in labels]
    if not full:
        return Legend("", "", [])
    prefix = suffix = ""
    shown = full
    if len(full) > 1:
        prefix = _prefix(full)
        trimmed = [s[len(prefix) :] for s in full]
        suffix = _suffix(trimmed)
        trimmed = [t[: len(t) - len(suffix)] for t in trimmed]
        if all(trimmed):
            shown = trimmed
        else:
            prefix = suffix = ""
    common = f"{prefix}…{suffix}" if prefix or suffix else ""
    found = _fitted(shown, common, width)
    if found is not None:
        return Legend(prefix, suffix, *found)
    if common:  # not one entry fits beside the shared text: full labels without it
        found = _fitted(full, "", width)
        if found is not None:
            return Legend("", "", *found)
    room = max(1, width - MARK - (len(f"+{len(full) - 1} more") + GAP if len(full) > 1 else 0))
    if room < 3:  # too narrow for any label: only the count
        return Legend("", "", [], len(full))
    return Legend("", "", [_cut(full[0], room)], len(full) - 1)
