"""Schema of the timer area. Append only."""

from __future__ import annotations

from mlpm.store.migrations import Migration

MIGRATIONS: list[Migration] = []
