"""Reading what users hand to `mlpm sig`: lists of numbers and score tables. Prediction files
live in `predfiles` (reading) and `align` (matching); their entry points are re-exported here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mlpm.errors import UsageError
from mlpm.stats.align import align, align_scores, has_scores
from mlpm.stats.checks import finite_list
from mlpm.stats.predfiles import Aligned, PredFile, read_predictions

__all__ = [
    "Aligned",
    "PredFile",
    "Table",
    "align",
    "align_scores",
    "has_scores",
    "parse_numbers",
    "read_predictions",
    "read_table",
]

_NUMBERS = re.compile(r"[-+\u22120-9.,;eE\s]*")
_PATH_ENDINGS = (".txt", ".csv", ".tsv", ".json", ".jsonl", ".dat")
# Columns that number the rows (seeds, runs, folds) rather than hold a configuration's scores.
ID_COLUMNS = {"seed", "seeds", "run", "run_id", "fold", "index", "idx", "id", "split", "trial"}


def _looks_like_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.lower().endswith(_PATH_ENDINGS)


def _values(source: str, name: str) -> list[str]:
    """The values in `source`, split on commas, semicolons or whitespace; an empty value (two
    commas in a row, or a comma at either end) is refused, saying where."""
    values: list[str] = []
    pieces = re.split(r"[,;]", source)
    for piece in pieces:
        words = piece.split()
        if not words and len(pieces) > 1:
            raise UsageError(f"{name}: value {len(values) + 1} is empty (check the commas)")
        values.extend(words)
    return values


def parse_numbers(text: str, name: str) -> list[float]:
    """Numbers separated by commas or spaces, or the path of a file holding them."""
    source = text
    path = Path(text).expanduser()
    if not _NUMBERS.fullmatch(text):
        if path.is_file():
            try:
                source = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"{name}: cannot read {text}: {exc}") from None
        elif path.is_dir():
            raise UsageError(f"{name}: {text} is a directory, not a file of numbers")
        elif _looks_like_path(text.strip()):
            raise UsageError(f"{name}: {text}: no such file")
    # A typographic minus (U+2212, as word processors write it) is a minus sign.
    parts = _values(source.replace("\u2212", "-").strip(), name)
    if not parts:
        raise UsageError(f"{name}: no numbers given")
    return finite_list(parts, name)


@dataclass(slots=True)
class Table:
    """A score table: one column per model or configuration, one row per dataset or seed."""

    models: list[str]
    rows: list[str]
    values: list[list[float]]  # values[row][model]
    id_columns: list[str] = field(default_factory=list)  # seed/run/fold columns set aside
    notes: list[str] = field(default_factory=list)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_id_column(name: str, cells: list[str]) -> bool:
    """A seed, run, fold or index column: named so, and holding whole numbers."""
    if name.strip().lower() not in ID_COLUMNS:
        return False
    for cell in cells:
        try:
            number = float(cell)
        except ValueError:
            return False
        if not number.is_integer():
            return False
    return True


def read_table(path_text: str) -> Table:
    """A CSV score table. The first column holds row names unless all its cells are numbers;
    a column named seed, run, fold, index (...) holding whole numbers is an id of the row, not
    a configuration, wherever it stands."""
    import csv

    path = Path(path_text).expanduser()
    if not path.is_file():
        raise UsageError(f"{path_text}: no such file")
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path_text}: {exc}") from None
    records = [r for r in csv.reader(lines) if any(c.strip() for c in r)]
    if len(records) < 2:
        raise UsageError(f"{path_text}: needs a header row and at least one row of scores")
    header, body = [c.strip() for c in records[0]], records[1:]
    for i, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise UsageError(
                f"{path_text} line {i}: {len(row)} cells, the header has {len(header)}"
            )
    ids = [j for j, name in enumerate(header) if _is_id_column(name, [r[j] for r in body])]
    named = not all(_is_number(r[0]) for r in body)
    if named and 0 in ids:
        ids.remove(0)  # a text first column names the rows already
    keep = [j for j in range(len(header)) if j not in ids and not (named and j == 0)]
    models = [header[j] for j in keep]
    if named:
        names = [r[0].strip() for r in body]
    elif ids:
        names = [f"{header[ids[0]]} {body[i][ids[0]].strip()}" for i in range(len(body))]
    else:
        names = [str(i) for i in range(1, len(body) + 1)]
    values = [
        finite_list([row[j] for j in keep], f"{path_text} line {i}")
        for i, row in enumerate(body, start=2)
    ]
    if len(set(models)) != len(models):
        raise UsageError(f"{path_text}: column names repeat")
    notes = [
        f"column {header[j]!r} numbers the rows (an id, not a configuration): left out" for j in ids
    ]
    return Table(models, names, values, [header[j] for j in ids], notes)
