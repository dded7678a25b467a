"""The `.wandb` file container: its header, 32 KiB blocks of chunks, and the records in them.

A `.wandb` file is a 7-byte header (`:W&B`, 0xBEE1 little-endian, version 0) followed by
LevelDB-log-style 32 KiB blocks of chunks. Each chunk has a 7-byte header `<IHB>` (CRC32 over
the type byte and the payload, payload length, type: 1 full, 2 first, 3 middle, 4 last); the
reassembled payload is a protobuf `wandb_internal.Record` (decoded with `wandb_proto`).
Writing the format (for tests, the demo and the benchmark) is in `wandb_write`.
"""

from __future__ import annotations

import mmap
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from mlpm.integrations.wandb_proto import varint

MAGIC = b":W&B"
FILE_HEADER = MAGIC + struct.pack("<HB", 0xBEE1, 0)
HEADER_LEN = 7
BLOCK = 32 * 1024
CHUNK = struct.Struct("<IHB")
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4

# Record field numbers (wandb/proto/wandb_internal.proto).
R_HISTORY, R_SUMMARY, R_CONFIG, R_TELEMETRY = 2, 3, 5, 11
R_RUN, R_EXIT, R_HEADER, R_PREEMPTING, R_ENVIRONMENT = 17, 18, 21, 23, 26


class WandbFileError(Exception):
    """A file that cannot be read as a W&B run at all (not a `.wandb` file, unreadable)."""


@dataclass(slots=True)
class Scan:
    """Where a pass over the chunks stopped, and what was wrong on the way."""

    records: int = 0
    truncated: bool = False  # the last record was cut off (killed, or still being written)
    corrupt: int = 0  # chunks skipped for a bad CRC or impossible header
    first_corrupt_at: int | None = None
    end: int = 0  # the file offset after the last record yielded


def check_header(data: bytes) -> None:
    """Raise WandbFileError unless `data` starts with a `.wandb` header we can read."""
    if len(data) < HEADER_LEN or data[:4] != MAGIC:
        raise WandbFileError("not a .wandb file (no :W&B header)")
    if data[4:6] != FILE_HEADER[4:6]:
        raise WandbFileError("not a .wandb file (unknown identifier)")
    if data[6] != 0:
        raise WandbFileError(f"unsupported .wandb format version {data[6]}")


def records(data: bytes | mmap.mmap, start: int, scan: Scan, *, base: int = 0) -> Iterator[bytes]:
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
            scan.end = pos
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
            scan.end = pos
            yield record
    if parts is not None:
        scan.truncated = True


# The CRC of each chunk type's byte; an impossible type gets 0 (a CRC that matches it by
# chance is as likely as one matching damaged bytes).
# Type 0 gets 1, so that zero padding (a CRC of 0 over nothing) fails the check and is
# told apart from damage there.
_SEEDS = [1, *(zlib.crc32(bytes((kind,))) for kind in (FULL, FIRST, MIDDLE, LAST))]
_SEEDS += [0] * (256 - len(_SEEDS))


def check_chunks(data: bytes | mmap.mmap, start: int, stop: int, scan: Scan) -> int:
    """CRC-check the chunks that start in [`start`, `stop`) of the whole file's `data`
    (`start` a chunk's start) without assembling records; damage counts in `scan` as in
    `records`. Returns where the chunks go on from `stop` (a chunk's start, or a block's
    after damage), for `records` to go on there. Far cheaper than `records`: for the stretch
    of a long file a sync does not decode."""
    crc32, unpack, seeds, head = zlib.crc32, CHUNK.unpack_from, _SEEDS, CHUNK.size
    size = len(data)
    stop = min(stop, size)
    pos, block = start, start - start % BLOCK
    while pos < stop:
        end_of_block = min(block + BLOCK, size)
        limit = min(end_of_block - head, stop - 1)  # the last header start to read
        while pos <= limit:
            crc, length, kind = unpack(data, pos)
            end = pos + head + length
            # (a length past the block's end takes in bytes the CRC did not cover: no match)
            if crc32(data[pos + head : end], seeds[kind]) != crc:
                if crc or length or kind:  # not the zero padding a block may end with
                    scan.corrupt += 1
                    if scan.first_corrupt_at is None:
                        scan.first_corrupt_at = pos
                pos = end_of_block  # resynchronise at the next block
                break
            pos = end
        else:
            if pos >= stop:
                return pos
            pos = end_of_block  # the block's trailer (under a header's size: padding)
        block = pos
    return pos


def record_kind(record: bytes) -> tuple[int, bytes | None]:
    """The record's type (its oneof field number) and that field's bytes."""
    pos, end = 0, len(record)
    while pos < end:
        tag = record[pos]
        if tag < 0x80:  # one-byte tags and lengths are the rule: skip the general decoder
            pos += 1
        else:
            tag, pos = varint(record, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            _, pos = varint(record, pos)
        elif wire == 2:
            size = record[pos]
            if size < 0x80:
                pos += 1
            else:
                size, pos = varint(record, pos)
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
