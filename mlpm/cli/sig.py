"""`mlpm sig ...`: is B really better than A, or lucky? Every check prints a plain verdict
first, then the numbers; `--json` prints the stable fields of `mlpm.stats.result`. The checks
themselves are `mlpm.services.significance`: this module parses and prints."""

from __future__ import annotations

import click

from mlpm.cli.direction import direction_options, said_direction
from mlpm.cli.output import clean, emit_json, warn
from mlpm.cli.params import Group
from mlpm.cli.sig_options import common_options, finish, margin_option, sequential_options
from mlpm.cli.sig_runs import runs
from mlpm.cli.sig_suite import suite
from mlpm.errors import UsageError


@click.group(cls=Group)
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


sig.add_command(runs)
sig.add_command(suite)


@sig.command("props")
@click.argument("acc_a")
@click.argument("acc_b")
@click.option("--n", "n_a", type=int, required=True, help="Test examples behind A (and B).")
@click.option("--n-b", type=int, help="Test examples behind B, when different.")
@click.option("--same-test-set", is_flag=True, help="A and B were scored on the same examples.")
@direction_options()
@margin_option
@common_options
def props(
    acc_a: str,
    acc_b: str,
    n_a: int,
    n_b: int | None,
    same_test_set: bool,
    higher_flag: bool,
    lower_flag: bool,
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
    from mlpm.services.significance import checks

    check = checks.props(
        acc_a,
        acc_b,
        n_a,
        n_b,
        same_test_set=same_test_set,
        higher_is_better=said_direction(higher_flag, lower_flag) is not False,
        margin=margin,
        alpha=alpha,
    )
    finish(check, as_json=as_json, save=save, task_id=task_id)


@sig.command("seeds")
@click.argument("scores_a")
@click.argument("scores_b")
@click.option("--paired", is_flag=True, help="Value i of A goes with value i of B (same seed).")
@click.option(
    "--cv",
    metavar="K|5x2",
    help="Scores are paired cross-validation folds (k-fold, repeats allowed) or a 5x2cv "
    "layout. With 5x2 give the 10 scores in this order: replication 1 fold 1, replication 1 "
    "fold 2, replication 2 fold 1, ... replication 5 fold 2 (Dietterich's t uses "
    "replication 1 fold 1, so the order matters).",
)
@click.option("--test-ratio", type=float, help="Folds with this n_test/n_train ratio.")
@click.option("--gain", type=float, help="Gain to plan power for (default: the observed one).")
@click.option("--seed", type=int, help="Resampling seed (ASO bootstrap, permutations).")
@sequential_options
@direction_options()
@margin_option
@common_options
def seeds(
    scores_a: str,
    scores_b: str,
    paired: bool,
    cv: str | None,
    test_ratio: float | None,
    gain: float | None,
    seed: int | None,
    sequential: bool,
    bounds: str | None,
    max_seeds: int,
    delta: float | None,
    higher_flag: bool,
    lower_flag: bool,
    margin: float | None,
    alpha: float,
    as_json: bool,
    save: bool,
    task_id: int | None,
) -> None:
    """Scores of runs over seeds: `mlpm sig seeds "0.751,0.762,..." "0.781,0.779,..."`.

    SCORES are comma- or space-separated numbers (negative ones too: "-0.8,-1.3"), or a
    file holding them. With --sequential, run i of A goes with run i of B.
    """
    from mlpm.services.significance import checks
    from mlpm.services.significance.saving import Check

    higher = said_direction(higher_flag, lower_flag) is not False
    if sequential:
        from mlpm.services.significance.sequential import sequential as seq

        if paired or cv or test_ratio is not None or margin is not None or gain is not None:
            raise UsageError(
                "--sequential pairs by position; it takes --bounds, --delta, --max-seeds"
            )
        check: Check = seq(
            scores_a,
            scores_b,
            bounds=bounds,
            delta=delta,
            max_seeds=max_seeds,
            higher_is_better=higher,
            alpha=alpha,
        )
        finish(check, as_json=as_json, save=save, task_id=task_id)
        return
    if bounds is not None or delta is not None:
        raise UsageError("--bounds and --delta go with --sequential")
    check = checks.seeds(
        scores_a,
        scores_b,
        paired=paired,
        cv=cv,
        test_ratio=test_ratio,
        gain=gain,
        seed=seed,
        higher_is_better=higher,
        margin=margin,
        alpha=alpha,
    )
    finish(check, as_json=as_json, save=save, task_id=task_id)


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
@direction_options("scores (score columns)")
@common_options
def preds(
    file_a: str,
    file_b: str,
    truth: str | None,
    resamples: int,
    seed: int,
    gain: float | None,
    margin: float | None,
    higher_flag: bool,
    lower_flag: bool,
    alpha: float,
    as_json: bool,
    save: bool,
    task_id: int | None,
) -> None:
    """Per-example predictions on one test set (CSV, JSON lines or .npy; id, y_true, y_pred).

    Files with a `score` column instead (a per-example loss or metric) get a paired bootstrap
    CI of the mean difference and a sign-flip permutation test.
    """
    from mlpm.services.significance import checks

    check = checks.preds(
        file_a,
        file_b,
        truth=truth,
        resamples=resamples,
        seed=seed,
        gain=gain,
        margin=margin,
        higher_is_better=said_direction(higher_flag, lower_flag) is not False,
        alpha=alpha,
    )
    finish(check, as_json=as_json, save=save, task_id=task_id)


@sig.command("multi")
@click.argument("table", type=click.Path(dir_okay=False))
@click.option(
    "--baseline",
    help="Compare every column with this one (adjusted p-values); "
    "without it, rank the models over the rows (Friedman, Nemenyi).",
)
@click.option(
    "--adjust",
    "--method",
    "method",
    type=click.Choice(["holm", "hommel", "bonferroni", "bh"]),
    default="holm",
    show_default=True,
    help="With --baseline: p-value adjustment.",
)
@click.option("--paired", is_flag=True, help="With --baseline: rows pair the runs (same seed).")
@direction_options()
@common_options
def multi(
    table: str,
    baseline: str | None,
    method: str,
    paired: bool,
    higher_flag: bool,
    lower_flag: bool,
    alpha: float,
    as_json: bool,
    save: bool,
    task_id: int | None,
) -> None:
    """Several comparisons from a CSV table (a column per model, a row per dataset or seed)."""
    from mlpm.services.significance import checks
    from mlpm.services.significance.saving import Check

    higher = said_direction(higher_flag, lower_flag) is not False
    check: Check = (
        checks.multi_ranks(table, higher_is_better=higher, alpha=alpha)
        if baseline is None
        else checks.multi_baseline(
            table, baseline, method=method, paired=paired, higher_is_better=higher, alpha=alpha
        )
    )
    finish(check, as_json=as_json, save=save, task_id=task_id)


@sig.command("adjust")
@click.argument("p_values", nargs=-1, required=True)
@click.option(
    "--method",
    type=click.Choice(["holm", "hommel", "bonferroni", "bh"]),
    default="holm",
    show_default=True,
    help="Holm and Hommel hold the family-wise error (Hommel more powerfully for independent "
    "or positively dependent tests); Bonferroni too; bh the false discovery rate.",
)
@common_options
def adjust_(
    p_values: tuple[str, ...],
    method: str,
    alpha: float,
    as_json: bool,
    save: bool,
    task_id: int | None,
) -> None:
    """Adjust p-values for several comparisons (Holm by default; also Hommel, Bonferroni, BH)."""
    from mlpm.services.significance import checks

    check = checks.adjust(p_values, method=method, alpha=alpha)
    finish(check, as_json=as_json, save=save, task_id=task_id)


@sig.command("regression")
@click.argument("baseline")
@click.argument("value")
@direction_options("values (runtime per epoch: lower)")
@common_options
def regression(
    baseline: str,
    value: str,
    higher_flag: bool,
    lower_flag: bool,
    alpha: float,
    as_json: bool,
    save: bool,
    task_id: int | None,
) -> None:
    """Is VALUE (one or more new runs) significantly worse than the BASELINE runs?"""
    from mlpm.services.significance import checks

    higher = said_direction(higher_flag, lower_flag) is not False
    check = checks.regression(baseline, value, higher_is_better=higher, alpha=alpha)
    finish(check, as_json=as_json, save=save, task_id=task_id)


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
