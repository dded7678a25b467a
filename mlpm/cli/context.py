"""The store for the running command, opened once, on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from mlpm.store import Store


def open_store() -> Store:
    """The database chosen by `--db` / `MLPM_DB` (or the default), opened and migrated."""
    from mlpm.store import Store

    ctx = click.get_current_context()
    root = ctx.find_root()
    root.ensure_object(dict)
    store = root.obj.get("store")
    if store is None:
        chosen = root.obj.get("db")
        if chosen is not None and not chosen.strip():
            from mlpm.errors import UsageError

            raise UsageError("--db (or MLPM_DB) is empty: give a file path")
        # A path the user typed gets no folders made for it: a typo must not look like an
        # empty database. The default location is created on first run.
        store = Store.open(chosen, create_folder=chosen is None)
        root.obj["store"] = store
        root.call_on_close(store.close)
    return store
