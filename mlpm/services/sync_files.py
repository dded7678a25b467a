"""Reading and writing op files: other replicas' new lines (from where the last sync stopped),
this replica's ops not yet written, and corrupt lines reported with file and line."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlpm import clock
from mlpm.integrations import sync_repo
from mlpm.store import Store
from mlpm.store.ops import Op

_TAIL = 1 << 16  # enough of a file's end to hold its last line


@dataclass(slots=True)
class Read:
    ops: list[Op] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "ops/r/2026-03.jsonl:12: not JSON"
    offsets: dict[str, list[int]] = field(default_factory=dict)  # file -> [bytes, lines]


def read_new(repo: Path, me: str, offsets: dict[str, Any]) -> Read:
    """Ops in other replicas' files past `offsets` (file -> [bytes, lines] read before)."""
    out = Read(offsets={k: list(v) for k, v in offsets.items()})
    for f in sync_repo.op_files(repo):
        if f.replica != me:
            start, line_no = tuple(offsets.get(f.relative, (0, 0)))
            _read_file(f, start, line_no, out)
    return out


def read_missing(repo: Path, me: str, stored: dict[str, int]) -> Read:
    """Ops in other replicas' files that the op table may lack (`stored`: replica -> ops
    held). A replica whose files have as many lines as the table has ops of it is skipped
    unparsed: its lines can only be those ops (a replica's op ids are unique, and a corrupt
    or foreign line is never stored, so it would make the counts differ)."""
    out = Read()
    by_replica: dict[str, list[sync_repo.OpFile]] = {}
    for f in sync_repo.op_files(repo):
        if f.replica != me:
            by_replica.setdefault(f.replica, []).append(f)
    for replica, files in by_replica.items():
        lines = sum(f.path.read_bytes().count(b"\n") for f in files)
        if lines != stored.get(replica, 0):
            for f in files:
                _read_file(f, 0, 0, out)
    return out


def _read_file(f: sync_repo.OpFile, start: int, line_no: int, out: Read) -> None:
    size = f.path.stat().st_size
    if size < start:  # rewritten by hand: read it whole (known ops are skipped)
        start, line_no = 0, 0
    with open(f.path, "rb") as handle:
        if start:
            handle.seek(start - 1)
            if handle.read(1) != b"\n":  # edited by hand before the offset: read it whole
                start, line_no = 0, 0
        handle.seek(start)
        data = handle.read()
    end = data.rfind(b"\n") + 1  # a last line without its newline is still being written
    for raw in data[:end].split(b"\n")[:-1]:
        line_no += 1
        if not raw.strip():
            continue
        try:
            out.ops.append(Op.from_line(raw.decode("utf-8"), f.replica))
        except (ValueError, UnicodeDecodeError) as exc:
            out.problems.append(f"{f.relative}:{line_no}: {exc}; skipped")
    out.offsets[f.relative] = [start + end, line_no]


def written_up_to(repo: Path, me: str) -> int:
    """The Lamport clock of this replica's last op already in its files (0: none). Each file
    is appended in clock order, so its last whole line is its highest; the files are parts of
    months, so every one is looked at (a tail each)."""
    best = 0
    for f in sync_repo.op_files(repo):
        if f.replica == me:
            best = max(best, _last_clock(f.path, me))
    return best


def _last_clock(path: Path, me: str) -> int:
    with open(path, "rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - _TAIL))
        tail = handle.read()
    for raw in reversed(tail[: tail.rfind(b"\n") + 1].split(b"\n")):
        try:
            return Op.from_line(raw.decode("utf-8"), me).lamport
        except (ValueError, UnicodeDecodeError):
            continue
    return 0


def unwritten(store: Store, me: str, after: int) -> list[Op]:
    rows = store.query(
        "SELECT * FROM op WHERE replica = ? AND lamport > ? ORDER BY lamport", (me, after)
    )
    return [Op.from_row(r) for r in rows]


def write_own(repo: Path, me: str, ops: list[Op]) -> str | None:
    """Append this replica's new ops to its file for this month; the path for git."""
    if not ops:
        return None
    return sync_repo.append(repo, me, clock.now().strftime("%Y-%m"), [o.line() for o in ops])
