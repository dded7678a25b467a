"""The commit hook: install or remove it in a project's repository, and what it does on each
commit (add a `Task: <id>` trailer for the task in progress in that repository)."""

from __future__ import annotations

from pathlib import Path

from mlpm.integrations import git_hook, git_worktree
from mlpm.integrations.git_hook import HookResult
from mlpm.models import Project
from mlpm.services import in_progress, task_ids
from mlpm.services.commit_scan import require_repo_path
from mlpm.store import Store

TRAILER_GID_CHARS = 8


def install(project: Project, db_path: str | Path) -> HookResult:
    """Install the hook in the project's repository (a hook already there runs first)."""
    return git_hook.install(require_repo_path(project), db_path)


def uninstall(project: Project) -> HookResult:
    """Remove the hook and restore the one it replaced."""
    return git_hook.uninstall(require_repo_path(project))


def skips(source: str, worktree: str) -> bool:
    """True for commits that get no trailer: merges, squashes, and replays (rebase, cherry-pick)
    of commits that already carry theirs."""
    return source in git_hook.SKIP_SOURCES or git_hook.replaying(worktree)


def project_for_repo(store: Store, path: str) -> Project | None:
    """The project whose repository holds `path` (linked worktrees count), preferring active
    projects with a task in progress."""
    here = git_worktree.common_dir(path)
    if here is None:
        return None
    rows = store.query(
        "SELECT * FROM project WHERE repo_path IS NOT NULL"
        " ORDER BY status = 'active' DESC, updated_at DESC, id"
    )
    matches = [Project.from_row(r) for r in rows if git_worktree.common_dir(r["repo_path"]) == here]
    for project in matches:
        if in_progress.of_project(store, project) is not None:
            return project
    return matches[0] if matches else None


def trailer_task(store: Store, worktree: str) -> int | None:
    """The task id the commit hook should add as a trailer in `worktree`, if any."""
    project = project_for_repo(store, worktree)
    return None if project is None else in_progress.of_project(store, project)


def trailer_ref(store: Store, task_id: int) -> int | str:
    """What the trailer names the task by: its number on a replica that does not sync (what
    the user sees there); once sync is set up, 8 characters of its global id at least (its
    short id, made longer so that tasks arriving later rarely make it ambiguous), which
    names the same task on every replica."""
    if store.scalar("SELECT 1 FROM setting WHERE key = 'sync.dir'") is None:
        return task_id
    gid = store.scalar("SELECT gid FROM task WHERE id = ?", (task_id,))
    if not gid:
        return task_id
    return gid[: max(TRAILER_GID_CHARS, len(task_ids.short_id(store, gid)))]


def add_trailer(message_file: str | Path, task_id: int | str) -> bool:
    """Add `Task: <id>` to the commit message file (unless it carries a Task trailer already);
    True when git succeeded."""
    return git_hook.add_trailer(message_file, task_id)
