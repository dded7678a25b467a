"""An MLflow run as mlpm sees it: the `RunInfo` W&B runs use, built from a store's rows.

Shared by the SQLite reader (`mlflow_sqlite`) and the file-store reader (`mlflow_files`):
both collect a run's fields, params, tags and latest metrics, then `build` turns them into a
`RunInfo` with a namespaced id, mlpm's state names and the group rule (the `group` tag, else
the parent run's name, else the experiment's name).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mlpm.integrations.wandb_run import RunInfo

ID_PREFIX = "mlflow:"  # run ids in mlpm: never the same as a W&B run id
SOURCE = "mlflow"
# MLflow's RunStatus names (the SQLite store) and numbers (the file store's meta.yaml).
STATES = {"FINISHED": "finished", "FAILED": "failed", "KILLED": "killed", "RUNNING": "running"}
STATES |= {"SCHEDULED": "running"}
STATUS_NAMES = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}

T_RUN_NAME = "mlflow.runName"
T_PARENT = "mlflow.parentRunId"
T_COMMIT = "mlflow.source.git.commit"
T_REPO = "mlflow.source.git.repoURL"
T_SOURCE = "mlflow.source.name"
T_NOTE = "mlflow.note.content"
T_USER = "mlflow.user"
T_GROUP = "group"

_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")

Points = dict[str, list[tuple[int, float, int]]]  # metric -> [(step, value, timestamp ms)]


class MlflowStoreError(Exception):
    """A path that is not a readable MLflow tracking store (the message is one line)."""


@dataclass(slots=True)
class MlflowRun:
    """One run's rows, as either store holds them."""

    uuid: str
    experiment_id: str
    name: str | None = None
    status: str | None = None  # a RunStatus name
    start_ms: int | None = None
    end_ms: int | None = None
    user: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    latest: dict[str, float] = field(default_factory=dict)
    path: str | None = None
    problems: list[str] = field(default_factory=list)


def param_value(raw: str) -> Any:
    """A param as logged: MLflow keeps every param as text; numbers become numbers again."""
    if _NUMBER.fullmatch(raw):
        return json.loads(raw)
    return raw


def iso_ms(ms: int | None) -> str | None:
    """Milliseconds since the epoch as ISO 8601 UTC (None when unset)."""
    if not ms:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="seconds")


def run_name(run: MlflowRun) -> str | None:
    return run.name or run.tags.get(T_RUN_NAME) or None


def build(run: MlflowRun, experiments: dict[str, str], names: dict[str, str | None]) -> RunInfo:
    """The run as a RunInfo. `experiments`: id -> name; `names`: run uuid -> run name (for
    the parent run's name)."""
    tags = run.tags
    parent = tags.get(T_PARENT)
    group = tags.get(T_GROUP) or (names.get(parent) if parent else None)
    experiment = experiments.get(run.experiment_id)
    runtime = None
    if run.start_ms and run.end_ms and run.end_ms >= run.start_ms:
        runtime = (run.end_ms - run.start_ms) / 1000
    return RunInfo(
        run_id=ID_PREFIX + run.uuid,
        project=experiment,
        name=run_name(run),
        group=group or experiment or None,
        job_type="child" if parent else None,
        # W&B tags are labels; MLflow tags are key=value pairs (its own `mlflow.*` ones
        # are read into the fields above instead)
        tags=[f"{k}={v}" for k, v in sorted(tags.items()) if not k.startswith("mlflow.")],
        notes=tags.get(T_NOTE) or None,
        state=STATES.get(run.status or "", "crashed"),
        start_time=iso_ms(run.start_ms),
        runtime=runtime,
        config={k: param_value(v) for k, v in sorted(run.params.items())},
        summary=dict(sorted(run.latest.items())),
        commit=tags.get(T_COMMIT) or None,
        remote=tags.get(T_REPO) or None,
        program=tags.get(T_SOURCE) or None,
        entity=tags.get(T_USER) or run.user or None,
        source=SOURCE,
        path=run.path,
        problems=list(run.problems),
    )


def build_all(
    runs: list[MlflowRun], experiments: dict[str, str], names: dict[str, str | None] | None = None
) -> list[RunInfo]:
    """The runs as RunInfos; `names` adds the names of parent runs that were not read."""
    names = {**(names or {}), **{run.uuid: run_name(run) for run in runs}}
    return [build(run, experiments, names) for run in runs]
