"""Reading what users hand to `mlpm sig`: lists of numbers, and per-example prediction files
(CSV, JSON lines or .npy; columns id, y_true, y_pred), matched by id."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlpm.errors import UsageError
from mlpm.stats.checks import MAX_MAGNITUDE, finite_list

_NUMBERS = re.compile(r"[-+0-9.,;eE\s]*")
_PATH_ENDINGS = (".txt", ".csv", ".tsv", ".json", ".jsonl", ".dat")
_MISSING_LABELS = {"nan", "-nan", "+nan"}


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
    parts = _values(source.strip(), name)
    if not parts:
        raise UsageError(f"{name}: no numbers given")
    return finite_list(parts, name)


@dataclass(slots=True)
class PredFile:
    path: str
    ids: list[str] | None
    y_true: list[str] | None
    y_pred: list[str] | None
    score: list[float] | None = None  # a per-example metric (loss, BLEU, ...), not a label

    def size(self) -> int:
        for values in (self.y_pred, self.y_true, self.score, self.ids):
            if values is not None:
                return len(values)
        return 0


def _score(value: Any, where: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{where}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise UsageError(f"{where}: {number} (NaN or infinite values are refused)")
    if abs(number) > MAX_MAGNITUDE:
        raise UsageError(
            f"{where}: {number:g} is too large for the arithmetic (magnitudes above "
            f"{MAX_MAGNITUDE:g} overflow); rescale the scores"
        )
    return number


def _label(value: Any, where: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise UsageError(f"{where}: missing value")
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UsageError(f"{where}: {value} is not a label (NaN or infinite)")
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "item"):  # numpy scalar
        return _label(value.item(), where)
    text = str(value).strip()
    if text.lower() in _MISSING_LABELS:
        raise UsageError(f"{where}: {text!r} looks like a missing value (NaN), not a label")
    return text


def _columns(rows: list[dict[str, Any]], path: str, have: set[str]) -> PredFile:
    if not have & {"y_pred", "y_true", "score"}:
        raise UsageError(
            f"{path}: needs a y_pred, y_true or score column; found "
            f"{', '.join(sorted(have)) or 'none'}"
        )

    def col(name: str) -> list[str] | None:
        if name not in have:
            return None
        return [
            _label(r.get(name), f"{path} row {i} ({name})") for i, r in enumerate(rows, start=1)
        ]

    scores = None
    if "score" in have:
        scores = [
            _score(r.get("score"), f"{path} row {i} (score)") for i, r in enumerate(rows, start=1)
        ]
    return PredFile(path, col("id"), col("y_true"), col("y_pred"), scores)


def read_predictions(path_text: str) -> PredFile:
    """One prediction file, by its extension: .csv, .jsonl/.json, or .npy."""
    path = Path(path_text).expanduser()
    if not path.is_file():
        raise UsageError(f"{path_text}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _read_npy(path, path_text)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path_text}: {exc}") from None
    if suffix in (".jsonl", ".json", ".ndjson"):
        rows = []
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UsageError(f"{path_text} line {i}: not JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise UsageError(f"{path_text} line {i}: expected an object with id, y_pred")
            rows.append(row)
        have = set().union(*(r.keys() for r in rows)) if rows else set()
    else:
        import csv

        reader = csv.DictReader(text.splitlines())
        rows = list(reader)
        have = {c.strip() for c in (reader.fieldnames or [])}
        rows = [{(k or "").strip(): v for k, v in r.items()} for r in rows]
    if not rows:
        raise UsageError(f"{path_text}: no rows")
    return _columns(rows, path_text, have)


def _read_npy(path: Path, name: str) -> PredFile:
    import numpy as np

    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {name}: {exc}") from None
    if arr.dtype.names:
        rows_have = set(arr.dtype.names)
        if not rows_have & {"y_pred", "y_true", "score"}:
            raise UsageError(f"{name}: needs a y_pred, y_true or score field")

        def field(f: str) -> list[str] | None:
            if f not in rows_have:
                return None
            return [
                _label(v, f"{name} item {i} ({f})") for i, v in enumerate(arr[f].tolist(), start=1)
            ]

        scores = None
        if "score" in rows_have:
            scores = [
                _score(v, f"{name} item {i} (score)")
                for i, v in enumerate(arr["score"].tolist(), start=1)
            ]
        return PredFile(name, field("id"), field("y_true"), field("y_pred"), scores)
    if arr.ndim != 1:
        raise UsageError(
            f"{name}: expected a 1-D array of labels (one per example), got shape {arr.shape}"
        )
    labels = [_label(v, f"{name} item {i}") for i, v in enumerate(arr.tolist(), start=1)]
    return PredFile(name, None, None, labels)


@dataclass(slots=True)
class Aligned:
    ids: list[str]
    y_true: Any  # int codes (numpy)
    pred_a: Any
    pred_b: Any
    labels: list[str]
    notes: list[str]


def _check_unique(f: PredFile) -> None:
    dups = [k for k, v in Counter(f.ids or []).items() if v > 1]
    if dups:
        raise UsageError(f"{f.path}: {len(dups)} id(s) appear more than once (e.g. {dups[0]!r})")


def _order(files: list[PredFile]) -> tuple[list[str], list[str]]:
    """The example order (A's ids, or positions) after checking every file covers the same
    examples; refuses mismatches, counting them."""
    a = files[0]
    notes: list[str] = []
    with_ids = [f for f in files if f.ids is not None]
    if with_ids and len(with_ids) != len(files):
        missing = next(f.path for f in files if f.ids is None)
        raise UsageError(
            f"{with_ids[0].path} has ids but {missing} has none: cannot match "
            "examples (add an id column, or drop it from every file)"
        )
    if with_ids:
        for f in files:
            _check_unique(f)
        order = a.ids or []
        ref = set(order)
        for f in files[1:]:
            other = set(f.ids or [])
            only_ref, only_other = len(ref - other), len(other - ref)
            if only_ref or only_other:
                example = sorted(ref ^ other)[:3]
                raise UsageError(
                    f"ids differ: {only_ref} in {a.path} only, {only_other} in {f.path} only "
                    f"(e.g. {', '.join(repr(e) for e in example)}); every file must cover the "
                    "same examples"
                )
        return order, notes
    sizes = {f.size() for f in files}
    if len(sizes) != 1:
        raise UsageError(
            "the files have no id column and different lengths ("
            + ", ".join(f"{f.path}: {f.size()}" for f in files)
            + ")"
        )
    notes.append("no id column: examples matched by position")
    return [str(i) for i in range(sizes.pop())], notes


def _by_order(f: PredFile, values: list[Any] | None, order: list[str]) -> list[Any] | None:
    if values is None:
        return None
    if f.ids is None:
        return values
    index = dict(zip(f.ids, values, strict=True))
    return [index[i] for i in order]


def has_scores(a: PredFile, b: PredFile) -> bool:
    """True when both files carry per-example scores and at least one lacks predictions."""
    return a.score is not None and b.score is not None and (a.y_pred is None or b.y_pred is None)


def align_scores(a: PredFile, b: PredFile) -> tuple[list[str], Any, Any, list[str]]:
    """(ids, scores of A, scores of B, notes): per-example scores matched by id."""
    import numpy as np

    for f, role in ((a, "A"), (b, "B")):
        if f.score is None:
            raise UsageError(f"{f.path}: no score column for model {role}")
    order, notes = _order([a, b])
    sa = np.asarray(_by_order(a, a.score, order), dtype=float)
    sb = np.asarray(_by_order(b, b.score, order), dtype=float)
    return order, sa, sb, notes


def align(a: PredFile, b: PredFile, truth: PredFile | None = None) -> Aligned:
    """Match A, B (and the truth file) by id; refuse mismatches, counting them."""
    import numpy as np

    files = [f for f in (a, b, truth) if f is not None]
    for f, role in ((a, "A"), (b, "B")):
        if f.y_pred is None:
            raise UsageError(f"{f.path}: no y_pred column for model {role}")
    order, notes = _order(files)

    def by_order(f: PredFile, values: list[str] | None) -> list[str] | None:
        return _by_order(f, values, order)

    pa, pb = by_order(a, a.y_pred), by_order(b, b.y_pred)
    truths = []
    if truth is not None:
        t = by_order(truth, truth.y_true if truth.y_true is not None else truth.y_pred)
        truths.append((truth.path, t))
    for f in (a, b):
        if f.y_true is not None:
            truths.append((f.path, by_order(f, f.y_true)))
    if not truths:
        raise UsageError("no ground truth: give --truth FILE or a y_true column")
    y_name, y = truths[0]
    for other_name, other in truths[1:]:
        bad = sum(1 for u, v in zip(y, other or [], strict=True) if u != v)
        if bad:
            raise UsageError(f"y_true in {other_name} disagrees with {y_name} on {bad} example(s)")
    codes: dict[str, int] = {}

    def encode(values: list[str]) -> Any:
        return np.fromiter(
            (codes.setdefault(v, len(codes)) for v in values), dtype=np.int64, count=len(values)
        )

    y_codes = encode(y or [])
    return Aligned(order, y_codes, encode(pa or []), encode(pb or []), list(codes), notes)


@dataclass(slots=True)
class Table:
    """A score table: one column per model or configuration, one row per dataset or seed."""

    models: list[str]
    rows: list[str]
    values: list[list[float]]  # values[row][model]


def read_table(path_text: str) -> Table:
    """A CSV score table. The first column holds row names unless all its cells are numbers."""
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

    def is_number(text: str) -> bool:
        try:
            float(text)
        except ValueError:
            return False
        return True

    named = not all(is_number(r[0]) for r in body)
    models = header[1:] if named else header
    names = [r[0].strip() for r in body] if named else [str(i) for i in range(1, len(body) + 1)]
    values = []
    for i, row in enumerate(body, start=2):
        cells = row[1:] if named else row
        values.append(finite_list(cells, f"{path_text} line {i}"))
    if len(set(models)) != len(models):
        raise UsageError(f"{path_text}: column names repeat")
    return Table(models, names, values)
