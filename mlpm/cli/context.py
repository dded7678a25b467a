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
        store = Store.open(root.obj.get("db"))
        root.obj["store"] = store
        root.call_on_close(store.close)
    return store
