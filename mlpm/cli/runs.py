"""`mlpm runs ...`: import W&B runs, list them, show one, link one to a task."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from mlpm.cli.context import open_store
from mlpm.cli.direction import direction_options, said_direction
from mlpm.cli.output import clean, emit_json, fit, style, warn

if TYPE_CHECKING:
    from mlpm.services.run_checks import RunFlag
    from mlpm.services.runs import Run

STATE_COLOURS = {"finished": "green", "running": "yellow", "preempted": "magenta"}
STATE_COLOURS |= {"failed": "red", "killed": "red", "crashed": "red"}


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _state(run: Run) -> str:
    return style(run.state, fg=STATE_COLOURS.get(run.state))


@click.group()
def runs() -> None:
    """Tracker runs: sync from W&B, list, show, link to tasks."""


@runs.command("sync")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--remote", metavar="ENTITY/PROJECT", help="Import through the W&B API instead.")
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
    "run again, not just those changed since the last sync.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def sync(
    paths: tuple[str, ...], remote: str | None, metadata: bool, full: bool, as_json: bool
) -> None:
    """Import runs from W&B directories (default: wandb/ in the project's repository)."""
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
    check: bool,
    metric: str | None,
    higher_flag: bool,
    lower_flag: bool,
    higher_alias: bool,
    as_json: bool,
) -> None:
    """List imported runs, oldest first."""
    from mlpm.services import run_display
    from mlpm.services import runs as service

    store = open_store()
    project_id = None
    if project:
        from mlpm.services import projects

        project_id = projects.get(store, project).id
    found = service.list_runs(store, task_id=task_id, group=group, tag=tag, project_id=project_id)
    said = said_direction(higher_flag or higher_alias, lower_flag)
    flags: dict[str, RunFlag] = {}
    if check:
        from mlpm.services.metric_rules import shared_key_metric
        from mlpm.services.run_checks import regression_flags

        checked = metric if metric else shared_key_metric(found)
        flags = regression_flags(store, found, metric=checked, higher_is_better=said)
    if as_json:
        emit_json(
            [{**r.to_json(), "flag": str(flags[r.id]) if r.id in flags else None} for r in found]
        )
        return
    if not found:
        filtered = any(v is not None for v in (task_id, group, tag, project))
        click.echo("no runs match" if filtered else "no runs (import them with `mlpm runs sync`)")
        return
    header = (
        f"{fit('id', 10)} {fit('name', 24)} {fit('group', 14)} {fit('state', 10)}"
        f"{fit('tasks', 8)} {fit('commit', 7)} {fit('started (UTC)', 16)} {'runtime':>7}"
    )
    click.echo(style(header, dim=True))
    for run in found:
        tasks = ",".join(f"#{t}" for t in run.task_ids) or "–"
        commit = (run.commit or "")[:7] or "–"
        line = (
            f"{fit(clean(run.id), 10)} {fit(clean(run.label), 24)}"
            f" {fit(clean(run.group or '–'), 14)} {_state(run)}{' ' * (10 - len(run.state))}"
            f"{fit(tasks, 8)} {commit:<7}"
            f" {(run.start_time or '–')[:16]:<16} {run_display.format_runtime(run.runtime):>7}"
        )
        if run.id in flags:
            line += "  " + style(f"⚠ {clean(flags[run.id].message)}", fg="red")
        click.echo(line)


@runs.command("show")
@click.argument("run_ref", metavar="RUN")
@click.option("--metric", "-m", "metrics", multiple=True, help="A metric to draw (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with the chosen histories).")
def show(run_ref: str, metrics: tuple[str, ...], as_json: bool) -> None:
    """A run's details, config, summary and a sparkline of chosen metrics."""
    from mlpm.errors import MlpmError
    from mlpm.services import run_display, run_history
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
    if as_json:
        emit_json({**run.to_json(), "history": {k: series.get(k, []) for k in keys}, "lost": lost})
        return
    click.echo(f"{style(clean(run.id), bold=True)}  {clean(run.label)}  ({_state(run)})")
    rows = [
        ("project", "/".join(p for p in (run.entity, run.project) if p) or "–"),
        ("group", run.group or "–"),
        ("job type", run.job_type or "–"),
        ("tags", ", ".join(run.tags) or "–"),
        ("started", run.start_time or "–"),
        ("runtime", run_display.format_runtime(run.runtime)),
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
            click.echo(f"  {clean(key)} = {clean(_value(value))}")
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
