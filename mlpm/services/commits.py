"""Tasks and commits: scan a project's repository, keep the links, record code states.

A commit belongs to a task when its message carries a `Task: <id>` trailer or an `mlpm#<id>`
reference, or when a user linked it by hand. `sync` reads only what changed since the last
scan (new commits on any local branch or HEAD) and marks the commits a rebase or force-push
left unreachable; their rows and links stay. Git is read by
`mlpm.integrations.git_log`, imported inside the functions that need it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlpm import clock
from mlpm.errors import MlpmError, NotFound, UsageError
from mlpm.models import Project
from mlpm.store import Store, Tx

if TYPE_CHECKING:
    from mlpm.integrations.git_log import LogBatch

_COLUMNS = "sha, parents, author, author_email, committed_at, summary"  # LogBatch.rows
_CREATE_BATCH = f"CREATE TEMP TABLE IF NOT EXISTS git_scan_batch ({_COLUMNS})"
_INSERT_BATCH = "INSERT INTO temp.git_scan_batch VALUES (?, ?, ?, ?, ?, ?)"
_ROWS_PER_INSERT = 100  # one INSERT of many rows costs far less per row than executemany
_INSERT_ROWS = _INSERT_BATCH.replace(
    "(?, ?, ?, ?, ?, ?)", ", ".join(["(?, ?, ?, ?, ?, ?)"] * _ROWS_PER_INSERT)
)
_MOVE_BATCH = (
    f"INSERT OR IGNORE INTO git_commit ({_COLUMNS}, repo, seen_at, reachable)"
    f" SELECT {_COLUMNS}, ?, ?, 1 FROM temp.git_scan_batch ORDER BY sha"
)
MOVE_EVERY = 20_000
_INSERT_LINK = (
    "INSERT INTO task_commit (task_id, sha, repo, source, linked_at) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (task_id, sha) DO NOTHING"
)
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


@dataclass(slots=True)
class CodeState:
    """HEAD and a dirty flag recorded when work on a task started."""

    id: int
    task_id: int
    at: str
    repo: str
    head_sha: str | None
    branch: str | None
    dirty: bool | None
    reason: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CodeState:
        values = dict(row)
        values["dirty"] = None if row["dirty"] is None else bool(row["dirty"])
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# -- scanning -------------------------------------------------------------------------------


def _require_repo_path(project: Project) -> str:
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


def _rekey(tx: Tx, old: str, new: str) -> None:
    """Carry a moved repository's rows over to its new path (links stay as they were)."""
    conn = tx.store.conn
    conn.execute("UPDATE OR IGNORE git_commit SET repo = ? WHERE repo = ?", (new, old))
    conn.execute("DELETE FROM git_commit WHERE repo = ?", (old,))
    conn.execute("UPDATE task_commit SET repo = ? WHERE repo = ?", (new, old))
    conn.execute("UPDATE code_state SET repo = ? WHERE repo = ?", (new, old))
    conn.execute("DELETE FROM git_scan WHERE repo = ?", (old,))


def _fill(conn: Any, rows: list[list[str]]) -> None:
    """Add rows to the scan's temporary table."""
    whole = len(rows) - len(rows) % _ROWS_PER_INSERT
    for start in range(0, whole, _ROWS_PER_INSERT):
        conn.execute(
            _INSERT_ROWS, list(chain.from_iterable(rows[start : start + _ROWS_PER_INSERT]))
        )
    if whole < len(rows):
        conn.executemany(_INSERT_BATCH, rows[whole:])


def _task_ids_for_repo(store: Store, key: str, project: Project) -> set[int]:
    """The tasks a commit in this repository may name: those of the projects whose repository
    it is. (A `Task: 12` written in another project's repository, or by a colleague's mlpm,
    is not our task 12.)"""
    from mlpm.integrations import git_worktree

    owners = {project.id}
    for row in store.query("SELECT id, repo_path FROM project WHERE repo_path IS NOT NULL"):
        if row["id"] not in owners and str(git_worktree.find_worktree(row["repo_path"])) == key:
            owners.add(row["id"])
    marks = ", ".join("?" for _ in owners)
    rows = store.query(f"SELECT id FROM task WHERE project_id IN ({marks})", sorted(owners))
    return {row["id"] for row in rows}


def _move_batch(conn: Any, key: str, now: str) -> int:
    """Move the waiting commits into git_commit; return how many were new."""
    added = conn.execute(_MOVE_BATCH, (key, now)).rowcount
    conn.execute("DELETE FROM temp.git_scan_batch")
    return added


def _shas(conn: Any, sql: str, repo: str) -> set[str]:
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: a full rescan reads a hundred thousand
    return {sha for (sha,) in cursor.execute(sql, (repo,))}


def sync(store: Store, project: Project) -> SyncResult:
    """Scan the project's repository for commits new since the last scan (every local branch
    and HEAD), store them with their task links, and mark commits no longer reachable.

    RepoError (an MlpmError) with a clear message when the repository is missing, moved or not
    a repository; stored commits and links are never touched in that case.
    """
    from mlpm.integrations import git_log, git_repo

    started = time.perf_counter()
    repo = git_repo.open_repo(_require_repo_path(project))
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
    with store.write("git sync", undoable=False) as tx:
        conn = tx.store.conn
        if result.moved_from:
            _rekey(tx, result.moved_from, key)
        task_ids = _task_ids_for_repo(store, key, project)
        # What was stored before this scan (nothing, the first time): for the reachability
        # changes below, worked out on these sets.
        hidden = _shas(conn, "SELECT sha FROM git_commit WHERE repo = ? AND reachable = 0", key)
        full_scan = lost is None  # it sees everything reachable: what it does not see is lost
        if lost is None:
            lost = _shas(conn, "SELECT sha FROM git_commit WHERE repo = ? AND reachable = 1", key)
        # Commits go to a temporary table as git writes them, and from there into git_commit
        # every MOVE_EVERY commits in one sorted INSERT (building the indexes in key order is
        # several times faster than inserting in git's order), while git reads on.
        conn.execute(_CREATE_BATCH)
        conn.execute("DELETE FROM temp.git_scan_batch")
        cache = conn.execute("PRAGMA cache_size").fetchone()["cache_size"]
        conn.execute("PRAGMA cache_size = -65536")  # 64 MB: the moves touch pages all over
        seen: set[str] = set()
        waiting = 0
        try:
            for batch in batches:
                result.scanned += len(batch.rows)
                seen.update(map(itemgetter(0), batch.rows))
                _fill(conn, batch.rows)
                links = [(t, sha, key, how, now) for t, sha, how in batch.links if t in task_ids]
                if links:
                    result.new_links += conn.executemany(_INSERT_LINK, links).rowcount
                waiting += len(batch.rows)
                if waiting >= MOVE_EVERY:
                    result.new_commits += _move_batch(conn, key, now)
                    waiting = 0
            result.new_commits += _move_batch(conn, key, now)
        finally:
            conn.execute(f"PRAGMA cache_size = {int(cache)}")
        if full_scan:
            lost -= seen
        if back := hidden & seen:  # a branch was reset back to commits once rebased away
            conn.executemany(
                "UPDATE git_commit SET reachable = 1 WHERE repo = ? AND sha = ?",
                [(key, sha) for sha in sorted(back)],
            )
        if lost:
            result.unreachable = conn.executemany(
                "UPDATE git_commit SET reachable = 0 WHERE repo = ? AND sha = ? AND reachable = 1",
                [(key, sha) for sha in sorted(lost)],
            ).rowcount
        conn.execute(
            "INSERT INTO git_scan (repo, project_id, tips, shallow, scanned_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (repo) DO UPDATE SET"
            " project_id = excluded.project_id, tips = excluded.tips,"
            " shallow = excluded.shallow, scanned_at = excluded.scanned_at",
            (key, project.id, json.dumps(tips, sort_keys=True), shallow, now),
        )
        tx.note(
            "git_commit",
            key,
            {
                "project": project.slug,
                "scanned": result.scanned,
                "new_commits": result.new_commits,
                "new_links": result.new_links,
                "unreachable": result.unreachable,
                "full": result.full,
                "moved_from": result.moved_from,
            },
        )


# -- reading --------------------------------------------------------------------------------


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


def code_states_for_task(store: Store, task_id: int) -> list[CodeState]:
    """The code states recorded for a task, oldest first."""
    rows = store.query("SELECT * FROM code_state WHERE task_id = ? ORDER BY at, id", (task_id,))
    return [CodeState.from_row(r) for r in rows]


# -- linking by hand ------------------------------------------------------------------------


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
    from mlpm.services import projects, tasks

    task = tasks.get(store, task_id)
    project = project or projects.by_id(store, task.project_id)
    rev = sha.strip()
    if not _REV.match(rev):
        raise UsageError(f"{sha!r} is not a commit sha or revision")
    path = _require_repo_path(project)
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
            tx.store.conn.execute(
                "INSERT OR IGNORE INTO git_commit (repo, sha, author, author_email, committed_at,"
                " summary, parents, reachable, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, full_sha, entry.author, entry.author_email, entry.committed_at,
                 entry.summary, entry.parents, int(reachable), now),
            )  # fmt: skip
            tx.note("git_commit", key, {"stored": full_sha})
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


# -- code states, the task in progress, HEAD watching ----------------------------------------


def record_code_state(store: Store, task_id: int, reason: str) -> CodeState | None:
    """Record HEAD, branch and whether the tree was dirty for a task (at task start, focus
    start). One `git status`, no GitPython. None (and nothing stored) when the task's project
    has no readable repository: this never raises for a missing repository."""
    from mlpm.integrations import git_worktree

    row = store.one(
        "SELECT project.repo_path FROM task JOIN project ON project.id = task.project_id"
        " WHERE task.id = ?",
        (task_id,),
    )
    if row is None or not row["repo_path"]:
        return None
    state = git_worktree.read_code_state(row["repo_path"])
    if state is None:
        return None
    with store.write(f"code state {reason}", undoable=False) as tx:
        key = tx.insert(
            "code_state",
            {
                "task_id": task_id,
                "at": clock.stamp(),
                "repo": state.repo,
                "head_sha": state.head_sha,
                "branch": state.branch,
                "dirty": None if state.dirty is None else int(state.dirty),
                "reason": reason,
            },
        )
    return CodeState.from_row(store.one("SELECT * FROM code_state WHERE id = ?", (key,)))


def _timer_task(store: Store, project: Project) -> int | None:
    """The task of the focus session running now, if it is this project's: the one place
    where the timer takes precedence over the Doing column."""
    from mlpm.services import timer

    task_id = timer.task_in_progress(store)
    if task_id is None:
        return None
    owner = store.scalar("SELECT project_id FROM task WHERE id = ?", (task_id,))
    return task_id if owner == project.id else None


def task_in_progress(store: Store, project: Project) -> int | None:
    """The task a commit made now belongs to: the running timer's task, else the task in
    Doing that was started last (None when nothing is in progress)."""
    timer_task = _timer_task(store, project)
    if timer_task is not None:
        return timer_task
    return store.scalar(
        "SELECT id FROM task WHERE project_id = ? AND \"column\" = 'doing'"
        " ORDER BY started_at DESC, updated_at DESC, id DESC LIMIT 1",
        (project.id,),
    )


def project_for_repo(store: Store, path: str) -> Project | None:
    """The project whose repository holds `path` (linked worktrees count), preferring active
    projects with a task in progress."""
    from mlpm.integrations import git_worktree

    here = git_worktree.common_dir(path)
    if here is None:
        return None
    rows = store.query(
        "SELECT * FROM project WHERE repo_path IS NOT NULL"
        " ORDER BY status = 'active' DESC, updated_at DESC, id"
    )
    matches = [Project.from_row(r) for r in rows if git_worktree.common_dir(r["repo_path"]) == here]
    for project in matches:
        if task_in_progress(store, project) is not None:
            return project
    return matches[0] if matches else None


def trailer_task(store: Store, worktree: str) -> int | None:
    """The task id the commit hook should add as a trailer in `worktree`, if any."""
    project = project_for_repo(store, worktree)
    return None if project is None else task_in_progress(store, project)


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
            done.append((project, sync(store, project)))
        except MlpmError as exc:
            done.append((project, exc))
    return done
