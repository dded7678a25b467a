"""The direction flags, spelt the same on every command: --higher-is-better/--lower-is-better."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

F = Callable[..., Any]


def direction_options(what: str = "values") -> Callable[[F], F]:
    """Add --higher-is-better and --lower-is-better (passed as `higher_flag`, `lower_flag`)."""

    def add(func: F) -> F:
        func = click.option(
            "--lower-is-better",
            "lower_flag",
            is_flag=True,
            help=f"Lower {what} are better (loss, error, runtime).",
        )(func)
        return click.option(
            "--higher-is-better",
            "higher_flag",
            is_flag=True,
            help=f"Higher {what} are better (accuracy, F1, throughput).",
        )(func)

    return add


def said_direction(higher_flag: bool, lower_flag: bool) -> bool | None:
    """True or False when the user said which way is better, None when they did not."""
    from mlpm.errors import UsageError

    if higher_flag and lower_flag:
        raise UsageError("give --higher-is-better or --lower-is-better, not both")
    return True if higher_flag else (False if lower_flag else None)
