"""The `mlpm` command. Only click and the standard library load here: each subcommand's
module is imported when it is called, and imports its services inside its functions."""

from __future__ import annotations

import importlib
import os
import sqlite3
import sys
from typing import Any

import click

from mlpm import __version__
from mlpm.errors import MlpmError

# name -> (module, attribute). A module that does not exist yet is simply not offered.
COMMANDS: dict[str, tuple[str, str]] = {
    "project": ("mlpm.cli.project", "project"),
    "task": ("mlpm.cli.task", "task"),
    "board": ("mlpm.cli.board", "board"),
    "today": ("mlpm.cli.today", "today"),
    "lesson": ("mlpm.cli.lesson", "lesson"),
    "undo": ("mlpm.cli.undo", "undo"),
    "config": ("mlpm.cli.config", "config"),
    "timer": ("mlpm.cli.timer", "timer"),
    "stats": ("mlpm.cli.stats", "stats"),
    "git": ("mlpm.cli.git", "git"),
    "runs": ("mlpm.cli.runs", "runs"),
    "sig": ("mlpm.cli.sig", "sig"),
    "template": ("mlpm.cli.template", "template"),
    "init": ("mlpm.cli.template", "init"),
    "import": ("mlpm.cli.exchange", "import_"),
    "export": ("mlpm.cli.exchange", "export"),
    "demo": ("mlpm.cli.demo", "demo"),
    "sync": ("mlpm.cli.sync", "sync"),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when used (or listed by --help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self.get_command(ctx, name) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        try:
            module = importlib.import_module(target[0])
        except ModuleNotFoundError as exc:
            if exc.name == target[0]:
                return None
            raise
        return getattr(module, target[1], None)


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    envvar="MLPM_DB",
    help="Database file (default: mlpm.db in the user data directory; env MLPM_DB).",
)
@click.version_option(__version__, prog_name="mlpm")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """mlpm: plan the day, limit work in progress, link tasks to commits and runs,
    and check whether a result is real.

    Run without a command to open the terminal UI.
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db
    if ctx.invoked_subcommand is None:
        from mlpm.cli.home import home

        ctx.invoke(home)


def _fail(message: str, code: int = 1) -> None:
    from mlpm.cli.output import clean

    click.echo(f"error: {clean(message)}", err=True)
    sys.exit(code)


def _not_encodable(exc: UnicodeEncodeError, argv: list[str]) -> str:
    """The message for text that cannot be stored. A byte that is not UTF-8 in an argument
    arrives as a lone surrogate (PEP 383): it is refused, not stored in a changed form, so
    what is saved is always what the user typed; the argument is named with the byte shown."""
    from mlpm.cli.output import clean

    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return f"argument '{clean(arg)}' is not UTF-8 text (check the terminal's encoding)"
    return f"text that is not valid UTF-8: {clean(str(exc.object))[:80]}"


def main(argv: list[str] | None = None) -> Any:
    """Entry point: run the CLI, turning every failure into one line on stderr."""
    try:
        return cli.main(args=argv, prog_name="mlpm", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        _fail("aborted", 1)
    except click.exceptions.NoArgsIsHelpError as exc:
        # `mlpm task`: the group's help, as --help would print it (not an error line).
        click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
        sys.exit(0)
    except click.UsageError as exc:
        where = f" (see {exc.ctx.command_path} --help)" if exc.ctx else ""
        _fail(exc.format_message() + where, exc.exit_code)
    except click.ClickException as exc:
        _fail(exc.format_message(), exc.exit_code)
    except MlpmError as exc:
        _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:
        # `mlpm task list | head`: not an error; silence the flush at exit too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            _fail("the database is busy (another mlpm is writing); try again", 1)
        _fail(f"database error: {exc}", 1)
    except sqlite3.DatabaseError as exc:
        _fail(f"database error: {exc}", 1)
    except UnicodeEncodeError as exc:
        _fail(_not_encodable(exc, sys.argv[1:] if argv is None else argv), 2)
    except OverflowError:
        _fail("a number is out of range (too large or too small)", 2)
    except OSError as exc:
        target = f": {exc.filename}" if exc.filename else ""
        _fail(f"{exc.strerror or exc}{target}", 1)
    except Exception as exc:
        if os.environ.get("MLPM_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set MLPM_DEBUG=1 for details)", 1)
