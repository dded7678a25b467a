"""Reading ids and numbers from the command line the same way in every command.

Click reads any argument that starts with "-" as an option, so `task show -1` was "No such
option: -1"; and `int()` takes any Unicode digit, so a full-width `１` was task 1. Commands
built with `Command` take negative numbers as arguments; `ID` takes ASCII digits only."""

from __future__ import annotations

import re
from typing import Any

import click

from mlpm.text import clean

NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# A negative number, or a list of numbers starting with one: `sig seeds "-0.8,-1.3" ...`.
NUMBERS = re.compile(r"-[0-9.]+(?:[eE][-+]?[0-9]+)?(?:[,\s]+-?[0-9.]+(?:[eE][-+]?[0-9]+)?)*,?")
ID_TEXT = re.compile(r"-?[0-9]+")  # not int()'s "１", " 1", "+1" or "1_0"


class AsciiInt(click.ParamType):
    """A whole number in ASCII digits, optionally negative. For ids, a negative one simply
    names nothing, so the service's "no task -1" is the answer, not an option error."""

    def __init__(self, name: str, what: str) -> None:
        self.name = name
        self.what = what

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value)
        if not ID_TEXT.fullmatch(text):
            self.fail(f"'{clean(text)}' is not {self.what} (write it with digits 0-9)", param, ctx)
        return int(text)


ID = AsciiInt("id", "an id")


class TaskId(AsciiInt):
    """A task: its number on this replica (ASCII digits, as `ID`), or its short id, a global
    id prefix that names the same task on every replica (mlpm.services.task_ids)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        text = str(value)
        if isinstance(value, int) or ID_TEXT.fullmatch(text):
            return super().convert(value, param, ctx)
        from mlpm.cli.context import open_store
        from mlpm.services.task_ids import resolve
        from mlpm.store.ids import looks_like_gid_prefix

        if not looks_like_gid_prefix(text.lower().removeprefix("mlpm").removeprefix("#")):
            self.fail(
                f"'{clean(text)}' is not {self.what} (write it with digits 0-9, or its short id)",
                param,
                ctx,
            )

        return resolve(open_store(), text)


TASK = TaskId("task", "a task id")
WHOLE = AsciiInt("integer", "a whole number")


class Command(click.Command):
    """A command whose arguments may be negative numbers: `task show -1`, `config set x -3`.

    Click's parser takes every "-…" for an option. When each unknown "-…" argument is a
    number, the command lets unknown options through as arguments (the number lands in its
    argument); any other unknown option is still refused by click as before."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        numbers, unknown = _unknown_arguments(self.get_params(ctx), args)
        if numbers and unknown is not None:  # name the real typo, not a number's "-0"
            raise click.NoSuchOption(unknown.split("=", 1)[0], ctx=ctx)
        if numbers:
            ctx.ignore_unknown_options = True
        return super().parse_args(ctx, args)


def _unknown_arguments(params: list[click.Parameter], args: list[str]) -> tuple[bool, str | None]:
    """(whether some "-…" argument is a number, the first unknown option that is not)."""
    known = {
        name
        for param in params
        if isinstance(param, click.Option)
        for name in (*param.opts, *param.secondary_opts)
    }
    numbers, unknown = False, None
    for arg in args:
        if arg == "--":
            break
        if not arg.startswith("-") or arg == "-":
            continue
        if NUMBER.fullmatch(arg) or NUMBERS.fullmatch(arg):
            numbers = True
        elif arg.split("=", 1)[0] not in known and arg[:2] not in known and unknown is None:
            unknown = arg
    return numbers, unknown


class Group(click.Group):
    """A command group whose subcommands are `Command`s."""

    command_class = Command
