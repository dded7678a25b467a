"""Reading a tidy benchmark table: one row per run, with columns method, task, seed, score
(CSV with a header, or JSON lines), into a dense array per method."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlpm.errors import UsageError
from mlpm.stats.checks import MAX_MAGNITUDE, json_lines
from mlpm.wording import counted

COLUMNS = ("method", "task", "seed", "score")


@dataclass(slots=True)
class SuiteData:
    """Scores as a (methods, tasks, seeds) array padded with NaN; `runs[m, t]` real seeds.

    Seeds are matched by position within a task, not by their value: each method's runs on a
    task are its own sample.
    """

    methods: list[str]
    tasks: list[str]
    scores: Any  # float64 (M, T, S_max), NaN past runs[m, t]
    runs: Any  # int64 (M, T)


def from_rows(rows: Iterable[Mapping[str, Any]], where: str = "table") -> SuiteData:
    """Build the array from rows with method, task, seed, score; every method must have at
    least one run on every task, and a (method, task, seed) appears once."""
    import numpy as np

    cells: dict[tuple[str, str], dict[str, float]] = {}
    methods: dict[str, None] = {}
    tasks: dict[str, None] = {}
    for i, row in enumerate(rows, start=1):
        missing = [c for c in COLUMNS if row.get(c) is None or str(row.get(c)).strip() == ""]
        if missing:
            raise UsageError(f"{where} row {i}: no {', '.join(missing)}")
        method, task, seed = (str(row[c]).strip() for c in ("method", "task", "seed"))
        try:
            score = float(row["score"])
        except (TypeError, ValueError):
            raise UsageError(f"{where} row {i}: score {row['score']!r} is not a number") from None
        if not math.isfinite(score) or abs(score) > MAX_MAGNITUDE:
            raise UsageError(f"{where} row {i}: score {score} is refused (NaN, infinite or huge)")
        runs = cells.setdefault((method, task), {})
        if seed in runs:
            raise UsageError(f"{where} row {i}: {method} on {task} has seed {seed} twice")
        runs[seed] = score
        methods.setdefault(method)
        tasks.setdefault(task)
    if not cells:
        raise UsageError(f"{where}: no rows")
    gaps = [(m, t) for m in methods for t in tasks if (m, t) not in cells]
    if gaps:
        m, t = gaps[0]
        raise UsageError(
            f"{where}: {counted(len(gaps), '(method, task) pair')} without runs (e.g. {m} on {t}); "
            "every method needs runs on every task"
        )
    width = max(len(v) for v in cells.values())
    scores = np.full((len(methods), len(tasks), width), np.nan)
    runs_count = np.zeros((len(methods), len(tasks)), dtype=np.int64)
    for mi, m in enumerate(methods):
        for ti, t in enumerate(tasks):
            values = list(cells[(m, t)].values())
            scores[mi, ti, : len(values)] = values
            runs_count[mi, ti] = len(values)
    return SuiteData(list(methods), list(tasks), scores, runs_count)


def read_suite(path_text: str) -> SuiteData:
    """A tidy table from a CSV file (header method,task,seed,score, any order, other columns
    ignored) or JSON lines (.jsonl/.json/.ndjson, one object per run)."""
    path = Path(path_text).expanduser()
    if not path.is_file():
        raise UsageError(f"{path_text}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path_text}: {exc}") from None
    rows: list[Mapping[str, Any]] = []
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        rows.extend(json_lines(text, path_text, str(COLUMNS)))
    else:
        reader = csv.DictReader(text.splitlines())
        have = {(c or "").strip() for c in reader.fieldnames or []}
        absent = [c for c in COLUMNS if c not in have]
        if absent:
            raise UsageError(f"{path_text}: no column {', '.join(absent)} (need {COLUMNS})")
        rows = [{(k or "").strip(): v for k, v in r.items()} for r in reader]
    return from_rows(rows, path_text)
