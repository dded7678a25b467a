"""`mlpm sync`: set up the sync repository, exchange ops through it, report its state.

One sync: state rows made before the op log as ops (once), fetch (a fast-forward, or a
rebase of what a cut sync left unpushed), apply the other replicas' new ops (read from
where the last sync stopped in each file), append this replica's new ops to its own files
and commit, push (a rejected push fetches, applies and pushes again; never forced). Every
step can be cut by a kill: the next sync finds the files, the commits and the op table as
they were and goes on.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlpm import clock
from mlpm.errors import MlpmError
from mlpm.integrations import sync_recover, sync_repo
from mlpm.services import projects, sync_files, sync_merge
from mlpm.store import Store
from mlpm.store.ids import GID_TABLES
from mlpm.store.ops import replica_id_of


@dataclass(slots=True)
class SyncReport:
    replica: str
    sent: int = 0  # own ops written to the sync repository
    received: int = 0  # new ops from other replicas
    written: int = 0  # rows changed by them
    pushes: int = 0  # push attempts (more than 1: a rejected push was retried)
    problems: list[str] = field(default_factory=list)  # corrupt lines, entities waiting
    repaired: bool = False  # the last sync was cut short (killed): its leftovers were cleared

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def repo_dir(store: Store) -> Path:
    """Where this database's sync clone lives: beside the database file (an absolute path,
    so that `mlpm --db` with a relative path finds it from anywhere)."""
    return store.path.absolute().with_name(f"{store.path.stem}-sync")


def _setting(store: Store, key: str) -> Any:
    value = store.scalar("SELECT value FROM setting WHERE key = ?", (key,))
    return None if value is None else json.loads(value)


def _put(store: Store, values: dict[str, Any]) -> None:
    """Internal sync state: never undone, never shared."""
    with store.write("sync state", undoable=False) as tx:
        for key, value in values.items():
            encoded = json.dumps(value)
            if store.one("SELECT 1 FROM setting WHERE key = ?", (key,)):
                tx.update("setting", key, {"value": encoded})
            else:
                tx.insert("setting", {"key": key, "value": encoded})


def setup(store: Store, url: str | None, *, in_project: bool = False) -> dict[str, Any]:
    """Clone `url` (any git URL or path) as this database's sync repository; `in_project`:
    keep the log under a ref of the project's own repository (`url`, or by default the
    `origin` of the current project's repository, else of the one around this folder)."""
    if _setting(store, "sync.dir"):
        raise MlpmError(f"sync is already set up with {_setting(store, 'sync.url')}")
    ref = sync_repo.PROJECT_REF if in_project else sync_repo.BRANCH_REF
    if url is None:
        if not in_project:
            raise MlpmError("give the sync repository's URL or path (or --ref)")
        url = _project_origin(store)
    dest = repo_dir(store)
    sync_repo.clone(url, dest, ref)
    author = _setting(store, "sync.author") or sync_repo.author_email(dest)
    _put(store, {"sync.url": url, "sync.dir": str(dest), "sync.author": author, "sync.ref": ref})
    return {
        "replica": replica_id_of(store), "url": url, "dir": str(dest), "ref": ref,
        "author": author,
    }  # fmt: skip


def _project_origin(store: Store) -> str:
    project = projects.current_or_none(store)
    folder = Path(project.repo_path) if project and project.repo_path else Path.cwd()
    url = sync_repo.origin_of(folder)
    if not url:
        raise MlpmError(
            f"{folder} is not a git repository with an 'origin' remote;"
            " give the project's repository: mlpm sync setup --ref URL"
        )
    return url


def is_set_up(store: Store) -> bool:
    """Whether this database has a sync repository (no git run: cheap to ask)."""
    return bool(_setting(store, "sync.dir"))


def summary(report: SyncReport) -> str:
    """The short line the TUI shows after a sync: "synced: 3 in, 2 out"."""
    return f"synced: {report.received} in, {report.sent} out"


def _repo(store: Store) -> Path:
    folder = _setting(store, "sync.dir")
    if not folder:
        raise MlpmError("sync is not set up: run `mlpm sync setup URL` (any git URL or path)")
    path = Path(folder)
    if not (path / ".git").is_dir():
        raise MlpmError(f"the sync repository {path} is gone; set it up again")
    return path


def seed(store: Store) -> int:
    """State every shared row that has no op yet (made before the op log, or by a bulk path)
    as ops of this replica, so the log alone can rebuild it. Return the rows stated."""
    stated = 0
    with store.write("sync seed", undoable=False) as tx:
        for table in GID_TABLES:
            rows = store.query(
                f'SELECT * FROM "{table}" AS t WHERE NOT EXISTS'
                " (SELECT 1 FROM op WHERE op.kind = ? AND op.gid = t.gid)",
                (table,),
            )
            for row in rows:
                tx.ops.changed(table, None, row)
                stated += 1
    return stated


def run(store: Store) -> SyncReport:
    repo = _repo(store)
    me = replica_id_of(store)
    report = SyncReport(me)
    with sync_recover.session(repo) as report.repaired:
        seed(store)
        sync_repo.fetch(repo)
        _receive(store, repo, me, report)
        _send(store, repo, me, report)
        report.pushes = _push(store, repo, me, report)
        _put(store, {"sync.last": clock.stamp()})
    return report


def _send(store: Store, repo: Path, me: str, report: SyncReport) -> None:
    ops = sync_files.unwritten(store, me, sync_files.written_up_to(repo, me))
    if not ops:
        return  # nothing of a cut sync is left uncommitted: the session's repair reset it
    sync_files.write_own(repo, me, ops)
    report.sent += len(ops)
    sync_repo.commit(repo, [f"{sync_repo.OPS_DIR}/{me}"], f"mlpm ops from {me}")


def _receive(store: Store, repo: Path, me: str, report: SyncReport) -> None:
    read = sync_files.read_new(repo, me, _setting(store, "sync.offsets") or {})
    report.problems += read.problems
    if read.ops:
        merged = sync_merge.receive(store, read.ops)
        report.received += merged.new_ops
        report.written += merged.written
        report.problems += [f"waiting: {w}" for w in merged.waiting]
    _put(store, {"sync.offsets": read.offsets})


def _push(store: Store, repo: Path, me: str, report: SyncReport) -> int:
    if sync_repo.unpushed(repo) == 0:
        return 0
    for attempt in range(1, sync_repo.PUSH_TRIES + 1):
        if sync_repo.push_once(repo, _setting(store, "sync.ref") or sync_repo.BRANCH_REF):
            return attempt
        sync_repo.fetch(repo)  # someone pushed first: take their ops, then push again
        _receive(store, repo, me, report)
    raise MlpmError(
        f"the push was rejected {sync_repo.PUSH_TRIES} times (others keep pushing); run again"
    )


def status(store: Store) -> dict[str, Any]:
    me = replica_id_of(store)
    folder = _setting(store, "sync.dir")
    waiting = store.scalar("SELECT COUNT(*) FROM op WHERE replica = ?", (me,))
    unpushed = 0
    if folder and (Path(folder) / ".git").is_dir():
        repo = Path(folder)
        written = sync_files.written_up_to(repo, me)
        waiting = store.scalar(
            "SELECT COUNT(*) FROM op WHERE replica = ? AND lamport > ?", (me, written)
        )
        unpushed = sync_repo.unpushed(repo)
    seen = store.query(
        "SELECT replica, COUNT(*) AS ops, MAX(at) AS last_op FROM op"
        " GROUP BY replica ORDER BY replica"
    )
    return {
        "replica": me,
        "url": _setting(store, "sync.url"),
        "dir": folder,
        "ref": _setting(store, "sync.ref") or (sync_repo.BRANCH_REF if folder else None),
        "author": _setting(store, "sync.author") or "",
        "last_sync": _setting(store, "sync.last"),
        "ops_waiting": waiting,
        "commits_unpushed": unpushed,
        "replicas": [{**r, "this": r["replica"] == me} for r in seen],
    }


def rebuild(store: Store) -> dict[str, Any]:
    """Re-read every op file (if set up), then recreate the tables from the op log alone."""
    problems: list[str] = []
    seed(store)
    folder = _setting(store, "sync.dir")
    if folder and (Path(folder) / ".git").is_dir():
        stored = dict(store.rows("SELECT replica, COUNT(*) FROM op GROUP BY replica"))
        read = sync_files.read_missing(Path(folder), replica_id_of(store), stored)
        problems += read.problems
        sync_merge.keep(store, read.ops)
    merged = sync_merge.rebuild(store)
    problems += [f"waiting: {w}" for w in merged.waiting]
    return {"rows": merged.written, "problems": problems}
