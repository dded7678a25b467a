"""Paired runs (same seeds or splits): paired t, Wilcoxon, sign-flip permutation. The
corrected tests for cross-validation folds live in `crossval` (re-exported here)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from mlpm.stats.checks import check_alpha, check_margin, is_constant, quiet
from mlpm.stats.crossval import five_by_two, nadeau_bengio
from mlpm.stats.fmt import num, pval
from mlpm.stats.paired_base import MIN_PAIRS, base_result, prepare
from mlpm.stats.power import fewest_pairs
from mlpm.stats.result import Result, TestLine, floored
from mlpm.stats.verdict import cannot_reach, decide, too_few

__all__ = ["MIN_PAIRS", "five_by_two", "nadeau_bengio", "paired_samples"]
FOLDS_WARNING = (
    "if these are cross-validation folds, use --cv K (Nadeau-Bengio): the plain paired t on "
    "folds is far too confident"
)


def _wilcoxon(d: Any) -> TestLine:
    import numpy as np
    from scipy.stats import wilcoxon

    if not d.any():
        return TestLine("Wilcoxon signed-rank", None, 1.0, note="every difference is zero")
    res = wilcoxon(d)
    return TestLine(
        "Wilcoxon signed-rank",
        float(res.statistic),
        float(res.pvalue),
        # scipy's "auto" is the exact distribution for n <= 50 without zeros or ties.
        note="exact"
        if d.size <= 50 and d.all() and np.unique(np.abs(d)).size == d.size
        else "zeros or ties: scipy's automatic method",
    )


@quiet
def paired_samples(
    a: Sequence[float],
    b: Sequence[float],
    *,
    alpha: float = 0.05,
    higher_is_better: bool = True,
    margin: float | None = None,
    gain: float | None = None,
    seed: int | None = None,
    resamples: int | None = None,
    label_a: str = "A",
    label_b: str = "B",
    metric: str = "",
) -> Result:
    """Compare runs paired by seed (value i of A goes with value i of B)."""
    from scipy import stats

    from mlpm.stats.power import describe_n, mde_t, n_t
    from mlpm.stats.resampling import DEFAULT_RESAMPLES, DEFAULT_SEED, sign_flip

    check_alpha(alpha)
    check_margin(margin)
    x, y = prepare(a, b, label_a, label_b)
    base = base_result(x, y, alpha, higher_is_better, margin, label_a, label_b, metric, "paired")
    n = x.size
    if n < MIN_PAIRS:
        code, text = too_few(n, n, what="pairs")
        return replace(base, why="fewer than 3 pairs", verdict=code, verdict_text=text)
    seed = DEFAULT_SEED if seed is None else seed
    resamples = resamples or DEFAULT_RESAMPLES
    d = y - x
    sd = 0.0 if is_constant(d) else float(d.std(ddof=1))
    flip = sign_flip(d, resamples=resamples, seed=seed)
    wil = _wilcoxon(d)
    others = [
        wil,
        TestLine(
            "sign-flip permutation",
            float(d.mean()),
            flip.p_value,
            p_text=flip.p_text,
            note="exact (all 2^n sign patterns)"
            if flip.exact
            else f"Monte-Carlo, {resamples} resamples, seed {seed}",
        ),
    ]
    warnings: list[str] = []
    detectable = None
    difference = float(d.mean())
    ci: tuple[float | None, float | None] = (None, None)
    eq_ci: tuple[float | None, float | None] = (difference, difference)
    constant = sd == 0
    if constant:
        if not d.any():
            warnings.append("the two samples are identical: every paired difference is zero")
            test, stat, p, why = "none", None, 1.0, "identical samples"
        else:
            warnings.append(
                f"every paired difference is {num(difference)}: a t-test is meaningless "
                "(t would be infinite); the verdict uses the sign-flip test"
            )
            test, stat, p = "sign-flip permutation", difference, flip.p_value
            why = "zero variance of the differences, so the permutation test decides"
        t_stat = None
    else:
        res = stats.ttest_rel(y, x)
        test, stat, p = "paired t-test", float(res.statistic), float(res.pvalue)
        t_stat = stat
        why = "runs paired by seed/split: the paired t-test uses the pairing"
        c, e = res.confidence_interval(1 - alpha), res.confidence_interval(1 - 2 * alpha)
        ci, eq_ci = (float(c.low), float(c.high)), (float(e.low), float(e.high))
        detectable = mde_t(sd / math.sqrt(n), n - 1, alpha)
    min_p = 2 / 2**n
    if min_p >= alpha and test == "paired t-test":
        warnings.insert(
            0,
            f"with {n} pairs, Wilcoxon and the sign-flip test cannot go below "
            f"p = {pval(min_p)}: they cannot reach alpha = {alpha}",
        )
    warnings.append(FOLDS_WARNING)
    if test == "sign-flip permutation" and min_p >= alpha:
        code, text = cannot_reach(
            "the sign-flip test",
            min_p,
            alpha,
            f"{n} pairs",
            f"at least {fewest_pairs(alpha)} pairs",
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
    target = abs(gain) if gain is not None else abs(difference)
    power = ""
    if sd > 0 and target > 0:
        pairs = n_t(target / sd, alpha, paired=True)
        floor = max(MIN_PAIRS + 1, fewest_pairs(alpha))
        power = (
            f"{describe_n(pairs, 'pairs', floor)} would detect a gain of {num(target, 3)} with "
            f"80% power (sd of differences {num(sd, 3)})"
        )
    return replace(
        base,
        test=test,
        why=why,
        verdict=code,
        verdict_text=text,
        statistic=stat,
        p_value=p,
        p_text=flip.p_text if test == "sign-flip permutation" else pval(p),
        p_is_bound=test == "sign-flip permutation" and flip.p_is_bound,
        ci_low=ci[0],
        ci_high=ci[1],
        effect_size=float(d.mean() / sd) if sd > 0 else (None if difference == 0 else math.inf),
        effect_name="d_z" if sd > 0 else "d_z (undefined: no variance of the differences)",
        detectable=detectable,
        power_text=power,
        seed=None if flip.exact else seed,
        resamples=flip.resamples,
        others=others,
        warnings=warnings,
        extra={
            "t": t_stat,
            "df": n - 1,
            "sd_diff": sd,
            "p_wilcoxon": None if wil.p_value is None else floored(wil.p_value),
            "wilcoxon_w": wil.statistic,
            "p_sign_flip": flip.p_value,
            "sign_flip_exact": flip.exact,
            "constant_difference": constant and difference != 0,
        },
    )
