"""Runs over seeds, unpaired: Welch's t decides; Mann-Whitney, Student's t and ASO are shown."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from mlpm.stats.checks import as_array, check_alpha, check_margin, is_constant, quiet
from mlpm.stats.fmt import num, pval
from mlpm.stats.power import fewest_runs
from mlpm.stats.result import Result, TestLine, floored
from mlpm.stats.verdict import cannot_reach, decide, too_few

MIN_RUNS = 3
EXACT_SPLITS = 200_000  # Mann-Whitney: enumerate every split of the pooled runs up to this many
EXACT_CELLS = 10_000  # without ties scipy's exact recursion is cheap up to n_a * n_b of this
PERMUTATION_MAX_N = 200  # with ties and more splits: Monte-Carlo permutation up to n_a + n_b
MW_RESAMPLES = 10_000


@dataclass(slots=True)
class MannWhitney:
    u: float  # U of B: pairs where B beats A, ties counting half
    p_value: float
    p_text: str
    p_is_bound: bool
    method: str
    resamples: int | None = None


def mann_whitney(x: Any, y: Any, *, seed: int) -> MannWhitney:
    """Two-sided Mann-Whitney U of B (y) against A (x).

    Without ties: scipy's exact distribution when n_a * n_b <= EXACT_CELLS (20 ms), else the
    normal approximation. With ties the exact null distribution changes, and the normal
    approximation is poor on small samples, so the p-value comes from the permutation
    distribution of the midrank sum: every split of the pooled runs when there are at most
    EXACT_SPLITS, else a seeded Monte-Carlo permutation (n_a + n_b <= PERMUTATION_MAX_N), else
    the tie-corrected normal approximation.
    """
    import numpy as np
    from scipy.stats import mannwhitneyu, rankdata

    n_a, n_b = int(x.size), int(y.size)
    n = n_a + n_b
    pooled = np.concatenate([x, y])
    splits = math.comb(n, n_b)
    if np.unique(pooled).size == n:
        exact = n_a * n_b <= EXACT_CELLS
        res = mannwhitneyu(y, x, alternative="two-sided", method="exact" if exact else "asymptotic")
        p = float(res.pvalue)
        method = "exact" if exact else "normal approximation"
        return MannWhitney(float(res.statistic), p, pval(p), False, method)
    doubled = np.rint(2 * rankdata(pooled)).astype(np.int64)  # twice the midranks: integers
    u = int(doubled[n_a:].sum()) / 2 - n_b * (n_b + 1) / 2
    # Two-sided p = 2 min(P(S >= s), P(S <= s)) for the rank sum S of the smaller side (as
    # scipy's permutation_test); the tails swap with the side, so either side gives the same p.
    k = min(n_a, n_b)
    side = doubled[:n_a] if n_a <= n_b else doubled[n_a:]
    observed = int(side.sum())

    def tails(sums: Any) -> int:
        return min(int(np.count_nonzero(sums >= observed)), int(np.count_nonzero(sums <= observed)))

    if splits <= EXACT_SPLITS:
        from itertools import chain, combinations

        idx = np.fromiter(
            chain.from_iterable(combinations(range(n), k)), dtype=np.intp, count=splits * k
        ).reshape(splits, k)
        p = min(1.0, 2 * tails(doubled[idx].sum(axis=1)) / splits)
        return MannWhitney(u, p, pval(p), False, f"ties: exact over all {splits:,} splits")
    if n <= PERMUTATION_MAX_N:
        rng = np.random.default_rng(seed)
        sums = np.empty(MW_RESAMPLES, dtype=np.int64)
        chunk = 1000
        for start in range(0, MW_RESAMPLES, chunk):
            rows = min(chunk, MW_RESAMPLES - start)
            perm = rng.permuted(np.tile(doubled, (rows, 1)), axis=1)
            sums[start : start + rows] = perm[:, :k].sum(axis=1)
        hits = tails(sums)
        p = min(1.0, 2 * (hits + 1) / (MW_RESAMPLES + 1))
        bound = hits == 0
        text = f"<= {pval(p)} (2/(R+1), R = {MW_RESAMPLES})" if bound else pval(p)
        method = f"ties: Monte-Carlo permutation, {MW_RESAMPLES} resamples, seed {seed}"
        return MannWhitney(u, p, text, bound, method, MW_RESAMPLES)
    res = mannwhitneyu(y, x, alternative="two-sided", method="asymptotic")
    p = float(res.pvalue)
    return MannWhitney(float(res.statistic), p, pval(p), False, "ties: normal approximation")


def hedges_g(a_values: Sequence[float], b_values: Sequence[float]) -> tuple[float, float]:
    """(Cohen's d with pooled sd, Hedges' g) of B - A. With no variance on either side (noise
    of the last bit ignored) they are undefined: nan for equal means, else +-inf."""
    import numpy as np

    a, b = np.asarray(a_values, float), np.asarray(b_values, float)
    n_a, n_b = a.size, b.size
    var_a = 0.0 if is_constant(a) else a.var(ddof=1)
    var_b = 0.0 if is_constant(b) else b.var(ddof=1)
    pooled = math.sqrt(((n_a - 1) * var_a + (n_b - 1) * var_b) / (n_a + n_b - 2))
    diff = float(b.mean() - a.mean())
    if pooled == 0 or not math.isfinite(pooled):
        if diff == 0:
            return math.nan, math.nan
        return math.copysign(math.inf, diff), math.copysign(math.inf, diff)
    d = diff / pooled
    return float(d), float(d * (1 - 3 / (4 * (n_a + n_b) - 9)))


def superiority_ci(
    x: Any, y: Any, *, alpha: float, seed: int, resamples: int = 1000
) -> tuple[float, float]:
    """Bootstrap percentile CI of P(Y > X) (ties count half), i.e. U / (n m) of Y."""
    import numpy as np
    from scipy.stats import rankdata

    from mlpm.stats.resampling import percentile_ci

    rng = np.random.default_rng(seed)
    n, m = x.size, y.size
    xs = np.take(x, rng.integers(0, n, size=(resamples, n)))
    ys = np.take(y, rng.integers(0, m, size=(resamples, m)))
    ranks = rankdata(np.concatenate([xs, ys], axis=1), axis=1)
    u = ranks[:, n:].sum(axis=1) - m * (m + 1) / 2
    return percentile_ci(u / (n * m), alpha)


@quiet
def unpaired_samples(
    a: Sequence[float],
    b: Sequence[float],
    *,
    alpha: float = 0.05,
    higher_is_better: bool = True,
    margin: float | None = None,
    gain: float | None = None,
    seed: int | None = None,
    label_a: str = "A",
    label_b: str = "B",
    metric: str = "",
) -> Result:
    """Compare scores of independent runs (different seeds, no pairing)."""
    import numpy as np
    from scipy import stats

    from mlpm.stats.aso import DEFAULT_SEED, ORIGINAL_THRESHOLD, STRICT_THRESHOLD, aso
    from mlpm.stats.power import describe_n, mde_t, n_t

    check_alpha(alpha)
    check_margin(margin)
    x, y = as_array(a, label_a), as_array(b, label_b)
    n_a, n_b = int(x.size), int(y.size)
    difference = float(y.mean() - x.mean())
    base = Result(
        kind="seeds",
        test="none",
        why="",
        verdict="too_few",
        verdict_text="",
        n_a=n_a,
        n_b=n_b,
        alpha=alpha,
        mean_a=float(x.mean()),
        mean_b=float(y.mean()),
        difference=difference,
        ci_level=1 - alpha,
        higher_is_better=higher_is_better,
        margin=margin,
        label_a=label_a,
        label_b=label_b,
        metric=metric,
    )
    floor = max(MIN_RUNS + 1, fewest_runs(alpha))
    if n_a < MIN_RUNS or n_b < MIN_RUNS:
        code, text = too_few(n_a, n_b)
        return replace(
            base,
            why="fewer than 3 runs on a side",
            verdict=code,
            verdict_text=text,
            power_text=f"run at least {floor} seeds a side; about 29 are "
            "needed to call P(A>B) reliably (Bouthillier et al. 2021)",
        )
    warnings: list[str] = []
    seed = DEFAULT_SEED if seed is None else seed
    mwu = mann_whitney(x, y, seed=seed)
    sd_a = 0.0 if is_constant(x) else float(x.std(ddof=1))
    sd_b = 0.0 if is_constant(y) else float(y.std(ddof=1))
    se = math.sqrt(sd_a**2 / n_a + sd_b**2 / n_b)
    prob_b = mwu.u / (n_a * n_b)
    d, g = hedges_g(x, y)
    one_sided = p_student = None
    if se > 0:
        welch = stats.ttest_ind(y, x, equal_var=False)
        student = stats.ttest_ind(y, x, equal_var=True)
        p_student = floored(float(student.pvalue))
        alternative = "greater" if higher_is_better else "less"
        one_sided = floored(
            float(stats.ttest_ind(y, x, equal_var=False, alternative=alternative).pvalue)
        )
    others = [
        TestLine(
            "Mann-Whitney U",
            mwu.u,
            mwu.p_value,
            p_text=mwu.p_text,
            note=f"U of B; P(B>A) = {num(prob_b)}"
            + ("" if mwu.method == "exact" else f"; {mwu.method}"),
        ),
    ]
    if se > 0:
        others.append(
            TestLine("Student's t (equal variances)", float(student.statistic), p_student)
        )
    p_text, p_is_bound = "", False
    ci: tuple[float | None, float | None] = (None, None)
    eq_ci: tuple[float | None, float | None] | None = None
    detectable: float | None = None
    constant = False
    # The smallest p Mann-Whitney can give for these sample sizes (all of B above all of A).
    min_p = 2 / math.comb(n_a + n_b, n_a)
    if se == 0:
        constant = True
        if difference == 0:
            warnings.append("both samples are constant and equal: there is nothing to test")
            test, stat, p, why = "none", None, 1.0, "zero variance on both sides"
        else:
            warnings.append(
                f"zero variance on both sides: every run of {label_b} differs from every run "
                f"of {label_a} by exactly {num(difference)}; a t-test and its interval are "
                "meaningless here, so Mann-Whitney U decides"
            )
            test, stat, p = "Mann-Whitney U", mwu.u, mwu.p_value
            p_text, p_is_bound = mwu.p_text, mwu.p_is_bound
            why = f"zero variance on both sides, so the rank test decides ({mwu.method})"
        eq_ci = (difference, difference)
        df = math.nan
    else:
        test, stat, p = "Welch's t-test", float(welch.statistic), float(welch.pvalue)
        why = "runs over seeds, unpaired: Welch's t does not assume equal variances"
        df = float(welch.df)
        c = welch.confidence_interval(1 - alpha)
        ci = (float(c.low), float(c.high))
        e = welch.confidence_interval(1 - 2 * alpha)
        eq_ci = (float(e.low), float(e.high))
        detectable = mde_t(se, df, alpha)
    if np.array_equal(np.sort(x), np.sort(y)):
        warnings.append("the two samples are identical")
    if test == "Mann-Whitney U" and min_p >= alpha:
        code, text = cannot_reach(
            "Mann-Whitney U",
            min_p,
            alpha,
            f"{n_a} vs {n_b} runs",
            f"at least {fewest_runs(alpha)} runs a side",
        )
    else:
        code, text = decide(
            difference=difference,
            p_value=p,
            alpha=alpha,
            higher_is_better=higher_is_better,
            margin=margin,
            equivalence_ci=eq_ci,
            detectable=detectable,
            ci=None if constant else ci,
            ci_level=1 - alpha,
            label_a=label_a,
            label_b=label_b,
        )
    sign = 1.0 if higher_is_better else -1.0
    fwd = aso(sign * y, sign * x, seed=seed)  # does B dominate A?
    back = aso(sign * x, sign * y, seed=seed)
    if fwd.eps_min is not None:
        dominated = (
            "B almost stochastically dominates A"
            if fwd.eps_min < STRICT_THRESHOLD
            else (
                "B dominates A only by the original, looser threshold"
                if fwd.eps_min < ORIGINAL_THRESHOLD
                else "B does not dominate A"
            )
        )
        others.append(
            TestLine(
                "Almost Stochastic Order",
                fwd.eps_min,
                None,
                p_text="(not a p-value)",
                note=f"eps_min(B over A) = {num(fwd.eps_min, 3)}, eps_min(A over B) = "
                f"{num(back.eps_min, 3)}; threshold {STRICT_THRESHOLD} (0.5 originally): "
                f"{dominated}; bootstrap seed {seed}, {fwd.resamples} resamples",
            )
        )
    elif fwd.note:
        warnings.append(f"ASO: {fwd.note}")
    pooled_sd = math.sqrt(((n_a - 1) * sd_a**2 + (n_b - 1) * sd_b**2) / (n_a + n_b - 2))
    target = abs(gain) if gain is not None else abs(difference)
    power = ""
    if pooled_sd > 0 and target > 0:
        runs = n_t(target / pooled_sd, alpha, paired=False)
        power = (
            f"{describe_n(runs, 'runs per side', floor)} would detect a gain of {num(target, 3)} "
            f"with 80% power (pooled sd {num(pooled_sd, 3)})"
        )
    if min_p >= alpha and test != "Mann-Whitney U":
        warnings.append(
            f"with {n_a} and {n_b} runs Mann-Whitney cannot go below p = "
            f"{pval(min_p)}, which is not below alpha = {alpha}"
        )
    # Probability that a run of B beats a run of A (Bouthillier et al. 2021).
    better = prob_b if higher_is_better else 1 - prob_b
    low, high = superiority_ci(sign * x, sign * y, alpha=alpha, seed=seed)
    convincing = better >= 0.75 and low > 0.5
    others.append(
        TestLine(
            "probability of superiority",
            better,
            None,
            p_text="(not a p-value)",
            note=f"P(a run of B beats a run of A) = {num(better, 3)}, "
            + (
                f"every bootstrap resample gives {num(low, 3)}; "
                if low == high
                else f"{round(100 * (1 - alpha)):g}% bootstrap CI [{num(low, 3)}, {num(high, 3)}]; "
            )
            + "by Bouthillier et al. 2021 (P >= 0.75 and CI above 0.5) B is "
            f"{'' if convincing else 'not '}convincingly better",
        )
    )
    if n_a + n_b < 58:
        warnings.append(
            "fewer than about 29 runs a side: P(B beats A) is imprecise (Bouthillier "
            "et al. 2021 need about 29 to call it reliably)"
        )
    warnings.append(
        "fix the number of seeds in advance: re-checking after every new seed "
        "inflates false positives"
    )
    return replace(
        base,
        test=test,
        why=why,
        verdict=code,
        verdict_text=text,
        statistic=stat,
        p_value=p,
        p_text=p_text or pval(p),
        p_is_bound=p_is_bound,
        ci_low=ci[0],
        ci_high=ci[1],
        effect_size=None if math.isnan(g) else g,
        effect_name="Hedges' g" + (" (undefined: zero variance)" if math.isinf(g) else ""),
        detectable=detectable,
        power_text=power,
        seed=seed,
        resamples=fwd.resamples,
        others=others,
        warnings=warnings,
        extra={
            "df": df,
            "sd_a": sd_a,
            "sd_b": sd_b,
            "cohens_d": d,
            "hedges_g": g,
            "p_b_greater": prob_b,
            "p_a_greater": 1 - prob_b,
            "p_b_better": better,
            "p_b_better_ci": [low, high],
            "p_b_better_convincing": convincing,
            "mann_whitney_u": mwu.u,
            "p_mann_whitney": mwu.p_value,
            "mann_whitney_method": mwu.method,
            "p_student": p_student,
            "p_welch_one_sided": one_sided,
            "aso_eps_min_b_over_a": fwd.eps_min,
            "aso_eps_min_a_over_b": back.eps_min,
            "aso_threshold": STRICT_THRESHOLD,
            "aso_seed": seed,
            "constant_difference": constant and difference != 0,
        },
    )
