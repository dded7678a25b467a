"""`mlpm runs ...`: import W&B runs, list them, show one, link one to a task."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from mlpm.cli.context import open_store
from mlpm.cli.direction import direction_options, said_direction
from mlpm.cli.output import clean, emit_json, style, warn
from mlpm.cli.runs_chart import chart
from mlpm.cli.runs_compare import compare
from mlpm.cli.runs_table import print_table, state_text, value_text
from mlpm.services.runs import STATES

if TYPE_CHECKING:
    from mlpm.services.run_checks import RunFlag
    from mlpm.services.run_output import OutputTail as RunOutput


@click.group()
def runs() -> None:
    """Tracker runs: sync from W&B, list, show, link to tasks."""


@runs.command("sync")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--remote",
    metavar="ENTITY/PROJECT|mlflow:URI",
    help="Import through the W&B API (ENTITY/PROJECT) or from an MLflow tracking server "
    "(mlflow:http://host:5000, through MlflowClient: pip install mlflow-skinny) instead.",
)
@click.option(
    "--metadata",
    is_flag=True,
    help="With --remote: fetch git remote, host, program and args too (one download per run).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Read every record of every file (slower), not just the head and tail of long "
    "files: for summary keys last logged long before a run's end. With --remote: fetch every "
    "run again, not just those changed since the last sync (an MLflow sync lists every run "
    "anyway), and start an unfinished sync over.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def sync(
    paths: tuple[str, ...], remote: str | None, metadata: bool, full: bool, as_json: bool
) -> None:
    """Import runs from W&B directories and MLflow stores (default: the project's repository:
    wandb/ folders, mlflow.db, mlruns/, those its `trackers` setting names), or from a remote.

    A remote sync prints a count on stderr, commits every 100 runs (an error keeps what
    arrived; the next sync resumes there) and refreshes the runs that changed since the last
    one. It never asks for input: a missing key or package, or a server that does not
    answer, is one line."""
    from mlpm.errors import UsageError
    from mlpm.services import run_sync, run_sync_remote

    store = open_store()
    if remote:
        from mlpm.cli.progress import Count

        if paths:
            raise UsageError("give either PATHs or --remote, not both")
        progress = Count("runs")
        try:
            report = run_sync_remote.sync_remote(
                store, remote, metadata=metadata, full=full, progress=progress
            )
        finally:
            progress.close()
    else:
        if metadata:
            raise UsageError("--metadata goes with --remote")
        report = run_sync.sync_local(store, paths, full=full)
    for message in report.warnings:
        warn(message)
    if as_json:
        emit_json(report.to_json())
        return
    duplicates = (
        f", {report.duplicates} duplicate{'' if report.duplicates == 1 else 's'} ignored"
        if report.duplicates
        else ""
    )
    click.echo(
        f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged"
        f"{duplicates}"
        f" ({report.files} {'run' if remote else 'file'}{'' if report.files == 1 else 's'})"
    )
    if report.filed:  # not all under the current project: say where they went
        parts = [f"{n} under {name}" for name, n in report.filed.items() if name != "unassigned"]
        if "unassigned" in report.filed:
            parts.append(
                f"{report.filed['unassigned']} unassigned (commit in no project's repository)"
            )
        click.echo("filed: " + ", ".join(parts))


@runs.command("list")
@click.option("--task", "task_id", type=int, help="Only runs linked to this task.")
@click.option("--group", help="Only runs of this W&B group.")
@click.option("--tag", help="Only runs with this tag.")
@click.option("--project", "-p", help="Only runs imported into this mlpm project.")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(STATES),
    help="Only runs in this state (repeatable).",
)
@click.option(
    "--filter",
    "expr",
    metavar="EXPR",
    help="Only runs matching EXPR, e.g. 'lr < 1e-3 and model = conformer', 'name ~ aug*'"
    " (keys: config and summary keys, config.KEY, summary.KEY, name, state, group, tags);"
    " words without an operator search names, ids, groups, tags and notes, as the TUI's /.",
)
@click.option(
    "--columns",
    metavar="KEYS",
    help="Config or summary keys to show as columns, e.g. lr,model,val/acc"
    " (default: the project's saved columns, else the runs' key metric).",
)
@click.option(
    "--save-columns", is_flag=True, help="Remember --columns for the project ('' forgets)."
)
@click.option("--sort", "sort_by", metavar="COLUMN", help="Sort by any key; -COLUMN descending.")
@click.option("--check", is_flag=True, help="Flag runs worse than their group's earlier runs.")
@click.option(
    "--metric",
    help="With --check: the metric to check (default: the runs' key metric, as in the TUI).",
)
@direction_options("values of --metric (default: guessed from its name)")
@click.option("--higher", "higher_alias", is_flag=True, hidden=True)  # the old spelling
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(
    task_id: int | None,
    group: str | None,
    tag: str | None,
    project: str | None,
    states: tuple[str, ...],
    expr: str | None,
    columns: str | None,
    save_columns: bool,
    sort_by: str | None,
    check: bool,
    metric: str | None,
    higher_flag: bool,
    lower_flag: bool,
    higher_alias: bool,
    as_json: bool,
) -> None:
    """List imported runs, oldest first, with chosen config and summary columns."""
    from mlpm.errors import UsageError
    from mlpm.services import projects, run_columns, run_fields, run_search
    from mlpm.services import runs as service

    match = None
    if expr is not None:
        match = run_search.parse(expr)  # words or an expression, as the TUI's filter box
    given = run_columns.parse(columns) if columns is not None else None
    if save_columns and given is None:
        raise UsageError("--save-columns goes with --columns")
    store = open_store()
    chosen_project = projects.get(store, project) if project else projects.current_or_none(store)
    if save_columns and given is not None:
        if chosen_project is None:
            raise UsageError("no project to remember columns for: give --project")
        run_columns.save(store, chosen_project, given)
        chosen_project = projects.by_id(store, chosen_project.id)
    found = service.list_runs(
        store,
        task_id=task_id,
        group=group,
        tag=tag,
        project_id=chosen_project.id if project and chosen_project else None,
        states=states,
    )
    if match is not None:
        found = run_search.select(found, match=match)
    keys = run_columns.chosen(chosen_project, found, given)
    for key in run_fields.missing(
        found, [*keys, *([sort_by.removeprefix("-")] if sort_by else [])]
    ):
        warn(f"no run shown has {key!r}")
    if sort_by:
        found = run_fields.sort_runs(found, sort_by)
    said = said_direction(higher_flag or higher_alias, lower_flag)
    flags: dict[str, RunFlag] = {}
    if check:
        from mlpm.services.metric_rules import shared_key_metric
        from mlpm.services.run_checks import regression_flags

        checked = metric if metric else shared_key_metric(found)
        flags = regression_flags(store, found, metric=checked, higher_is_better=said)
    if as_json:
        emit_json(
            [
                {
                    **r.to_json(),
                    "columns": {k: run_fields.resolve(r, k) for k in keys},
                    "flag": str(flags[r.id]) if r.id in flags else None,
                }
                for r in found
            ]
        )
        return
    if not found:
        filtered = any(v is not None for v in (task_id, group, tag, project, expr)) or states
        click.echo("no runs match" if filtered else "no runs (import them with `mlpm runs sync`)")
        return
    print_table(found, keys, flags)


@runs.command("show")
@click.argument("run_ref", metavar="RUN")
@click.option(
    "--metric",
    "-m",
    "metrics",
    multiple=True,
    help="A metric to draw as a sparkline (repeatable; `runs chart` draws its curve).",
)
@click.option(
    "--lines",
    "output_lines",
    type=click.IntRange(0, 10_000),
    default=20,
    show_default=True,
    help="Lines of output (the traceback) shown for a run that did not finish.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with the chosen histories).")
def show(run_ref: str, metrics: tuple[str, ...], output_lines: int, as_json: bool) -> None:
    """A run's details, config, summary and a sparkline of chosen metrics; for a run that
    failed, crashed or was killed, its exit code and the last lines of its output."""
    from mlpm.errors import MlpmError
    from mlpm.services import run_display, run_history, run_output
    from mlpm.services import runs as service

    run_history.check_metric_names(metrics)
    store = open_store()
    run = service.get_run(store, run_ref)
    keys = list(metrics) or run_display.default_metrics(run)
    series: dict[str, list[tuple[int, float]]] = {}
    lost: dict[str, int] = {}
    if keys:
        try:
            found = run_history.read(store, run.id, keys)
        except MlpmError as exc:
            warn(str(exc))
        else:
            series, lost = found.series, found.lost
            for problem in found.problems:
                warn(f"{service.display_path(run.path or '')}: {problem}")
        if not metrics:  # defaults: only the summary keys that have a history
            keys = [k for k in keys if series.get(k)]
    ended_badly = run.state in service.ENDED_BADLY
    output = run_output.tail(run, output_lines) if ended_badly else None
    if as_json:
        emit_json(
            {
                **run.to_json(),
                "history": {k: series.get(k, []) for k in keys},
                "lost": lost,
                "output": None
                if output is None
                else {"path": str(output.path), "lines": output.lines},
            }
        )
        return
    click.echo(f"{style(clean(run.id), bold=True)}  {clean(run.label)}  ({state_text(run)})")
    rows = [
        ("project", "/".join(p for p in (run.entity, run.project) if p) or "–"),
        ("group", run.group or "–"),
        ("job type", run.job_type or "–"),
        ("tags", ", ".join(run.tags) or "–"),
        ("started", run.start_time or "–"),
        ("runtime", run_display.format_runtime(run.runtime)),
        *([("exit code", str(run.exit_code))] if run.exit_code is not None else []),
        ("commit", f"{run.commit or '–'}" + (f"  ({run.remote})" if run.remote else "")),
        ("host", run.host or "–"),
        ("program", " ".join([run.program or "–", *run.args])),
        ("tasks", ", ".join(f"#{t}" for t in run.task_ids) or "–"),
        ("source", f"{run.source}: {service.display_path(run.path) if run.path else '–'}"),
    ]
    for label, text in rows:
        click.echo(f"  {label:<9} {clean(text)}")
    for title, data in (("config", run.config), ("summary", run.summary)):
        items = [(k, v) for k, v in service.flatten(data) if not k.startswith("_")]
        click.echo(style(title, bold=True) + ("" if items else "  –"))
        for key, value in items:
            click.echo(f"  {clean(key)} = {clean(value_text(value))}")
    if keys:
        click.echo(style("history", bold=True))
        width = max(len(k) for k in keys)
        for key in keys:
            points = series.get(key, [])
            if not points:
                click.echo(f"  {clean(key):<{width}}  (not logged)")
                continue
            values = [v for _, v in points]
            damage = f", {lost[key]} lost to damage" if lost.get(key) else ""
            click.echo(
                f"  {clean(key):<{width}}  {run_display.sparkline(values)}  "
                f"{values[0]:.4g} → {values[-1]:.4g}  ({len(values)} points{damage},"
                f" min {min(values):.4g}, max {max(values):.4g})"
            )
    if ended_badly and (output is not None or run_output.keeps_output(run)):
        _print_output(output, output_lines)


def _print_output(output: RunOutput | None, lines: int) -> None:
    """The end of a failed run's output, each line escaped for the terminal."""
    if output is None:
        if lines:
            click.echo(style("output", bold=True) + "  – (no files/output.log in the run folder)")
        return
    click.echo(style(f"output (last {len(output.lines)} lines of {output.path.name})", bold=True))
    for line in output.lines:
        click.echo(f"  {clean(line)}")


@runs.command("link")
@click.argument("run_ref", metavar="RUN")
@click.argument("task_id", metavar="TASK", type=int)
def link(run_ref: str, task_id: int) -> None:
    """Link a run to a task by hand (runs with a task's commit are linked already)."""
    from mlpm.services import runs as service

    run = service.link(open_store(), run_ref, task_id)
    click.echo(f"linked run {clean(run.id)} ({clean(run.label)}) to task {task_id}")


@runs.command("unlink")
@click.argument("run_ref", metavar="RUN")
@click.argument("task_id", metavar="TASK", type=int)
def unlink(run_ref: str, task_id: int) -> None:
    """Remove a manual link between a run and a task."""
    from mlpm.services import runs as service

    run = service.unlink(open_store(), run_ref, task_id)
    click.echo(f"unlinked run {clean(run.id)} from task {task_id}")


runs.add_command(compare)  # `runs compare` and `runs chart` live in modules of their own
runs.add_command(chart)
