"""The SQLite store: opening, migrating, and the one write path (`Store.write`)."""

from mlpm.store.db import Store, Tx

__all__ = ["Store", "Tx"]
