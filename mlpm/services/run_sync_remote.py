"""Import runs through a tracker's API (`mlpm runs sync --remote ENTITY/PROJECT` for W&B,
`--remote mlflow:URI` for an MLflow tracking server; `run_remotes`), into the same `run` rows
a local sync writes.

A sync is a pass over the runs created, updated or heard from since the last complete pass
started, oldest first, committed every `BATCH` runs: an API error keeps what arrived, and the
next sync resumes from the last committed run (`remote_sync.resume_created_at`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mlpm import clock
from mlpm.errors import MlpmError
from mlpm.services.run_sync import (
    RUN_COLUMNS,
    SyncReport,
    current_project_id,
    run_row,
    upsert_runs,
)

if TYPE_CHECKING:
    from mlpm.integrations.wandb_run import RunInfo
    from mlpm.services.run_remotes import Remote
    from mlpm.store import Store

BATCH = 100
# W&B stamps updates with its clock, the pass start is ours: overlap by this much.
CLOCK_SKEW = timedelta(minutes=10)
# Compared to tell an updated run from an unchanged one (not the times of the import).
_COMPARED = [c for c in RUN_COLUMNS if c not in ("project_id", "imported_at", "updated_at")]


@dataclass(slots=True)
class _Cursor:
    """The `remote_sync` row of one address."""

    last_created_at: str | None = None
    changed_since: str | None = None
    pass_started_at: str | None = None
    resume_created_at: str | None = None
    unreachable: set[str] = field(default_factory=set)


def _load(store: Store, address: str) -> _Cursor:
    row = store.one("SELECT * FROM remote_sync WHERE address = ?", (address,))
    if row is None:
        return _Cursor()
    return _Cursor(
        row["last_created_at"],
        row["changed_since"] or _legacy_since(row),
        row["pass_started_at"],
        row["resume_created_at"],
        set(json.loads(row["unreachable"] or "[]")),
    )


def _legacy_since(row: dict[str, Any]) -> str | None:
    """A sync from before the cursor existed read the runs last at its `synced_at`."""
    legacy = row["last_created_at"] and not (row["pass_started_at"] or row["resume_created_at"])
    return row["synced_at"] if legacy else None


def _earlier(stamp: str, by: timedelta) -> str:
    """`stamp` less `by`, in UTC (W&B's times are UTC)."""
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - by).astimezone(UTC).isoformat(timespec="seconds")


class _Pass:
    """One pass over an address's runs: rows waiting for their batch's commit, and counts."""

    def __init__(self, store: Store, address: str, project_id: int | None) -> None:
        self.store, self.address, self.project_id = store, address, project_id
        self.report = SyncReport()
        self.pending: dict[str, RunInfo] = {}
        self.stored = 0

    def take(self, info: RunInfo, sources: dict[str, str]) -> None:
        if sources.get(info.run_id, "remote") != "remote":
            self.report.unchanged += 1  # imported from its local files, which say more
            return
        if info.problems:
            self.report.warnings.append(f"{self.address}/{info.run_id}: {'; '.join(info.problems)}")
        self.pending[info.run_id] = info

    def commit(self, cursor: _Cursor, **changes: Any) -> None:
        """Write the pending runs and the cursor `changes` in one transaction."""
        now = clock.stamp()
        rows = [run_row(info, self.project_id, now) for info in self.pending.values()]
        stored = self._stored([r[0] for r in rows])
        changed = []
        for row in rows:
            new = dict(zip(RUN_COLUMNS, row, strict=True))
            old = stored.get(row[0])
            if old is None:
                self.report.added += 1
            elif any(old[c] != new[c] for c in _COMPARED):
                self.report.updated += 1
            else:
                self.report.unchanged += 1
                continue
            changed.append(row)
        for name, value in changes.items():
            setattr(cursor, name, value)
        values = {
            "address": self.address,
            "last_created_at": cursor.last_created_at,
            "changed_since": cursor.changed_since,
            "pass_started_at": cursor.pass_started_at,
            "resume_created_at": cursor.resume_created_at,
            "unreachable": json.dumps(sorted(cursor.unreachable)),
            "synced_at": now,
        }
        with self.store.write(f"runs sync --remote {self.address}", undoable=False) as tx:
            upsert_runs(tx, changed)
            tx.upsert_many("remote_sync", list(values), [list(values.values())], key=("address",))
            if changed:
                tx.note("run", "sync", {"remote": self.address, "runs": len(changed)})
        self.stored += len(rows)
        self.pending.clear()

    def _stored(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        found = self.store.query(f"SELECT * FROM run WHERE id IN ({marks})", ids)
        return {row["id"]: row for row in found}


def sync_remote(
    store: Store,
    address: str,
    *,
    api: Any = None,
    metadata: bool = False,
    full: bool = False,
    project_id: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> SyncReport:
    """Import the runs of a remote address (W&B's `ENTITY/PROJECT`, or `mlflow:URI` for an
    MLflow tracking server) that are new or changed since the last sync (`full`: every run),
    resuming an unfinished sync where it stopped.

    `api` stands in for `wandb.Api()` or `MlflowClient` (tests); without it the tracker's
    package is imported here. `progress` is told the count of runs fetched so far. An API
    error raises an MlpmError saying how far the sync got; the runs fetched before it are kept.
    """
    from mlpm.services import run_remotes

    remote = run_remotes.remote_for(store, address, api=api, metadata=metadata)
    address = remote.address
    if project_id is None:
        project_id = current_project_id(store)
    remote.connect()  # here, so a missing key or no network is not a place to resume
    cursor = _load(store, address)
    if full:
        cursor.changed_since = cursor.pass_started_at = cursor.resume_created_at = None
    started = cursor.pass_started_at or clock.stamp()  # a resumed pass keeps its start
    since = cursor.changed_since and _earlier(cursor.changed_since, CLOCK_SKEW)
    sources = {row["id"]: row["source"] for row in store.query("SELECT id, source FROM run")}
    job = _Pass(store, address, project_id)
    fetched: list[str] = []
    last = cursor.resume_created_at
    runs = remote.fetch(since, last)
    while True:
        try:  # only the API's errors: a failed commit is not kept as a place to resume
            item = next(runs, None)
        except MlpmError as exc:
            job.commit(cursor, pass_started_at=started, resume_created_at=last)
            where = f"runs created from {last[:19]}" if last else "the first run"
            raise MlpmError(
                f"{exc}; stopped after {len(fetched)} runs ({job.stored} stored):"
                f" the next sync resumes at {where}"
            ) from None
        if item is None:
            break
        info, created = item
        fetched.append(info.run_id)
        if progress:
            progress(len(fetched))
        last = created or last
        if created and (cursor.last_created_at is None or created > cursor.last_created_at):
            cursor.last_created_at = created
        job.take(info, sources)
        if len(job.pending) >= BATCH:
            job.commit(cursor, pass_started_at=started, resume_created_at=last)
    job.report.files = len(fetched)
    _refresh_running(job, cursor, set(fetched), remote)
    job.commit(cursor, changed_since=started, pass_started_at=None, resume_created_at=None)
    return job.report


def _refresh_running(job: _Pass, cursor: _Cursor, seen: set[str], remote: Remote) -> None:
    """Fetch the runs stored as running that this pass did not list; one that cannot be
    fetched is warned about once, then marked (`remote_sync.unreachable`)."""
    ids = [run_id for run_id in remote.running(job.store) if run_id not in seen]
    cursor.unreachable &= set(ids)  # listed again, finished, or gone from the store
    for run_id, info, error in remote.refetch(ids):
        if info is None:
            if run_id not in cursor.unreachable:
                job.report.warnings.append(
                    f"{job.address}/{run_id}: cannot refresh (kept as running): {error}"
                )
                cursor.unreachable.add(run_id)
            continue
        cursor.unreachable.discard(run_id)
        job.take(info, {})
