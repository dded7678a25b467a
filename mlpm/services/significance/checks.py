"""One function per significance check, taking plain values and returning one typed result.

Numbers may be given as text (comma- or space-separated, or the path of a file holding them,
as the CLI passes them) or as sequences of floats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mlpm.errors import UsageError
from mlpm.services.significance.results import BaselineCheck, RankCheck, SampleCheck
from mlpm.services.significance.tallies import AdjustCheck, RegressionCheck

Numbers = str | Sequence[float]


def _numbers(values: Numbers, name: str) -> list[float]:
    from mlpm.stats.checks import finite_list
    from mlpm.stats.inputs import parse_numbers

    if isinstance(values, str):
        return parse_numbers(values, name)
    return finite_list(values, name)


def _number(text: str | float, name: str, position: int = 1) -> float:
    """One number, typed or given, refused in the statistics' own words when it is no
    finite number."""
    from mlpm.stats.checks import finite_list

    try:
        value = float(text)
    except (TypeError, ValueError):
        raise UsageError(f"{name}: value {position} ({text!r}) is not a number") from None
    return finite_list([value], name)[0]


def props(
    acc_a: str | float,
    acc_b: str | float,
    n_a: int,
    n_b: int | None = None,
    *,
    same_test_set: bool = False,
    higher_is_better: bool = True,
    margin: float | None = None,
    alpha: float = 0.05,
) -> SampleCheck:
    """Two accuracies from summary numbers. Typed accuracies keep their precision: each
    accuracy times its n must be a whole count at the decimals it was written with."""
    from mlpm.stats.props import decimals, two_proportions

    p_a, p_b = _number(acc_a, "A"), _number(acc_b, "B")
    places = tuple(decimals(v.strip() if isinstance(v, str) else v) for v in (acc_a, acc_b))
    result = two_proportions(
        p_a,
        p_b,
        n_a,
        n_b,
        alpha=alpha,
        margin=margin,
        higher_is_better=higher_is_better,
        same_test_set=same_test_set,
        places=(places[0], places[1]),
    )
    return SampleCheck(result, {"acc_a": p_a, "acc_b": p_b, "n_a": n_a, "n_b": n_b or n_a})


@dataclass(frozen=True, slots=True)
class FoldDesign:
    """How seed scores were produced: independent runs, k-fold folds, or a 5x2cv layout."""

    kind: str  # "runs", "folds" (Nadeau-Bengio) or "5x2"
    test_train_ratio: float | None = None


def fold_design(cv: str | None, test_ratio: float | None, n_scores: int = 0) -> FoldDesign:
    """The design from --cv (k or 5x2) / --test-ratio. With --cv k the scores must be the k
    fold scores of one or more repetitions (a multiple of k); the test ratio is 1/(k-1)."""
    if cv is not None and test_ratio is not None:
        raise UsageError("give --cv or --test-ratio, not both")
    if test_ratio is not None:
        return FoldDesign("folds", test_ratio)
    if cv is None:
        return FoldDesign("runs")
    text = cv.strip().lower()
    if text in ("5x2", "5x2cv"):
        return FoldDesign("5x2")
    try:
        k = int(text)
    except ValueError:
        raise UsageError(f"--cv takes the number of folds k, or 5x2 (got {cv!r})") from None
    if k < 2:
        raise UsageError(f"--cv needs at least 2 folds (got {k})")
    if n_scores % k:
        raise UsageError(
            f"--cv {k} needs the {k} fold scores of each repetition (a multiple of {k} values "
            f"a side); got {n_scores}"
        )
    return FoldDesign("folds", 1 / (k - 1))


def seeds(
    scores_a: Numbers,
    scores_b: Numbers,
    *,
    paired: bool = False,
    cv: str | None = None,
    test_ratio: float | None = None,
    gain: float | None = None,
    seed: int | None = None,
    higher_is_better: bool = True,
    margin: float | None = None,
    alpha: float = 0.05,
) -> SampleCheck:
    """Scores of runs over seeds (or cross-validation folds): the test follows the design,
    5x2cv, Nadeau-Bengio for folds, else paired or unpaired samples."""
    a, b = _numbers(scores_a, "A"), _numbers(scores_b, "B")
    design = fold_design(cv, test_ratio, max(len(a), len(b)))
    if design.kind == "5x2":
        from mlpm.stats.paired import five_by_two

        if margin is not None or gain is not None:
            raise UsageError("--margin and --gain are not available with --cv 5x2")
        result = five_by_two(a, b, alpha=alpha, higher_is_better=higher_is_better)
    elif design.kind == "folds":
        from mlpm.stats.paired import nadeau_bengio

        result = nadeau_bengio(
            a,
            b,
            test_train_ratio=design.test_train_ratio or 0.0,
            alpha=alpha,
            higher_is_better=higher_is_better,
            margin=margin,
            gain=gain,
        )
    else:
        from mlpm.stats import compare_samples

        result = compare_samples(
            a,
            b,
            paired=paired,
            alpha=alpha,
            higher_is_better=higher_is_better,
            margin=margin,
            gain=gain,
            seed=seed,
        )
    inputs = {"a": a, "b": b, "paired": paired, "cv": cv, "test_ratio": design.test_train_ratio}
    return SampleCheck(result, inputs)


def preds(
    file_a: str,
    file_b: str,
    *,
    truth: str | None = None,
    resamples: int = 10_000,
    seed: int = 0,
    gain: float | None = None,
    margin: float | None = None,
    higher_is_better: bool = True,
    alpha: float = 0.05,
) -> SampleCheck:
    """Per-example predictions on one test set (id, y_true, y_pred), or per-example scores
    (a `score` column: paired bootstrap and sign-flip permutation)."""
    from mlpm.stats.inputs import align, align_scores, has_scores, read_predictions

    pred_a, pred_b = read_predictions(file_a), read_predictions(file_b)
    if has_scores(pred_a, pred_b):
        from mlpm.stats.scores import compare_example_scores

        ids, scores_a, scores_b, notes = align_scores(pred_a, pred_b)
        result = compare_example_scores(
            scores_a,
            scores_b,
            alpha=alpha,
            higher_is_better=higher_is_better,
            margin=margin,
            resamples=resamples,
            seed=seed,
            gain=gain,
        )
        n = len(ids)
    else:
        from mlpm.stats.predictions import compare_predictions

        data = align(pred_a, pred_b, read_predictions(truth) if truth else None)
        result = compare_predictions(
            data.y_true,
            data.pred_a,
            data.pred_b,
            n_labels=len(data.labels),
            alpha=alpha,
            margin=margin,
            resamples=resamples,
            seed=seed,
            gain=gain,
        )
        notes, n = data.notes, len(data.ids)
    result.warnings.extend(notes)
    return SampleCheck(result, {"file_a": file_a, "file_b": file_b, "truth": truth, "n": n})


def multi_ranks(table: str, *, higher_is_better: bool = True, alpha: float = 0.05) -> RankCheck:
    """Rank the models (columns of a CSV table) over its rows (Friedman, Nemenyi)."""
    from mlpm.stats.checks import check_alpha
    from mlpm.stats.inputs import read_table
    from mlpm.stats.multiple import friedman_nemenyi

    check_alpha(alpha)
    data = read_table(table)
    ranks = friedman_nemenyi(
        data.values, data.models, alpha=alpha, higher_is_better=higher_is_better
    )
    return RankCheck(ranks, {"table": table})


def multi_baseline(
    table: str,
    baseline: str,
    *,
    method: str = "holm",
    paired: bool = False,
    higher_is_better: bool = True,
    alpha: float = 0.05,
) -> BaselineCheck:
    """Every column of a CSV table against the baseline column, p-values adjusted together."""
    from mlpm.stats.checks import check_alpha
    from mlpm.stats.inputs import read_table
    from mlpm.stats.multiple import against_baseline

    check_alpha(alpha)
    data = read_table(table)
    columns: dict[str, Sequence[float]] = {
        m: [row[i] for row in data.values] for i, m in enumerate(data.models)
    }
    rows = against_baseline(
        columns,
        baseline,
        paired=paired,
        method=method,
        alpha=alpha,
        higher_is_better=higher_is_better,
    )
    inputs = {"table": table, "baseline": baseline, "adjust": method}
    return BaselineCheck(baseline, method, alpha, rows, inputs)


def adjust(
    p_values: Sequence[str | float], *, method: str = "holm", alpha: float = 0.05
) -> AdjustCheck:
    """Adjust p-values for several comparisons (text items may hold several, comma- or
    space-separated)."""
    from mlpm.stats.checks import check_alpha
    from mlpm.stats.multiple import adjust as adjusted

    check_alpha(alpha)
    items = [
        part
        for item in p_values
        for part in (item.replace(",", " ").split() if isinstance(item, str) else [item])
    ]
    if not items:
        raise UsageError("p-values: no values")
    raw = [_number(p, "p-values", i) for i, p in enumerate(items, start=1)]
    return AdjustCheck(method, alpha, raw, adjusted(raw, method))


def regression(
    baseline: Numbers, value: Numbers, *, higher_is_better: bool = True, alpha: float = 0.05
) -> RegressionCheck:
    """Is VALUE (one or more new runs) significantly worse than the BASELINE runs?"""
    from mlpm.stats.checks import check_alpha
    from mlpm.stats.regression import regression_check

    check_alpha(alpha)
    base, new = _numbers(baseline, "baseline"), _numbers(value, "value")
    res = regression_check(
        base, new if len(new) > 1 else new[0], higher_is_better=higher_is_better, alpha=alpha
    )
    ratio = res.ratio if res.ratio == res.ratio else None
    return RegressionCheck(
        res.flagged, res.p_value, ratio, res.message, alpha, higher_is_better, base, new
    )
