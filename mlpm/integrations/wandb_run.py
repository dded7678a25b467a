"""A W&B run as mlpm sees it (`RunInfo`), and building one from a `.wandb` file's records.

A run's identity, config and git live in the records at the head of the file; its exit and
final summary in the records near the end. `RunBuilder` folds whichever records it is given;
`wandb_local` decides which stretches of a file to read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlpm.integrations.wandb_proto import (
    DECODE_ERRORS,
    fields,
    item,
    json_value,
    key_prefix,
    signed,
    text,
    timestamp,
)
from mlpm.integrations.wandb_records import (
    R_CONFIG,
    R_ENVIRONMENT,
    R_EXIT,
    R_HEADER,
    R_HISTORY,
    R_RUN,
    R_SUMMARY,
    R_TELEMETRY,
    record_kind,
)


@dataclass(slots=True)
class RunInfo:
    """What one W&B run says about itself, as read from disk or from the API."""

    run_id: str
    entity: str | None = None
    project: str | None = None
    name: str | None = None
    group: str | None = None
    job_type: str | None = None
    tags: list[str] = field(default_factory=list)
    notes: str | None = None
    state: str = "running"  # finished, crashed, running
    exit_code: int | None = None
    start_time: str | None = None  # ISO 8601, UTC
    runtime: float | None = None  # seconds
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    commit: str | None = None
    remote: str | None = None
    host: str | None = None
    program: str | None = None
    args: list[str] = field(default_factory=list)
    wandb_version: str | None = None
    source: str = "offline"  # offline, online (a local copy of an online run), remote
    path: str | None = None  # the .wandb file (or a remote address)
    problems: list[str] = field(default_factory=list)


def _path_of(key: str, nested: list[str]) -> list[str]:
    return nested if nested else [key]


def _set_path(target: dict[str, Any], path: list[str], value: Any) -> None:
    node = target
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[path[-1]] = value


def _del_path(target: dict[str, Any], path: list[str]) -> None:
    node: Any = target
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return
    if isinstance(node, dict):
        node.pop(path[-1], None)


class RunBuilder:
    """Folds records into a RunInfo."""

    def __init__(self, info: RunInfo) -> None:
        self.info = info
        self.bad: list[str] = []
        self.saw_exit = False
        self.summary_updates: list[bytes] = []

    def add(self, record: bytes) -> int:
        """Fold one record in; return its type (0 when it cannot be decoded)."""
        try:
            number, body = record_kind(record)
            if body is not None and number != R_HISTORY:
                self._fold(number, body)
        except DECODE_ERRORS:
            if "a record could not be decoded" not in self.bad:
                self.bad.append("a record could not be decoded")
            return 0
        return number

    def _fold(self, number: int, body: bytes) -> None:
        if number == R_RUN:
            self._run(body)
        elif number == R_SUMMARY:
            self.summary_updates.append(body)
        elif number == R_CONFIG:
            self._config(body)
        elif number == R_ENVIRONMENT:
            self._environment(body)
        elif number == R_EXIT:
            self._exit(body)
        elif number == R_TELEMETRY and not self.info.wandb_version:
            for n, _, value in fields(body):
                if n == 5 and value:  # cli_version: the header lacks it before ~0.18
                    self.info.wandb_version = text(value, self.bad)
        elif number == R_HEADER:
            for n, _, value in fields(body):
                if n == 1:
                    for m, _, v in fields(value):
                        if m == 1:
                            self.info.wandb_version = text(v, self.bad).split("+")[0]

    def _run(self, body: bytes) -> None:
        info, bad = self.info, self.bad
        tags: list[str] = []
        for number, _, value in fields(body):
            if number == 1:
                info.run_id = text(value, bad) or info.run_id
            elif number == 2:
                info.entity = text(value, bad) or None
            elif number == 3:
                info.project = text(value, bad) or None
            elif number == 4:
                self._config(value)
            elif number == 5:
                self.summary_updates.append(value)
            elif number == 6:
                info.group = text(value, bad) or None
            elif number == 7:
                info.job_type = text(value, bad) or None
            elif number == 8:
                info.name = text(value, bad) or None
            elif number == 9:
                info.notes = text(value, bad) or None
            elif number == 10:
                tags.append(text(value, bad))
            elif number == 13:
                info.host = text(value, bad) or None
            elif number == 17:
                info.start_time = timestamp(value) or info.start_time
            elif number == 21:
                self._git(value)
        if tags:
            info.tags = tags

    def _git(self, body: bytes) -> None:
        for number, _, value in fields(body):
            if number == 1 and value:
                self.info.remote = text(value, self.bad)
            elif number == 2 and value:
                self.info.commit = text(value, self.bad)

    def _config(self, body: bytes) -> None:
        for number, _, value in fields(body):
            if number not in (1, 2):
                continue
            key, nested, raw, _ = item(value, self.bad)
            path = _path_of(key, nested)
            if not path or path[0] == "_wandb":
                continue
            if number == 1:
                _set_path(self.info.config, path, json_value(raw))
            else:
                _del_path(self.info.config, path)

    def _environment(self, body: bytes) -> None:
        info, bad = self.info, self.bad
        args: list[str] = []
        for number, _, value in fields(body):
            if number == 3 and not info.start_time:
                info.start_time = timestamp(value)
            elif number == 5:
                args.append(text(value, bad))
            elif number == 6:
                info.program = text(value, bad) or info.program
            elif number == 9:
                self._git(value)
            elif number == 12:
                info.host = text(value, bad) or info.host
        if args:
            info.args = args

    def _exit(self, body: bytes) -> None:
        code, runtime = 0, None
        for number, wire, value in fields(body):
            if number == 1 and wire == 0:
                code = signed(value)
            elif number == 2 and wire == 0:
                runtime = float(value)
        # Assigned only once the whole record decoded: a damaged exit is no exit.
        self.saw_exit = True
        self.info.exit_code = code
        self.info.state = "finished" if code == 0 else "crashed"
        if runtime is not None:
            self.info.runtime = runtime

    def fold_summary(self) -> None:
        """Apply summary updates, latest first, decoding each key's value only once."""
        seen: set[bytes] = set()
        final: list[tuple[int, bytes]] = []
        for body in reversed(self.summary_updates):
            for number, _, value in fields(body):
                if number not in (1, 2):
                    continue
                marker = key_prefix(value)
                if marker in seen:
                    continue
                seen.add(marker)
                final.append((number, value))
        for number, value in reversed(final):
            try:
                key, nested, raw, _ = item(value, self.bad)
            except DECODE_ERRORS:
                continue
            path = _path_of(key, nested)
            if not path or not path[0] or path[0] == "_wandb":
                continue
            if number == 1:
                _set_path(self.info.summary, path, json_value(raw))
            else:
                _del_path(self.info.summary, path)
        runtime = self.info.summary.get("_runtime")
        if self.info.runtime is None and isinstance(runtime, int | float):
            self.info.runtime = float(runtime)
