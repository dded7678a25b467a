"""Decode the protobuf wire format by hand: the few fields of wandb's records mlpm reads.

The field numbers (wandb/proto/wandb_internal.proto) have not changed since 2020. Decoding
them here is faster than wandb's generated classes and keeps `import wandb` (slow, and it
patches sys.stdout) out of the process.
"""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime
from typing import Any

# What damaged protobuf bytes raise here: bad varints and lengths, a field of the wrong wire
# type (an int where bytes were expected), timestamps out of range.
DECODE_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    IndexError,
    TypeError,
    AttributeError,
    OverflowError,
    OSError,
    struct.error,
)


def varint(buf: bytes, pos: int) -> tuple[int, int]:
    """The varint at `pos` and the position after it."""
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


def fields(buf: bytes) -> list[tuple[int, int, Any]]:
    """(field number, wire type, value) for each field of one protobuf message."""
    out = []
    pos, end = 0, len(buf)
    while pos < end:
        tag = buf[pos]
        if tag < 0x80:  # most tags and lengths fit one byte: skip the general decoder
            pos += 1
        else:
            tag, pos = varint(buf, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 2:
            size = buf[pos]
            if size < 0x80:
                pos += 1
            else:
                size, pos = varint(buf, pos)
            if pos + size > end:
                raise ValueError("field runs past the end of its message")
            value: Any = buf[pos : pos + size]
            pos += size
        elif wire == 0:
            value, pos = varint(buf, pos)
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


def text(value: bytes, bad: list[str]) -> str:
    """A string field; invalid UTF-8 is replaced and noted once in `bad`."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        if not bad:
            bad.append("invalid UTF-8 replaced")
        return value.decode("utf-8", "replace")


def signed(value: int) -> int:
    """An int64 read as an unsigned varint, back to its sign."""
    return value - (1 << 64) if value >= 1 << 63 else value


def timestamp(buf: bytes) -> str | None:
    """A `google.protobuf.Timestamp` as ISO 8601 UTC (None when unset)."""
    seconds = nanos = 0
    for number, _, value in fields(buf):
        if number == 1:
            seconds = signed(value)
        elif number == 2:
            nanos = value
    if not seconds:
        return None
    moment = datetime.fromtimestamp(seconds + nanos / 1e9, tz=UTC)
    return moment.isoformat(timespec="seconds")


def item(buf: bytes, bad: list[str]) -> tuple[str, list[str], bytes | None, Any]:
    """A config/summary/history item: (key, nested key, value_json bytes, typed value)."""
    key, nested, value_json, typed = "", [], None, None
    for number, wire, value in fields(buf):
        if number == 1:
            key = text(value, bad)
        elif number == 2:
            nested.append(text(value, bad))
        elif number == 16:
            value_json = value
        elif number == 6 and wire == 1:  # history `number` (double)
            typed = struct.unpack("<d", value)[0]
        elif number == 5 and wire == 0:  # history `integer` (sint64)
            typed = (value >> 1) ^ -(value & 1)
    return key, nested, value_json, typed


def key_prefix(buf: bytes) -> bytes:
    """The key fields (1: key, 2: nested_key) at the start of an item, as raw bytes."""
    pos, end = 0, len(buf)
    while pos < end:
        tag = buf[pos]
        if tag != 0x0A and tag != 0x12:
            break
        size = buf[pos + 1] if pos + 1 < end else 0
        if size < 0x80:
            pos += 2 + size
        else:
            size, after = varint(buf, pos + 1)
            pos = after + size
    return buf[:pos]


def json_value(raw: bytes | None) -> Any:
    """An item's `value_json`, parsed (kept as text when it is not valid JSON)."""
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
