"""A run's numeric history (metric -> [(step, value)]) read from its whole `.wandb` file.

Reading a run (`wandb_local.read_run`) skips the history rows; this reads them on demand,
one metric or all, thinning very long series evenly.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from mlpm.integrations.wandb_proto import DECODE_ERRORS, fields, item, json_value, signed
from mlpm.integrations.wandb_records import (
    HEADER_LEN,
    R_HISTORY,
    Scan,
    WandbFileError,
    check_header,
    record_kind,
    records,
)
from mlpm.wording import counted

MAX_POINTS = 100_000  # per metric in a history read; longer series are thinned evenly

Series = dict[str, list[tuple[int, float]]]


def _numbers(name: str, value: Any) -> Iterator[tuple[str, float]]:
    """(name, number) pairs in one history value: nested dicts flattened, the rest skipped."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield name, float(value)
    elif isinstance(value, dict) and "_type" not in value:  # media values carry a `_type`
        for key, inner in value.items():
            yield from _numbers(f"{name}.{key}", inner)


class _Series:
    """One metric's points, thinned evenly (by doubling a stride) past MAX_POINTS."""

    __slots__ = ("last", "points", "seen", "stride")

    def __init__(self) -> None:
        self.points: list[tuple[int, float]] = []
        self.seen = 0
        self.stride = 1
        self.last: tuple[int, float] | None = None

    def add(self, point: tuple[int, float]) -> None:
        if self.seen % self.stride == 0:
            self.points.append(point)
            if len(self.points) > MAX_POINTS:
                self.points = self.points[::2]
                self.stride *= 2
        self.seen += 1
        self.last = point

    def result(self) -> list[tuple[int, float]]:
        if self.last is not None and (not self.points or self.points[-1] != self.last):
            return [*self.points, self.last]
        return self.points


def read_history(path: Path | str, keys: Iterable[str] | None = None) -> tuple[Series, list[str]]:
    """Numeric history of one run: key -> [(step, value)], and the problems met on the way."""
    series, problems, _ = read_history_damage(path, keys)
    return series, problems


def read_history_damage(
    path: Path | str, keys: Iterable[str] | None = None
) -> tuple[Series, list[str], dict[str, int]]:
    """As `read_history`, with the points each metric lost to damaged records (a metric
    logged on both sides of a stretch of lost rows lost one point per lost row).

    `keys` limits the keys decoded (None: every numeric key). Nested keys are joined with
    dots. Non-numeric values (media, text) are skipped. Reads the whole file (mapped, not
    loaded); a metric with more than MAX_POINTS points is thinned evenly, keeping the last.
    """
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size < HEADER_LEN:
                raise WandbFileError("not a .wandb file (too short)")
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as exc:
        raise WandbFileError(f"cannot read: {exc.strerror}") from None
    try:
        check_header(data[:HEADER_LEN])
        return _history(data, None if keys is None else set(keys))
    finally:
        data.close()


def _history(data: mmap.mmap, wanted: set[str] | None) -> tuple[Series, list[str], dict[str, int]]:
    series: dict[str, _Series] = {}
    bad: list[str] = []
    problems: list[str] = []
    scan = Scan()
    step, undecodable = -1, 0
    last_row = -1  # the step of the last row read
    damage_seen = 0  # corrupt chunks + undecodable records at the previous row
    gaps: list[tuple[int, int]] = []  # (last step before, first step after) lost rows
    lost: dict[str, int] = {}
    for record in records(data, HEADER_LEN, scan):
        try:
            number, body = record_kind(record)
            if number != R_HISTORY or body is None:
                continue
            step_seen = False
            row: list[tuple[str, Any]] = []
            for n, _, value in fields(body):
                if n == 1:
                    key, nested, raw, typed = item(value, bad)
                    name = ".".join(nested) if nested else key
                    if (
                        wanted is not None
                        and name not in wanted
                        and not any(w.startswith(name + ".") for w in wanted)
                    ):
                        continue
                    if raw is None:
                        row.append((name, typed))
                        continue
                    try:  # most values are plain numbers: float() is far cheaper than json
                        row.append((name, float(raw)))
                    except ValueError:
                        row.append((name, json_value(raw)))
                elif n == 2:
                    step = 0
                    for m, _, v in fields(value):
                        if m == 1:
                            step = signed(v)
                    step_seen = True
        except DECODE_ERRORS:
            undecodable += 1
            continue
        before, last_row = last_row, step if step_seen else step + 1
        step = last_row
        gap = None
        if scan.corrupt + undecodable != damage_seen:
            damage_seen = scan.corrupt + undecodable
            if step > before + 1 >= 1:  # rows between the last good one and this were lost
                gap = (before, step)
                gaps.append(gap)
        for name, value in row:
            for metric, number_ in _numbers(name, value):
                if wanted is None or metric in wanted:
                    points = series.setdefault(metric, _Series())
                    if gap and points.last is not None and points.last[0] == gap[0]:
                        lost[metric] = lost.get(metric, 0) + gap[1] - gap[0] - 1
                    points.add((step, number_))
    if gaps:
        rows = sum(b - a - 1 for a, b in gaps)
        where = ", ".join(f"{a + 1}–{b - 1}" if b - a > 2 else f"{a + 1}" for a, b in gaps[:3])
        problems.append(
            f"{counted(rows, 'history row')} lost to damage (step{'s' if rows > 1 else ''} {where})"
        )
    if undecodable:
        problems.append(f"{counted(undecodable, 'history record')} could not be decoded")
    if scan.corrupt:
        problems.append(f"{counted(scan.corrupt, 'corrupt chunk')} skipped")
    problems.extend(bad)
    return {name: s.result() for name, s in series.items()}, problems, lost


def read_segments(
    paths: Sequence[Path | str], keys: Iterable[str] | None = None
) -> tuple[Series, list[str], dict[str, int]]:
    """As `read_history_damage`, for the files of one resumed run (its segments, oldest
    first) joined into one history in step order. A segment that starts its steps again at
    or below the previous segment's last step (an offline resume does not know the steps
    logged before) is shifted to follow it, and that is said in the problems."""
    wanted = None if keys is None else list(keys)
    joined: Series = {}
    problems: list[str] = []
    lost: dict[str, int] = {}
    last = -1  # the last step of the segments joined so far
    for number, path in enumerate(paths, 1):
        series, found, damage = read_history_damage(path, wanted)
        first = min((points[0][0] for points in series.values() if points), default=None)
        shift = 0
        if first is not None and first <= last:
            shift = last + 1 - first
            problems.append(
                f"segment {number} of the resumed run starts again at step {first}:"
                f" drawn after step {last} (steps + {shift})"
            )
        problems += [f"segment {number}: {p}" for p in found] if len(paths) > 1 else found
        for metric, points in series.items():
            joined.setdefault(metric, []).extend((s + shift, v) for s, v in points)
        for metric, count in damage.items():
            lost[metric] = lost.get(metric, 0) + count
        ends = [points[-1][0] + shift for points in series.values() if points]
        last = max([last, *ends])
    return joined, problems, lost
