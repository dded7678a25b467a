"""Per-example scores of two models on the same examples (a loss, a sentence-level metric):
a paired bootstrap CI of the mean difference and a sign-flip permutation test."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mlpm.stats.checks import check_alpha, check_margin, quiet
from mlpm.stats.fmt import num
from mlpm.stats.result import Result, TestLine
from mlpm.stats.verdict import decide


@quiet
def compare_example_scores(
    scores_a: Any,
    scores_b: Any,
    *,
    alpha: float = 0.05,
    higher_is_better: bool = True,
    margin: float | None = None,
    resamples: int = 10_000,
    seed: int = 0,
    gain: float | None = None,
    label_a: str = "A",
    label_b: str = "B",
    metric: str = "score",
) -> Result:
    """Per-example scores of two models on the same examples (a loss, a sentence-level
    metric...): a paired bootstrap CI of the mean difference and a sign-flip permutation test."""
    import numpy as np

    from mlpm.stats.checks import as_array, is_constant, same_length
    from mlpm.stats.power import describe_n, fewest_pairs, mde_z, n_t
    from mlpm.stats.resampling import bootstrap_mean, percentile_ci, sign_flip
    from mlpm.stats.verdict import cannot_reach, too_few

    check_alpha(alpha)
    check_margin(margin)
    x, y = as_array(scores_a, label_a), as_array(scores_b, label_b)
    same_length(x, y, "per-example scores")
    n = int(x.size)
    d = y - x
    difference = float(d.mean())
    base = Result(
        kind="scores",
        test="none",
        why="",
        verdict="too_few",
        verdict_text="",
        n_a=n,
        n_b=n,
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
    if n < 3:
        code, text = too_few(n, n, what="examples")
        return replace(base, why="fewer than 3 examples", verdict=code, verdict_text=text)
    warnings: list[str] = []
    sd = 0.0 if is_constant(d) else float(d.std(ddof=1))
    ci: tuple[float | None, float | None] = (None, None)
    eq_ci: tuple[float | None, float | None] = (difference, difference)
    if not d.any():
        warnings.append("the two models score every example the same")
        flip_p, flip_text, exact = 1.0, "1", True
    elif sd == 0:
        warnings.append(f"every example's difference is {num(difference)}: no interval to show")
        flip = sign_flip(d, resamples=resamples, seed=seed)
        flip_p, flip_text, exact = flip.p_value, flip.p_text, flip.exact
    else:
        flip = sign_flip(d, resamples=resamples, seed=seed)
        flip_p, flip_text, exact = flip.p_value, flip.p_text, flip.exact
        boots = bootstrap_mean(d, resamples=resamples, seed=seed)
        ci, eq_ci = percentile_ci(boots, alpha), percentile_ci(boots, 2 * alpha)
    others = []
    if sd > 0:
        from scipy.stats import ttest_rel

        t = ttest_rel(y, x)
        others.append(TestLine("paired t-test", float(t.statistic), float(t.pvalue)))
    detectable = mde_z(sd / np.sqrt(n), alpha) if sd > 0 else None
    min_p = 2 / 2**n if n < 64 else 0.0
    if sd == 0 and difference != 0 and min_p >= alpha:
        code, text = cannot_reach(
            "the sign-flip test",
            min_p,
            alpha,
            f"{n} examples",
            f"at least {fewest_pairs(alpha)} examples",
        )
    else:
        code, text = decide(
            difference=difference,
            p_value=flip_p,
            alpha=alpha,
            higher_is_better=higher_is_better,
            margin=margin,
            equivalence_ci=eq_ci,
            detectable=detectable,
            ci=ci if sd > 0 else None,
            ci_level=1 - alpha,
            label_a=label_a,
            label_b=label_b,
        )
    target = abs(gain) if gain is not None else abs(difference)
    power = ""
    if sd > 0 and target > 0:
        power = (
            f"{describe_n(n_t(target / sd, alpha, paired=True), 'examples', fewest_pairs(alpha))} "
            "would detect "
            f"a mean gain of {num(target, 3)} with 80% power"
        )
    return replace(
        base,
        test="paired permutation (sign-flip)",
        why="per-example scores on the same examples: the permutation test and the paired "
        "bootstrap use the pairing and assume no distribution",
        verdict=code,
        verdict_text=text,
        statistic=difference,
        p_value=flip_p,
        p_text=flip_text,
        p_is_bound=flip_text.startswith("<"),
        ci_low=ci[0],
        ci_high=ci[1],
        effect_size=float(d.mean() / sd) if sd > 0 else None,
        effect_name="d_z",
        detectable=detectable,
        power_text=power,
        seed=None if exact else seed,
        resamples=None if exact else resamples,
        others=others,
        warnings=warnings,
        extra={
            "sd_diff": sd,
            "ci_method": "paired bootstrap percentile",
            "constant_difference": sd == 0 and difference != 0,
        },
    )
