"""Options every `mlpm sig` check shares, and how a check's result is saved and printed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from mlpm.cli.output import clean, emit_json

if TYPE_CHECKING:
    from mlpm.services.significance.saving import Check

F = Callable[..., Any]


def common_options(func: F | None = None, *, what: str = "result", save_help: str = "") -> Any:
    """--alpha, --json, --save and --task, shared by every check (`runs compare` too, with
    its own words: `@common_options(what=..., save_help=...)`)."""

    def add(func: F) -> F:
        for option in reversed(
            [
                click.option(
                    "--alpha",
                    type=float,
                    default=0.05,
                    show_default=True,
                    help="Significance level.",
                ),
                click.option("--json", "as_json", is_flag=True, help=f"Print the {what} as JSON."),
                click.option(
                    "--save",
                    is_flag=True,
                    help=save_help or f"Store the {what} (see `mlpm sig log`).",
                ),
                click.option("--task", "task_id", type=int, help="With --save: link to this task."),
            ]
        ):
            func = option(func)
        return func

    return add(func) if func is not None else add


def margin_option(func: F) -> F:
    return click.option(
        "--margin", type=float, help="Equivalence margin: call A and B equivalent within +/- this."
    )(func)


def sequential_options(func: F) -> F:
    """--sequential and its settings (`sig seeds`, `sig runs`)."""
    for option in reversed(
        [
            click.option(
                "--sequential",
                is_flag=True,
                help="Seed by seed: an anytime-valid check you may rerun after every new seed "
                "(A and B paired by position) and stop when it decides.",
            ),
            click.option(
                "--bounds",
                metavar="LOW,HIGH",
                help="With --sequential: every score lies in [LOW, HIGH] (e.g. 0,1 for "
                "accuracy): an assumption-free sequence instead of the normal-theory design.",
            ),
            click.option(
                "--max-seeds",
                type=click.IntRange(min=3),
                default=50,
                show_default=True,
                help="With --sequential: the most seeds you plan (the design's alpha holds "
                "up to it).",
            ),
            click.option(
                "--delta",
                type=float,
                help="With --sequential: stop with 'no difference larger than DELTA' when "
                "the interval lies within +/-DELTA.",
            ),
        ]
    ):
        func = option(func)
    return func


def finish(check: Check, *, as_json: bool, save: bool, task_id: int | None) -> None:
    """Save if asked, then print the report (or the JSON)."""
    from mlpm.cli.context import open_store
    from mlpm.services.significance.saving import save_check

    saved = save_check(open_store, check, save=save, task_id=task_id)
    if as_json:
        emit_json(check.to_json())
        return
    click.echo(clean(check.report().text(), multiline=True))
    if len(saved) == 1:
        click.echo(f"saved as comparison {saved[0].id}")
    elif saved:  # one per configuration (sig multi --baseline)
        click.echo(f"saved as comparisons {', '.join(str(c.id) for c in saved)}")
