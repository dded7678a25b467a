"""`mlpm runs compare`: N runs or N W&B groups side by side: what changed in their configs,
the metric table, and the test against a baseline (Friedman then Holm for 3+ groups)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from mlpm.cli.direction import direction_options, said_direction
from mlpm.cli.output import clean, emit_json, fit, style, width
from mlpm.cli.sig_options import common_options

if TYPE_CHECKING:
    from mlpm.services.significance.multi_runs import ManyComparison

CELL = 28  # the widest a cell is printed (longer text is cut with …)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> None:
    """Columns as wide as their widest cell (at most CELL), numbers right-aligned."""
    from mlpm.services.run_diff import numeric_columns

    cells = [[clean(c) for c in row] for row in rows]
    headers = [clean(h) for h in headers]  # as printed: an escape is 4 cells, not 0
    widths = [
        min(CELL, max(width(h), *(width(r[i]) for r in cells))) for i, h in enumerate(headers)
    ]
    numeric = numeric_columns(cells, len(headers))

    def line(row: Sequence[str]) -> str:
        parts = []
        for text, cells_wide, right in zip(row, widths, numeric, strict=True):
            fitted = fit(text, cells_wide)
            if right:
                body = fitted.rstrip(" ")
                fitted = " " * (cells_wide - width(body)) + body
            parts.append(fitted)
        return (indent + "  ".join(parts)).rstrip()

    click.echo(style(line(headers), dim=True))
    for row in cells:
        click.echo(line(row))


def print_comparison(result: ManyComparison) -> None:
    """The three parts: what changed, the metric table, the test (and the warnings)."""
    from mlpm.services.run_diff import metric_table

    diff = result.diff
    click.echo(style("what changed", bold=True) + f": {clean(diff.summary())}")
    if diff.rows:
        print_table(["config", *diff.labels], [[key, *cells] for key, cells in diff.rows])
    way = "higher" if result.way.higher_is_better else "lower"
    click.echo("")
    click.echo(style(clean(result.metric), bold=True) + f" ({way} is better)")
    headers, rows = metric_table(result.rows, result.metric)
    print_table(headers, rows)
    click.echo("")
    click.echo(style(clean(result.test_title()), bold=True))
    for text in result.test_lines():
        click.echo("  " + clean(text))
    for message in result.warnings():
        click.echo(style(f"  warning: {clean(message)}", fg="yellow"))


@click.command("compare")
@click.argument("runs", nargs=-1)
@click.option(
    "--group", "-g", "groups", multiple=True, help="A W&B group as one side (repeat: 2 or more)."
)
@click.option("--metric", "-m", help="Summary metric (default: the key metric the runs share).")
@click.option("--baseline", "-b", help="The side the others are tested against (default: first).")
@click.option("--pair-by", help="Config key that pairs runs (default: try seed, fold, split).")
@click.option(
    "--include-unfinished",
    "--all-states",
    "include_unfinished",
    is_flag=True,
    help="Count failed, killed, crashed and running runs too (default: finished runs only).",
)
@direction_options("metric values (default: guessed from the name)")
@common_options(
    what="comparison",
    save_help="Store the test (see `mlpm sig log`): for 3+ groups, one comparison per group "
    "against the baseline and the Friedman ranking.",
)
def compare(
    runs: tuple[str, ...],
    groups: tuple[str, ...],
    metric: str | None,
    baseline: str | None,
    pair_by: str | None,
    include_unfinished: bool,
    higher_flag: bool,
    lower_flag: bool,
    alpha: float,
    as_json: bool,
    save: bool,
    task_id: int | None,
) -> None:
    """Compare runs (`mlpm runs compare R1 R2 R3`) or groups (`-g base -g wide -g deep`).

    Shows the config keys that differ, the metric per side, and the test against the
    baseline: for two sides the check of `mlpm sig runs`; for three or more groups a
    Friedman test over the seeds every group shares, then each group against the baseline
    (paired t-tests, Holm-adjusted). A RUN may be a comma-separated list (one side).
    """
    from mlpm.cli.context import open_store
    from mlpm.errors import UsageError
    from mlpm.services.significance.multi_runs import compare_many
    from mlpm.services.significance.run_sides import SideRef
    from mlpm.services.significance.saving import check_save_options, save_check

    check_save_options(save, task_id)

    if runs and groups:
        raise UsageError("give runs or --group sides, not both")
    refs = [SideRef(group=g) for g in groups] or [
        SideRef(runs=tuple(p for p in (part.strip() for part in r.split(",")) if p))
        for r in runs
        if r.strip(", ")
    ]
    if len(refs) < 2:
        raise UsageError("give two or more runs, or two or more --group")
    result = compare_many(
        open_store(),
        refs,
        metric=metric,
        baseline=baseline,
        pair_by=pair_by,
        higher_is_better=said_direction(higher_flag, lower_flag),
        include_unfinished=include_unfinished,
        alpha=alpha,
    )
    if save and result.no_test is not None:
        raise UsageError(f"nothing to save: {result.no_test}")
    saved = save_check(open_store, result, save=save, task_id=task_id)
    if as_json:
        data = result.to_json()
        if saved:
            data["saved_ids"] = [c.id for c in saved]
        emit_json(data)
        return
    print_comparison(result)
    if saved:
        click.echo(
            f"saved as comparison{'s' if len(saved) > 1 else ''} "
            + ", ".join(str(c.id) for c in saved)
        )
