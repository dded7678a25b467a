"""Run charts that answer questions: several metrics of several runs against step, epoch or
time since the run's start, smoothed, on a log scale, or a group's mean with a band.

`build` reads the histories (`run_history`, cached) and returns the series to draw and the
notes a reader needs (which runs are drawn, points left out, axes a run lacked); the CLI's
`runs chart` and the TUI's Runs screen draw the same `Chart`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlpm.errors import MlpmError, UsageError
from mlpm.services import chart_math, run_history
from mlpm.services import runs as run_service
from mlpm.wording import counted

if TYPE_CHECKING:
    from mlpm.services.runs import Run
    from mlpm.store import Store

X_AXES = ("step", "epoch", "time")
BANDS = ("minmax", "std")
MAX_LINES = 8  # lines drawn at once (units × metrics); more marked runs are listed, not drawn
MAX_METRICS = 4
# The logged keys each x axis reads, in order of preference (`_step` is the point's step).
X_KEYS = {"step": (), "epoch": ("epoch",), "time": ("_runtime", "_timestamp")}
X_TITLES = {"step": "step", "epoch": "epoch", "time": "seconds since start"}


@dataclass(frozen=True, slots=True)
class ChartOptions:
    """What to draw and how."""

    metrics: tuple[str, ...]
    x: str = "step"
    smooth: float = 0.0  # EMA weight, 0 (off) to below 1
    log_y: bool = False
    mean: bool = False  # the runs of one W&B group drawn as their mean and band
    band: str = "minmax"
    limit: int = MAX_LINES

    def check(self) -> None:
        """Refuse options no chart can be drawn with (one line, as a UsageError)."""
        if not self.metrics:
            raise UsageError("give a metric to chart (-m METRIC)")
        if len(self.metrics) > MAX_METRICS:
            raise UsageError(f"at most {MAX_METRICS} metrics in one chart")
        run_history.check_metric_names(self.metrics)
        if self.x not in X_AXES:
            raise UsageError(f"x axis is one of {', '.join(X_AXES)}, not {self.x!r}")
        if not 0 <= self.smooth < 1:
            raise UsageError("smoothing is a weight from 0 (off) to below 1, e.g. 0.6")
        if self.band not in BANDS:
            raise UsageError(f"band is one of {', '.join(BANDS)}, not {self.band!r}")


@dataclass(slots=True)
class Unit:
    """One thing drawn in one colour: a run, or a group of runs drawn as their mean."""

    label: str
    run_ids: list[str]
    group: bool = False


@dataclass(slots=True)
class Series:
    """One line: a unit's metric, with its band when it is a group's mean."""

    metric: str
    label: str  # the unit's label (outside text: shown literally)
    unit: int  # index of the unit among those drawn (its colour)
    xs: list[float]
    ys: list[float]
    low: list[float] | None = None
    high: list[float] | None = None
    counts: list[int] | None = None  # runs behind each point of a mean

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"metric": self.metric, "label": self.label, "unit": self.unit}
        out["x"], out["y"] = self.xs, self.ys
        if self.low is not None:
            out.update(low=self.low, high=self.high, runs_per_point=self.counts)
        return out


@dataclass(slots=True)
class Chart:
    """What `build` found: the units drawn, their series, and what a reader must be told."""

    options: ChartOptions
    units: list[Unit]
    series: list[Series]
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # runs that could not be read
    by_step: bool = False  # no run drawn has the chosen x: every one is drawn by step

    def drawn_units(self) -> list[tuple[int, Unit]]:
        """The units with a line in the chart, with their index (their colour)."""
        has = {s.unit for s in self.series}
        return [(i, u) for i, u in enumerate(self.units) if i in has]

    def x_scale(self) -> tuple[float, str]:
        """What x is divided by to draw it, and its title: seconds of long runs are drawn as
        minutes or hours."""
        if self.options.x == "time":
            longest = max((max(s.xs) for s in self.series if s.xs), default=0.0)
            if longest > 3 * 3600:
                return 3600.0, "hours since start"
            if longest > 600:
                return 60.0, "minutes since start"
        return 1.0, X_TITLES["step" if self.by_step else self.options.x]

    def title(self) -> str:
        """The title line, "val/acc vs step · 3 runs · EMA 0.6" (the metrics are outside text)."""
        o = self.options
        runs = len({i for u in self.units for i in u.run_ids})
        parts = [f"{', '.join(o.metrics)} vs {self.x_scale()[1]}", counted(runs, "run")]
        if any(u.group for u in self.units):
            parts.append("mean (min–max)" if o.band == "minmax" else "mean (±1 std)")
        if o.smooth:
            parts.append(f"EMA {o.smooth:g}")
        if o.log_y:
            parts.append("log y")
        return " · ".join(parts)

    def to_json(self) -> dict[str, Any]:
        o = self.options
        return {
            "metrics": list(o.metrics),
            "x": o.x,
            "smooth": o.smooth,
            "log_y": o.log_y,
            "band": o.band if any(u.group for u in self.units) else None,
            "units": [{"label": u.label, "runs": u.run_ids, "mean": u.group} for u in self.units],
            "series": [s.to_json() for s in self.series],
            "notes": self.notes,
            "problems": self.problems,
        }


def plan(runs: Sequence[Run], *, mean: bool = False) -> list[Unit]:
    """The units to draw: each run; with `mean`, the runs that share a W&B group become one
    unit, their group's mean (a group with one of the runs stays that run)."""
    units: list[Unit] = []
    by_group: dict[str, Unit] = {}
    labels = {run.id: run.label for run in runs}
    for run in runs:
        if mean and run.group:
            if run.group not in by_group:
                by_group[run.group] = Unit(run.group, [], group=True)
                units.append(by_group[run.group])
            by_group[run.group].run_ids.append(run.id)
        else:
            units.append(Unit(run.label, [run.id]))
    for unit in units:
        if unit.group and len(unit.run_ids) == 1:  # a mean of one run is the run
            unit.group = False
            unit.label = labels[unit.run_ids[0]]
    return units


def group_units(store: Store, names: Sequence[str]) -> list[Unit]:
    """Each named W&B group as one unit (its runs' mean); an unknown group is an error."""
    units = []
    for name in names:
        members = [r.id for r in run_service.list_runs(store, group=name)]
        if not members:
            raise MlpmError(f"no runs in group {name!r}")
        units.append(Unit(name, members, group=True))
    return units


def _per_unit(options: ChartOptions) -> int:
    return max(1, options.limit // len(options.metrics))


@dataclass(slots=True)
class RunCurves:
    """One run's label and its logged series (the metrics and the x axis' keys)."""

    label: str
    series: dict[str, run_history.Points]


def _read(store: Store, run_id: str, options: ChartOptions) -> RunCurves:
    keys = [*options.metrics, *X_KEYS[options.x]]
    run = run_service.get_run(store, run_id)
    found = run_history.read(store, run.id, keys)
    return RunCurves(run.label, found.series)


def _x_values(
    curves: RunCurves, points: run_history.Points, x: str, notes: list[str]
) -> tuple[list[tuple[float, float]], bool]:
    """The metric's points against the chosen x (by step, with a note, when the run lacks it),
    and whether they are by step for lack of it."""
    steps = [float(s) for s, _ in points]
    for key in X_KEYS[x]:
        logged = curves.series.get(key)
        if not logged:
            continue
        xs = chart_math.x_at_steps([(float(s), v) for s, v in logged], steps)
        start = 0.0 if key != "_timestamp" else min(v for _, v in logged)
        out = [(xv - start, y) for xv, (_, y) in zip(xs, points, strict=True) if xv is not None]
        if key == "epoch" and (spread := chart_math.spread_repeats([x for x, _ in out])):
            note = "whole epochs: the steps of each are spread evenly across it"
            if note not in notes:
                notes.append(note)
            out = [(x, y) for x, (_, y) in zip(spread, out, strict=True)]
        return out, False
    if X_KEYS[x]:
        note = f"run {curves.label} has no `{X_KEYS[x][0]}`: drawn by step"
        if note not in notes:
            notes.append(note)
    return [(s, y) for s, (_, y) in zip(steps, points, strict=True)], bool(X_KEYS[x])


def build(store: Store, units: Sequence[Unit], options: ChartOptions) -> Chart:
    """Read the units' histories and make the chart (the first units that fit are drawn)."""
    options.check()
    notes: list[str] = []
    problems: list[str] = []
    drawn = list(units[: _per_unit(options)])
    if len(units) > len(drawn):
        names = ", ".join(u.label for u in drawn)
        what = "runs and groups" if any(u.group for u in units) else "runs"
        notes.append(f"drawing {len(drawn)} of {len(units)} {what}: {names}")
    read: dict[str, RunCurves] = {}
    for unit in drawn:
        for run_id in unit.run_ids:
            if run_id in read:
                continue
            try:
                read[run_id] = _read(store, run_id, options)
            except MlpmError as exc:
                problems.append(str(exc))
    return compose(drawn, read, options, notes, problems)


def compose(
    units: Sequence[Unit],
    read: dict[str, RunCurves],
    options: ChartOptions,
    notes: list[str],
    problems: list[str],
) -> Chart:
    """The series of `units` from histories already read (pure: no store)."""
    chart = Chart(options, list(units), [], notes, problems)
    dropped = 0
    lacking = []  # per run drawn: whether it lacks the chosen x
    for metric in options.metrics:
        for index, unit in enumerate(units):
            runs = []
            for run_id in unit.run_ids:
                if run_id not in read or not read[run_id].series.get(metric):
                    continue
                points, lacks = _x_values(
                    read[run_id], read[run_id].series[metric], options.x, notes
                )
                lacking.append(lacks)
                points = chart_math.finite(points)
                ys = chart_math.ema([y for _, y in points], options.smooth)
                runs.append([(x, y) for (x, _), y in zip(points, ys, strict=True)])
            if not runs:
                continue
            if unit.group:
                series = _mean_series(metric, unit, index, runs, options, notes)
            else:
                xs, ys = [x for x, _ in runs[0]], [y for _, y in runs[0]]
                series = Series(metric, unit.label, index, xs, ys)
            if options.log_y:
                dropped += _drop_non_positive(series)
            if series.xs:
                chart.series.append(series)
    chart.by_step = bool(lacking) and all(lacking)
    if dropped:
        notes.append(f"{counted(dropped, 'point')} ≤ 0 left out of the log scale")
    missing = [m for m in options.metrics if not any(s.metric == m for s in chart.series)]
    if missing and read:
        notes.append(f"not logged by the runs drawn: {', '.join(missing)}")
    return chart


def _mean_series(
    metric: str,
    unit: Unit,
    index: int,
    runs: list[list[tuple[float, float]]],
    options: ChartOptions,
    notes: list[str],
) -> Series:
    agg = chart_math.aggregate(runs, options.band, binned=options.x != "step")
    how = (
        f"means of runs interpolated at {chart_math.GRID} x values"
        if agg.binned
        else "means at the steps runs share"
    )
    if how not in notes:
        notes.append(how)
    if agg.counts and min(agg.counts) < len(runs):
        note = f"{unit.label}: {min(agg.counts)} of {len(runs)} runs where others end"
        if note not in notes:
            notes.append(note)
    return Series(metric, unit.label, index, agg.xs, agg.mean, agg.low, agg.high, agg.counts)


def _drop_non_positive(series: Series) -> int:
    """Leave out the points a log scale cannot show (y or its band's low end ≤ 0)."""
    low = series.low if series.low is not None else series.ys
    keep = [i for i, (y, lo) in enumerate(zip(series.ys, low, strict=True)) if y > 0 and lo > 0]
    dropped = len(series.ys) - len(keep)
    if dropped:
        series.xs = [series.xs[i] for i in keep]
        series.ys = [series.ys[i] for i in keep]
        if series.low is not None and series.high is not None and series.counts is not None:
            series.low = [series.low[i] for i in keep]
            series.high = [series.high[i] for i in keep]
            series.counts = [series.counts[i] for i in keep]
    return dropped
