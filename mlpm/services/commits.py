"""Commits linked to tasks: reading a task's commits, and linking one by hand.

Scans (`commit_scan`) link commits by their `Task: <id>` trailers and `mlpm#<id>` references;
a user links any other commit here. Git is read by `mlpm.integrations.git_log`, imported inside
the functions that need it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from mlpm import clock
from mlpm.errors import MlpmError, NotFound, UsageError
from mlpm.models import Project
from mlpm.services import projects, task_query
from mlpm.services.commit_scan import require_repo_path
from mlpm.store import Store, Tx

_REV = re.compile(r"^[^\s\x00-\x1f\x7f-][^\s\x00-\x1f\x7f]{0,199}$")  # a revision, not an option


@dataclass(slots=True)
class Commit:
    """A commit linked to a task, as stored by the last scan."""

    sha: str
    repo: str
    author: str
    committed_at: str | None
    summary: str
    reachable: bool  # False: no local branch or HEAD reaches it any more (rebased away)
    source: str | None = None  # how it is linked: trailer, reference or manual
    task_id: int | None = None
    parents: list[str] = field(default_factory=list)

    @property
    def short(self) -> str:
        return self.sha[:10]

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Commit:
        return cls(
            sha=row["sha"],
            repo=row["repo"],
            author=row["author"] or "",
            committed_at=row["committed_at"],
            summary=row["summary"] or "",
            reachable=bool(row["reachable"]),
            source=row.get("source"),
            task_id=row.get("task_id"),
            parents=(row["parents"] or "").split(),
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def commits_for_task(store: Store, task_id: int) -> list[Commit]:
    """The commits linked to a task, reachable ones first, newest first."""
    rows = store.query(
        "SELECT l.task_id, l.sha, l.repo, l.source, c.author, c.committed_at, c.summary,"
        " COALESCE(c.reachable, 1) AS reachable, c.parents"
        " FROM task_commit AS l LEFT JOIN git_commit AS c ON c.repo = l.repo AND c.sha = l.sha"
        " WHERE l.task_id = ?"
        " ORDER BY reachable DESC, datetime(c.committed_at) DESC, l.sha",
        (task_id,),
    )
    return [Commit.from_row(r) for r in rows]


def _stored_commit(store: Store, rev: str, repo: str | None) -> dict[str, Any] | None:
    """A commit already in the store whose sha starts with `rev` (None unless unique)."""
    if not re.fullmatch(r"[0-9a-fA-F]{4,64}", rev):
        return None
    sql = "SELECT * FROM git_commit WHERE sha >= ? AND sha < ?"
    params: list[Any] = [rev.lower(), rev.lower() + "g"]
    if repo:
        sql += " AND repo = ?"
        params.append(repo)
    rows = store.query(sql + " LIMIT 2", params)
    return rows[0] if len(rows) == 1 else None


def _refuse_second_link(store: Store, task_id: int, sha: str) -> None:
    existing = store.one(
        "SELECT source FROM task_commit WHERE task_id = ? AND sha = ?", (task_id, sha)
    )
    if existing is not None:
        raise MlpmError(
            f"commit {sha[:10]} is already linked to task {task_id} (by {existing['source']})"
        )


def link_commit(store: Store, task_id: int, sha: str, project: Project | None = None) -> Commit:
    """Link a commit (sha, abbreviation or revision such as HEAD) to a task by hand.

    The commit is looked up in the project's repository (the task's project by default); if
    the repository cannot be read, a commit already stored by an earlier scan still links.
    """
    from mlpm.integrations import git_log, git_repo

    task = task_query.get(store, task_id)
    project = project or projects.by_id(store, task.project_id)
    rev = sha.strip()
    if not _REV.match(rev):
        raise UsageError(f"{sha!r} is not a commit sha or revision")
    path = require_repo_path(project)
    try:
        repo = git_repo.open_repo(path)
    except git_repo.RepoError:
        row = _stored_commit(store, rev, None)
        if row is None:
            raise
        key, entry, reachable = row["repo"], None, bool(row["reachable"])
        full_sha = row["sha"]
    else:
        key = git_repo.repo_key(repo)
        entry = git_log.read_commit(repo, rev)
        if entry is None:
            raise NotFound(f"no commit {rev!r} in {key}")
        full_sha = entry.sha
        reachable = git_repo.is_reachable(repo, full_sha)
    now = clock.stamp()
    _refuse_second_link(store, task_id, full_sha)
    if entry is not None and not store.one(
        "SELECT 1 FROM git_commit WHERE repo = ? AND sha = ?", (key, full_sha)
    ):
        # A fact about the repository, not the user's change: stored like a scan stores it.
        with store.write("git commit", undoable=False) as tx:
            _store_commit(tx, key, entry, reachable, now)
    # The event log keys task_commit rows by rowid (store.db.PRIMARY_KEYS), so undo works.
    with store.write(f"task link-commit {task_id} {full_sha[:10]}") as tx:
        _refuse_second_link(store, task_id, full_sha)  # again, under the write lock
        tx.insert(
            "task_commit",
            {
                "task_id": task_id,
                "sha": full_sha,
                "repo": key,
                "source": "manual",
                "linked_at": now,
            },
        )
    found = [c for c in commits_for_task(store, task_id) if c.sha == full_sha]
    return found[0]


def _store_commit(tx: Tx, key: str, entry: Any, reachable: bool, now: str) -> None:
    """Store one commit read from git (a `git_log` entry) as a scan would, noting it once."""
    columns = ("repo", "sha", "author", "author_email", "committed_at", "summary", "parents")
    values = (key, entry.sha, entry.author, entry.author_email, entry.committed_at,
              entry.summary, entry.parents)  # fmt: skip
    with tx.noting("git_commit", key) as note:
        note["stored"] = entry.sha
        tx.insert_many(
            "git_commit",
            (*columns, "reachable", "seen_at"),
            [(*values, int(reachable), now)],
            on_conflict="ignore",
        )
