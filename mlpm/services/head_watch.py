"""Watching HEAD: the TUI keeps active projects' commits in sync as their HEAD moves, reading
a cheap token from files (no git process) and scanning only when it changed."""

from __future__ import annotations

from mlpm.errors import MlpmError
from mlpm.models import Project
from mlpm.services import commit_scan
from mlpm.services.commit_scan import SyncResult
from mlpm.store import Store


def head_token(project: Project) -> str | None:
    """A string that changes whenever the project's HEAD moves (read from files, no git
    process): keep it, and sync when `head_changed` says so. None without a repository."""
    from mlpm.integrations import git_worktree

    return git_worktree.head_token(project.repo_path) if project.repo_path else None


def head_changed(project: Project, since: str | None) -> bool:
    """True when HEAD moved since `since` (a `head_token` value): cheap enough to poll."""
    return head_token(project) != since


def watched_projects(store: Store) -> list[Project]:
    """Active projects with a repository: the ones the TUI keeps in sync as HEAD moves."""
    rows = store.query("SELECT * FROM project WHERE status = 'active' AND repo_path IS NOT NULL")
    return [Project.from_row(r) for r in rows]


def sync_moved(
    store: Store, tokens: dict[int, str | None]
) -> list[tuple[Project, SyncResult | MlpmError]]:
    """Sync each watched project whose HEAD moved since its token in `tokens` (all of them on
    the first call), updating `tokens`; return what each sync did or the error it met."""
    done: list[tuple[Project, SyncResult | MlpmError]] = []
    for project in watched_projects(store):
        first = project.id not in tokens
        token = head_token(project)
        if not first and tokens[project.id] == token:
            continue
        tokens[project.id] = token
        if token is None and not first:
            continue  # the repository went away: its error was reported when it did
        try:
            done.append((project, commit_scan.sync(store, project)))
        except MlpmError as exc:
            done.append((project, exc))
    return done
