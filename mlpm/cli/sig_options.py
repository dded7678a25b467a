"""Options every `mlpm sig` check shares, and how a check's result is saved and printed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from mlpm.cli.output import clean, emit_json

if TYPE_CHECKING:
    from mlpm.services.significance.saving import Check

F = Callable[..., Any]


def common_options(func: F) -> F:
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


def margin_option(func: F) -> F:
    return click.option(
        "--margin", type=float, help="Equivalence margin: call A and B equivalent within +/- this."
    )(func)


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
