"""`mlpm sig suite`: a whole benchmark suite (IQM, probability of improvement, profiles)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from mlpm.cli.sig_options import common_options, finish

F = Callable[..., Any]


def suite_options(func: F) -> F:
    """--normalise, --gamma, --resamples, --seed and --profile-out (also `sig runs --suite`)."""
    for option in reversed(
        [
            click.option(
                "--normalise",
                type=click.Choice(["none", "min-max"]),
                help="Scale each task's scores to 0..1 by its lowest and highest run.",
            ),
            click.option(
                "--gamma",
                type=float,
                default=1.0,
                show_default=True,
                help="Optimality-gap target (in normalised units when normalising).",
            ),
            click.option(
                "--resamples",
                type=click.IntRange(min=100),
                default=2000,
                show_default=True,
                help="Stratified-bootstrap resamples.",
            ),
            click.option("--seed", type=int, help="Resampling seed (a suite's: 0 by default)."),
            click.option(
                "--profile-out",
                type=click.Path(dir_okay=False),
                help="Save the performance profiles to this .svg (or .png, with matplotlib).",
            ),
        ]
    ):
        func = option(func)
    return func


def finish_suite(check: Any, profile_out: str | None, **kw: Any) -> None:
    """Write the profile file if asked (said on stderr, so --json stays clean), then save
    and print like every check."""
    if profile_out:
        from mlpm.cli.output import clean
        from mlpm.services.significance.suite_text import save_profiles

        path = save_profiles(profile_out, check.result.taus, check.result.profiles)
        click.echo(clean(f"performance profiles saved to {path}"), err=True)
    finish(check, **kw)


@click.command("suite")
@click.argument("table", type=click.Path(dir_okay=False))
@click.option(
    "--reference",
    type=click.Path(dir_okay=False),
    help="Per-task reference scores (CSV or JSON lines: task,low,high): low -> 0, high -> 1.",
)
@suite_options
@common_options
def suite(
    table: str,
    reference: str | None,
    normalise: str | None,
    gamma: float,
    resamples: int,
    seed: int | None,
    profile_out: str | None,
    alpha: float,
    as_json: bool,
    save: bool,
    task_id: int | None,
) -> None:
    """A benchmark suite from a tidy table (CSV or JSON lines: method,task,seed,score).

    Per method: the interquartile mean (IQM), mean, median and optimality gap of all its
    runs, with stratified-bootstrap CIs (seeds resampled within each task); the probability
    that a run of X beats a run of Y on a task, averaged over tasks; and performance
    profiles (Agarwal et al. 2021). --json: `methods` (method, iqm, iqm_ci_low, iqm_ci_high,
    mean, median, optimality_gap, ...) and `prob_improvement` (a, b, p, ci_low, ci_high).
    """
    from mlpm.services.significance.suite import suite as run_suite

    check = run_suite(
        table,
        normalise=None if normalise == "none" else normalise,
        reference=reference,
        gamma=gamma,
        resamples=resamples,
        seed=seed or 0,
        alpha=alpha,
    )
    finish_suite(check, profile_out, as_json=as_json, save=save, task_id=task_id)
