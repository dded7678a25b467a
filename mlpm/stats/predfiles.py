"""Per-example prediction files (CSV, JSON lines or .npy; columns id, y_true, y_pred or score),
read into numpy arrays and matched by id.

Labels are normalised so that the way a file was written does not change what it says:
numbers compare as numbers (`1`, `1.0` and `True` are one label, as pandas writes floats), and
`.npy` arrays stay arrays end to end (10 million labels never become Python strings).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlpm.errors import UsageError
from mlpm.stats.checks import MAX_MAGNITUDE, json_lines

_MISSING_LABELS = {"nan", "-nan", "+nan"}
_DIRECT_RANGE = 1 << 24  # integer labels spanning fewer values than this are coded by offset


@dataclass(slots=True)
class PredFile:
    """One file's columns as numpy arrays (None when the file lacks the column)."""

    path: str
    ids: Any | None
    y_true: Any | None  # labels: int64, float64 or str array
    y_pred: Any | None
    score: Any | None = None  # a per-example metric (loss, BLEU, ...), not a label

    def size(self) -> int:
        for values in (self.y_pred, self.y_true, self.score, self.ids):
            if values is not None:
                return len(values)
        return 0


@dataclass(slots=True)
class Aligned:
    """Labels of the truth, A and B as integer codes in one order; `labels[code]` names each."""

    ids: Any  # the example ids in that order (positions when the files have none)
    y_true: Any
    pred_a: Any
    pred_b: Any
    labels: list[str]
    notes: list[str] = field(default_factory=list)


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


def _label(value: Any, where: str) -> str | int | float:
    """One label from a text file or object array: a number when it reads as one."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise UsageError(f"{where}: missing value")
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise UsageError(f"{where}: {value} is not a label (NaN or infinite)")
        return value
    text = str(value).strip()
    if text.lower() in _MISSING_LABELS:
        raise UsageError(f"{where}: {text!r} looks like a missing value (NaN), not a label")
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def _numeric(values: Any, where: str) -> Any:
    """`where` names an item by `{i}` (its 1-based position)."""
    # A numeric array as int64 when every value is whole (so 1.0 == 1), else float64.
    import numpy as np

    if values.dtype == bool:
        return values.astype(np.int64)
    if np.issubdtype(values.dtype, np.integer):
        return values.astype(np.int64, copy=False)
    values = values.astype(np.float64, copy=False)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        at = where.replace("{i}", str(int(bad[0]) + 1))
        raise UsageError(f"{at}: {values[bad[0]]} is not a label (NaN or infinite)")
    if np.all(np.abs(values) < 2**62) and np.array_equal(values, np.floor(values)):
        return values.astype(np.int64)
    return values


def _labels(values: Any, where: str) -> Any:
    """Labels as an array: numeric when they all read as numbers, else text (numbers among
    text written in their shortest form, so '1.0' and '1' still match)."""
    import numpy as np

    arr = values if isinstance(values, np.ndarray) else None
    if arr is not None and arr.dtype.kind in "biuf":
        return _numeric(arr, where)
    items = [_label(v, where.replace("{i}", str(i))) for i, v in enumerate(list(values), start=1)]
    if all(not isinstance(v, str) for v in items):
        return _numeric(np.asarray(items, dtype=np.float64), where)
    return np.asarray([_text(v) for v in items], dtype=str)


def _text(value: str | int | float) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _as_text(labels: Any) -> Any:
    """Numeric labels written as text, the same way `_text` writes them."""
    import numpy as np

    if labels.dtype.kind in "US":
        return labels.astype(str)
    if labels.dtype.kind in "iu":
        return labels.astype(str)
    return np.asarray([_text(float(v)) for v in labels], dtype=str)


def _columns(rows: list[dict[str, Any]], path: str, have: set[str]) -> PredFile:
    import numpy as np

    if not have & {"y_pred", "y_true", "score"}:
        raise UsageError(
            f"{path}: needs a y_pred, y_true or score column; found "
            f"{', '.join(sorted(have)) or 'none'}"
        )

    def col(name: str) -> Any | None:
        if name not in have:
            return None
        values = [r.get(name) for r in rows]
        for i, v in enumerate(values, start=1):
            if v is None or (isinstance(v, str) and not v.strip()):
                raise UsageError(f"{path} row {i} ({name}): missing value")
        return _labels(values, f"{path} row {{i}} ({name})") if name != "id" else values

    ids = col("id")
    id_array = None
    if ids is not None:
        id_array = np.asarray([str(v).strip() for v in ids], dtype=str)
    scores = None
    if "score" in have:
        scores = np.asarray(
            [_score(r.get("score"), f"{path} row {i} (score)") for i, r in enumerate(rows, 1)]
        )
    return PredFile(path, id_array, col("y_true"), col("y_pred"), scores)


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
        rows = json_lines(text, path_text, "id, y_pred")
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
        have = set(arr.dtype.names)
        if not have & {"y_pred", "y_true", "score"}:
            raise UsageError(f"{name}: needs a y_pred, y_true or score field")

        def labels(f: str) -> Any | None:
            return _labels(arr[f], f"{name} item {{i}} ({f})") if f in have else None

        scores = None
        if "score" in have:
            scores = np.asarray(arr["score"], dtype=np.float64)
            bad = np.flatnonzero(~np.isfinite(scores) | (np.abs(scores) > MAX_MAGNITUDE))
            if bad.size:
                _score(scores[bad[0]], f"{name} item {int(bad[0]) + 1} (score)")
        ids = arr["id"] if "id" in have else None
        return PredFile(name, ids, labels("y_true"), labels("y_pred"), scores)
    if arr.ndim != 1:
        raise UsageError(
            f"{name}: expected a 1-D array of labels (one per example), got shape {arr.shape}"
        )
    return PredFile(name, None, None, _labels(arr, f"{name} item {{i}}"))
