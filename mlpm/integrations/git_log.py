"""Read a repository's history and state: `git log` parsed as bytes, tips, HEAD, dirtiness.

History is read through GitPython's `repo.git` (one `git log` process, output parsed here):
building a GitPython object per commit is about ten times slower. `import git` happens inside
the functions that need it. The cheap readers (`read_code_state`, `head_token`) run the git
CLI directly or read files, so quick commands never pay GitPython's import.
"""

from __future__ import annotations

import hashlib
import os
import queue
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from mlpm.errors import MlpmError

# One record per commit: a record separator pair, then NUL-separated fields, the raw message
# last so that anything inside a message (even NUL bytes) stays in the last field.
RECORD = b"\x1e\x1f"
RECORD_TEXT = RECORD.decode()
LOG_FORMAT = "--format=%x1e%x1f%H%x00%P%x00%an%x00%ae%x00%cI%x00%s%x00%B"
_FIELDS = 7
_SHA_LENGTHS = (40, 64)  # SHA-1 and SHA-256 repositories
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
# The git environment of a hook (GIT_DIR, GIT_INDEX_FILE, ...) must not leak into commands
# that look at another repository.
_GIT_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX")


class RepoError(MlpmError):
    """The project's repository cannot be read. Stored commits and links are untouched."""


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


@dataclass(slots=True)
class HeadState:
    """Where a working tree is: HEAD (None before the first commit), branch, dirty flag."""

    repo: str
    head_sha: str | None
    branch: str | None  # None when HEAD is detached
    dirty: bool | None  # None when git could not tell in time


# -- text -----------------------------------------------------------------------------------


def text(raw: bytes) -> str:
    """Decode git output: UTF-8, or (for legacy messages without an encoding header) cp1252."""
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


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
    heads = [piece.find("\x00", 0, 65) in _SHA_LENGTHS for piece in pieces]
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
    return nul - at - 2 in _SHA_LENGTHS


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
    return [LogEntry(*row, found.get(row[0], [])) for row in batch.rows]


def parse_log(data: bytes) -> list[LogEntry]:
    """Parse complete `git log` output made with `LOG_FORMAT`."""
    parser = LogParser()
    return entries(parser.feed(data)) + entries(parser.close())


# -- repositories ----------------------------------------------------------------------------


def open_repo(path: str | Path) -> Any:
    """A GitPython `Repo` for the repository at (or above) `path`; RepoError saying what is
    wrong when the path is missing, is not a repository, or git itself is missing."""
    import git

    where = Path(path).expanduser()
    if not where.exists():
        raise RepoError(
            f"repository {where} not found (moved or deleted?); stored commits and links are "
            "kept: point the project at it with `mlpm project edit --repo PATH`"
        )
    if not where.is_dir():
        raise RepoError(f"{where} is not a directory, so not a git repository")
    try:
        repo = git.Repo(where, search_parent_directories=True)
    except git.InvalidGitRepositoryError:
        raise RepoError(f"{where} is not a git repository") from None
    except git.NoSuchPathError:
        raise RepoError(f"repository {where} not found (moved or deleted?)") from None
    except git.GitCommandNotFound:
        raise RepoError("git is not installed (or not on PATH)") from None
    except OSError as exc:
        raise RepoError(f"cannot read the repository at {where}: {exc.strerror}") from None
    if repo.bare:
        raise RepoError(f"{where} is a bare repository; point the project at a working copy")
    return repo


def repo_key(repo: Any) -> str:
    """How commits of a repository are keyed in the store: its working tree, resolved."""
    return str(Path(repo.working_tree_dir).resolve())


def _stderr(exc: Any) -> str:
    """The first meaningful line git wrote to stderr."""
    raw = exc.stderr if isinstance(exc.stderr, str | bytes) else str(exc.stderr)
    detail = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    detail = detail.strip().removeprefix("stderr:").strip().strip("'").strip()
    return detail.splitlines()[0] if detail else f"exit status {exc.status}"


def _git(repo: Any, command: str, *args: str, ok_codes: tuple[int, ...] = ()) -> bytes:
    """Run `git <command> <args>` through GitPython; output as bytes, errors as RepoError."""
    import git

    try:
        return getattr(repo.git, command)(*args, stdout_as_string=False)
    except git.GitCommandError as exc:
        if exc.status in ok_codes:
            return b""
        raise RepoError(
            f"git {command} failed in {repo.working_tree_dir}: {_stderr(exc)}"
        ) from None
    except git.GitCommandNotFound:
        raise RepoError("git is not installed (or not on PATH)") from None


def read_tips(repo: Any) -> dict[str, str]:
    """Every local branch and HEAD -> commit sha (empty for a repository with no commits)."""
    out = _git(repo, "show_ref", "--heads", "--head", ok_codes=(1,))
    tips = {}
    for line in out.decode("utf-8", "replace").splitlines():
        sha, _, ref = line.partition(" ")
        if len(sha) in _SHA_LENGTHS and ref:
            tips[ref] = sha
    return tips


def shallow_marker(repo: Any) -> str:
    """A fingerprint of the shallow boundary ('' for a full clone): a deepened clone has new
    history behind the old tips, which only a full scan reads."""
    try:
        data = (Path(repo.common_dir) / "shallow").read_bytes()
    except OSError:
        return ""
    return hashlib.sha1(data).hexdigest() if data else ""


def _log_args(include: Iterable[str], exclude: Iterable[str]) -> list[str]:
    include = sorted(set(include))
    exclude = sorted(set(exclude) - set(include))
    args = [LOG_FORMAT, "--encoding=UTF-8", "--no-color", "--ignore-missing", *include]
    if exclude:
        args += ["--not", *exclude]
    return [*args, "--"]


def stream_log(
    repo: Any, include: Iterable[str], exclude: Iterable[str] = ()
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
        raise RepoError(f"git log failed in {repo.working_tree_dir}: {_stderr(exc)}") from None
    finally:
        if proc.proc.poll() is None:
            proc.proc.kill()
            proc.proc.wait()
        reader.join(timeout=5)


def read_log(repo: Any, include: Iterable[str], exclude: Iterable[str] = ()) -> list[LogEntry]:
    """All of `stream_log` in one list."""
    return [entry for batch in stream_log(repo, include, exclude) for entry in entries(batch)]


def read_commit(repo: Any, rev: str) -> LogEntry | None:
    """One commit by sha, abbreviation or any revision name; None if there is no such commit."""
    if rev.startswith("-"):
        return None
    out = _git(repo, "log", LOG_FORMAT, "--encoding=UTF-8", "--no-color", "-1", "--no-walk",
               f"{rev}^{{commit}}", "--", ok_codes=(128,))  # fmt: skip
    found = parse_log(out)
    return found[0] if found else None


def existing(repo: Any, shas: Iterable[str]) -> set[str]:
    """Those of `shas` that are commits present in the repository."""
    shas = sorted(set(shas))
    if not shas:
        return set()
    out = _git(repo, "rev_list", "--no-walk", "--ignore-missing", *shas, ok_codes=(128,))
    return set(out.decode("ascii").split())


def rev_list(repo: Any, include: Iterable[str], exclude: Iterable[str] = ()) -> set[str]:
    """Shas reachable from `include` and not from `exclude`."""
    include = sorted(set(include))
    if not include:
        return set()
    args = ["--ignore-missing", *include]
    if exclude:
        args += ["--not", *sorted(set(exclude))]
    return set(_git(repo, "rev_list", *args, "--").decode("ascii").split())


def is_reachable(repo: Any, sha: str) -> bool:
    """Whether a local branch or HEAD reaches the commit."""
    args = ("--contains", sha, "--count=1", "--format=%(refname)", "refs/heads")
    if _git(repo, "for_each_ref", *args).strip():
        return True
    import git

    try:
        repo.git.merge_base("--is-ancestor", sha, "HEAD")
    except git.GitCommandError:
        return False  # not an ancestor (exit 1), or no HEAD yet
    return True


# -- cheap readers (no GitPython) ------------------------------------------------------------


def find_worktree(path: str | Path) -> Path | None:
    """The working tree holding `path` (the nearest directory with a `.git`), or None."""
    try:
        here = Path(path).expanduser().resolve()
    except OSError:
        return None
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def clean_env() -> dict[str, str]:
    """The environment for git commands about a given path: no inherited GIT_DIR & co."""
    env = {k: v for k, v in os.environ.items() if k not in _GIT_ENV}
    env.update(LC_ALL="C", GIT_OPTIONAL_LOCKS="0", GIT_TERMINAL_PROMPT="0")
    return env


def read_code_state(path: str | Path, *, timeout: float = 5.0) -> HeadState | None:
    """HEAD, branch and dirtiness of the working tree at `path` with one `git status`;
    None when there is no repository there or git cannot run. Never raises."""
    worktree = find_worktree(path)
    if worktree is None:
        return None
    command = ["git", "-C", str(worktree), "status", "--porcelain=v2", "--branch", "-z"]
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=timeout, env=clean_env(), check=False
        )
    except subprocess.TimeoutExpired:
        # A huge tree: record HEAD at least, dirtiness unknown.
        return HeadState(str(worktree), _rev_parse_head(worktree), None, None)
    except OSError:
        return None
    if done.returncode != 0:
        return None
    head: str | None = None
    branch: str | None = None
    dirty = False
    for item in done.stdout.split(b"\x00"):
        if item.startswith(b"# branch.oid "):
            value = item[13:].decode("ascii", "replace")
            head = None if value == "(initial)" else value
        elif item.startswith(b"# branch.head "):
            value = text(item[14:])
            branch = None if value == "(detached)" else value
        elif item and not item.startswith(b"# "):
            dirty = True
    return HeadState(str(worktree), head, branch, dirty)


def _rev_parse_head(worktree: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(worktree), "rev-parse", "--verify", "-q", "HEAD"],
            capture_output=True,
            timeout=2,
            env=clean_env(),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode("ascii", "replace").strip() or None


def git_dir_of(worktree: Path) -> Path | None:
    """The git directory of a working tree (`.git`, or where a `.git` file points)."""
    dot = worktree / ".git"
    if dot.is_dir():
        return dot
    try:
        line = dot.read_text(errors="replace").strip()
    except OSError:
        return None
    if line.startswith("gitdir:"):
        target = Path(line[7:].strip())
        return target if target.is_absolute() else (worktree / target).resolve()
    return None


def common_dir(path: str | Path) -> Path | None:
    """The git directory shared by all worktrees of the repository holding `path`."""
    worktree = find_worktree(path)
    git_dir = git_dir_of(worktree) if worktree else None
    if git_dir is None:
        return None
    try:
        return (git_dir / (git_dir / "commondir").read_text().strip()).resolve()
    except OSError:
        return git_dir.resolve()


def head_token(path: str | Path) -> str | None:
    """A short string that changes whenever HEAD moves (checkout, commit, reset, rebase),
    read from files without running git: poll it to decide when to sync. None: no repo."""
    worktree = find_worktree(path)
    git_dir = git_dir_of(worktree) if worktree else None
    if git_dir is None:
        return None
    try:
        head = (git_dir / "HEAD").read_text(errors="replace").strip()
    except OSError:
        return None
    parts = [head]
    if head.startswith("ref:"):
        ref = head[4:].strip()
        common = common_dir(worktree) or git_dir  # type: ignore[arg-type]
        for base in (git_dir, common):
            try:
                parts.append((base / ref).read_text(errors="replace").strip())
                break
            except OSError:
                continue
        else:  # packed ref (or reftable): its file's change time stands in for the value
            for name in ("packed-refs", "reftable/tables.list"):
                try:
                    parts.append(str((common / name).stat().st_mtime_ns))
                except OSError:
                    continue
    return "|".join(parts)
