"""Several comparisons: adjusted p-values (Holm, Bonferroni, Benjamini-Hochberg), and many
models over many datasets (Friedman, Iman-Davenport, Nemenyi's critical difference)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mlpm.errors import UsageError
from mlpm.stats.checks import quiet

METHODS = {"holm": "Holm", "bonferroni": "Bonferroni", "bh": "Benjamini-Hochberg"}


@quiet
def adjust(p_values: Sequence[float], method: str = "holm") -> list[float]:
    """Adjusted p-values, in the input order (Holm controls the family-wise error; BH the
    false discovery rate)."""
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
    if method == "bh":
        running = 1.0
        for rank in range(m - 1, -1, -1):
            i = order[rank]
            running = min(running, ps[i] * m / (rank + 1))
            out[i] = min(1.0, running)
        return out
    raise UsageError(f"unknown adjustment {method!r}: use one of {', '.join(METHODS)}")


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
    chi2 = p = ff = p_ff = None
    if np.all(np.ptp(data, axis=1) == 0):
        warnings.append("every model scores the same on every dataset: nothing to rank")
        p = 1.0
    else:
        res = stats.friedmanchisquare(*data.T)
        chi2, p = float(res.statistic), float(res.pvalue)
        denom = n * (k - 1) - chi2
        if denom > 0:
            ff = (n - 1) * chi2 / denom
            p_ff = float(stats.f.sf(ff, k - 1, (k - 1) * (n - 1)))
        else:
            ff, p_ff = math.inf, 0.0
    q = float(stats.studentized_range.isf(alpha, k, np.inf) / math.sqrt(2))
    cd = q * math.sqrt(k * (k + 1) / (6 * n))
    decisive = p_ff if p_ff is not None else p
    pairs: list[tuple[str, str, float]] = []
    if decisive is not None and decisive < alpha:
        for i in range(k):
            for j in range(k):
                gap = float(mean_ranks[j] - mean_ranks[i])
                if gap > cd:
                    pairs.append((str(models[i]), str(models[j]), gap))
        text = (
            f"the models differ (Iman-Davenport p = {decisive:.3g}); "
            f"{len(pairs)} pair(s) differ by more than the critical difference"
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
    columns: dict[str, Sequence[float]],
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
    testable = [r for r in results if r.p_value is not None]
    adjusted = iter(adjust([r.p_value for r in testable], method))
    rows = []
    for model, r in zip(others, results, strict=True):
        if r.p_value is None:
            rows.append(BaselineRow(model, r, math.nan, r.verdict, r.verdict_text))
            continue
        p_adj = next(adjusted)
        code, text = decide(
            difference=r.difference,
            p_value=p_adj,
            alpha=alpha,
            higher_is_better=higher_is_better,
            detectable=r.detectable,
            label_a=baseline,
            label_b=model,
        )
        r.extra["p_adjusted"] = p_adj
        r.extra["adjustment"] = METHODS[method]
        r.verdict, r.verdict_text = code, text
        rows.append(BaselineRow(model, r, p_adj, code, text))
    return rows
