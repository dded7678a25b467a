"""A fake W&B server behind `wandb.Api`'s interface (no W&B server can run here).

It speaks wandb 0.31's public API as mlpm uses it: `Api.runs(path, filters, order, per_page,
include_sweeps, lazy)` returning a lazy iterable (errors arrive while iterating, as page
fetches fail), `Api.run(path)` raising a ValueError for an unknown run, and `Run` objects with
the attributes wandb's run fragment fills (`created_at`, `heartbeat_at`, ...). The server's
`updatedAt` is kept apart (`_updated_at`): wandb's fragment does not fetch it, so a real `Run`
has no such attribute; it only serves the `updatedAt` filter. `test_wandb_fake_matches_wandb`
checks these names against the installed wandb.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# What FakeRun exposes, as named on wandb's Run (attributes or fragment fields, camelCase).
RUN_ATTRIBUTES = ("id", "name", "state", "config", "summary")
RUN_FIELDS = ("group", "tags", "notes", "jobType", "createdAt", "heartbeatAt", "commit")
RUN_METHODS = ("scan_history",)


class CommError(Exception):
    """Stands for `wandb.errors.CommError`, what a failed page fetch raises."""


class RunNotFoundError(ValueError):
    """Stands for `wandb.apis.public.runs.RunNotFoundError`."""


class FakeRun:
    """The parts of `wandb.apis.public.Run` that mlpm reads."""

    def __init__(self, run_id: str, created_at: str, *, state: str = "finished", **extra: Any):
        self.id = run_id
        self.name = extra.get("name", run_id)
        self.group = extra.get("group")
        self.job_type = extra.get("job_type", "train")
        self.tags = extra.get("tags", [])
        self.notes = extra.get("notes")
        self.state = state
        self.created_at = created_at
        self.heartbeat_at = extra.get("heartbeat_at", created_at)
        self.commit = extra.get("commit")
        self.config = extra.get("config", {})
        self.summary = extra.get("summary", {})
        self.rows = extra.get("rows", [])
        self.scans: list[list[str]] = []
        self._updated_at = created_at

    def edit(self, at: str, *, heartbeat: bool = False, **changes: Any) -> None:
        """Change the run on the server at time `at` (`heartbeat`: the run itself sent it)."""
        for name, value in changes.items():
            setattr(self, name, value)
        self._updated_at = at
        if heartbeat:
            self.heartbeat_at = at

    def scan_history(
        self, keys: list[str] | None = None, page_size: int = 1000
    ) -> Iterator[dict[str, Any]]:
        """Like wandb: with several keys, only rows that have all of them (issue #1680)."""
        self.scans.append(list(keys or []))
        for row in self.rows:
            if keys is None or all(k in row for k in keys):
                yield {k: row[k] for k in (keys or row)} | {"_step": row["_step"]}


def _field(run: FakeRun, name: str) -> str | None:
    return {"createdAt": run.created_at, "updatedAt": run._updated_at}.get(
        name, run.heartbeat_at if name == "heartbeatAt" else None
    )


def matches(run: FakeRun, filters: dict[str, Any]) -> bool:
    """W&B's MongoDB-style filters, the operators mlpm sends ($and, $or, $gte on times)."""
    for key, condition in filters.items():
        if key == "$and":
            if not all(matches(run, part) for part in condition):
                return False
        elif key == "$or":
            if not any(matches(run, part) for part in condition):
                return False
        else:
            value = _field(run, key)
            for op, bound in condition.items():
                if op != "$gte":
                    raise CommError(f"400 Bad Request: unsupported operator {op}")
                if value is None or value[:19] < bound:
                    return False
    return True


class FakeApi:
    """`wandb.Api`'s `runs()` and `run()`; `fail_at = n` makes the next listing fail with an
    HTTP 429 when it reaches its n-th run (once)."""

    def __init__(self, runs: list[FakeRun]) -> None:
        self.all = runs
        self.calls: list[dict[str, Any]] = []
        self.fail_at: int | None = None

    def runs(
        self,
        path: str | None = None,
        filters: dict[str, Any] | None = None,
        order: str = "+created_at",
        per_page: int = 50,
        include_sweeps: bool = False,
        lazy: bool = True,
    ) -> Iterator[FakeRun]:
        self.calls.append({"path": path, "filters": filters, "order": order, "lazy": lazy})
        found = [r for r in self.all if matches(r, filters or {})]
        found.sort(key=lambda r: r.created_at)
        fail_at, self.fail_at = self.fail_at, None
        return self._listing(found, fail_at)

    @staticmethod
    def _listing(found: list[FakeRun], fail_at: int | None) -> Iterator[FakeRun]:
        for index, run in enumerate(found):
            if index == fail_at:
                raise CommError("429 Client Error: Too Many Requests for url: /graphql")
            yield run

    def run(self, path: str) -> FakeRun:
        run_id = path.split("/")[-1]
        found = next((r for r in self.all if r.id == run_id), None)
        if found is None:
            raise RunNotFoundError(f"Could not find run {path}")
        return found
