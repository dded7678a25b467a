"""Import runs through the W&B API (`mlpm runs sync --remote ENTITY/PROJECT`), into the same
`run` rows a local sync writes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlpm import clock
from mlpm.services.run_sync import SyncReport, current_project_id, run_row, upsert_runs

if TYPE_CHECKING:
    from mlpm.store import Store


def sync_remote(
    store: Store,
    address: str,
    *,
    api: Any = None,
    metadata: bool = False,
    project_id: int | None = None,
) -> SyncReport:
    """Import runs of `ENTITY/PROJECT` through `wandb.Api`, those created since the last sync.

    `api` stands in for `wandb.Api()` (tests); without it wandb is imported here.
    """
    from mlpm.integrations import wandb_api

    entity, project = wandb_api.parse_address(address)
    address = f"{entity}/{project}"
    if project_id is None:
        project_id = current_project_id(store)
    since = store.scalar("SELECT last_created_at FROM remote_sync WHERE address = ?", (address,))
    existing = {row["id"]: row["source"] for row in store.query("SELECT id, source FROM run")}
    report = SyncReport()
    now = clock.stamp()
    rows: dict[str, tuple[Any, ...]] = {}
    last = since
    for info, created_at in wandb_api.fetch_runs(
        entity, project, since=since, api=api, metadata=metadata
    ):
        if since and created_at == since and info.run_id in existing:
            continue  # the last run of the previous sync, asked for again by `$gte`
        report.files += 1
        if created_at and (last is None or created_at > last):
            last = created_at
        if existing.get(info.run_id, "remote") != "remote":
            report.unchanged += 1  # imported from its local files, which say more
            continue
        if info.problems:
            report.warnings.append(f"{address}/{info.run_id}: {'; '.join(info.problems)}")
        if info.run_id in existing or info.run_id in rows:
            report.updated += 1
        else:
            report.added += 1
        rows[info.run_id] = run_row(info, project_id, now)
    # Runs still running at the last sync were created before `since`: refresh them one by one.
    running = [
        row["id"]
        for row in store.query(
            "SELECT id FROM run WHERE source = 'remote' AND state = 'running' AND entity = ?"
            " AND wandb_project = ?",
            (entity, project),
        )
        if row["id"] not in rows
    ]
    for info in wandb_api.refetch_runs(entity, project, running, api=api, metadata=metadata):
        if info.problems:
            report.warnings.append(f"{address}/{info.run_id}: {'; '.join(info.problems)}")
            continue
        report.updated += 1
        rows[info.run_id] = run_row(info, project_id, now)
    with store.write(f"runs sync --remote {address}", undoable=False) as tx:
        upsert_runs(tx, list(rows.values()))
        tx.upsert_many(
            "remote_sync",
            ("address", "last_created_at", "synced_at"),
            [(address, last, now)],
            key=("address",),
        )
        if rows:
            tx.note("run", "sync", {"remote": address, "added": report.added})
    return report
