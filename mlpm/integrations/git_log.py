"""Read a repository's history: `git log` streamed as bytes and parsed into commits and the
task links their messages carry.

History is read through GitPython's `repo.git` (one `git log` process, output parsed here):
building a GitPython object per commit is about ten times slower. Tips, reachability and
the other queries are in `git_repo`; HEAD and dirtiness without GitPython in `git_worktree`.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

from mlpm.integrations.git_repo import SHA_LENGTHS, RepoError, git_error, run_git, text

if TYPE_CHECKING:
    from git import Repo

# One record per commit: a record separator pair, then NUL-separated fields, the raw message
# last so that anything inside a message (even NUL bytes) stays in the last field.
RECORD = b"\x1e\x1f"
RECORD_TEXT = RECORD.decode()
LOG_FORMAT = "--format=%x1e%x1f%H%x00%P%x00%an%x00%ae%x00%cI%x00%s%x00%B"
_FIELDS = 7
_CHUNK = 1 << 18
# Without it git flushes its output after every commit when writing to a pipe: a hundred
# thousand small writes and reads (about 40% of git's time and most of the reader's).
LOG_ENV = {"GIT_FLUSH": "0"}

# A task is named by its local number or by a prefix of its global id (mlpm.store.ids: one
# letter outside 0-9a-f, then hex), which means the same task on every replica.
_GID = r"[ghjkmnpqrstvwxyz][0-9a-f]{3,32}"
_ID = rf"(?:mlpm)?#?(?:\d+|{_GID})"
_TRAILER = re.compile(rf"^task[ \t]*:[ \t]*({_ID}(?:[ \t]*,[ \t]*{_ID})*)[ \t]*,?$", re.IGNORECASE)
_REFERENCE = re.compile(rf"(?<![\w/#])mlpm#(\d+|{_GID})\b", re.IGNORECASE)
_REF = re.compile(rf"(?<![0-9a-z])(?:\d+|{_GID})", re.IGNORECASE)
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
MAX_TASK_ID = 2**62
TaskRef = int | str  # a local task id, or a global id prefix (resolved by the scan)


class LogEntry(NamedTuple):
    """One commit as read from `git log`, with the task links its message carries."""

    sha: str
    parents: str  # space-separated; two or more for a merge
    author: str
    author_email: str
    committed_at: str
    summary: str
    links: list[tuple[TaskRef, str]]  # (task id or gid prefix, 'trailer' | 'reference')


class LogBatch(NamedTuple):
    """Commits parsed from one stretch of `git log` output, ready to store."""

    rows: list[list[str]]  # sha, parents, author, author_email, committed_at, summary
    links: list[tuple[TaskRef, str, str]]  # (task id or gid prefix, sha, 'trailer' | ...)


# -- parsing ----------------------------------------------------------------------------


def parse_links(message: str) -> list[tuple[TaskRef, str]]:
    """Task ids a commit message names: `Task: <id>` trailers (in the last paragraph, never
    the title) and `mlpm#<id>` references anywhere. A task named both ways counts as trailer."""
    found: dict[TaskRef, str] = {}
    paragraphs = _PARAGRAPH.split(message.strip().replace("\r\n", "\n"))
    if len(paragraphs) > 1:
        for line in paragraphs[-1].splitlines():
            match = _TRAILER.match(line.strip())
            if match:
                for ref in _REF.findall(match.group(1)):
                    _add(found, ref, "trailer")
    for number in _REFERENCE.findall(message):
        _add(found, number, "reference")
    return list(found.items())


def _add(found: dict[TaskRef, str], ref: str, source: str) -> None:
    if not ref.isdigit():
        found.setdefault(ref.lower(), source)
        return
    task_id = int(ref)
    if 0 < task_id < MAX_TASK_ID:
        found.setdefault(task_id, source)


def _decoded_records(chunk: bytes) -> list[str]:
    """Split whole records and decode them: the whole chunk at once when it is valid UTF-8
    (nearly always), else record by record, field by field."""
    try:
        return chunk.decode().split(RECORD_TEXT)
    except UnicodeDecodeError:
        return [
            "\x00".join(map(text, piece.split(b"\x00", _FIELDS - 1)))
            for piece in chunk.split(RECORD)
        ]


def _records(pieces: list[str]) -> list[str]:
    """Whole records from the pieces between separators: a piece that does not start with a
    sha came from a separator inside a message and is glued back (rare: checked once)."""
    heads = [piece.find("\x00", 0, 65) in SHA_LENGTHS for piece in pieces]
    if all(heads):
        return pieces
    records: list[str] = []
    for piece, head in zip(pieces, heads, strict=True):
        if head:
            records.append(piece)
        elif records:
            records[-1] += RECORD_TEXT + piece
    return records


def _parse(chunk: bytes) -> LogBatch:
    """Commits in `chunk`, which holds whole records only."""
    rows: list[list[str]] = []
    links: list[tuple[TaskRef, str, str]] = []
    pieces = _decoded_records(chunk)
    for record in _records(pieces[1:] if pieces and not pieces[0] else pieces):
        fields = record.split("\x00", _FIELDS - 1)
        message = fields.pop()
        rows.append(fields)
        low = message.lower()
        if "mlpm#" in low or "task" in low:
            links += [(task_id, fields[0], source) for task_id, source in parse_links(message)]
    return LogBatch(rows, links)


def _is_header(data: bytes, at: int) -> bool:
    """Whether a record separator at `at` starts a commit (a full sha, then NUL)."""
    nul = data.find(b"\x00", at + 2, at + 2 + 65)
    return nul - at - 2 in SHA_LENGTHS


class LogParser:
    """Parse `LOG_FORMAT` output as it arrives: `feed` bytes, get the commits completed."""

    def __init__(self) -> None:
        self._pending = b""  # from the start of the last record on: maybe not complete yet

    def feed(self, data: bytes) -> LogBatch:
        data = self._pending + data
        cut = len(data)
        while (cut := data.rfind(RECORD, 0, cut)) > 0 and not _is_header(data, cut):
            pass
        if cut <= 0:
            self._pending = data
            return LogBatch([], [])
        self._pending = data[cut:]
        return _parse(data[:cut])

    def close(self) -> LogBatch:
        batch = _parse(self._pending)
        self._pending = b""
        return batch


def entries(batch: LogBatch) -> list[LogEntry]:
    """A batch as one `LogEntry` per commit (handy; a scan uses the rows as they are)."""
    found: dict[str, list[tuple[TaskRef, str]]] = {}
    for task_id, sha, source in batch.links:
        found.setdefault(sha, []).append((task_id, source))
    return [LogEntry._make((*row, found.get(row[0], []))) for row in batch.rows]


def parse_log(data: bytes) -> list[LogEntry]:
    """Parse complete `git log` output made with `LOG_FORMAT`."""
    parser = LogParser()
    return entries(parser.feed(data)) + entries(parser.close())


# -- reading from a repository -----------------------------------------------------------


def _log_args(include: Iterable[str], exclude: Iterable[str]) -> list[str]:
    include = sorted(set(include))
    exclude = sorted(set(exclude) - set(include))
    args = [LOG_FORMAT, "--encoding=UTF-8", "--no-color", "--ignore-missing", *include]
    if exclude:
        args += ["--not", *exclude]
    return [*args, "--"]


def stream_log(
    repo: Repo, include: Iterable[str], exclude: Iterable[str] = ()
) -> Iterator[LogBatch]:
    """Commits reachable from `include` and not from `exclude` (missing objects ignored), in
    batches as `git log` writes them: the caller stores one batch while git makes the next.

    A thread drains git's output as fast as git writes it, so git never waits on a full pipe
    while a batch is being stored (reading releases the GIL; so does SQLite).
    """
    import git

    include = list(include)
    if not include:
        return
    try:
        proc = repo.git.log(*_log_args(include, exclude), as_process=True, env=LOG_ENV)
    except git.GitCommandNotFound:
        raise RepoError("git is not installed (or not on PATH)") from None
    chunks: queue.SimpleQueue[bytes] = queue.SimpleQueue()

    def drain() -> None:
        try:
            while chunk := proc.proc.stdout.read(_CHUNK):
                chunks.put(chunk)
        except (OSError, ValueError):
            pass  # killed below because the caller stopped early
        finally:
            chunks.put(b"")

    reader = threading.Thread(target=drain, name="git-log-reader", daemon=True)
    reader.start()
    parser = LogParser()
    try:
        while chunk := chunks.get():
            if (batch := parser.feed(chunk)).rows:
                yield batch
        if (batch := parser.close()).rows:
            yield batch
        reader.join()
        proc.wait()
    except git.GitCommandError as exc:
        raise RepoError(f"git log failed in {repo.working_tree_dir}: {git_error(exc)}") from None
    finally:
        if proc.proc.poll() is None:
            proc.proc.kill()
            proc.proc.wait()
        reader.join(timeout=5)


def read_log(repo: Repo, include: Iterable[str], exclude: Iterable[str] = ()) -> list[LogEntry]:
    """All of `stream_log` in one list."""
    return [entry for batch in stream_log(repo, include, exclude) for entry in entries(batch)]


def read_commit(repo: Repo, rev: str) -> LogEntry | None:
    """One commit by sha, abbreviation or any revision name; None if there is no such commit."""
    if rev.startswith("-"):
        return None
    out = run_git(repo, "log", LOG_FORMAT, "--encoding=UTF-8", "--no-color", "-1", "--no-walk",
               f"{rev}^{{commit}}", "--", ok_codes=(128,))  # fmt: skip
    found = parse_log(out)
    return found[0] if found else None
