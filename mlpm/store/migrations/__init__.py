"""Every named migration, by area. Append only: a migration that shipped is never edited.

Each area (core, git, runs, timer, comparisons, sync) keeps its own list in its own module, so
features grow the schema without touching each other. The lists are plain data: importing
them costs nothing, and sqlite-utils is loaded only when something is pending.
"""

from __future__ import annotations

from mlpm.store.migrations.step import Migration


def all_sets() -> dict[str, list[Migration]]:
    """Migration set name -> its ordered migrations, in the order the sets are applied."""
    from mlpm.store.migrations import comparisons, core, git, runs, sync, timer

    return {
        "mlpm.core": core.MIGRATIONS,
        "mlpm.timer": timer.MIGRATIONS,
        "mlpm.git": git.MIGRATIONS,
        "mlpm.runs": runs.MIGRATIONS,
        "mlpm.comparisons": comparisons.MIGRATIONS,
        "mlpm.sync": sync.MIGRATIONS,
    }
