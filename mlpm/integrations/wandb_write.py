"""Write `.wandb` files in wandb's offline format, for tests, the demo and the benchmark.

The format (header, 32 KiB blocks of CRC-checked chunks, protobuf records) is described in
`mlpm.integrations.wandb_records`, which owns its constants (`wandb_local` reads it).
"""

from __future__ import annotations

import functools
import json
import math
import zlib
from collections.abc import Iterable
from typing import Any

from mlpm.integrations.wandb_records import (
    BLOCK,
    CHUNK,
    FILE_HEADER,
    FIRST,
    FULL,
    LAST,
    MIDDLE,
    R_ENVIRONMENT,
    R_EXIT,
    R_HEADER,
    R_HISTORY,
    R_RUN,
    R_SUMMARY,
)


class RecordWriter:
    """Writes `.wandb` files in wandb's block format: used by tests and the benchmark."""

    def __init__(self) -> None:
        self.out = bytearray(FILE_HEADER)

    def add(self, record: bytes) -> None:
        data, first = record, True
        while True:
            room = BLOCK - len(self.out) % BLOCK
            if room < CHUNK.size:
                self.out += b"\x00" * room
                continue
            piece, data = data[: room - CHUNK.size], data[room - CHUNK.size :]
            kind = (FULL if first else LAST) if not data else (FIRST if first else MIDDLE)
            crc = zlib.crc32(piece, zlib.crc32(bytes((kind,)))) & 0xFFFFFFFF
            self.out += CHUNK.pack(crc, len(piece), kind) + piece
            first = False
            if not data:
                return

    def getvalue(self) -> bytes:
        return bytes(self.out)


_ONE_BYTE = [bytes((i,)) for i in range(128)]


def _enc_varint(value: int) -> bytes:
    if 0 <= value < 128:
        return _ONE_BYTE[value]
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def pb_field(number: int, value: bytes | str | int) -> bytes:
    """One protobuf field: bytes/str as length-delimited, int as varint."""
    if isinstance(value, int):
        return _enc_varint(number << 3) + _enc_varint(value)
    raw = value.encode() if isinstance(value, str) else value
    return _enc_varint(number << 3 | 2) + _enc_varint(len(raw)) + raw


@functools.lru_cache(maxsize=4096)
def _key_fields(key: str) -> bytes:
    parts = key.split(".")
    return b"".join(pb_field(2, p) for p in parts) if len(parts) > 1 else pb_field(1, key)


def pb_item(key: str, value: Any) -> bytes:
    """A config/summary/history item with a dotted key split into nested_key (as 0.22+)."""
    if type(value) is float and math.isfinite(value):
        text = repr(value)
    elif type(value) is int:
        text = str(value)
    else:
        text = json.dumps(value)
    return _key_fields(key) + pb_field(16, text)


def build_run(
    run_id: str,
    *,
    project: str = "demo",
    entity: str = "",
    name: str = "",
    group: str = "",
    job_type: str = "",
    tags: Iterable[str] = (),
    config: dict[str, Any] | None = None,
    commit: str = "",
    remote: str = "",
    host: str = "",
    program: str = "",
    args: Iterable[str] = (),
    start: float = 0.0,
    history: Iterable[dict[str, Any]] = (),
    summary: dict[str, Any] | None = None,
    exit_code: int | None = 0,
    runtime: int | None = None,
    version: str = "0.31.0",
) -> bytes:
    """A `.wandb` file as wandb 0.22+ writes it offline: header, run, environment, a
    history and a summary record per row, the final summary, exit. For tests and benchmarks."""
    writer = RecordWriter()
    num = 0

    def record(kind: int, body: bytes) -> None:
        nonlocal num
        num += 1
        writer.add(pb_field(1, num) + pb_field(kind, body))

    record(R_HEADER, pb_field(1, pb_field(1, version)))
    stamp = pb_field(1, int(start)) + pb_field(2, int((start % 1) * 1e9)) if start else b""
    git = (pb_field(1, remote) if remote else b"") + (pb_field(2, commit) if commit else b"")
    run = pb_field(1, run_id) + (pb_field(2, entity) if entity else b"") + pb_field(3, project)
    conf = b"".join(pb_field(1, pb_item(k, v)) for k, v in (config or {}).items())
    run += pb_field(4, conf) if conf else b""
    for number, text in ((6, group), (7, job_type), (8, name)):
        run += pb_field(number, text) if text else b""
    run += b"".join(pb_field(10, t) for t in tags)
    run += (pb_field(13, host) if host else b"") + (pb_field(17, stamp) if stamp else b"")
    run += pb_field(21, git) if git else b""
    record(R_RUN, run)
    env = b"".join(pb_field(5, a) for a in args) + (pb_field(6, program) if program else b"")
    env += pb_field(9, git) if git else b""
    if env:
        record(R_ENVIRONMENT, env)
    for step, row in enumerate(history):
        items = b"".join(pb_field(1, pb_item(k, v)) for k, v in row.items())
        record(R_SUMMARY, items)
        record(R_HISTORY, items + pb_field(2, pb_field(1, step) if step else b""))
    if summary:
        record(R_SUMMARY, b"".join(pb_field(1, pb_item(k, v)) for k, v in summary.items()))
    if exit_code is not None:
        body = pb_field(1, exit_code) if exit_code else b""
        record(R_EXIT, body + (pb_field(2, runtime) if runtime is not None else b""))
    return writer.getvalue()
