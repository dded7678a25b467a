"""Whole benchmark suites (Agarwal et al. 2021, "Deep RL at the edge of the statistical
precipice"): per method the interquartile mean, mean, median and optimality gap of all its runs,
each with a stratified-bootstrap CI (seeds resampled within each task); the average
probability of improvement of each method over each other; and performance profiles.

Every bootstrap resample draws, for each method and task, that many of its runs with
replacement. The same draws serve every statistic, and the probability of improvement is
computed from draw counts (a bilinear form per task), so nothing loops over resamples.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from mlpm.errors import UsageError
from mlpm.stats.checks import check_alpha
from mlpm.stats.tidy import SuiteData, from_rows
from mlpm.wording import counted

PROFILE_POINTS = 101


@dataclass(slots=True)
class MethodSummary:
    """One method's aggregate scores over the suite, each with its bootstrap CI."""

    method: str
    iqm: float
    iqm_ci_low: float
    iqm_ci_high: float
    mean: float
    mean_ci_low: float
    mean_ci_high: float
    median: float
    median_ci_low: float
    median_ci_high: float
    optimality_gap: float
    optimality_gap_ci_low: float
    optimality_gap_ci_high: float
    runs: int  # runs over all tasks


@dataclass(slots=True)
class Improvement:
    """P(a run of `a` beats a run of `b` on a task, ties counting half), averaged over tasks."""

    a: str
    b: str
    p: float
    ci_low: float
    ci_high: float


@dataclass(slots=True)
class SuiteResult:
    methods: list[MethodSummary]
    prob_improvement: list[Improvement]  # every ordered pair (a, b), a != b
    tasks: list[str]
    taus: list[float]  # performance profile grid
    profiles: dict[str, list[float]]  # method -> share of runs scoring above each tau
    normalisation: str  # "none", "min-max" or "reference"
    gamma: float
    alpha: float
    resamples: int
    seed: int
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """`methods`, `prob_improvement` (a, b, p, ci_low, ci_high), profiles and settings."""
        return {
            "kind": "suite",
            "methods": [asdict(m) for m in self.methods],
            "prob_improvement": [asdict(p) for p in self.prob_improvement],
            "tasks": self.tasks,
            "profiles": {"taus": self.taus, "share_above": self.profiles},
            "normalisation": self.normalisation,
            "gamma": self.gamma,
            "ci_level": 1 - self.alpha,
            "resamples": self.resamples,
            "seed": self.seed,
            "warnings": self.warnings,
        }


def normalise_scores(
    data: SuiteData,
    how: str | None,
    reference: Mapping[str, tuple[float, float]] | None = None,
) -> tuple[Any, list[str]]:
    """Scores scaled per task: "min-max" over every method's runs on the task, or
    `reference` {task: (low, high)} (random and human or expert scores) -> 0 and 1."""
    import numpy as np

    scores = data.scores.copy()
    notes: list[str] = []
    if reference is not None:
        absent = [t for t in data.tasks if t not in reference]
        if absent:
            raise UsageError(f"no reference scores for task {absent[0]} ({len(absent)} missing)")
        for ti, task in enumerate(data.tasks):
            low, high = reference[task]
            if high == low:
                raise UsageError(f"reference scores for {task} are equal ({low}): cannot scale")
            scores[:, ti, :] = (scores[:, ti, :] - low) / (high - low)
    elif how in ("min-max", "minmax"):
        low = np.nanmin(scores, axis=(0, 2), keepdims=True)
        high = np.nanmax(scores, axis=(0, 2), keepdims=True)
        span = high - low
        flat = [data.tasks[i] for i in np.flatnonzero(span.ravel() == 0)]
        if flat:
            notes.append(
                f"every run scores the same on {counted(len(flat), 'task')} (e.g. {flat[0]}): 0"
            )
        scores = (scores - low) / np.where(span == 0, 1.0, span)
    elif how not in (None, "none"):
        raise UsageError(f"unknown normalisation {how!r}: use min-max or reference scores")
    return scores, notes


def _draws(rng: Any, runs: Any, resamples: int, width: int) -> tuple[Any, Any | None]:
    """(flat index t * S + s of the run drawn, valid mask or None when no task is padded),
    each (R, T, S): per task, runs[t] draws with replacement."""
    import numpy as np

    t_count = runs.size
    base = (np.arange(t_count) * width)[None, :, None]
    if np.all(runs == width):
        return base + rng.integers(0, width, size=(resamples, t_count, width)), None
    idx = (rng.random((resamples, t_count, width)) * runs[None, :, None]).astype(np.int64)
    valid = np.broadcast_to(np.arange(width)[None, None, :] < runs[None, :, None], idx.shape)
    return base + np.where(valid, idx, 0), valid


def _aggregates(values: Any, total: int, gamma: float) -> Any:
    """IQM, mean, median and optimality gap of each row of `values` (NaN-padded, `total`
    real values a row); IQM as scipy.stats.trim_mean(row, 0.25)."""
    import numpy as np

    cut = int(0.25 * total)
    part = np.partition(values, [cut, total - cut - 1], axis=1)  # NaN sorts last
    middle = part[:, cut : total - cut]
    iqm = middle.mean(axis=1)
    # Trimming the same number from each end keeps the median: take it from the middle.
    median = np.median(middle, axis=1)
    mean = np.nansum(values, axis=1) / total
    gap = np.nansum(np.maximum(gamma - values, 0.0), axis=1) / total
    return np.stack([iqm, mean, median, gap])


def _counted_aggregates(values: Any, counts: Any, gamma: float) -> Any:
    """`_aggregates` of every resample given as draw counts (N, R) of the N values (NaN
    padding has count 0): one sort of the values, then cumulative counts, no partition."""
    import numpy as np

    keep = ~np.isnan(values)
    order = np.argsort(values[keep], kind="stable")
    v, w = values[keep][order], counts[keep][order]
    total = int(w[:, 0].sum())
    cut = int(0.25 * total)
    high = np.cumsum(w, axis=0)
    low = high - w
    # Each value's share of the kept middle positions [cut, total - cut).
    overlap = np.clip(np.minimum(high, total - cut) - np.maximum(low, cut), 0, None)
    iqm = (v[:, None] * overlap).sum(axis=0) / (total - 2 * cut)
    mean = (v[:, None] * w).sum(axis=0) / total

    def at(k: int) -> Any:  # the k-th smallest (0-based) of each resample
        return v[(high > k).argmax(axis=0)]

    median = at(total // 2) if total % 2 else (at(total // 2 - 1) + at(total // 2)) / 2
    gap = (np.maximum(gamma - v, 0.0)[:, None] * w).sum(axis=0) / total
    return np.stack([iqm, mean, median, gap])


def _task_wins(values: Any, weights: Any) -> Any:
    """sum_ij w_xi w_yj ([v_xi > v_yj] + [v_xi = v_yj] / 2) for every pair of methods on one
    task, as (x, resample, y). `values` (M, S) NaN-padded, `weights` (M, S, R) draw counts.

    One pass over the task's runs in increasing order, carrying each method's weight of runs
    seen so far: about M * S vector steps instead of an (M S)^2 comparison per resample.
    """
    import numpy as np

    m, width = values.shape
    resamples = weights.shape[2]
    flat = values.ravel()
    w = weights.reshape(m * width, resamples)
    owner = np.repeat(np.arange(m), width)
    order = np.argsort(flat, kind="stable")
    order = order[~np.isnan(flat[order])]
    ranked = flat[order]
    below = np.zeros((resamples, m))  # weight of each method's runs below the current value
    wins = np.zeros((m, resamples, m))
    i, n = 0, order.size
    while i < n:
        j = i + 1
        while j < n and ranked[j] == ranked[i]:
            j += 1
        if j == i + 1:
            p = order[i]
            wins[owner[p]] += w[p][:, None] * below
            below[:, owner[p]] += w[p]
        else:  # ties count half
            tied = np.zeros((resamples, m))
            for p in order[i:j]:
                tied[:, owner[p]] += w[p]
            level = below + 0.5 * tied
            for p in order[i:j]:
                wins[owner[p]] += w[p][:, None] * level
            below += tied
        i = j
    return wins


def _improvement(scores: Any, runs: Any, counts: Any) -> tuple[Any, Any]:
    """(point (M, M), bootstrap (R, M, M)) average probability of improvement of x over y:
    per task the wins of x over y divided by n_x n_y (draws of each), averaged over tasks.
    `counts`: (T, M, S, R) draw counts of each run in each resample."""
    import numpy as np

    m, t_count, width = scores.shape
    resamples = counts.shape[3]
    point = np.zeros((m, m))
    boot = np.zeros((m, resamples, m))
    ones = (np.arange(width)[None, :] < runs[:, :, None]).astype(float)  # (M, T, S)
    for t in range(t_count):
        norm = np.outer(runs[:, t], runs[:, t]).astype(float)
        point += _task_wins(scores[:, t, :], ones[:, t, :, None])[:, 0, :] / norm
        boot += _task_wins(scores[:, t, :], counts[t]) / norm[:, None, :]
    return point / t_count, boot.transpose(1, 0, 2) / t_count


def compare_suite(
    table: SuiteData | Iterable[Mapping[str, Any]],
    *,
    normalise: str | None = None,
    reference: Mapping[str, tuple[float, float]] | None = None,
    gamma: float = 1.0,
    alpha: float = 0.05,
    resamples: int = 2000,
    seed: int = 0,
    taus: Sequence[float] | None = None,
) -> SuiteResult:
    """Aggregate a suite given as rows {method, task, seed, score} (or `tidy.SuiteData`).

    `normalise`: None or "min-max" per task; `reference`: {task: (low, high)} scaled to 0..1.
    `gamma`: the optimality-gap target (in normalised units when normalising). CIs are
    percentile intervals of `resamples` stratified-bootstrap resamples, seeded by `seed`.
    """
    import numpy as np

    check_alpha(alpha)
    if resamples < 1:
        raise UsageError(f"resamples must be positive (got {resamples})")
    data = table if isinstance(table, SuiteData) else from_rows(table)
    scores, warnings = normalise_scores(data, normalise, reference)
    m_count, t_count, width = scores.shape
    rng = np.random.default_rng(seed)
    counts = np.zeros((t_count, m_count, width, resamples))
    summaries: list[MethodSummary] = []
    q = [alpha / 2, 1 - alpha / 2]
    for mi, method in enumerate(data.methods):
        runs, own = data.runs[mi], scores[mi]
        total = int(runs.sum())
        point = _aggregates(own.reshape(1, -1), total, gamma)[:, 0]
        idx, valid = _draws(rng, runs, resamples, width)
        # Draw counts per run: they give every statistic of every resample (and the
        # probability of improvement) without materialising the resampled scores.
        keys = idx * resamples + np.arange(resamples)[:, None, None]
        counts[:, mi] = np.bincount(
            keys.ravel() if valid is None else keys[valid], minlength=t_count * width * resamples
        ).reshape(t_count, width, resamples)
        boot = _counted_aggregates(own.ravel(), counts[:, mi].reshape(-1, resamples), gamma)
        low, high = np.quantile(boot, q, axis=1)
        (iqm, mean, median, gap), (l_i, l_m, l_d, l_g), (h_i, h_m, h_d, h_g) = (
            [float(v) for v in point],
            [float(v) for v in low],
            [float(v) for v in high],
        )
        summaries.append(
            MethodSummary(
                method=method,
                iqm=iqm,
                iqm_ci_low=l_i,
                iqm_ci_high=h_i,
                mean=mean,
                mean_ci_low=l_m,
                mean_ci_high=h_m,
                median=median,
                median_ci_low=l_d,
                median_ci_high=h_d,
                optimality_gap=gap,
                # A larger gap is worse; its CI is of the gap itself, low to high.
                optimality_gap_ci_low=l_g,
                optimality_gap_ci_high=h_g,
                runs=total,
            )
        )
    pairs: list[Improvement] = []
    if m_count > 1:
        point_p, boot_p = _improvement(scores, data.runs, counts)
        lows, highs = np.quantile(boot_p, q, axis=0)
        for x, a in enumerate(data.methods):
            for y, b in enumerate(data.methods):
                if x != y:
                    pairs.append(
                        Improvement(
                            a, b, float(point_p[x, y]), float(lows[x, y]), float(highs[x, y])
                        )
                    )
    grid = (
        np.asarray(taus, dtype=float)
        if taus is not None
        else np.linspace(float(np.nanmin(scores)), float(np.nanmax(scores)), PROFILE_POINTS)
    )
    # Share of runs above tau on each task, averaged over tasks (each task weighs the same).
    above = (scores[:, :, :, None] > grid[None, None, None, :]).sum(axis=2)
    shares = (above / data.runs[:, :, None]).mean(axis=1)
    return SuiteResult(
        methods=summaries,
        prob_improvement=pairs,
        tasks=data.tasks,
        taus=[float(t) for t in grid],
        profiles={m: [float(v) for v in shares[i]] for i, m in enumerate(data.methods)},
        normalisation="reference"
        if reference is not None
        else ("min-max" if normalise in ("min-max", "minmax") else "none"),
        gamma=gamma,
        alpha=alpha,
        resamples=resamples,
        seed=seed,
        warnings=warnings,
    )
