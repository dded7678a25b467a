"""Scanning a project's repository: store its commits and their task links.

A commit belongs to a task when its message carries a `Task: <id>` trailer or an `mlpm#<id>`
reference. `sync` reads only what changed since the last scan (new commits on any local branch
or HEAD) and marks the commits a rebase or force-push left unreachable; their rows and links
stay. Git is read by `mlpm.integrations.git_log`, imported inside the functions that need it
(GitPython is heavy; the quick commands never load it).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlpm import clock
from mlpm.errors import MlpmError
from mlpm.models import Project
from mlpm.services.task_ids import TaskRefs
from mlpm.store import Store, Tx

if TYPE_CHECKING:
    from mlpm.integrations.git_log import LogBatch

_COLUMNS = ("sha", "parents", "author", "author_email", "committed_at", "summary")  # LogBatch.rows
_MOVE_SELECT = f"SELECT {', '.join(_COLUMNS)}, ?, ?, 1 FROM temp.git_scan_batch ORDER BY sha"
MOVE_EVERY = 20_000
_LINK_COLUMNS = ("task_id", "sha", "repo", "source", "linked_at")


@dataclass(slots=True)
class SyncResult:
    """What one scan of a project's repository found."""

    project: str
    repo: str
    scanned: int = 0  # commits read from git log
    new_commits: int = 0  # commits stored for the first time
    new_links: int = 0
    unreachable: int = 0  # commits that became unreachable in this scan
    full: bool = False  # the whole history was read (first scan, deepened clone, lost tips)
    up_to_date: bool = False  # nothing moved since the last scan; git log was not run
    empty: bool = False  # the repository has no commits yet
    shallow: bool = False
    moved_from: str | None = None  # the repository's old path, when its rows were carried over
    seconds: float = 0.0

    @property
    def line(self) -> str:
        """One line for the terminal."""
        if self.empty:
            return f"{self.project}: {self.repo} has no commits yet"
        if self.up_to_date:
            return f"{self.project}: up to date ({self.repo})"
        text = (
            f"{self.project}: {self.new_commits:,} new commit{'s' * (self.new_commits != 1)}, "
            f"{self.new_links:,} new link{'s' * (self.new_links != 1)}"
        )
        if self.unreachable:
            text += f", {self.unreachable:,} no longer reachable (rebased or force-pushed)"
        text += f" ({'full scan, ' if self.full else ''}{self.seconds:.2f} s)"
        if self.moved_from:
            text += f"; carried over from {self.moved_from}"
        if self.shallow:
            text += "; shallow clone: history before its boundary is not scanned"
        return text

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def require_repo_path(project: Project) -> str:
    if not project.repo_path:
        raise MlpmError(
            f"project {project.slug!r} has no repository: set it with "
            f"`mlpm project edit {project.slug} --repo PATH`"
        )
    return project.repo_path


def _scan_state(store: Store, repo: str) -> dict[str, Any] | None:
    row = store.one("SELECT * FROM git_scan WHERE repo = ?", (repo,))
    if row is None:
        return None
    return {**row, "tips": json.loads(row["tips"])}


def _moved_state(store: Store, repo: Any, key: str, project_id: int) -> dict[str, Any] | None:
    """The scan state of this project's earlier repository path, if the repository was moved
    here: the old path is gone and the new repository holds the old tips."""
    from mlpm.integrations import git_repo

    for row in store.query(
        "SELECT repo FROM git_scan WHERE project_id = ? AND repo != ?", (project_id, key)
    ):
        if (Path(row["repo"]) / ".git").exists():
            continue  # still a repository there: the project was re-pointed, not moved
        state = _scan_state(store, row["repo"])
        if state and git_repo.existing(repo, state["tips"].values()):
            return state
    return None


def _task_ids_for_repo(store: Store, key: str, project: Project) -> TaskRefs:
    """The tasks a commit in this repository may name: those of the projects whose repository
    it is. (A `Task: 12` written in another project's repository, or by a colleague's mlpm,
    is not our task 12.)"""
    from mlpm.integrations import git_worktree

    owners = {project.id}
    for row in store.query("SELECT id, repo_path FROM project WHERE repo_path IS NOT NULL"):
        if row["id"] not in owners and str(git_worktree.find_worktree(row["repo_path"])) == key:
            owners.add(row["id"])
    marks = ", ".join("?" for _ in owners)
    rows = store.query(f"SELECT id, gid FROM task WHERE project_id IN ({marks})", sorted(owners))
    return TaskRefs((row["id"], row["gid"]) for row in rows)


def _shas(store: Store, sql: str, repo: str) -> set[str]:
    return set(store.column(sql, (repo,)))  # plain tuples: a full rescan reads 100,000


def sync(store: Store, project: Project) -> SyncResult:
    """Scan the project's repository for commits new since the last scan (every local branch
    and HEAD), store them with their task links, and mark commits no longer reachable.

    RepoError (an MlpmError) with a clear message when the repository is missing, moved or not
    a repository; stored commits and links are never touched in that case.
    """
    from mlpm.integrations import git_log, git_repo

    started = time.perf_counter()
    repo = git_repo.open_repo(require_repo_path(project))
    key = git_repo.repo_key(repo)
    tips = git_repo.read_tips(repo)
    shallow = git_repo.shallow_marker(repo)
    result = SyncResult(project.slug, key, shallow=bool(shallow), empty=not tips)

    state = _scan_state(store, key)
    if state is None and (state := _moved_state(store, repo, key, project.id)) is not None:
        result.moved_from = state["repo"]
    if state and state["tips"] == tips and state["shallow"] == shallow and not result.moved_from:
        result.up_to_date = True
        result.seconds = time.perf_counter() - started
        return result

    new_tips = set(tips.values())
    old_tips = set(state["tips"].values()) if state else set()
    result.full = state is None or state["shallow"] != shallow
    lost: set[str] | None = None  # None: whatever the full scan does not see
    if not result.full:
        lost = set()
        if gone := old_tips - new_tips:
            if git_repo.existing(repo, gone) == gone:
                lost = git_repo.rev_list(repo, gone, new_tips)
            else:  # old tips were garbage-collected: compare with everything reachable now
                lost = None
                result.full = True
    batches = git_log.stream_log(repo, new_tips, () if result.full else old_tips)
    _store_scan(store, project, key, tips, shallow, batches, lost, result)
    result.seconds = time.perf_counter() - started
    return result


def _store_scan(
    store: Store,
    project: Project,
    key: str,
    tips: dict[str, str],
    shallow: str,
    batches: Iterable[LogBatch],
    lost: set[str] | None,
    result: SyncResult,
) -> None:
    """Write one scan in one transaction, storing each batch while git reads the next:
    commits, links, commits no longer reachable, the new tips, one event."""
    now = clock.stamp()
    with store.write("git sync", undoable=False) as tx, tx.noting("git_commit", key) as note:
        if result.moved_from:
            _rekey(tx, result.moved_from, key)
        task_ids = _task_ids_for_repo(store, key, project)
        # What was stored before this scan (nothing, the first time): for the reachability
        # changes below, worked out on these sets.
        hidden = _shas(store, "SELECT sha FROM git_commit WHERE repo = ? AND reachable = 0", key)
        full_scan = lost is None  # it sees everything reachable: what it does not see is lost
        if lost is None:
            lost = _shas(store, "SELECT sha FROM git_commit WHERE repo = ? AND reachable = 1", key)
        # Commits go to a temporary table as git writes them, and from there into git_commit
        # every MOVE_EVERY commits in one sorted INSERT (building the indexes in key order is
        # several times faster than inserting in git's order), while git reads on.
        seen: set[str] = set()
        waiting = 0
        # 64 MB of page cache: the moves touch pages all over the file.
        with tx.scratch("git_scan_batch", _COLUMNS) as batch_table, tx.page_cache(64):
            for batch in batches:
                result.scanned += len(batch.rows)
                seen.update(map(itemgetter(0), batch.rows))
                tx.insert_many(batch_table, _COLUMNS, batch.rows)
                links = [
                    (task_ids.get(t), sha, key, how, now)
                    for t, sha, how in batch.links
                    if t in task_ids
                ]
                if links:
                    result.new_links += tx.insert_many(
                        "task_commit", _LINK_COLUMNS, links, on_conflict="ignore"
                    )
                waiting += len(batch.rows)
                if waiting >= MOVE_EVERY:
                    result.new_commits += _move_batch(tx, batch_table, key, now)
                    waiting = 0
            result.new_commits += _move_batch(tx, batch_table, key, now)
        if full_scan:
            lost -= seen
        if back := hidden & seen:  # a branch was reset back to commits once rebased away
            _mark_reachable(tx, key, back, reachable=True)
        if lost:
            result.unreachable = _mark_reachable(tx, key, lost, reachable=False)
        tx.upsert_many(
            "git_scan",
            ("repo", "project_id", "tips", "shallow", "scanned_at"),
            [(key, project.id, json.dumps(tips, sort_keys=True), shallow, now)],
            key=("repo",),
        )
        note.update(
            project=project.slug,
            scanned=result.scanned,
            new_commits=result.new_commits,
            new_links=result.new_links,
            unreachable=result.unreachable,
            full=result.full,
            moved_from=result.moved_from,
        )


# -- the scan's bulk writes ------------------------------------------------------------------


def _rekey(tx: Tx, old: str, new: str) -> None:
    """Carry a moved repository's rows over to its new path (links stay as they were)."""
    tx.update_where("git_commit", {"repo": new}, "repo = ?", (old,), or_ignore=True)
    tx.delete_where("git_commit", "repo = ?", (old,))
    tx.update_where("task_commit", {"repo": new}, "repo = ?", (old,))
    tx.update_where("code_state", {"repo": new}, "repo = ?", (old,))
    tx.delete_where("git_scan", "repo = ?", (old,))


def _move_batch(tx: Tx, batch_table: str, key: str, now: str) -> int:
    """Move the waiting commits into git_commit; return how many were new."""
    columns = (*_COLUMNS, "repo", "seen_at", "reachable")
    added = tx.insert_select("git_commit", columns, _MOVE_SELECT, (key, now), or_ignore=True)
    tx.delete_where(batch_table, "true")
    return added


def _mark_reachable(tx: Tx, key: str, shas: set[str], *, reachable: bool) -> int:
    """Mark stored commits (un)reachable; return how many changed."""
    keys = [(key, sha) for sha in sorted(shas)]
    return tx.update_many("git_commit", {"reachable": int(reachable)}, ("repo", "sha"), keys)
