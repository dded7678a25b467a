"""Per-example predictions of two models on the same test set.

McNemar on the disagreements decides (exact binomial; mid-p shown). A paired bootstrap gives
CIs of the accuracy and macro-F1 differences, and a paired permutation test (swapping A's and
B's prediction on random examples) gives their p-values.

Both resamplings work on counts: the examples fall into cells (true label, A's label, B's
label), a bootstrap resample is a multinomial draw over the cells, and a permutation swaps a
binomial number of each cell's examples. This is exactly the same distribution as resampling
examples, at a cost that depends on the number of distinct cells, not of examples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mlpm.stats.checks import check_alpha, check_margin, quiet
from mlpm.stats.fmt import monte_carlo_p, num, pval
from mlpm.stats.power import fewest_pairs
from mlpm.stats.result import Result, TestLine, floored
from mlpm.stats.verdict import cannot_reach, decide
from mlpm.wording import counted


@dataclass(slots=True)
class McNemar:
    b: int  # A right, B wrong
    c: int  # A wrong, B right
    p_exact: float
    p_mid: float
    chi2_cc: float | None
    p_chi2_cc: float
    chi2: float | None
    p_chi2: float


def mcnemar(b: int, c: int) -> McNemar:
    """McNemar's test from the disagreement counts; b = c = 0 gives p = 1 in every variant."""
    from scipy.stats import binom, chi2

    n = b + c
    if n == 0:
        return McNemar(b, c, 1.0, 1.0, None, 1.0, None, 1.0)
    k = min(b, c)
    p_exact = min(1.0, float(2 * binom.cdf(k, n, 0.5)))
    p_mid = floored(min(1.0, p_exact - float(binom.pmf(k, n, 0.5))))
    p_exact = floored(p_exact)
    stat_cc = (abs(b - c) - 1) ** 2 / n
    stat = (b - c) ** 2 / n
    return McNemar(
        b,
        c,
        p_exact,
        p_mid,
        stat_cc,
        floored(float(chi2.sf(stat_cc, 1))),
        stat,
        floored(float(chi2.sf(stat, 1))),
    )


def disagreements(y_true: Any, pred_a: Any, pred_b: Any) -> tuple[int, int]:
    """(b, c): examples A got right and B wrong, and the reverse."""
    import numpy as np

    right_a = np.equal(y_true, pred_a)
    right_b = np.equal(y_true, pred_b)
    b = int(np.count_nonzero(right_a & ~right_b))
    c = int(np.count_nonzero(right_b & ~right_a))
    return b, c


def _cells(y: Any, pa: Any, pb: Any, k: int) -> tuple[Any, Any, Any, Any]:
    """Distinct (true, A, B) label triples and how many examples fall in each."""
    import numpy as np

    if k**3 >= 2**62:  # the packed code would overflow: group the rows directly
        rows, counts = np.unique(np.stack([y, pa, pb], axis=1), axis=0, return_counts=True)
        return rows[:, 0], rows[:, 1], rows[:, 2], counts
    code = y.astype(np.int64)  # one 8-byte array for 10 million examples, built in place
    code *= k
    code += pa
    code *= k
    code += pb
    if k**3 <= 4_000_000:  # few labels: counting beats sorting (10 million examples in ~0.1 s)
        full = np.bincount(code, minlength=k**3)
        keys = np.flatnonzero(full)
        counts = full[keys]
    else:
        keys, counts = np.unique(code, return_counts=True)
    return keys // (k * k), (keys // k) % k, keys % k, counts


def _indicator(keys: Any, k: int) -> Any:
    """A sparse (k x cells) matrix with a 1 where cell j has key i."""
    import numpy as np
    from scipy.sparse import csr_matrix

    cells = keys.size
    return csr_matrix((np.ones(cells), (keys, np.arange(cells))), shape=(k, cells))


class _Scorer:
    """Accuracy and macro-F1 for rows of cell weights, for fixed cell labels and predictions.

    Per-class sums are sparse indicator products: one pass over the weights whatever the
    number of classes."""

    def __init__(self, yc: Any, pc: Any, k: int) -> None:
        self.hit = yc == pc
        self.tp = _indicator(yc[self.hit], k)
        self.true = _indicator(yc, k)
        self.pred = _indicator(pc, k)

    def __call__(self, w: Any) -> tuple[Any, Any]:
        import numpy as np

        n = w.sum(axis=1)
        hits = w[:, self.hit]
        acc = hits.sum(axis=1) / n
        tp = (self.tp @ hits.T).T
        denom = (self.true @ w.T).T + (self.pred @ w.T).T
        present = denom > 0
        f1 = np.where(present, 2 * tp / np.where(present, denom, 1), 0.0)
        return acc, f1.sum(axis=1) / present.sum(axis=1)


def _scores(w: Any, yc: Any, pc: Any, k: int) -> tuple[Any, Any]:
    """Accuracy and macro-F1 for each row of cell weights `w` (labels yc, predictions pc)."""
    return _Scorer(yc, pc, k)(w)


def macro_f1(y: Any, pred: Any, k: int) -> float:
    """Macro-F1 over the labels present in y or pred (as scikit-learn's default)."""
    import numpy as np

    yc, pc, _, counts = _cells(np.asarray(y), np.asarray(pred), np.zeros_like(pred), k)
    return float(_scores(counts[None, :].astype(float), yc, pc, k)[1][0])


def _boot_weights(rng: Any, counts: Any, rows: int) -> Any:
    import numpy as np

    n = int(counts.sum())
    if counts.size <= max(64, n // 8):
        return rng.multinomial(n, counts / n, size=rows).astype(float)
    cell_of = np.repeat(np.arange(counts.size), counts)
    idx = np.take(cell_of, rng.integers(0, n, size=(rows, n)))
    idx += (np.arange(rows) * counts.size)[:, None]
    return np.bincount(idx.ravel(), minlength=rows * counts.size).reshape(rows, -1).astype(float)


def resample_scores(
    y: Any, pa: Any, pb: Any, k: int, *, resamples: int, seed: int, chunk: int = 1000
) -> dict[str, Any]:
    """Paired bootstrap and permutation distributions of the accuracy and macro-F1 differences
    (B - A). Returns the observed differences, the bootstrap samples and the permutation hits."""
    import numpy as np

    yc, ac, bc, counts = _cells(y, pa, pb, k)
    w0 = counts[None, :].astype(float)
    acc_a, f1_a = _scores(w0, yc, ac, k)
    acc_b, f1_b = _scores(w0, yc, bc, k)
    obs_acc, obs_f1 = float(acc_b[0] - acc_a[0]), float(f1_b[0] - f1_a[0])
    rng = np.random.default_rng(seed)
    boot_acc, boot_f1 = np.empty(resamples), np.empty(resamples)
    hits_acc = hits_f1 = 0
    y2, pa2, pb2 = np.r_[yc, yc], np.r_[ac, bc], np.r_[bc, ac]
    tol = 1e-12
    # Keep each chunk's arrays near 32 MB whatever the number of cells.
    n = int(counts.sum())
    per_row = counts.size if counts.size <= max(64, n // 8) else n + counts.size
    chunk = max(1, min(chunk, 4_000_000 // per_row))
    score_a, score_b = _Scorer(yc, ac, k), _Scorer(yc, bc, k)
    perm_a, perm_b = _Scorer(y2, pa2, k), _Scorer(y2, pb2, k)
    single = counts == 1
    many = int((~single).sum())
    for start in range(0, resamples, chunk):
        rows = min(chunk, resamples - start)
        w = _boot_weights(rng, counts, rows)
        a_acc, a_f1 = score_a(w)
        b_acc, b_f1 = score_b(w)
        boot_acc[start : start + rows] = b_acc - a_acc
        boot_f1[start : start + rows] = b_f1 - a_f1
        swapped = np.empty((rows, counts.size))
        if single.any():  # a lone example is swapped or not: one random bit, no binomial
            swapped[:, single] = rng.integers(0, 2, size=(rows, int(single.sum())))
        if not single.all():
            swapped[:, ~single] = rng.binomial(counts[~single], 0.5, size=(rows, many))
        kept = counts[None, :] - swapped
        wa = np.concatenate([kept, swapped], axis=1)  # A's side: own label kept or B's label
        pa_acc, pa_f1 = perm_a(wa)
        pb_acc, pb_f1 = perm_b(wa)
        hits_acc += int(np.count_nonzero(np.abs(pb_acc - pa_acc) >= abs(obs_acc) - tol))
        hits_f1 += int(np.count_nonzero(np.abs(pb_f1 - pa_f1) >= abs(obs_f1) - tol))
    return {
        "acc_a": float(acc_a[0]),
        "acc_b": float(acc_b[0]),
        "f1_a": float(f1_a[0]),
        "f1_b": float(f1_b[0]),
        "diff_acc": obs_acc,
        "diff_f1": obs_f1,
        "boot_acc": boot_acc,
        "boot_f1": boot_f1,
        "hits_acc": hits_acc,
        "hits_f1": hits_f1,
    }


@quiet
def compare_predictions(
    y_true: Any,
    pred_a: Any,
    pred_b: Any,
    *,
    n_labels: int | None = None,
    alpha: float = 0.05,
    margin: float | None = None,
    resamples: int = 10_000,
    seed: int = 0,
    gain: float | None = None,
    label_a: str = "A",
    label_b: str = "B",
) -> Result:
    """Compare two models' predictions (integer label codes, aligned by example)."""
    import numpy as np

    from mlpm.stats.power import describe_n, mde_z, n_mcnemar
    from mlpm.stats.resampling import percentile_ci

    check_alpha(alpha)
    check_margin(margin)
    y, pa, pb = (np.asarray(v, dtype=np.int64) for v in (y_true, pred_a, pred_b))
    n = int(y.size)
    k = int(n_labels or (max(int(y.max()), int(pa.max()), int(pb.max())) + 1))
    b, c = disagreements(y, pa, pb)
    mc = mcnemar(b, c)
    res = resample_scores(y, pa, pb, k, resamples=resamples, seed=seed)
    diff = res["diff_acc"]
    ci = percentile_ci(res["boot_acc"], alpha)
    eq_ci = percentile_ci(res["boot_acc"], 2 * alpha)
    f1_ci = percentile_ci(res["boot_f1"], alpha)
    p_acc, t_acc, bound_acc = monte_carlo_p(res["hits_acc"], resamples)
    p_f1, t_f1, bound_f1 = monte_carlo_p(res["hits_f1"], resamples)
    p_disc = (b + c) / n
    se = math.sqrt(max(p_disc - diff**2, 0.0) / n)
    detectable = mde_z(se, alpha) if se > 0 else None
    if detectable is not None and detectable > max(res["acc_a"], 1 - res["acc_a"]):
        detectable = math.inf  # larger than any accuracy difference that is possible
    warnings: list[str] = []
    if b + c == 0:
        warnings.append(
            "A and B are right and wrong on exactly the same examples: "
            "McNemar's p is 1 and there is nothing to resample"
        )
    if b + c < 25:
        warnings.append(f"only {b + c} disagreements: the exact test has little power")
    shown_ci: tuple[float | None, float | None] = (None, None) if b + c == 0 else ci
    fewest = fewest_pairs(alpha)
    if 0 < b + c < fewest:
        code, text = cannot_reach(
            "McNemar's exact test",
            min(1.0, 2 * 0.5 ** (b + c)),
            alpha,
            f"{counted(b + c, 'disagreement')}",
            f"at least {fewest} examples where A and B disagree",
        )
    else:
        code, text = decide(
            difference=diff,
            p_value=mc.p_exact,
            alpha=alpha,
            higher_is_better=True,
            margin=margin,
            equivalence_ci=eq_ci,
            detectable=detectable,
            ci=shown_ci,
            ci_level=1 - alpha,
            label_a=label_a,
            label_b=label_b,
        )
    target = abs(gain) if gain is not None else abs(diff)
    power = ""
    if target > 0 and p_disc > 0:
        need = n_mcnemar(target, p_disc, alpha)
        power = (
            f"{describe_n(need, 'test examples', fewest)} would detect an accuracy gain of "
            f"{num(target, 3)} with 80% power at this disagreement rate "
            f"({num(100 * p_disc, 3)}%)"
        )
    odds = c / b if b else (math.inf if c else None)
    return Result(
        kind="preds",
        test="McNemar exact (binomial)",
        why="same test set, per-example predictions: McNemar uses only the examples where A and "
        "B disagree",
        verdict=code,
        verdict_text=text,
        statistic=float(min(b, c)),
        p_value=mc.p_exact,
        p_text=pval(mc.p_exact),
        difference=diff,
        ci_low=shown_ci[0],
        ci_high=shown_ci[1],
        ci_level=1 - alpha,
        effect_size=odds,
        effect_name="odds ratio c/b (B-only right : A-only right)",
        mean_a=res["acc_a"],
        mean_b=res["acc_b"],
        margin=margin,
        detectable=detectable,
        power_text=power,
        seed=seed,
        resamples=resamples,
        n_a=n,
        n_b=n,
        alpha=alpha,
        label_a=label_a,
        label_b=label_b,
        metric="accuracy",
        others=[
            TestLine("McNemar mid-p", float(min(b, c)), mc.p_mid),
            TestLine("McNemar chi-square (continuity corrected)", mc.chi2_cc, mc.p_chi2_cc),
            TestLine(
                "paired permutation, accuracy",
                diff,
                p_acc,
                p_text=t_acc,
                note=f"{resamples} resamples, seed {seed}",
            ),
            TestLine(
                "paired permutation, macro-F1",
                res["diff_f1"],
                p_f1,
                p_text=t_f1,
                note=f"macro-F1 {num(res['f1_a'])} vs {num(res['f1_b'])}, difference "
                f"{num(res['diff_f1'])}, {round(100 * (1 - alpha)):g}% bootstrap CI "
                f"[{num(f1_ci[0])}, {num(f1_ci[1])}]",
            ),
        ],
        warnings=warnings,
        extra={
            "b": b,
            "c": c,
            "p_mid": mc.p_mid,
            "chi2_cc": mc.chi2_cc,
            "p_chi2_cc": mc.p_chi2_cc,
            "accuracy_a": res["acc_a"],
            "accuracy_b": res["acc_b"],
            "macro_f1_a": res["f1_a"],
            "macro_f1_b": res["f1_b"],
            "macro_f1_difference": res["diff_f1"],
            "macro_f1_ci": list(f1_ci),
            "p_perm_accuracy": p_acc,
            "p_perm_accuracy_is_bound": bound_acc,
            "p_perm_macro_f1": p_f1,
            "p_perm_macro_f1_is_bound": bound_f1,
            "disagreement_rate": p_disc,
            "labels": k,
            "constant_difference": b + c == 0,
        },
    )
