"""Significance checks behind services, for the CLI (`mlpm sig`), the TUI's Compare screen and
scripts alike.

- `checks`: one function per check (props, seeds, preds, multi_ranks, multi_baseline, adjust,
  regression), taking plain values and returning one typed result.
- `run_compare`: `compare_runs`, a summary metric of two sets of imported runs.
- `multi_runs`: `compare_many`, N runs or groups (`mlpm runs compare`): two sides as
  `compare_runs`, three or more Friedman then Holm-adjusted tests against a baseline.
- `results` and `tallies`: the typed results; each has `to_json`/`from_json` (the `--json`
  output and the saved record's `result`), `report()` (the words both front ends show) and
  `records()` (the comparison rows it saves as).
- `saving`: `save_check` (the one path for --save and --task) and `load_check` (a saved
  record back as its typed result).

Importing any of these is cheap: numpy and scipy load inside the statistics that need them.
"""
