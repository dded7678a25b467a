"""The trackers a remote sync reads, behind one interface: W&B (`ENTITY/PROJECT`, through
`wandb.Api`) and MLflow (`mlflow:URI`, through `MlflowClient`). `run_sync_remote` drives
either: list what changed, refresh the runs it still holds as running."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

from mlpm.errors import UsageError
from mlpm.services import trackers

if TYPE_CHECKING:
    from mlpm.integrations.wandb_run import RunInfo
    from mlpm.store import Store


class Remote(Protocol):
    """One remote address, its client made on `connect` (never earlier: a missing key or
    package is not a place to resume)."""

    address: str  # as `remote_sync` keys it
    tracker: str  # as the `trackers` setting names it

    def connect(self) -> None: ...

    def fetch(
        self, changed_since: str | None, created_from: str | None
    ) -> Iterator[tuple[RunInfo, str | None]]:
        """(run, created at) of the runs new or changed since `changed_since` (or more: the
        sync writes only those that differ from their stored row), created at or after
        `created_from`, oldest first; an API error ends it with an MlpmError."""
        ...

    def running(self, store: Store) -> list[str]:
        """The ids of this address's runs stored as running."""
        ...

    def refetch(self, run_ids: list[str]) -> Iterator[tuple[str, RunInfo | None, str | None]]:
        """(run id, fresh copy or None, why not)."""
        ...


class WandbRemote:
    tracker = "wandb"

    def __init__(self, address: str, *, api: Any = None, metadata: bool = False) -> None:
        from mlpm.integrations import wandb_api

        self.entity, self.project = wandb_api.parse_address(address)
        self.address = f"{self.entity}/{self.project}"
        self.api, self.metadata = api, metadata

    def connect(self) -> None:
        from mlpm.integrations import wandb_api

        if self.api is None:
            self.api = wandb_api.make_api(self.entity, self.project)

    def fetch(
        self, changed_since: str | None, created_from: str | None
    ) -> Iterator[tuple[RunInfo, str | None]]:
        from mlpm.integrations import wandb_api

        return wandb_api.fetch_runs(
            self.entity,
            self.project,
            changed_since=changed_since,
            created_from=created_from,
            api=self.api,
            metadata=self.metadata,
        )

    def running(self, store: Store) -> list[str]:
        rows = store.query(
            "SELECT id FROM run WHERE source = 'remote' AND state = 'running' AND entity = ?"
            " AND wandb_project = ?",
            (self.entity, self.project),
        )
        return [row["id"] for row in rows]

    def refetch(self, run_ids: list[str]) -> Iterator[tuple[str, RunInfo | None, str | None]]:
        from mlpm.integrations import wandb_api

        return wandb_api.refetch_runs(
            self.entity, self.project, run_ids, api=self.api, metadata=self.metadata
        )


class MlflowRemote:
    tracker = "mlflow"

    def __init__(self, address: str, store: Store, *, client: Any = None) -> None:
        from mlpm.integrations import mlflow_api

        self.uri = mlflow_api.parse_address(address)
        self.address = mlflow_api.SCHEME + self.uri
        self.client = client
        self.prefix = f"{mlflow_api.PATH_PREFIX}{self.uri}#"
        # a child run's group is its parent's name, though the parent was fetched earlier
        self.names: dict[str, str | None] = {
            row["id"].removeprefix("mlflow:"): row["name"]
            for row in store.query("SELECT id, name FROM run WHERE id LIKE 'mlflow:%'")
        }

    def connect(self) -> None:
        from mlpm.integrations import mlflow_api

        if self.client is None:
            self.client = mlflow_api.make_client(self.uri)

    def fetch(
        self, changed_since: str | None, created_from: str | None
    ) -> Iterator[tuple[RunInfo, str | None]]:
        """Every run (MLflow keeps no time of a run's last change: a tag set after it ended
        would be missed): the sync writes only those that differ from their stored row."""
        from mlpm.integrations import mlflow_api

        return mlflow_api.fetch_runs(
            self.uri, client=self.client, created_from=created_from, names=self.names
        )

    def running(self, store: Store) -> list[str]:
        rows = store.query(
            "SELECT id FROM run WHERE source = 'remote' AND state = 'running'"
            " AND substr(path, 1, ?) = ?",
            (len(self.prefix), self.prefix),
        )
        return [row["id"] for row in rows]

    def refetch(self, run_ids: list[str]) -> Iterator[tuple[str, RunInfo | None, str | None]]:
        from mlpm.integrations import mlflow_api

        return mlflow_api.refetch_runs(self.uri, run_ids, client=self.client, names=self.names)


def remote_for(
    store: Store, address: str, *, api: Any = None, metadata: bool = False
) -> WandbRemote | MlflowRemote:
    """The remote `address` names (`mlflow:URI`, else W&B's `ENTITY/PROJECT`), if the
    current project's `trackers` setting allows it. `api` stands in for the client."""
    from mlpm.integrations import mlflow_api
    from mlpm.services import projects

    remote: WandbRemote | MlflowRemote
    if mlflow_api.is_address(address):
        if metadata:
            raise UsageError("--metadata goes with a W&B --remote (MLflow sends it all)")
        remote = MlflowRemote(address, store, client=api)
    else:
        remote = WandbRemote(address, api=api, metadata=metadata)
    project = projects.current_or_none(store)
    if remote.tracker not in trackers.trackers(project):
        assert project is not None  # the default allows every tracker
        raise UsageError(
            f"project {project.slug!r} uses {', '.join(trackers.trackers(project))}, not"
            f" {remote.tracker}: `mlpm project edit --trackers` changes that"
        )
    return remote
