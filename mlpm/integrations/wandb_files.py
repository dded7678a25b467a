"""Read W&B run directories and their `.wandb` files without importing wandb.

A `.wandb` file is a 7-byte header (`:W&B`, 0xBEE1 little-endian, version 0) followed by
LevelDB-log-style 32 KiB blocks of chunks. Each chunk has a 7-byte header `<IHB>` (CRC32 over
the type byte and the payload, payload length, type: 1 full, 2 first, 3 middle, 4 last); the
reassembled payload is a protobuf `wandb_internal.Record`. We decode the few protobuf fields we
need by hand (their numbers have not changed since 2020), which is faster than the generated
class and keeps `import wandb` (slow, and it patches sys.stdout) out of the process.

A run's identity, config and git live in the records at the head of the file; its exit and
final summary in the records near the end. `read_run` reads only those two windows, so an
import of many long runs costs little; `read_history` reads the whole file, on demand.
Writing the format (for tests, the demo and the benchmark) is in `wandb_write`.
"""

from __future__ import annotations

import json
import os
import re
import socket
import struct
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MAGIC = b":W&B"
FILE_HEADER = MAGIC + struct.pack("<HB", 0xBEE1, 0)
HEADER_LEN = 7
BLOCK = 32 * 1024
CHUNK = struct.Struct("<IHB")
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4

# Record field numbers (wandb/proto/wandb_internal.proto).
R_HISTORY, R_SUMMARY, R_CONFIG, R_TELEMETRY = 2, 3, 5, 11
R_RUN, R_EXIT, R_HEADER, R_ENVIRONMENT = 17, 18, 21, 26

HEAD_WINDOW = 2 * BLOCK  # identity, config, environment: the first records
TAIL_WINDOW = BLOCK // 2  # exit and the latest summary updates (read from its block on)
RUNNING_GRACE_S = 300  # no exit record, no known live writer: "running" only if this fresh
SILENT_WRITER_S = 6 * 3600  # wandb writes system stats every ~15 s while a run lives
MAX_POINTS = 100_000  # per metric in a history read; longer series are thinned evenly

_PID = re.compile(rb"MainThread:(\d+)")
# What damaged protobuf bytes raise here: bad varints and lengths, a field of the wrong wire
# type (an int where bytes were expected), timestamps out of range.
_DECODE_ERRORS = (ValueError, IndexError, TypeError, AttributeError, OverflowError, OSError)
_DECODE_ERRORS += (struct.error,)


class WandbFileError(Exception):
    """A file that cannot be read as a W&B run at all (not a `.wandb` file, unreadable)."""


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


# -- protobuf wire format ------------------------------------------------------------------


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _fields(buf: bytes) -> list[tuple[int, int, Any]]:
    """(field number, wire type, value) for each field of one protobuf message."""
    out = []
    pos, end = 0, len(buf)
    while pos < end:
        tag = buf[pos]
        if tag < 0x80:  # most tags and lengths fit one byte: skip the general decoder
            pos += 1
        else:
            tag, pos = _varint(buf, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 2:
            size = buf[pos]
            if size < 0x80:
                pos += 1
            else:
                size, pos = _varint(buf, pos)
            if pos + size > end:
                raise ValueError("field runs past the end of its message")
            value: Any = buf[pos : pos + size]
            pos += size
        elif wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value = buf[pos : pos + 8]
            pos += 8
        elif wire == 5:
            value = buf[pos : pos + 4]
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        if pos > end:
            raise ValueError("truncated field")
        out.append((number, wire, value))
    return out


def _text(value: bytes, bad: list[str]) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        if not bad:
            bad.append("invalid UTF-8 replaced")
        return value.decode("utf-8", "replace")


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _timestamp(buf: bytes) -> str | None:
    seconds = nanos = 0
    for number, _, value in _fields(buf):
        if number == 1:
            seconds = _signed(value)
        elif number == 2:
            nanos = value
    if not seconds:
        return None
    moment = datetime.fromtimestamp(seconds + nanos / 1e9, tz=UTC)
    return moment.isoformat(timespec="seconds")


def _item(buf: bytes, bad: list[str]) -> tuple[str, list[str], bytes | None, Any]:
    """A config/summary/history item: (key, nested key, value_json bytes, typed value)."""
    key, nested, value_json, typed = "", [], None, None
    for number, wire, value in _fields(buf):
        if number == 1:
            key = _text(value, bad)
        elif number == 2:
            nested.append(_text(value, bad))
        elif number == 16:
            value_json = value
        elif number == 6 and wire == 1:  # history `number` (double)
            typed = struct.unpack("<d", value)[0]
        elif number == 5 and wire == 0:  # history `integer` (sint64)
            typed = (value >> 1) ^ -(value & 1)
    return key, nested, value_json, typed


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


def _loads(raw: bytes | None) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


# -- chunks and records --------------------------------------------------------------------


@dataclass(slots=True)
class _Scan:
    """Where a pass over the chunks stopped, and what was wrong on the way."""

    records: int = 0
    truncated: bool = False  # the last record was cut off (killed, or still being written)
    corrupt: int = 0  # chunks skipped for a bad CRC or impossible header
    first_corrupt_at: int | None = None


def _records(data: bytes, start: int, scan: _Scan, *, base: int = 0) -> Iterator[bytes]:
    """Payloads of the records whose first chunk starts at file offset >= `start`.
    `data` holds the file's bytes from offset `base` on.

    `start` may be any block boundary (or HEADER_LEN): continuation chunks found there are
    skipped up to the next record start. A chunk with a bad CRC drops the record it belongs to
    and the reader resumes at the next block, as LevelDB's log reader does.
    """
    size = base + len(data)
    pos = start
    parts: list[bytes] | None = None
    while pos + CHUNK.size <= size:
        room = BLOCK - pos % BLOCK
        if room < CHUNK.size:  # block trailer: zero padding
            pos += room
            continue
        crc, length, kind = CHUNK.unpack_from(data, pos - base)
        if crc == 0 and length == 0 and kind == 0:  # zero padding (preallocated or flushed)
            pos += room
            continue
        end = pos + CHUNK.size + length
        if end > size:
            scan.truncated = True
            return
        payload = data[pos - base + CHUNK.size : end - base]
        bad = kind not in (FULL, FIRST, MIDDLE, LAST) or length > room - CHUNK.size
        if not bad and zlib.crc32(payload, zlib.crc32(bytes((kind,)))) & 0xFFFFFFFF != crc:
            bad = True
        if bad:
            scan.corrupt += 1
            if scan.first_corrupt_at is None:
                scan.first_corrupt_at = pos
            parts = None
            pos += room  # resynchronise at the next block
            continue
        pos = end
        if kind == FULL:
            parts = None
            scan.records += 1
            yield payload
        elif kind == FIRST:
            parts = [payload]
        elif parts is None:  # a continuation without its start (window start or after damage)
            continue
        elif kind == MIDDLE:
            parts.append(payload)
        else:
            parts.append(payload)
            record = b"".join(parts)
            parts = None
            scan.records += 1
            yield record
    if parts is not None:
        scan.truncated = True


def _kind(record: bytes) -> tuple[int, bytes | None]:
    """The record's type (its oneof field number) and that field's bytes."""
    pos, end = 0, len(record)
    while pos < end:
        tag = record[pos]
        if tag < 0x80:  # one-byte tags and lengths are the rule: skip the general decoder
            pos += 1
        else:
            tag, pos = _varint(record, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            _, pos = _varint(record, pos)
        elif wire == 2:
            size = record[pos]
            if size < 0x80:
                pos += 1
            else:
                size, pos = _varint(record, pos)
            if number not in (16, 19, 200):  # skip control, uuid, _info
                if pos + size > end:
                    raise ValueError("record field runs past its end")
                return number, record[pos : pos + size]
            pos += size
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
    return 0, None


def _key_prefix(item: bytes) -> bytes:
    """The key fields (1: key, 2: nested_key) at the start of an item, as raw bytes."""
    pos, end = 0, len(item)
    while pos < end:
        tag = item[pos]
        if tag != 0x0A and tag != 0x12:
            break
        size = item[pos + 1] if pos + 1 < end else 0
        if size < 0x80:
            pos += 2 + size
        else:
            size, after = _varint(item, pos + 1)
            pos = after + size
    return item[:pos]


def check_header(data: bytes) -> None:
    if len(data) < HEADER_LEN or data[:4] != MAGIC:
        raise WandbFileError("not a .wandb file (no :W&B header)")
    if data[4:6] != FILE_HEADER[4:6]:
        raise WandbFileError("not a .wandb file (unknown identifier)")
    if data[6] != 0:
        raise WandbFileError(f"unsupported .wandb format version {data[6]}")


# -- one run -------------------------------------------------------------------------------


class _Builder:
    """Folds records into a RunInfo."""

    def __init__(self, info: RunInfo) -> None:
        self.info = info
        self.bad: list[str] = []
        self.saw_exit = False
        self.summary_updates: list[bytes] = []

    def add(self, record: bytes) -> int:
        """Fold one record in; return its type (0 when it cannot be decoded)."""
        try:
            number, body = _kind(record)
            if body is not None and number != R_HISTORY:
                self._fold(number, body)
        except _DECODE_ERRORS:
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
            for n, _, value in _fields(body):
                if n == 5 and value:  # cli_version: the header lacks it before ~0.18
                    self.info.wandb_version = _text(value, self.bad)
        elif number == R_HEADER:
            for n, _, value in _fields(body):
                if n == 1:
                    for m, _, v in _fields(value):
                        if m == 1:
                            self.info.wandb_version = _text(v, self.bad).split("+")[0]

    def _run(self, body: bytes) -> None:
        info, bad = self.info, self.bad
        tags: list[str] = []
        for number, _, value in _fields(body):
            if number == 1:
                info.run_id = _text(value, bad) or info.run_id
            elif number == 2:
                info.entity = _text(value, bad) or None
            elif number == 3:
                info.project = _text(value, bad) or None
            elif number == 4:
                self._config(value)
            elif number == 5:
                self.summary_updates.append(value)
            elif number == 6:
                info.group = _text(value, bad) or None
            elif number == 7:
                info.job_type = _text(value, bad) or None
            elif number == 8:
                info.name = _text(value, bad) or None
            elif number == 9:
                info.notes = _text(value, bad) or None
            elif number == 10:
                tags.append(_text(value, bad))
            elif number == 13:
                info.host = _text(value, bad) or None
            elif number == 17:
                info.start_time = _timestamp(value) or info.start_time
            elif number == 21:
                self._git(value)
        if tags:
            info.tags = tags

    def _git(self, body: bytes) -> None:
        for number, _, value in _fields(body):
            if number == 1 and value:
                self.info.remote = _text(value, self.bad)
            elif number == 2 and value:
                self.info.commit = _text(value, self.bad)

    def _config(self, body: bytes) -> None:
        for number, _, value in _fields(body):
            if number not in (1, 2):
                continue
            key, nested, raw, _ = _item(value, self.bad)
            path = _path_of(key, nested)
            if not path or path[0] == "_wandb":
                continue
            if number == 1:
                _set_path(self.info.config, path, _loads(raw))
            else:
                _del_path(self.info.config, path)

    def _environment(self, body: bytes) -> None:
        info, bad = self.info, self.bad
        args: list[str] = []
        for number, _, value in _fields(body):
            if number == 3 and not info.start_time:
                info.start_time = _timestamp(value)
            elif number == 5:
                args.append(_text(value, bad))
            elif number == 6:
                info.program = _text(value, bad) or info.program
            elif number == 9:
                self._git(value)
            elif number == 12:
                info.host = _text(value, bad) or info.host
        if args:
            info.args = args

    def _exit(self, body: bytes) -> None:
        code, runtime = 0, None
        for number, wire, value in _fields(body):
            if number == 1 and wire == 0:
                code = _signed(value)
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
            for number, _, value in _fields(body):
                if number not in (1, 2):
                    continue
                marker = _key_prefix(value)
                if marker in seen:
                    continue
                seen.add(marker)
                final.append((number, value))
        for number, value in reversed(final):
            try:
                key, nested, raw, _ = _item(value, self.bad)
            except _DECODE_ERRORS:
                continue
            path = _path_of(key, nested)
            if not path or not path[0] or path[0] == "_wandb":
                continue
            if number == 1:
                _set_path(self.info.summary, path, _loads(raw))
            else:
                _del_path(self.info.summary, path)
        runtime = self.info.summary.get("_runtime")
        if self.info.runtime is None and isinstance(runtime, int | float):
            self.info.runtime = float(runtime)


def _writer_alive(run_dir: Path, host: str | None) -> bool | None:
    """Whether the process that wrote the run still lives (None: cannot tell)."""
    if host and host != socket.gethostname():
        return None
    try:
        with open(run_dir / "logs" / "debug.log", "rb") as handle:
            match = _PID.search(handle.read(4096))
    except OSError:
        return None
    if not match:
        return None
    pid = int(match.group(1))
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return None
    return True


def _apply_json_files(info: RunInfo, run_dir: Path) -> None:
    """Older versions and online runs also keep metadata and summary as JSON files."""
    files = run_dir / "files"
    meta = _json_file(files / "wandb-metadata.json", info)
    if isinstance(meta, dict):
        git = meta.get("git") if isinstance(meta.get("git"), dict) else {}
        info.commit = info.commit or git.get("commit") or None
        info.remote = info.remote or git.get("remote") or None
        info.program = info.program or meta.get("program") or meta.get("codePath") or None
        if not info.args and isinstance(meta.get("args"), list):
            info.args = [str(a) for a in meta["args"]]
        info.host = info.host or meta.get("host") or None
        if not info.start_time and isinstance(meta.get("startedAt"), str):
            info.start_time = meta["startedAt"]
    summary = _json_file(files / "wandb-summary.json", info)
    if isinstance(summary, dict):
        summary.pop("_wandb", None)
        info.summary = {**info.summary, **summary}
        runtime = summary.get("_runtime")
        if info.runtime is None and isinstance(runtime, int | float):
            info.runtime = float(runtime)


def _json_file(path: Path, info: RunInfo) -> Any:
    try:
        with open(path, "rb") as handle:
            return json.loads(handle.read())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        info.problems.append(f"unreadable {path.name}")
        return None


def run_id_from_path(path: Path) -> str:
    """`run-<id>.wandb` -> `<id>` (the id a run's files are named after)."""
    stem = path.stem
    return stem[4:] if stem.startswith("run-") else stem


def _read_windows(path: Path, info: RunInfo, *, full: bool) -> tuple[_Builder, _Scan]:
    """Fold the head records (up to the first history row) and the tail records; or, with
    `full` (or for a small file), every record."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, after several reads
    except OSError as exc:
        raise WandbFileError(f"cannot read: {exc.strerror}") from None
    with handle:
        size = os.fstat(handle.fileno()).st_size
        if full or size <= HEAD_WINDOW + TAIL_WINDOW:
            data = handle.read()
            check_header(data)
            builder, scan = _Builder(info), _Scan()
            for record in _records(data, HEADER_LEN, scan):
                builder.add(record)
            return builder, scan
        window = HEAD_WINDOW
        while True:  # grow the head window while a record (a huge config) overflows it
            handle.seek(0)
            head = handle.read(window)
            check_header(head)
            builder, head_scan = _Builder(info), _Scan()
            reached_history = False
            for record in _records(head, HEADER_LEN, head_scan):
                if builder.add(record) == R_HISTORY:
                    reached_history = True
                    break
            if reached_history or not head_scan.truncated or window >= size:
                break
            window *= 4
        tail_start = (size - TAIL_WINDOW) // BLOCK * BLOCK
        handle.seek(tail_start)
        tail = handle.read()
        scan = _Scan(records=head_scan.records, corrupt=head_scan.corrupt)
        scan.first_corrupt_at = head_scan.first_corrupt_at
        for record in _records(tail, tail_start, scan, base=tail_start):
            builder.add(record)
        return builder, scan


def read_run(path: Path | str, *, now: float | None = None, full: bool = False) -> RunInfo:
    """Read one `.wandb` file's run. Problems go to `info.problems`.

    By default only the head and the tail of a long file are read: config changes made
    after the first logged row, and summary keys last logged more than a few hundred
    records before the end, are missed. `full` reads every record (slower, exact).
    Raises WandbFileError when the file is not a readable `.wandb` file at all.
    """
    path = Path(path)
    run_dir = path.parent
    info = RunInfo(run_id=run_id_from_path(path), path=str(path))
    info.source = "offline" if run_dir.name.startswith("offline-run-") else "online"
    try:
        builder, scan = _read_windows(path, info, full=full)
    except _DECODE_ERRORS:
        raise WandbFileError("undecodable records") from None
    try:
        builder.fold_summary()
    except _DECODE_ERRORS:
        info.problems.append("a summary record could not be decoded")
    _apply_json_files(info, run_dir)
    if builder.bad:
        info.problems.extend(builder.bad)
    if scan.corrupt:
        info.problems.append(
            f"{scan.corrupt} corrupt chunk(s) skipped (first at byte {scan.first_corrupt_at})"
        )
    if not builder.saw_exit:
        age = (now or time.time()) - os.stat(path).st_mtime
        alive = _writer_alive(run_dir, info.host)
        if alive is None:
            alive = age < RUNNING_GRACE_S
        elif alive and age > SILENT_WRITER_S:
            alive = False  # a live pid, but silent for hours: most likely a reused pid
        info.state = "running" if alive else "crashed"
        if not alive and scan.truncated:
            info.problems.append("file ends mid-record (run killed?); read what was complete")
    if scan.records == 0:
        info.problems.append("no complete record (killed at start?)")
    return info


def find_run_files(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Every `.wandb` file under the given directories (or the files themselves), sorted."""
    for root in paths:
        root = Path(root)
        if root.is_file():
            yield root
            continue
        found: list[Path] = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in ("files", "logs", "tmp")]
            found += [Path(dirpath) / f for f in filenames if f.endswith(".wandb")]
        yield from sorted(found)


# -- history -------------------------------------------------------------------------------


def _numbers(name: str, value: Any) -> Iterator[tuple[str, float]]:
    """(name, number) pairs in one history value: nested dicts flattened, the rest skipped."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield name, float(value)
    elif isinstance(value, dict) and "_type" not in value:  # media values carry a `_type`
        for key, inner in value.items():
            yield from _numbers(f"{name}.{key}", inner)


class _Series:
    """One metric's points, thinned evenly (by doubling a stride) past MAX_POINTS."""

    __slots__ = ("last", "points", "seen", "stride")

    def __init__(self) -> None:
        self.points: list[tuple[int, float]] = []
        self.seen = 0
        self.stride = 1
        self.last: tuple[int, float] | None = None

    def add(self, point: tuple[int, float]) -> None:
        if self.seen % self.stride == 0:
            self.points.append(point)
            if len(self.points) > MAX_POINTS:
                self.points = self.points[::2]
                self.stride *= 2
        self.seen += 1
        self.last = point

    def result(self) -> list[tuple[int, float]]:
        if self.last is not None and (not self.points or self.points[-1] != self.last):
            return [*self.points, self.last]
        return self.points


def read_history(
    path: Path | str, keys: Iterable[str] | None = None
) -> tuple[dict[str, list[tuple[int, float]]], list[str]]:
    """Numeric history of one run: key -> [(step, value)], and the problems met on the way.

    `keys` limits the keys decoded (None: every numeric key). Nested keys are joined with
    dots. Non-numeric values (media, text) are skipped. Reads the whole file (mapped, not
    loaded); a metric with more than MAX_POINTS points is thinned evenly, keeping the last.
    """
    import mmap

    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size < HEADER_LEN:
                raise WandbFileError("not a .wandb file (too short)")
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as exc:
        raise WandbFileError(f"cannot read: {exc.strerror}") from None
    try:
        check_header(data[:HEADER_LEN])
        return _history(data, None if keys is None else set(keys))
    finally:
        data.close()


def _history(
    data: Any, wanted: set[str] | None
) -> tuple[dict[str, list[tuple[int, float]]], list[str]]:
    series: dict[str, _Series] = {}
    bad: list[str] = []
    problems: list[str] = []
    scan = _Scan()
    step, undecodable = -1, 0
    for record in _records(data, HEADER_LEN, scan):
        try:
            number, body = _kind(record)
            if number != R_HISTORY or body is None:
                continue
            step_seen = False
            row: list[tuple[str, Any]] = []
            for n, _, value in _fields(body):
                if n == 1:
                    key, nested, raw, typed = _item(value, bad)
                    name = ".".join(nested) if nested else key
                    if (
                        wanted is not None
                        and name not in wanted
                        and not any(w.startswith(name + ".") for w in wanted)
                    ):
                        continue
                    if raw is None:
                        row.append((name, typed))
                        continue
                    try:  # most values are plain numbers: float() is far cheaper than json
                        row.append((name, float(raw)))
                    except ValueError:
                        row.append((name, _loads(raw)))
                elif n == 2:
                    step = 0
                    for m, _, v in _fields(value):
                        if m == 1:
                            step = _signed(v)
                    step_seen = True
        except _DECODE_ERRORS:
            undecodable += 1
            continue
        if not step_seen:
            step += 1
        for name, value in row:
            for metric, number_ in _numbers(name, value):
                if wanted is None or metric in wanted:
                    series.setdefault(metric, _Series()).add((step, number_))
    if undecodable:
        problems.append(f"{undecodable} history record(s) could not be decoded")
    if scan.corrupt:
        problems.append(f"{scan.corrupt} corrupt chunk(s) skipped")
    problems.extend(bad)
    return {name: s.result() for name, s in series.items()}, problems
