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
    R_PREEMPTING,
    R_RUN,
    R_SUMMARY,
    R_TELEMETRY,
    record_kind,
)

# finished: exit 0; failed: another exit code; killed: a signal's or KeyboardInterrupt's code
# (wandb records 255 for the latter); preempted: marked preempting, then gone without an exit;
# crashed: gone without an exit record; running: no exit record and the writer still lives.
STATES = ("finished", "failed", "killed", "crashed", "preempted", "running")


def exit_state(code: int) -> str:
    """The state an exit record's code means."""
    if code == 0:
        return "finished"
    return "killed" if code < 0 or code >= 128 else "failed"


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
    state: str = "running"  # one of STATES
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
        self.preempting = False
        self.summary_updates: list[bytes] = []
        self.last_rows: list[bytes] = []  # the latest history rows read (a summary fallback)

    def add(self, record: bytes) -> int:
        """Fold one record in; return its type (0 when it cannot be decoded)."""
        try:
            number, body = record_kind(record)
            if body is None:
                return number
            if number == R_HISTORY:
                self.last_rows.append(body)
                if len(self.last_rows) > 64:
                    del self.last_rows[:32]
            else:
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
        elif number == R_PREEMPTING:
            self.preempting = True
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
        self.info.state = exit_state(code)
        if runtime is not None:
            self.info.runtime = runtime

    def fold_summary(self) -> None:
        """Apply summary updates, latest first, decoding each key's value only once. A run
        with no summary of its own (killed under old wandb, which wrote it at the end) gets
        the last logged values, as W&B shows. The latest fractional `_runtime` beats the exit
        record's whole seconds."""
        seen: set[bytes] = set()
        final: list[tuple[int, bytes]] = []
        precise: float | None = None
        for body in reversed(self.summary_updates):
            for number, _, value in fields(body):
                if number not in (1, 2):
                    continue
                # most items have one short key (no nested key): its bytes without a call
                end = 2 + value[1] if len(value) > 1 and value[0] == 0x0A and value[1] < 0x80 else 0
                if end and (len(value) <= end or value[end] not in (0x0A, 0x12)):
                    marker = value[:end]
                else:
                    marker = key_prefix(value)
                if marker in seen:
                    continue
                seen.add(marker)
                final.append((number, value))
                if marker == _RUNTIME_KEY:  # the latest `_runtime`, if it has a fraction
                    precise = _fractional(value, self.bad)
        if not any(m != _RUNTIME_KEY and not m[2:].startswith(b"_") for m in seen):
            for body in reversed(self.last_rows):
                for number, _, value in fields(body):
                    marker = key_prefix(value) if number == 1 else b""
                    if number == 1 and marker not in seen:
                        seen.add(marker)
                        final.append((number, value))
                        if precise is None and marker == _RUNTIME_KEY:
                            precise = _fractional(value, self.bad)
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
        if precise is not None and (self.info.runtime is None or precise > self.info.runtime - 1):
            self.info.runtime = precise
        elif self.info.runtime is None and isinstance(runtime, int | float):
            self.info.runtime = float(runtime)


_RUNTIME_KEY = b"\x0a\x08_runtime"  # the key field of a `_runtime` item


def _fractional(value: bytes, bad: list[str]) -> float | None:
    """A `_runtime` item's value when it has a fractional part (None for whole seconds)."""
    try:
        _, _, raw, typed = item(value, bad)
    except DECODE_ERRORS:
        return None
    number = json_value(raw) if raw is not None else typed
    if isinstance(number, float) and not number.is_integer():
        return number
    return None
