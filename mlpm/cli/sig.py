"""`mlpm sig ...`: is B really better than A, or lucky? Every check prints a plain verdict
first, then the numbers; `--json` prints the stable fields of `mlpm.stats.result`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from mlpm.cli.output import clean, emit_json, warn

F = Callable[..., Any]


def _common(func: F) -> F:
    """--alpha, --json, --save and --task, shared by every check."""
    for option in reversed(
        [
            click.option(
                "--alpha", type=float, default=0.05, show_default=True, help="Significance level."
            ),
            click.option("--json", "as_json", is_flag=True, help="Print the result as JSON."),
            click.option("--save", is_flag=True, help="Store the result (see `mlpm sig log`)."),
            click.option("--task", "task_id", type=int, help="With --save: link to this task."),
        ]
    ):
        func = option(func)
    return func


def _direction(func: F) -> F:
    func = click.option(
        "--margin", type=float, help="Equivalence margin: call A and B equivalent within +/- this."
    )(func)
    return click.option(
        "--lower-is-better", is_flag=True, help="Lower values are better (loss, error, runtime)."
    )(func)


def _finish(
    result: Any,
    *,
    as_json: bool,
    save: bool,
    task_id: int | None,
    inputs: dict[str, Any],
    runs_a: Sequence[str] = (),
    runs_b: Sequence[str] = (),
) -> None:
    """Save if asked, then print the verdict and numbers (or JSON)."""
    from mlpm.errors import UsageError

    data = result.to_json()
    if task_id is not None and not save:
        raise UsageError("--task goes with --save")
    if save:
        from mlpm.cli.context import open_store
        from mlpm.services import comparisons

        saved = comparisons.save(
            open_store(), data, inputs=inputs, task_id=task_id, runs_a=runs_a, runs_b=runs_b
        )
        data["saved_id"] = saved.id
    if as_json:
        emit_json(data)
        return
    from mlpm.stats.report import render

    click.echo(clean(render(result), multiline=True))
    if save:
        click.echo(f"saved as comparison {data['saved_id']}")


def _save_record(
    record: dict[str, Any], *, save: bool, task_id: int | None, inputs: dict
) -> int | None:
    """Save a check whose result is not a `Result` (adjusted p-values, a regression check)."""
    from mlpm.errors import UsageError

    if task_id is not None and not save:
        raise UsageError("--task goes with --save")
    if not save:
        return None
    from mlpm.cli.context import open_store
    from mlpm.services import comparisons

    return comparisons.save(open_store(), record, inputs=inputs, task_id=task_id).id


@click.group()
@click.pass_context
def sig(ctx: click.Context) -> None:
    """Significance checks: is B really better than A, or lucky?

    Every check prints a verdict first ("B is better than A", "no detectable difference",
    "equivalent within +/-M"), then the difference B - A with its CI, the test and why,
    the p-value, an effect size, power and warnings.

    --json prints stable fields: kind, test, why, statistic, p_value, p_text, difference,
    ci_low, ci_high, effect_size, effect_name, verdict (b_better, a_better, equivalent,
    no_difference, too_few), verdict_text, n_a, n_b, alpha, seed, warnings, others, extra.
    """
    import warnings

    # Caveats are reported in the result's own words; numpy/scipy warnings never reach the
    # terminal (the statistics functions silence them too, for the TUI).
    ctx.with_resource(warnings.catch_warnings())
    warnings.simplefilter("ignore")


@sig.command("props")
@click.argument("acc_a")
@click.argument("acc_b")
@click.option("--n", "n_a", type=int, required=True, help="Test examples behind A (and B).")
@click.option("--n-b", type=int, help="Test examples behind B, when different.")
@click.option("--same-test-set", is_flag=True, help="A and B were scored on the same examples.")
@_direction
@_common
def props(
    acc_a: str,
    acc_b: str,
    n_a: int,
    n_b: int | None,
    same_test_set: bool,
    lower_is_better: bool,
    margin: float | None,
    alpha: float,
    as_json: bool,
    save: bool,
    task_id: int | None,
) -> None:
    """Two accuracies from summary numbers: `mlpm sig props 0.75 0.79 --n 1000`.

    Each accuracy times its n must be a whole number of correct answers, to the precision
    the accuracy is written with (0.751 on 1000 examples is fine; 0.75 on 3 is refused).
    """
    from mlpm.stats.checks import finite_list
    from mlpm.stats.props import decimals, two_proportions

    (p_a,), (p_b,) = finite_list([acc_a], "A"), finite_list([acc_b], "B")
    result = two_proportions(
        p_a,
        p_b,
        n_a,
        n_b,
        alpha=alpha,
        margin=margin,
        higher_is_better=not lower_is_better,
        same_test_set=same_test_set,
        places=(decimals(acc_a.strip()), decimals(acc_b.strip())),
    )
    _finish(
        result,
        as_json=as_json,
        save=save,
        task_id=task_id,
        inputs={"acc_a": p_a, "acc_b": p_b, "n_a": n_a, "n_b": n_b or n_a},
    )


def _cv_ratio(
    cv: str | None, test_ratio: float | None, n_scores: int = 0
) -> tuple[str | None, float | None]:
    """('5x2', None), ('nb', ratio) or (None, None) from --cv / --test-ratio. With --cv k the
    scores must be the k fold scores of one or more repetitions (a multiple of k)."""
    from mlpm.errors import UsageError

    if cv is not None and test_ratio is not None:
        raise UsageError("give --cv or --test-ratio, not both")
    if test_ratio is not None:
        return "nb", test_ratio
    if cv is None:
        return None, None
    text = cv.strip().lower()
    if text in ("5x2", "5x2cv"):
        return "5x2", None
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
    return "nb", 1 / (k - 1)


@sig.command("seeds")
@click.argument("scores_a")
@click.argument("scores_b")
@click.option("--paired", is_flag=True, help="Value i of A goes with value i of B (same seed).")
@click.option(
    "--cv",
    metavar="K|5x2",
    help="Scores are paired cross-validation folds (k-fold, repeats allowed) or a 5x2cv layout.",
)
@click.option("--test-ratio", type=float, help="Folds with this n_test/n_train ratio.")
@click.option("--gain", type=float, help="Gain to plan power for (default: the observed one).")
@click.option("--seed", type=int, help="Resampling seed (ASO bootstrap, permutations).")
@_direction
@_common
def seeds(
    scores_a: str,
    scores_b: str,
    paired: bool,
    cv: str | None,
    test_ratio: float | None,
    gain: float | None,
    seed: int | None,
    lower_is_better: bool,
    margin: float | None,
    alpha: float,
    as_json: bool,
    save: bool,
    task_id: int | None,
) -> None:
    """Scores of runs over seeds: `mlpm sig seeds "0.751,0.762,..." "0.781,0.779,..."`.

    SCORES are comma- or space-separated numbers, or a file holding them.
    """
    from mlpm.stats.inputs import parse_numbers

    a, b = parse_numbers(scores_a, "A"), parse_numbers(scores_b, "B")
    mode, ratio = _cv_ratio(cv, test_ratio, max(len(a), len(b)))
    higher = not lower_is_better
    if mode == "5x2":
        from mlpm.errors import UsageError
        from mlpm.stats.paired import five_by_two

        if margin is not None or gain is not None:
            raise UsageError("--margin and --gain are not available with --cv 5x2")
        result = five_by_two(a, b, alpha=alpha, higher_is_better=higher)
    elif mode == "nb":
        from mlpm.stats.paired import nadeau_bengio

        result = nadeau_bengio(
            a,
            b,
            test_train_ratio=ratio or 0.0,
            alpha=alpha,
            higher_is_better=higher,
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
            higher_is_better=higher,
            margin=margin,
            gain=gain,
            seed=seed,
        )
    _finish(
        result,
        as_json=as_json,
        save=save,
        task_id=task_id,
        inputs={"a": a, "b": b, "paired": paired, "cv": cv, "test_ratio": ratio},
    )


@sig.command("preds")
@click.argument("file_a", type=click.Path(dir_okay=False))
@click.argument("file_b", type=click.Path(dir_okay=False))
@click.option(
    "--truth",
    type=click.Path(dir_okay=False),
    help="Ground truth file (id, y_true), if A and B lack y_true.",
)
@click.option(
    "--resamples",
    type=click.IntRange(min=100),
    default=10_000,
    show_default=True,
    help="Bootstrap and permutation resamples.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Resampling seed.")
@click.option("--gain", type=float, help="Gain to plan power for (default: the observed one).")
@click.option("--margin", type=float, help="Equivalence margin for the difference.")
@click.option("--lower-is-better", is_flag=True, help="With score columns: lower is better.")
@_common
def preds(
    file_a: str,
    file_b: str,
    truth: str | None,
    resamples: int,
    seed: int,
    gain: float | None,
    margin: float | None,
    lower_is_better: bool,
    alpha: float,
    as_json: bool,
    save: bool,
    task_id: int | None,
) -> None:
    """Per-example predictions on one test set (CSV, JSON lines or .npy; id, y_true, y_pred).

    Files with a `score` column instead (a per-example loss or metric) get a paired bootstrap
    CI of the mean difference and a sign-flip permutation test.
    """
    from mlpm.stats.inputs import align, align_scores, has_scores, read_predictions
    from mlpm.stats.predictions import compare_predictions
    from mlpm.stats.scores import compare_example_scores

    pred_a, pred_b = read_predictions(file_a), read_predictions(file_b)
    if has_scores(pred_a, pred_b):
        ids, scores_a, scores_b, notes = align_scores(pred_a, pred_b)
        result = compare_example_scores(
            scores_a,
            scores_b,
            alpha=alpha,
            higher_is_better=not lower_is_better,
            margin=margin,
            resamples=resamples,
            seed=seed,
            gain=gain,
        )
        n = len(ids)
    else:
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
    _finish(
        result,
        as_json=as_json,
        save=save,
        task_id=task_id,
        inputs={"file_a": file_a, "file_b": file_b, "truth": truth, "n": n},
    )


@sig.command("multi")
@click.argument("table", type=click.Path(dir_okay=False))
@click.option(
    "--baseline",
    help="Compare every column with this one (adjusted p-values); "
    "without it, rank the models over the rows (Friedman, Nemenyi).",
)
@click.option(
    "--adjust",
    "method",
    type=click.Choice(["holm", "bonferroni", "bh"]),
    default="holm",
    show_default=True,
    help="With --baseline: p-value adjustment.",
)
@click.option("--paired", is_flag=True, help="With --baseline: rows pair the runs (same seed).")
@click.option("--lower-is-better", is_flag=True, help="Lower values are better.")
@_common
def multi(
    table: str,
    baseline: str | None,
    method: str,
    paired: bool,
    lower_is_better: bool,
    alpha: float,
    as_json: bool,
    save: bool,
    task_id: int | None,
) -> None:
    """Several comparisons from a CSV table (a column per model, a row per dataset or seed)."""
    from mlpm.errors import UsageError
    from mlpm.stats import multiple
    from mlpm.stats.checks import check_alpha
    from mlpm.stats.inputs import read_table

    check_alpha(alpha)
    data = read_table(table)
    higher = not lower_is_better
    if baseline is None:
        ranks = multiple.friedman_nemenyi(
            data.values, data.models, alpha=alpha, higher_is_better=higher
        )
        out = ranks.to_json()
        if task_id is not None and not save:
            raise UsageError("--task goes with --save")
        if save:
            from mlpm.cli.context import open_store
            from mlpm.services import comparisons

            record = {
                **out,
                "verdict": "differ" if ranks.different_pairs else "no_difference",
                "label_a": ", ".join(data.models),
                "label_b": "",
                "n_a": len(data.rows),
            }
            out["saved_id"] = comparisons.save(
                open_store(), record, task_id=task_id, inputs={"table": table}
            ).id
        if as_json:
            emit_json(out)
            return
        from mlpm.stats.report import render_ranks

        click.echo(clean(render_ranks(ranks), multiline=True))
        if save:
            click.echo(f"saved as comparison {out['saved_id']}")
        return
    columns = {m: [row[i] for row in data.values] for i, m in enumerate(data.models)}
    rows = multiple.against_baseline(
        columns, baseline, paired=paired, method=method, alpha=alpha, higher_is_better=higher
    )
    if save or task_id is not None:
        if not save:
            raise UsageError("--task goes with --save")
        from mlpm.cli.context import open_store
        from mlpm.services import comparisons

        store = open_store()
        for row in rows:
            row.result.extra["saved_id"] = comparisons.save(
                store,
                row.result.to_json(),
                task_id=task_id,
                inputs={"table": table, "baseline": baseline, "adjust": method},
            ).id
    if as_json:
        emit_json(
            {
                "kind": "baseline",
                "baseline": baseline,
                "adjustment": method,
                "alpha": alpha,
                "comparisons": [r.result.to_json() for r in rows],
            }
        )
        return
    from mlpm.stats.fmt import num, pval, signed

    better = [r.model for r in rows if r.verdict in ("b_better", "a_better")]
    click.echo(
        clean(
            f"{len(better)} of {len(rows)} configuration(s) differ from {baseline} after "
            f"{multiple.METHODS[method]} adjustment (alpha {alpha:g})"
        )
    )
    for r in rows:
        res = r.result
        ci = f"[{num(res.ci_low)}, {num(res.ci_high)}]" if res.ci_low is not None else "-"
        click.echo(
            clean(
                f"  {r.model}: {r.verdict_text}; difference {signed(res.difference)} "
                f"CI {ci}, {res.test} p = {pval(res.p_value)}, adjusted p = {pval(r.p_adjusted)}"
            )
        )


@sig.command("adjust")
@click.argument("p_values", nargs=-1, required=True)
@click.option(
    "--method", type=click.Choice(["holm", "bonferroni", "bh"]), default="holm", show_default=True
)
@_common
def adjust_(
    p_values: tuple[str, ...],
    method: str,
    alpha: float,
    as_json: bool,
    save: bool,
    task_id: int | None,
) -> None:
    """Adjust p-values for several comparisons (Holm by default)."""
    from mlpm.stats.checks import check_alpha, finite_list
    from mlpm.stats.fmt import pval
    from mlpm.stats.multiple import METHODS, adjust

    check_alpha(alpha)
    raw = finite_list([p for text in p_values for p in text.replace(",", " ").split()], "p-values")
    adjusted = adjust(raw, method)
    hits = sum(p < alpha for p in adjusted)
    headline = f"{hits} of {len(raw)} significant after {METHODS[method]} (alpha {alpha:g})"
    out: dict[str, Any] = {
        "method": method,
        "alpha": alpha,
        "p_values": raw,
        "adjusted": adjusted,
        "significant": [p < alpha for p in adjusted],
    }
    saved = _save_record(
        {
            **out,
            "kind": "adjust",
            "test": f"{METHODS[method]} adjustment",
            "verdict": "differ" if hits else "no_difference",
            "verdict_text": headline,
            "label_a": f"{len(raw)} p-values",
            "label_b": "",
            "n_a": len(raw),
            "p_value": min(adjusted),
        },
        save=save,
        task_id=task_id,
        inputs={"p_values": raw, "method": method},
    )
    if saved is not None:
        out["saved_id"] = saved
    if as_json:
        emit_json(out)
        return
    click.echo(headline)
    for p, q in zip(raw, adjusted, strict=True):
        click.echo(f"  p = {pval(p)} -> adjusted {pval(q)}{'  *' if q < alpha else ''}")
    if saved is not None:
        click.echo(f"saved as comparison {saved}")


@sig.command("regression")
@click.argument("baseline")
@click.argument("value")
@click.option("--lower-is-better", is_flag=True, help="Lower is better (runtime per epoch).")
@_common
def regression(
    baseline: str,
    value: str,
    lower_is_better: bool,
    alpha: float,
    as_json: bool,
    save: bool,
    task_id: int | None,
) -> None:
    """Is VALUE (one or more new runs) significantly worse than the BASELINE runs?"""
    from mlpm.stats.checks import check_alpha
    from mlpm.stats.inputs import parse_numbers
    from mlpm.stats.regression import regression_check
    from mlpm.stats.result import finite_or_none

    check_alpha(alpha)
    base, new = parse_numbers(baseline, "baseline"), parse_numbers(value, "value")
    res = regression_check(
        base, new if len(new) > 1 else new[0], higher_is_better=not lower_is_better, alpha=alpha
    )
    text = ("REGRESSION: " if res.flagged else "ok: ") + res.message
    out: dict[str, Any] = {
        "flagged": res.flagged,
        "p_value": res.p_value,
        "ratio": finite_or_none(res.ratio),
        "message": res.message,
    }
    saved = _save_record(
        {
            **out,
            "kind": "regression",
            "test": "regression check",
            "verdict": "regression" if res.flagged else "ok",
            "verdict_text": text,
            "alpha": alpha,
            "label_a": "baseline",
            "label_b": "new",
            "n_a": len(base),
            "n_b": len(new),
        },
        save=save,
        task_id=task_id,
        inputs={"baseline": base, "value": new, "higher_is_better": not lower_is_better},
    )
    if saved is not None:
        out["saved_id"] = saved
    if as_json:
        emit_json(out)
        return
    click.echo(clean(text))
    if saved is not None:
        click.echo(f"saved as comparison {saved}")


@sig.command("runs")
@click.argument("runs_a", nargs=-1)
@click.option("--vs", "runs_b", multiple=True, help="Runs of side B (or give A B as arguments).")
@click.option("--metric", required=True, help="Summary metric to compare (e.g. val/acc).")
@click.option("--group-a", help="Side A: every run of this W&B group.")
@click.option("--group-b", help="Side B: every run of this W&B group.")
@click.option("--pair-by", help="Config key that pairs runs (default: try seed, fold, split).")
@click.option("--unpaired", is_flag=True, help="Do not pair runs, even when a key matches.")
@click.option(
    "--higher-is-better",
    "higher_flag",
    is_flag=True,
    help="Higher metric is better (default: guessed from the name).",
)
@click.option("--lower-is-better", "lower_flag", is_flag=True, help="Lower metric is better.")
@click.option("--margin", type=float, help="Equivalence margin.")
@click.option("--seed", type=int, help="Resampling seed.")
@_common
def runs(
    runs_a: tuple[str, ...],
    runs_b: tuple[str, ...],
    metric: str,
    group_a: str | None,
    group_b: str | None,
    pair_by: str | None,
    unpaired: bool,
    higher_flag: bool,
    lower_flag: bool,
    margin: float | None,
    seed: int | None,
    alpha: float,
    as_json: bool,
    save: bool,
    task_id: int | None,
) -> None:
    """Imported W&B runs: `mlpm sig runs A B --metric val/acc`, or `--group-a G1 --group-b G2`.

    Run lists may be comma-separated (`r1,r2,r3 r4,r5,r6`). Runs are paired by a config key
    such as seed when the values match one to one; the output says which was chosen. With
    --save, the comparison is linked to the runs, and to their task when they share one.
    """
    from mlpm.cli.context import open_store
    from mlpm.errors import UsageError
    from mlpm.services.comparisons import compare_runs

    if higher_flag and lower_flag:
        raise UsageError("give --higher-is-better or --lower-is-better, not both")
    higher = True if higher_flag else (False if lower_flag else None)
    side_a, side_b = list(runs_a), list(runs_b)
    if not side_b and group_b is None:
        if len(side_a) == 2 and group_a is None:
            side_a, side_b = [side_a[0]], [side_a[1]]
        elif len(side_a) == 1 and group_a is not None:
            side_b, side_a = side_a, []
        else:
            raise UsageError("give two runs (A B), `A --vs B`, or --group-a/--group-b")
    elif group_a is not None and side_a and not side_b:
        raise UsageError("give side A as runs or as --group-a, not both")
    out = compare_runs(
        open_store(),
        side_a,
        side_b,
        metric=metric,
        group_a=group_a,
        group_b=group_b,
        pair_by=pair_by,
        paired=False if unpaired else None,
        higher_is_better=higher,
        alpha=alpha,
        margin=margin,
        seed=seed,
    )
    if save and task_id is None:
        task_id = out.task_id  # every run is linked to this one task
    _finish(
        out.result,
        as_json=as_json,
        save=save,
        task_id=task_id,
        inputs=out.inputs,
        runs_a=out.runs_a,
        runs_b=out.runs_b,
    )


@sig.command("log")
@click.option("--task", "task_id", type=int, help="Only comparisons linked to this task.")
@click.option("--run", "run_id", help="Only comparisons involving this run id.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--full", is_flag=True, help="With --json: include each full result.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def log(task_id: int | None, run_id: str | None, limit: int, full: bool, as_json: bool) -> None:
    """Saved comparisons, newest first."""
    from mlpm.cli.context import open_store
    from mlpm.services import comparisons
    from mlpm.stats.fmt import pval

    items = comparisons.list_comparisons(open_store(), task_id=task_id, run_id=run_id, limit=limit)
    if as_json:
        emit_json([c.to_json(full=full) for c in items])
        return
    if not items:
        warn("no saved comparisons (add --save to a `mlpm sig` check)")
        return
    for c in items:
        what = f"{c.label_a} vs {c.label_b}" if c.label_b else c.label_a
        metric = f" [{c.metric}]" if c.metric else ""
        task = f" task {c.task_id}" if c.task_id is not None else ""
        click.echo(
            clean(
                f"#{c.id} {c.created_at[:16]} {c.kind}{task}: {what}{metric}: {c.verdict_text} "
                f"({c.test}, p = {pval(c.p_value)})"
            )
        )
