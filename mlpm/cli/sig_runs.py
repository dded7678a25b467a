"""`mlpm sig runs`: compare a summary metric of imported W&B runs (or two W&B groups)."""

from __future__ import annotations

from typing import Any

import click

from mlpm.cli.direction import direction_options, said_direction
from mlpm.cli.sig_options import common_options, finish, sequential_options
from mlpm.cli.sig_suite import finish_suite, suite_options


@click.command("runs")
@click.argument("runs_a", nargs=-1)
@click.option("--vs", "runs_b", multiple=True, help="Runs of side B (or give A B as arguments).")
@click.option("--metric", required=True, help="Summary metric to compare (e.g. val/acc).")
@click.option(
    "--suite",
    "as_suite",
    is_flag=True,
    help="A benchmark suite from runs: method = group (every group, or those given as "
    "--group-a/--group-b/arguments), task = config --task-key, seed = config --seed-key.",
)
@click.option("--task-key", help="With --suite: the config key naming the task (dataset, env).")
@click.option("--seed-key", default="seed", show_default=True, help="With --suite: seed key.")
@click.option("--group-a", help="Side A: every run of this W&B group.")
@click.option("--group-b", help="Side B: every run of this W&B group.")
@click.option("--pair-by", help="Config key that pairs runs (default: try seed, fold, split).")
@click.option("--unpaired", is_flag=True, help="Do not pair runs, even when a key matches.")
@click.option(
    "--include-unfinished",
    is_flag=True,
    help="Count failed, killed, crashed and running runs too (default: finished runs only).",
)
@direction_options("metric values (default: guessed from the name)")
@click.option("--margin", type=float, help="Equivalence margin.")
@sequential_options
@common_options
@suite_options
def runs(
    runs_a: tuple[str, ...],
    runs_b: tuple[str, ...],
    metric: str,
    as_suite: bool,
    task_key: str | None,
    seed_key: str,
    group_a: str | None,
    group_b: str | None,
    pair_by: str | None,
    unpaired: bool,
    include_unfinished: bool,
    higher_flag: bool,
    lower_flag: bool,
    margin: float | None,
    sequential: bool,
    bounds: str | None,
    max_seeds: int,
    delta: float | None,
    alpha: float,
    as_json: bool,
    save: bool,
    task_id: int | None,
    normalise: str | None,
    gamma: float,
    resamples: int,
    seed: int | None,
    profile_out: str | None,
) -> None:
    """Imported W&B runs: `mlpm sig runs A B --metric val/acc`, or `--group-a G1 --group-b G2`.

    Run lists may be comma-separated (`r1,r2,r3 r4,r5,r6`). Only finished runs count unless
    --include-unfinished. Runs are paired by a config key such as seed, on the values both
    sides share; the output says which key was chosen and which runs were left out. With
    --save, the comparison is linked to the runs, and to their task when they share one.
    """
    from mlpm.cli.context import open_store
    from mlpm.errors import UsageError
    from mlpm.services.significance.run_compare import compare_runs

    higher = said_direction(higher_flag, lower_flag)
    if as_suite:
        from mlpm.services.significance.suite import suite_from_runs

        if task_key is None:
            raise UsageError("--suite needs --task-key (the config key naming the task)")
        groups = [g for g in (group_a, group_b) if g] + list(runs_a) + list(runs_b)
        table = suite_from_runs(
            open_store(),
            metric=metric,
            task_key=task_key,
            seed_key=seed_key,
            groups=groups,
            normalise=None if normalise == "none" else normalise,
            gamma=gamma,
            resamples=resamples,
            seed=seed or 0,
            alpha=alpha,
        )
        finish_suite(table, profile_out, as_json=as_json, save=save, task_id=task_id)
        return
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
    pairing: dict[str, Any] = {
        "group_a": group_a,
        "group_b": group_b,
        "pair_by": pair_by,
        "paired": False if unpaired else None,
        "higher_is_better": higher,
        "alpha": alpha,
        "include_unfinished": include_unfinished,
    }
    if sequential:
        from mlpm.services.significance.sequential import sequential_runs

        seq = sequential_runs(
            open_store(),
            side_a,
            side_b,
            metric=metric,
            bounds=bounds,
            delta=delta,
            max_seeds=max_seeds,
            **pairing,
        )
        finish(seq, as_json=as_json, save=save, task_id=task_id)
        return
    check = compare_runs(
        open_store(), side_a, side_b, metric=metric, margin=margin, seed=seed, **pairing
    )
    finish(check, as_json=as_json, save=save, task_id=task_id)
