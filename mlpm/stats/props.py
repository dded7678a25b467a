"""Summary numbers only: two accuracies (proportions) and their test-set sizes."""

from __future__ import annotations

import math

from mlpm.errors import UsageError
from mlpm.stats.checks import check_alpha, check_margin, quiet
from mlpm.stats.fmt import num
from mlpm.stats.result import Result, TestLine, floored
from mlpm.stats.verdict import decide

PAIRED_NOTE = (
    "on a shared test set, per-example predictions allow a much stronger paired test "
    "(mlpm sig preds A B); this unpaired test is then usually conservative"
)


def wilson(count: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    from scipy.stats import norm

    z = float(norm.isf(alpha / 2))
    p = count / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return centre - half, centre + half


def newcombe(x_a: int, n_a: int, x_b: int, n_b: int, alpha: float = 0.05) -> tuple[float, float]:
    """Newcombe's hybrid score interval (method 10) of p_B - p_A."""
    p_a, p_b = x_a / n_a, x_b / n_b
    l_a, u_a = wilson(x_a, n_a, alpha)
    l_b, u_b = wilson(x_b, n_b, alpha)
    diff = p_b - p_a
    low = diff - math.sqrt((p_b - l_b) ** 2 + (u_a - p_a) ** 2)
    high = diff + math.sqrt((u_b - p_b) ** 2 + (p_a - l_a) ** 2)
    return low, high


def _restricted(p1: float, n1: int, p2: float, n2: int, delta: float) -> tuple[float, float]:
    """Maximum-likelihood (p1, p2) under p1 - p2 = delta (Farrington-Manning's cubic)."""
    theta = n2 / n1
    a = 1 + theta
    b = -(1 + theta + p1 + theta * p2 + delta * (theta + 2))
    c = delta * delta + delta * (2 * p1 + theta + 1) + p1 + theta * p2
    d = -p1 * delta * (1 + delta)
    v = b**3 / (27 * a**3) - b * c / (6 * a * a) + d / (2 * a)
    u = math.copysign(math.sqrt(max(b * b / (9 * a * a) - c / (3 * a), 0.0)), v)
    if u == 0:
        t1 = -b / (3 * a)
    else:
        t1 = 2 * u * math.cos((math.pi + math.acos(max(-1.0, min(1.0, v / u**3)))) / 3)
        t1 -= b / (3 * a)
    t1 = min(1.0, max(0.0, t1))
    return t1, min(1.0, max(0.0, t1 - delta))


def score_z(x_a: int, n_a: int, x_b: int, n_b: int, delta: float = 0.0) -> float:
    """Score statistic of H0: p_B - p_A = delta, with the variance at the restricted MLE. At
    delta = 0 that MLE is the pooled proportion, so this is the pooled z-test's statistic."""
    p_b, p_a = x_b / n_b, x_a / n_a
    if delta == 0:
        t_b = t_a = (x_a + x_b) / (n_a + n_b)
    else:
        t_b, t_a = _restricted(p_b, n_b, p_a, n_a, delta)
    var = t_b * (1 - t_b) / n_b + t_a * (1 - t_a) / n_a
    gap = p_b - p_a - delta
    if var <= 0:
        return 0.0 if gap == 0 else math.copysign(math.inf, gap)
    return gap / math.sqrt(var)


def score_interval(
    x_a: int, n_a: int, x_b: int, n_b: int, alpha: float = 0.05
) -> tuple[float, float]:
    """CI of p_B - p_A that inverts the pooled z-test: every delta whose score test keeps
    |z| < z_crit (Miettinen-Nurminen without their n/(n-1) factor). 0 lies outside it exactly
    when the pooled z-test gives p < alpha, so verdict and interval cannot disagree."""
    from scipy.optimize import brentq
    from scipy.stats import norm

    crit = float(norm.isf(alpha / 2))
    diff = x_b / n_b - x_a / n_a
    edge = 1 - 1e-12

    def z(delta: float) -> float:
        return score_z(x_a, n_a, x_b, n_b, delta)

    low = -1.0 if z(-edge) <= crit else brentq(lambda t: z(t) - crit, -edge, diff, xtol=1e-15)
    high = 1.0 if z(edge) >= -crit else brentq(lambda t: z(t) + crit, diff, edge, xtol=1e-15)
    return float(low), float(high)


def pooled_z(x_a: int, n_a: int, x_b: int, n_b: int) -> tuple[float, float]:
    """Pooled two-proportion z (B vs A) and its two-sided p; (0, 1) when undefined."""
    from scipy.stats import norm

    pooled = (x_a + x_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0:
        return 0.0, 1.0
    z = (x_b / n_b - x_a / n_a) / se
    return z, floored(float(2 * norm.sf(abs(z))))


def cohens_h(p_a: float, p_b: float) -> float:
    return 2 * math.asin(math.sqrt(p_b)) - 2 * math.asin(math.sqrt(p_a))


def decimals(value: float | str) -> int:
    """Decimal places a number was written with ('0.75' -> 2, '7.5e-1' -> 2, '1' -> 0); a
    float counts the digits of its shortest form (0.75 -> 2)."""
    from decimal import Decimal, InvalidOperation

    try:
        exponent = Decimal(value if isinstance(value, str) else repr(value)).as_tuple().exponent
    except InvalidOperation:
        return 0
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _count(p: float, n: int, name: str, places: int | None = None) -> int:
    """The whole number of correct answers behind accuracy `p` on `n` examples.

    `p` is read to the precision it was given with (`places` decimals, by default those of
    its shortest form): 0.751 on 1000 examples is 751, 0.333 on 3 is 1, but 0.75 on 3 is
    refused, since no whole count k has k/3 within 0.005 of 0.75.
    """
    if not math.isfinite(p) or not 0 <= p <= 1:
        raise UsageError(f"{name} must be a proportion between 0 and 1 (got {p})")
    places = decimals(p) if places is None else places
    exact = p * n
    count = round(exact)
    if abs(count - exact) > n * 0.5 * 10.0**-places + 1e-9 * n:
        raise UsageError(
            f"{name}: {p:g} × {n} = {exact:.6g} is not a whole number of correct answers "
            "(check --n, or give the accuracy with more decimals)"
        )
    return count


@quiet
def two_proportions(
    p_a: float,
    p_b: float,
    n_a: int,
    n_b: int | None = None,
    *,
    alpha: float = 0.05,
    margin: float | None = None,
    higher_is_better: bool = True,
    same_test_set: bool = False,
    label_a: str = "A",
    label_b: str = "B",
    places: tuple[int | None, int | None] = (None, None),
) -> Result:
    """Compare two accuracies measured on n_a and n_b examples (independent test sets).

    The pooled z-test decides, with the score interval that inverts it (so the two agree), or
    Fisher's exact test when an expected cell count is below 5 (the verdict then says when
    Fisher and the interval disagree). Newcombe's interval is kept in `extra`.
    `places`: the decimals each accuracy was typed with (default: those of its shortest form);
    an accuracy that is no whole count of its examples at that precision is refused.
    """
    from scipy.stats import fisher_exact, norm

    check_alpha(alpha)
    check_margin(margin)
    n_b = n_a if n_b is None else n_b
    for n, name in ((n_a, "--n"), (n_b, "--n-b")):
        if n < 1:
            raise UsageError(f"{name} must be a positive number of examples (got {n})")
    x_a, x_b = _count(p_a, n_a, label_a, places[0]), _count(p_b, n_b, label_b, places[1])
    q_a, q_b = x_a / n_a, x_b / n_b
    diff = q_b - q_a
    z, p_z = pooled_z(x_a, n_a, x_b, n_b)
    table = [[x_b, n_b - x_b], [x_a, n_a - x_a]]
    fisher = fisher_exact(table)
    odds, p_f = float(fisher.statistic), floored(float(fisher.pvalue))
    odds_stat = None if math.isnan(odds) else odds  # 0/0: no successes or no failures at all
    total, successes = n_a + n_b, x_a + x_b
    expected = [successes * n / total for n in (n_a, n_b)] + [
        (total - successes) * n / total for n in (n_a, n_b)
    ]
    small = min(expected) < 5
    ci = score_interval(x_a, n_a, x_b, n_b, alpha)
    eq_ci = score_interval(x_a, n_a, x_b, n_b, 2 * alpha) if margin is not None else None
    newcombe_ci = newcombe(x_a, n_a, x_b, n_b, alpha)
    h = cohens_h(q_a, q_b)
    se = math.sqrt(q_a * (1 - q_a) / n_a + q_b * (1 - q_b) / n_b)
    from mlpm.stats.power import describe_n, mde_z, n_mcnemar, n_two_proportions

    detectable = mde_z(se, alpha) if se > 0 else None
    if detectable is not None and detectable > max(q_a, 1 - q_a):
        detectable = math.inf  # larger than any accuracy difference that is possible
    if small:
        test, stat, p = "Fisher's exact test", odds_stat, p_f
        why = "summary numbers, independent test sets, small counts (an expected cell below 5)"
    else:
        test, stat, p = "two-proportion z-test (pooled)", z, p_z
        why = "summary numbers (accuracy and n), independent test sets"
    code, text = decide(
        difference=diff,
        p_value=p,
        alpha=alpha,
        higher_is_better=higher_is_better,
        margin=margin,
        equivalence_ci=eq_ci,
        detectable=detectable,
        ci=ci,
        ci_level=1 - alpha,
        label_a=label_a,
        label_b=label_b,
    )
    z_line = TestLine("two-proportion z-test (pooled)", z, p_z)
    fisher_line = TestLine(
        "Fisher's exact test",
        odds_stat,
        p_f,
        note="statistic: odds ratio (B vs A)"
        if odds_stat is not None
        else "the odds ratio is undefined: no correct (or no wrong) answers on either side",
    )
    others = [z_line if small else fisher_line]
    n_unpaired = n_two_proportions(h, alpha)
    power = (
        f"{describe_n(n_unpaired, 'test examples per model')} would detect "
        f"{num(q_a)} vs {num(q_b)} with 80% power unpaired"
    )
    n_paired = n_mcnemar(diff, 0.10, alpha)
    if math.isfinite(n_paired):
        power += f"; {describe_n(n_paired, 'examples')} paired at a 10% disagreement rate"
    w_a, w_b = wilson(x_a, n_a, alpha), wilson(x_b, n_b, alpha)
    warnings = [PAIRED_NOTE]
    if same_test_set:
        warnings.insert(
            0,
            "A and B were measured on the same test set: a paired test is "
            "impossible without per-example predictions (the disagreement counts)",
        )
    for p_in, x, n, name in ((p_a, x_a, n_a, label_a), (p_b, x_b, n_b, label_b)):
        if abs(p_in * n - x) > 1e-6 * n:
            warnings.append(f"{name}: {p_in:g} of {n} read as {x}/{n} correct")
    return Result(
        kind="props",
        test=test,
        why=why,
        verdict=code,
        verdict_text=text,
        n_a=n_a,
        n_b=n_b,
        alpha=alpha,
        statistic=stat,
        p_value=p,
        difference=diff,
        ci_low=ci[0],
        ci_high=ci[1],
        ci_level=1 - alpha,
        effect_size=h,
        effect_name="Cohen's h",
        mean_a=q_a,
        mean_b=q_b,
        higher_is_better=higher_is_better,
        margin=margin,
        detectable=detectable,
        power_text=power,
        label_a=label_a,
        label_b=label_b,
        others=others,
        extra={
            "count_a": x_a,
            "count_b": x_b,
            "wilson_a": list(w_a),
            "wilson_b": list(w_b),
            "ci_method": "score interval inverting the pooled z-test",
            "newcombe_ci": list(newcombe_ci),
            "odds_ratio": odds,
            "z": z,
            "p_z": p_z,
            "p_fisher": p_f,
            "n_per_model_80": n_unpaired,
            "n_paired_80_at_10pct": n_paired,
            "z_crit": float(norm.isf(alpha / 2)),
        },
        warnings=warnings,
    )
