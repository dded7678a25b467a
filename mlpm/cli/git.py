"""`mlpm git`: scan the project's repository, list a task's commits, manage the commit hook."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from mlpm.models import Project


@click.group()
def git() -> None:
    """Link tasks to commits (`Task: <id>` trailers, `mlpm#<id>` references)."""


@git.command("sync")
@click.option("--project", "-p", "name", help="Project (default: the current one).")
@click.option("--all", "all_", is_flag=True, help="Every active project with a repository.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def sync_cmd(name: str | None, all_: bool, as_json: bool) -> None:
    """Scan new commits on every local branch and link them to tasks."""
    from mlpm.cli.context import open_store
    from mlpm.cli.output import clean, emit_json, warn
    from mlpm.errors import MlpmError, UsageError
    from mlpm.services import commit_scan, projects

    store = open_store()
    if all_ and name:
        raise UsageError("give --project or --all, not both")
    if all_:
        targets = [p for p in projects.list_projects(store, status="active") if p.repo_path]
        if not targets:
            raise MlpmError("no active project has a repository (`mlpm project edit --repo`)")
    else:
        targets = [projects.resolve(store, name)]
    results, failed = [], 0
    for project in targets:
        try:
            result = commit_scan.sync(store, project)
        except MlpmError as exc:
            if not all_:
                raise
            failed += 1
            warn(f"{project.slug}: {exc}")
            continue
        results.append(result)
        if not as_json:
            click.echo(clean(result.line))
    if as_json:
        emit_json([r.to_json() for r in results] if all_ else results[0].to_json())
    if failed:
        raise SystemExit(1)


@git.command("log")
@click.option("--task", "task_id", type=int, required=True, help="Task id.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def log_cmd(task_id: int, as_json: bool) -> None:
    """List the commits linked to a task.

    Run `mlpm git sync` first to pick up new commits."""
    from mlpm.cli.context import open_store
    from mlpm.cli.output import clean, emit_json, style
    from mlpm.services import commits, task_query

    store = open_store()
    task_query.get(store, task_id)  # NotFound for an unknown id
    found = commits.commits_for_task(store, task_id)
    if as_json:
        emit_json([c.to_json() for c in found])
        return
    if not found:
        click.echo(f"no commits linked to task {task_id}")
        return
    for commit in found:
        when = (commit.committed_at or "")[:16].replace("T", " ")
        line = (
            f"{style(commit.short, fg='yellow')}  {when:16}  {clean(commit.author)[:24]:24}  "
            f"{clean(commit.summary)}  [{commit.source}]"
        )
        if commit.is_merge:
            line += " (merge)"
        if not commit.reachable:
            line += style(" (not on any local branch: rebased away?)", dim=True)
        click.echo(line)


@git.group("hook")
def hook() -> None:
    """Install or remove the commit hook that adds `Task: <id>` trailers.

    The prepare-commit-msg hook adds the trailer for the task in progress (the running
    timer's task, else the task in Doing). Set MLPM_NO_HOOK=1 to skip it for one commit."""


def _hook_project(name: str | None) -> Project:
    from mlpm.cli.context import open_store
    from mlpm.services import projects

    return projects.resolve(open_store(), name)


@hook.command("install")
@click.option("--project", "-p", "name", help="Project (default: the current one).")
def hook_install(name: str | None) -> None:
    """Install the hook in the project's repository.

    A hook already there is kept and runs first; uninstall puts it back."""
    from mlpm.cli.context import open_store
    from mlpm.cli.output import clean, warn
    from mlpm.services import git_hooks

    result = git_hooks.install(_hook_project(name), open_store().path)
    click.echo(clean(result.message))
    if result.warning:
        warn(result.warning)


@hook.command("uninstall")
@click.option("--project", "-p", "name", help="Project (default: the current one).")
def hook_uninstall(name: str | None) -> None:
    """Remove the hook and restore the hook it replaced."""
    from mlpm.cli.output import clean
    from mlpm.services import git_hooks

    click.echo(clean(git_hooks.uninstall(_hook_project(name)).message))


@hook.command("run", hidden=True)
@click.argument("message_file", type=click.Path(dir_okay=False))
@click.argument("source", required=False, default="")
@click.argument("sha", required=False, default="")
def hook_run(message_file: str, source: str, sha: str) -> None:
    """Called by the installed hook: add the trailer. Never fails, never prints."""
    import os
    import signal

    # A commit must never wait on mlpm: give up silently after a few seconds. The alarm is
    # disarmed on the way out, so that an in-process caller (tests) is never killed later.
    alarmed = hasattr(signal, "SIGALRM")
    if alarmed:
        previous = signal.signal(signal.SIGALRM, lambda *_: os._exit(0))
        signal.alarm(5)
    try:
        from mlpm.services import git_hooks

        if git_hooks.skips(source, os.getcwd()):
            return
        from mlpm.cli.context import open_store

        store = open_store()
        task_id = git_hooks.trailer_task(store, os.getcwd())
        if task_id is not None:
            git_hooks.add_trailer(message_file, git_hooks.trailer_ref(store, task_id))
    except Exception:  # the hook must never block or disturb a commit
        pass
    finally:
        if alarmed:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
