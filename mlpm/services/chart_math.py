"""The arithmetic of run charts, in plain Python (no numpy: the CLI's chart stays light):
x values looked up per step, W&B's debiased EMA, and a group's mean with its band.

A group's runs are aligned at the x values they share when x is the step (runs of one group
log at the same steps). On epoch and time axes, where x values repeat within a run and
rarely coincide between runs, each run (its points at one x averaged) is interpolated
linearly at GRID evenly spaced x values over the group's range, inside its own range only,
and the runs are combined at each of those x values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Points = Sequence[tuple[float, float]]
GRID = 200  # x values over a group's range (charts are at most a few hundred dots wide)


def finite(points: Points) -> list[tuple[float, float]]:
    """The points whose x and y are numbers (not NaN, not infinite)."""
    return [(x, y) for x, y in points if math.isfinite(x) and math.isfinite(y)]


def x_at_steps(values: Points, steps: Sequence[float]) -> list[float | None]:
    """For each of `steps` (ascending), the x logged at that step, else at the last step
    before it (W&B logs `epoch` once per row, not always in every row); None before any."""
    ordered = sorted(values)
    out: list[float | None] = []
    i, last = 0, None
    for step in steps:
        while i < len(ordered) and ordered[i][0] <= step:
            last = ordered[i][1]
            i += 1
        out.append(last)
    return out


def spread_repeats(xs: Sequence[float]) -> list[float] | None:
    """Whole-number x values (an `epoch` logged at every step) spread evenly: a stretch of
    points at x = e becomes e, e + 1/k, e + 2/k, … with k the most points any x has. None
    when no x value repeats (nothing to spread)."""
    counts: dict[float, int] = {}
    for x in xs:
        counts[x] = counts.get(x, 0) + 1
    most = max(counts.values(), default=1)
    if most == 1 or any(x != int(x) for x in counts):
        return None
    out: list[float] = []
    seen: dict[float, int] = {}
    for x in xs:
        out.append(x + seen.get(x, 0) / most)
        seen[x] = seen.get(x, 0) + 1
    return out


def ema(values: Sequence[float], weight: float) -> list[float]:
    """W&B's (TensorBoard's) debiased exponential moving average: the running average is
    divided by 1 - weight**n, so the first points are not pulled towards 0."""
    if weight <= 0:
        return list(values)
    out: list[float] = []
    last, debias = 0.0, 0.0
    for value in values:
        last = last * weight + (1 - weight) * value
        debias = debias * weight + (1 - weight)
        out.append(last / debias)
    return out


@dataclass(slots=True)
class Aggregate:
    """A group's mean over its runs, with the band and how many runs each point has."""

    xs: list[float]
    mean: list[float]
    low: list[float]
    high: list[float]
    counts: list[int]
    binned: bool


def _stats(values: Sequence[float], band: str) -> tuple[float, float, float]:
    mean = sum(values) / len(values)
    if band == "std":
        # the sample deviation (n - 1): a group is a few seeds, a sample of all seeds
        var = sum((v - mean) ** 2 for v in values) / (len(values) - 1) if len(values) > 1 else 0
        std = math.sqrt(var)
        return mean, mean - std, mean + std
    return mean, min(values), max(values)


def _collapsed(run: Points) -> list[tuple[float, float]]:
    """A run's points with one y per x (the mean of the y values logged at that x), by x."""
    sums: dict[float, list[float]] = {}
    for x, y in run:
        acc = sums.setdefault(x, [0.0, 0])
        acc[0] += y
        acc[1] += 1
    return [(x, sy / n) for x, (sy, n) in sorted(sums.items())]


def interpolate(run: Points, grid: Sequence[float]) -> dict[int, float]:
    """The run's y at each x of `grid` (ascending) inside its own x range, linearly between
    its points: grid index -> y."""
    points = _collapsed(run)
    out: dict[int, float] = {}
    if not points:
        return out
    j = 0
    for i, x in enumerate(grid):
        if x < points[0][0] or x > points[-1][0]:
            continue
        while j + 1 < len(points) and points[j + 1][0] < x:
            j += 1
        x0, y0 = points[j]
        if j + 1 < len(points) and x > x0:
            x1, y1 = points[j + 1]
            out[i] = y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        else:
            out[i] = y0
    return out


def aggregate(runs: Sequence[Points], band: str, *, binned: bool) -> Aggregate:
    """The mean of `runs` with a min–max (`band="minmax"`) or ±std band, at the x values
    the runs have (`binned=False`), or on a common grid of GRID x values (`binned=True`)."""
    out = Aggregate([], [], [], [], [], binned)
    runs = [r for r in runs if r]
    if not runs:
        return out
    columns: dict[float, tuple[list[float], list[float]]] = {}
    if binned:
        lo = min(x for r in runs for x, _ in r)
        hi = max(x for r in runs for x, _ in r)
        grid = [lo + (hi - lo) * i / (GRID - 1) for i in range(GRID)] if hi > lo else [lo]
        for run in runs:
            for i, y in interpolate(run, grid).items():
                xs, ys = columns.setdefault(grid[i], ([], []))
                xs.append(grid[i])
                ys.append(y)
    else:
        for run in runs:
            for x, y in dict(run).items():  # a step logged twice counts once (its last value)
                xs, ys = columns.setdefault(x, ([], []))
                xs.append(x)
                ys.append(y)
    for key in sorted(columns):
        xs, ys = columns[key]
        mean, low, high = _stats(ys, band)
        out.xs.append(sum(xs) / len(xs))
        out.mean.append(mean)
        out.low.append(low)
        out.high.append(high)
        out.counts.append(len(ys))
    return out
