"""`mlpm config ...`"""

from __future__ import annotations

import click

from mlpm.cli.context import open_store
from mlpm.cli.output import emit_json
from mlpm.cli.params import Group


@click.group(cls=Group)
def config() -> None:
    """Settings: capacity, active-project limit, timer and work hours."""


@config.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(as_json: bool) -> None:
    """Every setting with its value."""
    from mlpm.services import settings

    values = settings.all_values(open_store())
    if as_json:
        emit_json(values)
        return
    for key, value in values.items():
        click.echo(f"{key} = {value}")


@config.command("get")
@click.argument("key")
def get(key: str) -> None:
    """Print one setting."""
    from mlpm.errors import UsageError
    from mlpm.services import settings

    if key not in settings.DEFAULTS:
        raise UsageError(f"unknown setting {key!r}")
    click.echo(settings.get(open_store(), key))


@config.command("set")
@click.argument("key")
@click.argument("value")
def set_(key: str, value: str) -> None:
    """Change a setting (checked before it is stored)."""
    from mlpm.services import settings

    stored = settings.set_value(open_store(), key, value)
    click.echo(f"{key} = {stored}")
