"""Did a new run get significantly worse than its group's earlier runs?

Used by the Runs table to flag, for example, an epoch that went from 18 s to 15 minutes.
With 4 or more baseline runs, a one-sided test decides: a prediction-interval t-test for one
new value, Welch's t for several. With 1-3 baseline runs no test is trustworthy; the run is
flagged only when it is grossly worse (by HEURISTIC_FACTOR or more), and the message says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from mlpm.stats.checks import quiet
from mlpm.wording import counted

MIN_BASELINE = 4
HEURISTIC_FACTOR = 1.5  # with too few baseline runs: flag only a 50% (or worse) change


@dataclass(slots=True)
class RegressionResult:
    flagged: bool
    p_value: float | None
    ratio: float  # value / baseline mean (nan when the baseline mean is 0)
    message: str


def _finite(values: Sequence[float]) -> tuple[list[float], int]:
    good, bad = [], 0
    for v in values:
        try:
            f = float(v)
        except (TypeError, ValueError):
            bad += 1
            continue
        if math.isfinite(f):
            good.append(f)
        else:
            bad += 1
    return good, bad


def _worse_factor(ratio: float, higher_is_better: bool) -> float:
    """How many times worse (>= 1 means worse): value/base for costs, base/value for gains."""
    if math.isnan(ratio):
        return math.nan
    if higher_is_better:
        return math.inf if ratio <= 0 else 1 / ratio
    return ratio


def grossly_worse(ratio: float, worse: bool, higher_is_better: bool) -> bool:
    """The rule without a test: worse by HEURISTIC_FACTOR or more (`ratio`: value / baseline
    mean, nan when that mean is 0)."""
    factor = _worse_factor(ratio, higher_is_better)
    return worse and (math.isnan(factor) or factor >= HEURISTIC_FACTOR)


@quiet
def regression_check(
    baseline: Sequence[float],
    value: float | Sequence[float],
    *,
    higher_is_better: bool,
    alpha: float = 0.05,
) -> RegressionResult:
    """Is `value` (one run, or several new runs) significantly worse than `baseline`?

    Non-finite numbers are left out (and counted in the message) rather than raised: the
    Runs table calls this for every row.
    """
    import statistics

    base, dropped = _finite(baseline)
    new, dropped_new = _finite([value] if isinstance(value, int | float) else list(value))
    ignored = dropped + dropped_new
    note = ignored_note(ignored)
    if not new:
        return RegressionResult(False, None, math.nan, f"no finite value to check{note}")
    if not base:
        return RegressionResult(False, None, math.nan, f"no baseline runs to compare with{note}")
    mean_base, mean_new = statistics.fmean(base), statistics.fmean(new)
    ratio = mean_new / mean_base if mean_base != 0 else math.nan
    worse = mean_new < mean_base if higher_is_better else mean_new > mean_base
    times = f"{ratio:.3g}x the baseline mean" if math.isfinite(ratio) else "baseline mean is 0"
    sd = statistics.stdev(base) if len(base) > 1 else 0.0
    flat = sd == 0 and (len(new) == 1 or statistics.stdev(new) == 0)
    if len(base) < MIN_BASELINE or flat:
        gross = grossly_worse(ratio, worse, higher_is_better)
        head = "much worse than" if gross else ("worse than" if worse else "not worse than")
        why = (
            f"only {counted(len(base), 'baseline run')}"
            if len(base) < MIN_BASELINE
            else "the baseline runs are all equal"
        )
        return RegressionResult(
            gross,
            None,
            ratio,
            f"{head} the baseline ({times}); {why}: no significance test is possible, "
            f"flagged only when {HEURISTIC_FACTOR:g}x worse or more{note}",
        )
    from scipy import stats

    alternative = "less" if higher_is_better else "greater"
    if len(new) == 1:
        t = prediction_t(mean_new, mean_base, sd, len(base))
        dist = stats.t(len(base) - 1)
        p = float(dist.cdf(t) if alternative == "less" else dist.sf(t))
        return prediction_result(ratio, worse, p, len(base), alpha, ignored)
    res = stats.ttest_ind(new, base, equal_var=False, alternative=alternative)
    test = f"one-sided Welch t-test, {len(new)} new vs {len(base)} baseline runs"
    return _tested(ratio, worse, float(res.pvalue), test, alpha, note)


def ignored_note(ignored: int) -> str:
    """The message's tail saying how many non-finite numbers were left out."""
    return f" ({counted(ignored, 'non-finite value')} ignored)" if ignored else ""


def prediction_t(value: float, mean_base: float, sd: float, n_base: int) -> float:
    """The prediction-interval t statistic of one new value (n_base - 1 degrees of freedom)."""
    return (value - mean_base) / (sd * math.sqrt(1 + 1 / n_base))


@quiet
def prediction_p_values(
    ts: Sequence[float], n_bases: Sequence[int], higher_is_better: bool
) -> list[float]:
    """The one-sided p-values of many `prediction_t` statistics in one scipy call: the same
    numbers `regression_check` gets one at a time."""
    if not ts:
        return []

    from scipy.special import stdtr  # what stats.t's cdf and sf compute, a lighter import

    dfs = [n - 1 for n in n_bases]
    ps = stdtr(dfs, ts) if higher_is_better else stdtr(dfs, [-t for t in ts])
    return [float(p) for p in ps]


def prediction_result(
    ratio: float, worse: bool, p: float, n_base: int, alpha: float, ignored: int
) -> RegressionResult:
    """The verdict on one new value whose prediction-interval t-test gave `p`: what
    `regression_check` says for it (a batch of checks computes the p-values at once)."""
    test = f"prediction-interval t-test against {n_base} baseline runs"
    return _tested(ratio, worse, p, test, alpha, ignored_note(ignored))


def _tested(
    ratio: float, worse: bool, p: float, test: str, alpha: float, note: str
) -> RegressionResult:
    times = f"{ratio:.3g}x the baseline mean" if math.isfinite(ratio) else "baseline mean is 0"
    flagged = worse and p < alpha
    verdict = (
        "significantly worse than the baseline"
        if flagged
        else (
            "worse than the baseline, but not significantly"
            if worse
            else "not worse than the baseline"
        )
    )
    return RegressionResult(flagged, p, ratio, f"{verdict} ({times}; {test}, p = {p:.3g}){note}")
