"""Cross-validation folds: Nadeau-Bengio's corrected resampled t and Dietterich's 5x2cv t
(with Alpaydin's combined F). The plain paired t on folds is far too confident: folds share
training data."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from mlpm.errors import UsageError
from mlpm.stats.checks import check_alpha, check_margin, is_constant, quiet
from mlpm.stats.fmt import num, pval, signed
from mlpm.stats.paired_base import MIN_PAIRS, base_result, prepare
from mlpm.stats.result import Result, TestLine
from mlpm.stats.verdict import decide, too_few


@quiet
def nadeau_bengio(
    a: Sequence[float],
    b: Sequence[float],
    *,
    test_train_ratio: float,
    alpha: float = 0.05,
    higher_is_better: bool = True,
    margin: float | None = None,
    gain: float | None = None,
    label_a: str = "A",
    label_b: str = "B",
    metric: str = "",
) -> Result:
    """Corrected resampled t on J paired fold scores: t = mean(d) / sqrt((1/J + r) s^2), J-1 df,
    with r = n_test / n_train (1/(k-1) for k-fold)."""
    from scipy import stats

    check_alpha(alpha)
    check_margin(margin)
    if not (math.isfinite(test_train_ratio) and test_train_ratio > 0):
        raise UsageError(f"the test/train ratio must be positive (got {test_train_ratio})")
    x, y = prepare(a, b, label_a, label_b)
    base = base_result(x, y, alpha, higher_is_better, margin, label_a, label_b, metric, "cv")
    j = x.size
    if j < MIN_PAIRS:
        code, text = too_few(j, j, what="folds")
        return replace(base, why="fewer than 3 folds", verdict=code, verdict_text=text)
    d = y - x
    mean = float(d.mean())
    var = 0.0 if is_constant(d) else float(d.var(ddof=1))
    scale = math.sqrt((1 / j + test_train_ratio) * var)
    warnings = [
        "the naive paired t on folds is far too confident; it is shown for contrast "
        "only and does not decide"
    ]
    ci: tuple[float | None, float | None] = (None, None)
    eq_ci: tuple[float | None, float | None] = (mean, mean)
    detectable: float | None = None
    if var == 0:
        warnings.insert(0, "every fold difference is the same: no variance to test against")
        stat, p = None, (1.0 if mean == 0 else None)
    else:
        stat = mean / scale
        p = float(2 * stats.t.sf(abs(stat), j - 1))
        crit, crit2 = stats.t.isf(alpha / 2, j - 1), stats.t.isf(alpha, j - 1)
        ci = (mean - crit * scale, mean + crit * scale)
        eq_ci = (mean - crit2 * scale, mean + crit2 * scale)
        from mlpm.stats.power import mde_t

        detectable = mde_t(scale, j - 1, alpha)
    others = []
    if var > 0:
        naive = stats.ttest_rel(y, x)
        others.append(
            TestLine(
                "naive paired t (not used)",
                float(naive.statistic),
                float(naive.pvalue),
                note="ignores the overlap of training sets",
            )
        )
    if var == 0 and mean != 0:
        code, text = (
            "too_few",
            f"no test can decide: every fold difference is {signed(mean)}, and the corrected "
            "t is undefined without variance; repeat the cross-validation with other splits "
            "(more repetitions) to get some",
        )
    else:
        code, text = decide(
            difference=mean,
            p_value=p,
            alpha=alpha,
            higher_is_better=higher_is_better,
            margin=margin,
            equivalence_ci=eq_ci,
            detectable=detectable,
            ci=ci if var > 0 else None,
            ci_level=1 - alpha,
            label_a=label_a,
            label_b=label_b,
        )
    return replace(
        base,
        test="Nadeau-Bengio corrected resampled t",
        why=f"cross-validation folds share training data; corrected for n_test/n_train = "
        f"{num(test_train_ratio)}",
        verdict=code,
        verdict_text=text,
        statistic=stat,
        p_value=p,
        p_text=pval(p),
        ci_low=ci[0],
        ci_high=ci[1],
        effect_size=mean / math.sqrt(var) if var > 0 else None,
        effect_name="d_z",
        detectable=detectable,
        power_text=_folds_power(
            abs(gain) if gain is not None else abs(mean), var, test_train_ratio, alpha
        ),
        others=others,
        warnings=warnings,
        extra={
            "df": j - 1,
            "test_train_ratio": test_train_ratio,
            "sd_diff": math.sqrt(var),
            "constant_difference": var == 0 and mean != 0,
        },
    )


def _folds_power(gain: float, var: float, ratio: float, alpha: float) -> str:
    """How many folds would detect `gain` (normal approximation). The corrected variance
    (1/J + ratio) s^2 never falls below ratio * s^2, so more folds alone may never suffice."""
    from statistics import NormalDist

    if var <= 0 or gain <= 0:
        return ""
    z = NormalDist().inv_cdf(1 - alpha / 2) + NormalDist().inv_cdf(0.8)
    floor = z * math.sqrt(ratio * var)
    room = (gain / z) ** 2 / var - ratio
    if room <= 0:
        return (
            f"no number of folds would detect a gain of {num(gain, 3)} at this train/test "
            f"split: with the overlap correction the smallest detectable gain is about "
            f"{num(floor, 3)}"
        )
    from mlpm.stats.power import describe_n

    return (
        f"{describe_n(1 / room, 'folds', MIN_PAIRS + 1)} would detect a gain of {num(gain, 3)} "
        "(80% power)"
    )


@quiet
def five_by_two(
    a: Sequence[float],
    b: Sequence[float],
    *,
    alpha: float = 0.05,
    higher_is_better: bool = True,
    label_a: str = "A",
    label_b: str = "B",
    metric: str = "",
) -> Result:
    """5x2cv: ten scores a side, ordered replication 1 fold 1, replication 1 fold 2, ...
    Dietterich's t (5 df) decides; Alpaydin's combined F (10, 5 df) is shown."""
    from scipy import stats

    check_alpha(alpha)
    x, y = prepare(a, b, label_a, label_b)
    if x.size != 10:
        raise UsageError(
            f"a 5x2cv layout needs 10 scores a side (5 replications x 2 folds); got {x.size}"
        )
    base = base_result(x, y, alpha, higher_is_better, None, label_a, label_b, metric, "5x2cv")
    p_ij = (y - x).reshape(5, 2)
    mean_i = p_ij.mean(axis=1, keepdims=True)
    s2 = ((p_ij - mean_i) ** 2).sum(axis=1)
    warnings: list[str] = []
    if s2.sum() == 0:
        warnings.append("no variance within replications: the 5x2cv tests are undefined")
        t_stat = f_stat = p_t = p_f = None
        ci: tuple[float | None, float | None] = (None, None)
        p = 1.0 if not p_ij.any() else None
    else:
        t_stat = float(p_ij[0, 0] / math.sqrt(s2.mean()))
        p_t = float(2 * stats.t.sf(abs(t_stat), 5))
        f_stat = float((p_ij**2).sum() / (2 * s2.sum()))
        p_f = float(stats.f.sf(f_stat, 10, 5))
        half = stats.t.isf(alpha / 2, 5) * math.sqrt(s2.mean())
        ci = (base.difference - half, base.difference + half)
        p = p_t
    code, text = decide(
        difference=base.difference,
        p_value=p,
        alpha=alpha,
        higher_is_better=higher_is_better,
        ci=ci,
        ci_level=1 - alpha,
        label_a=label_a,
        label_b=label_b,
    )
    return replace(
        base,
        test="5x2cv paired t (Dietterich 1998)",
        why="5 replications of 2-fold cross-validation: the naive t on folds is too confident",
        verdict=code,
        verdict_text=text,
        statistic=t_stat,
        p_value=p,
        p_text=pval(p),
        ci_low=ci[0],
        ci_high=ci[1],
        warnings=warnings,
        others=[TestLine("5x2cv combined F (Alpaydin 1999)", f_stat, p_f)],
        extra={
            "t": t_stat,
            "p_t": p_t,
            "f": f_stat,
            "p_f": p_f,
            "df_t": 5,
            "df_f": [10, 5],
            "ci_note": "CI: mean difference +/- t(5) * sqrt(mean s_i^2) (conservative)",
        },
    )
