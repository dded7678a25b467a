"""Schema of the comparisons area (saved significance checks). Append only."""

from __future__ import annotations

from mlpm.store.migrations.step import Migration, sql

m001_comparisons = sql(
    """
    CREATE TABLE comparison (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        kind TEXT NOT NULL,               -- props, seeds, paired, cv, 5x2cv, preds, runs, multi
        project_id INTEGER REFERENCES project(id),
        task_id INTEGER REFERENCES task(id),
        label_a TEXT NOT NULL,
        label_b TEXT NOT NULL,
        metric TEXT NOT NULL DEFAULT '',
        test TEXT NOT NULL,
        statistic REAL,
        p_value REAL,
        effect_size REAL,
        effect_name TEXT NOT NULL DEFAULT '',
        difference REAL,
        ci_low REAL,
        ci_high REAL,
        alpha REAL NOT NULL,
        verdict TEXT NOT NULL,            -- b_better, a_better, equivalent, no_difference, ...
        verdict_text TEXT NOT NULL,
        n_a INTEGER,
        n_b INTEGER,
        seed INTEGER,
        inputs TEXT NOT NULL DEFAULT '{}',  -- JSON: what was compared (numbers, files, runs)
        result TEXT NOT NULL DEFAULT '{}'   -- JSON: the full result, as `--json` prints it
    )
    """,
    "CREATE INDEX comparison_task ON comparison (task_id, created_at)",
    """
    CREATE TABLE comparison_run (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        comparison_id INTEGER NOT NULL REFERENCES comparison(id) ON DELETE CASCADE,
        run_id TEXT NOT NULL,             -- the tracker run id (table run, when imported)
        side TEXT NOT NULL CHECK (side IN ('a', 'b')),
        UNIQUE (comparison_id, run_id, side)
    )
    """,
    "CREATE INDEX comparison_run_run ON comparison_run (run_id)",
)

MIGRATIONS: list[Migration] = [Migration("m001_comparisons", m001_comparisons)]
