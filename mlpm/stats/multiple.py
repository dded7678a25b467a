"""Several comparisons: adjusted p-values (Holm, Hommel, Bonferroni, Benjamini-Hochberg), and
many models over many datasets (Friedman, Iman-Davenport, Nemenyi's critical difference)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlpm.errors import UsageError
from mlpm.stats.checks import quiet
from mlpm.stats.result import floor_p
from mlpm.wording import counted

METHODS = {
    "holm": "Holm",
    "hommel": "Hommel",
    "bonferroni": "Bonferroni",
    "bh": "Benjamini-Hochberg",
}
EXACT_WORK = 100_000  # exact Friedman: give up past this many (state, permutation) steps (~0.2 s)


@quiet
def adjust(p_values: Sequence[float], method: str = "holm") -> list[float]:
    """Adjusted p-values, in the input order (Holm and Hommel control the family-wise error,
    Hommel's more powerfully for independent or positively dependent tests; BH the false
    discovery rate)."""
    ps = [float(p) for p in p_values]
    for i, p in enumerate(ps, start=1):
        if not (math.isfinite(p) and 0 <= p <= 1):
            raise UsageError(f"p-value {i} ({p}) is not between 0 and 1")
    m = len(ps)
    if m == 0:
        return []
    order = sorted(range(m), key=lambda i: ps[i])
    out = [0.0] * m
    if method == "bonferroni":
        return [min(1.0, p * m) for p in ps]
    if method == "holm":
        running = 0.0
        for rank, i in enumerate(order):
            running = max(running, min(1.0, (m - rank) * ps[i]))
            out[i] = running
        return out
    if method == "hommel":
        return _hommel(ps, order)
    if method == "bh":
        running = 1.0
        for rank in range(m - 1, -1, -1):
            i = order[rank]
            running = min(running, ps[i] * m / (rank + 1))
            out[i] = min(1.0, running)
        return out
    raise UsageError(f"unknown adjustment {method!r}: use one of {', '.join(METHODS)}")


def _hommel(ps: list[float], order: list[int]) -> list[float]:
    """Hommel's adjusted p-values (the closed-testing form statsmodels uses)."""
    m = len(ps)
    p = [ps[i] for i in order]  # ascending
    a = p[:]
    for size in range(m, 1, -1):
        tail = p[m - size :]
        cim = min(size * tail[j] / (j + 1) for j in range(size))
        for j in range(m - size, m):
            a[j] = max(a[j], cim)
        for j in range(m - size):
            a[j] = max(a[j], min(size * p[j], cim))
    out = [0.0] * m
    for rank, i in enumerate(order):
        out[i] = min(1.0, a[rank])
    return out


def exact_friedman_p(rank_sum_squares: float, n: int, k: int) -> float | None:
    """P(sum of squared column rank sums >= observed) when every row's ranking is an equally
    likely permutation (no ties), by counting rank-sum vectors row by row; None when the
    vectors would be too many to count."""
    from collections import Counter
    from itertools import permutations

    perms = list(permutations(range(1, k + 1)))
    states: Counter[tuple[int, ...]] = Counter({(0,) * k: 1})
    work = 0
    for _ in range(n):
        work += len(states) * len(perms)
        if work > EXACT_WORK:
            return None
        step: Counter[tuple[int, ...]] = Counter()
        for sums, count in states.items():
            for perm in perms:
                step[tuple(s + r for s, r in zip(sums, perm, strict=True))] += count
        # Column order does not change the statistic: keep one sorted representative.
        states = Counter()
        for sums, count in step.items():
            states[tuple(sorted(sums))] += count
    total = math.factorial(k) ** n
    hits = sum(
        c for sums, c in states.items() if sum(v * v for v in sums) >= rank_sum_squares - 1e-9
    )
    return hits / total


@dataclass(slots=True)
class RankResult:
    """Friedman / Iman-Davenport / Nemenyi over a table (rows: datasets, columns: models)."""

    models: list[str]
    n_datasets: int
    mean_ranks: list[float]
    chi2: float | None
    p_friedman: float | None
    iman_davenport: float | None
    p_iman_davenport: float | None
    critical_difference: float
    q_alpha: float
    alpha: float
    verdict_text: str
    different_pairs: list[tuple[str, str, float]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    p_exact: float | None = None  # exact Friedman p (no ties, small tables)
    p_decisive: float | None = None  # the p the verdict uses (floored at 1e-300)
    p_floor: bool = False

    def to_json(self) -> dict[str, Any]:
        from mlpm.stats.result import _clean_json

        return _clean_json(
            {
                "kind": "multi",
                "test": "Friedman + Iman-Davenport, Nemenyi",
                "models": self.models,
                "n_datasets": self.n_datasets,
                "mean_ranks": dict(zip(self.models, self.mean_ranks, strict=True)),
                "statistic": self.chi2,
                "p_value": self.p_friedman,
                "iman_davenport": self.iman_davenport,
                "p_iman_davenport": self.p_iman_davenport,
                "p_exact": self.p_exact,
                "p_decisive": self.p_decisive,
                "p_floor": self.p_floor,
                "critical_difference": self.critical_difference,
                "q_alpha": self.q_alpha,
                "alpha": self.alpha,
                "verdict_text": self.verdict_text,
                "different_pairs": [
                    {"better": a, "worse": b, "rank_gap": gap} for a, b, gap in self.different_pairs
                ],
                "warnings": self.warnings,
            }
        )


@quiet
def friedman_nemenyi(
    table: Sequence[Sequence[float]],
    models: Sequence[str],
    *,
    alpha: float = 0.05,
    higher_is_better: bool = True,
) -> RankResult:
    """Rank the models on each dataset (1 = best, ties averaged), then test (Demšar 2006)."""
    import numpy as np
    from scipy import stats

    from mlpm.stats.checks import as_array

    data = (
        np.asarray([as_array(row, f"row {i}") for i, row in enumerate(table, start=1)])
        if len(table)
        else np.empty((0, 0))
    )
    n, k = data.shape if data.ndim == 2 else (0, 0)
    if k < 3:
        raise UsageError(
            f"a Friedman test needs at least 3 models (got {k}); for two, use "
            "mlpm sig seeds --paired"
        )
    if n < 2:
        raise UsageError(f"a Friedman test needs at least 2 datasets (rows), got {n}")
    ranks = stats.rankdata(-data if higher_is_better else data, axis=1)
    mean_ranks = ranks.mean(axis=0)
    warnings: list[str] = []
    chi2: float | None = None
    p: float | None = None
    ff: float | None = None
    p_ff: float | None = None
    p_exact: float | None = None
    if np.all(np.ptp(data, axis=1) == 0):
        warnings.append("every model scores the same on every dataset: nothing to rank")
        p = 1.0
    else:
        res = stats.friedmanchisquare(*data.T)
        chi2, p = float(res.statistic), float(res.pvalue)
        no_ties = all(np.unique(row).size == k for row in data)
        if no_ties:
            squares = float((ranks.sum(axis=0) ** 2).sum())
            p_exact = exact_friedman_p(squares, n, k)
            if p_exact is None and np.all(ranks == ranks[0]):
                # Every dataset ranks the models alike: only the k! tables where all rows
                # share one ranking are as extreme, so p = k! / k!^n.
                p_exact = math.exp((1 - n) * math.lgamma(k + 1))
        denom = n * (k - 1) - chi2
        if denom > 1e-9 * n * (k - 1):
            ff = (n - 1) * chi2 / denom
            p_ff = float(stats.f.sf(ff, k - 1, (k - 1) * (n - 1)))
        else:
            ff = math.inf  # every dataset ranks alike: F is infinite and its p meaningless
            warnings.append(
                "every dataset ranks the models alike: the Iman-Davenport F is infinite, so "
                "the exact Friedman p decides"
                if p_exact is not None
                else "every dataset ranks the models alike: the Iman-Davenport F is infinite"
            )
    q = float(stats.studentized_range.isf(alpha, k, np.inf) / math.sqrt(2))
    cd = q * math.sqrt(k * (k + 1) / (6 * n))
    decisive: float | None
    if p_exact is not None:
        decisive, name = p_exact, "exact Friedman"
    elif p_ff is not None:
        decisive, name = p_ff, "Iman-Davenport"
    else:
        decisive, name = p, "Friedman"
    decisive, floored = floor_p(decisive)
    pairs: list[tuple[str, str, float]] = []
    if decisive is not None and decisive < alpha:
        for i in range(k):
            for j in range(k):
                gap = float(mean_ranks[j] - mean_ranks[i])
                if gap > cd:
                    pairs.append((str(models[i]), str(models[j]), gap))
        shown = "< 1e-300" if floored else f"= {decisive:.3g}"
        text = (
            f"the models differ ({name} p {shown}); "
            f"{counted(len(pairs), 'pair')} differ by more than the critical difference"
        )
    else:
        text = "no detectable difference between the models"
    if n < 10:
        warnings.append(
            f"only {n} datasets: Nemenyi's test has little power (Demšar suggests 10 or more)"
        )
    return RankResult(
        models=[str(m) for m in models],
        n_datasets=n,
        mean_ranks=[float(r) for r in mean_ranks],
        chi2=chi2,
        p_friedman=p,
        iman_davenport=ff,
        p_iman_davenport=p_ff,
        critical_difference=cd,
        q_alpha=q,
        alpha=alpha,
        verdict_text=text,
        different_pairs=pairs,
        warnings=warnings,
        p_exact=p_exact,
        p_decisive=decisive,
        p_floor=floored,
    )


@dataclass(slots=True)
class BaselineRow:
    model: str
    result: Any  # mlpm.stats.result.Result
    p_adjusted: float
    verdict: str
    verdict_text: str


@quiet
def against_baseline(
    columns: Mapping[str, Sequence[float]],
    baseline: str,
    *,
    paired: bool = False,
    method: str = "holm",
    alpha: float = 0.05,
    higher_is_better: bool = True,
) -> list[BaselineRow]:
    """Compare every column with the baseline column, then adjust the p-values together.

    A configuration is called better or worse only when its adjusted p is below alpha.
    """
    from mlpm.stats import compare_samples
    from mlpm.stats.verdict import decide

    if method not in METHODS:
        raise UsageError(f"unknown adjustment {method!r}: use one of {', '.join(METHODS)}")
    if baseline not in columns:
        raise UsageError(f"no column {baseline!r} (columns: {', '.join(columns)})")
    others = [m for m in columns if m != baseline]
    if not others:
        raise UsageError("nothing to compare with the baseline: add more columns")
    results = [
        compare_samples(
            columns[baseline],
            columns[m],
            paired=paired,
            alpha=alpha,
            higher_is_better=higher_is_better,
            label_a=baseline,
            label_b=m,
        )
        for m in others
    ]
    raw = [r.p_value for r in results if r.p_value is not None]
    adjusted = iter(adjust(raw, method))
    rows = []
    for model, r in zip(others, results, strict=True):
        if r.p_value is None:
            rows.append(BaselineRow(model, r, math.nan, r.verdict, r.verdict_text))
            continue
        p_adj = next(adjusted)
        if r.verdict == "too_few":  # no test could decide: adjusting cannot change that
            code, text = r.verdict, r.verdict_text
        else:
            code, text = decide(
                difference=r.difference,
                p_value=p_adj,
                alpha=alpha,
                higher_is_better=higher_is_better,
                detectable=r.detectable,
                # The interval is unadjusted: it guards a "better" verdict (an adjusted p
                # below alpha implies a raw one, so the same-method interval excludes 0), but
                # an adjusted p above alpha with an interval excluding 0 is the adjustment's
                # doing, not a disagreement.
                ci=(r.ci_low, r.ci_high) if p_adj < alpha else None,
                ci_level=r.ci_level,
                label_a=baseline,
                label_b=model,
            )
            if code == "no_difference" and r.p_value < alpha <= p_adj:
                text += f" (after {METHODS[method]} adjustment; the raw p is below alpha)"
        r.extra["p_adjusted"] = p_adj
        r.extra["adjustment"] = METHODS[method]
        r.verdict, r.verdict_text = code, text
        rows.append(BaselineRow(model, r, p_adj, code, text))
    return rows
