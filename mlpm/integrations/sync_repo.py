"""The sync repository: a clone (under mlpm's data dir) of any git URL or path, holding each
replica's op files `ops/<replica>/<yyyy-mm>[.<part>].jsonl` on the branch `mlpm-ops`, or on
the ref `refs/mlpm/ops` of a project's own repository (`sync setup --ref`: not a branch, so
the project's branches, clones and work trees never see it). The clone fetches that one ref.

Each replica appends only to its own files, so git never has to merge a file: a rejected
push is fetched, rebased (no file is shared, so no conflict) and pushed again; never forced.
Git runs as a plain subprocess with list arguments (no shell) and its own authentication.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mlpm.errors import MlpmError

BRANCH = "mlpm-ops"  # the clone's own branch, and its name for the remote's log
TRACKING = f"refs/remotes/origin/{BRANCH}"
BRANCH_REF = f"refs/heads/{BRANCH}"  # where the log lives in a sync repository
PROJECT_REF = "refs/mlpm/ops"  # where it lives in a project's repository (--ref)
OPS_DIR = "ops"
# A file is closed at this size and the next part started: `git add` hashes a whole file and
# a rebase rewrites one, so a sync costs the same in a log's twelfth month as in its first.
PART_BYTES = 1 << 20
PUSH_TRIES = 5
_TIMEOUT = 300


class SyncRepoError(MlpmError):
    """Git failed; the message is git's own last line."""


# What a commit or rebase of the log says on a machine where git knows no one.
_NO_IDENTITY = ("please tell me who you are", "unable to auto-detect email address")
FALLBACK_EMAIL = "mlpm@replica.invalid"  # the log clone's committer when git knows no one


def git(repo: Path | None, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = _git(repo, *args)
    if done.returncode != 0 and repo is not None and _knows_no_one(done.stderr):
        # A bare machine (no user.email anywhere): the log's commits need a committer, not a
        # person (who made an op is in the op), so the clone gets one of its own, once.
        _git(repo, "config", "user.name", "mlpm")
        _git(repo, "config", "user.email", FALLBACK_EMAIL)
        done = _git(repo, *args)
    if check and done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise SyncRepoError(f"git {args[0]} failed: {lines[-1] if lines else done.returncode}")
    return done


def _knows_no_one(stderr: str) -> bool:
    text = stderr.lower()
    return any(sign in text for sign in _NO_IDENTITY)


def _git(repo: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = ["git", *(["-C", str(repo)] if repo is not None else []), *args]
    # Never wait on a password prompt; messages in English, as they are matched below.
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        # umask 077: the files git checks out are private from the start (see `private`).
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=_TIMEOUT, env=env, check=False,
            umask=0o077,
        )  # fmt: skip
    except FileNotFoundError:
        raise SyncRepoError("git is not installed (sync needs it)") from None
    except subprocess.TimeoutExpired:
        raise SyncRepoError(f"git {args[0]} took longer than {_TIMEOUT} s; try again") from None
    return done


def clone(url: str, dest: Path, ref: str = BRANCH_REF) -> None:
    """Make `dest` a clone of the log at `ref` of `url` (fetching that ref only: a project's
    code is never downloaded) with the ops branch checked out (made if the remote has none)."""
    if url.startswith("-"):
        raise SyncRepoError(f"{url!r} is not a git URL or path")
    if dest.exists() and any(dest.iterdir()):
        raise SyncRepoError(f"{dest} exists and is not empty; remove it or keep using it")
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    dest.mkdir(exist_ok=True, mode=0o700)
    try:
        git(dest, "init", "--quiet")
        git(dest, "symbolic-ref", "HEAD", f"refs/heads/{BRANCH}")
        git(dest, "remote", "add", "origin", "--", url)
        git(dest, "config", "remote.origin.fetch", f"+{ref}:{TRACKING}")
        has_log = _fetch(dest)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)  # a wrong URL leaves nothing to clear away
        raise
    if has_log:
        git(dest, "checkout", "--quiet", "-B", BRANCH, TRACKING)
    private(dest)


def _fetch(repo: Path) -> bool:
    """Fetch the log; False if the remote has none yet (nobody has pushed one)."""
    done = git(repo, "fetch", "--quiet", "--no-tags", "origin", check=False)
    if done.returncode == 0:
        return True
    if "couldn't find remote ref" in done.stderr:
        return False
    lines = (done.stderr or done.stdout).strip().splitlines()
    raise SyncRepoError(f"git fetch failed: {lines[-1] if lines else done.returncode}")


def heads(repo: Path) -> tuple[str | None, str | None]:
    """The commits of the clone's ops branch and of its copy of the remote's (None: none yet),
    read by one git command."""
    listed = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", BRANCH_REF, TRACKING)
    found = dict(line.split(" ", 1) for line in listed.stdout.splitlines() if " " in line)
    return found.get(BRANCH_REF), found.get(TRACKING)


def origin_of(folder: Path) -> str:
    """The `origin` URL of the git repository around `folder` ("" if none)."""
    if not folder.is_dir():
        return ""
    return git(folder, "remote", "get-url", "origin", check=False).stdout.strip()


def author_email(repo: Path) -> str:
    """Git's user.email for this clone ("" when git knows no one but the log's committer)."""
    email = git(repo, "config", "user.email", check=False).stdout.strip()
    return "" if email == FALLBACK_EMAIL else email


def fetch(repo: Path) -> bool:
    """Fetch and bring the ops branch onto the remote's: a fast-forward when this clone has
    nothing unpushed (the usual case), else a rebase. False if the remote has no log yet."""
    if (repo / ".git" / "rebase-merge").exists() or (repo / ".git" / "rebase-apply").exists():
        git(repo, "rebase", "--abort", check=False)  # a sync killed mid-rebase
    if not _fetch(repo):
        return False
    local, remote = heads(repo)
    if remote is None:  # an old clone whose remote has no ops branch yet
        return False
    if local is None:
        git(repo, "reset", "--quiet", TRACKING)  # nothing committed here yet
        git(repo, "checkout", "--quiet", "--", ".")
    elif local != remote:
        forward = git(repo, "merge", "--ff-only", "--quiet", TRACKING, check=False)
        if forward.returncode != 0:
            # Another replica's commits touch only its own files: the rebase cannot conflict.
            git(repo, "rebase", "--quiet", TRACKING)
    private(repo)
    return True


def commit(repo: Path, paths: list[str], message: str) -> bool:
    """Commit the given files; False if there was nothing to commit."""
    if not paths:
        return False
    git(repo, "add", "--", *paths)
    if git(repo, "diff", "--cached", "--quiet", check=False).returncode == 0:
        return False
    git(repo, "commit", "--quiet", "--no-verify", "-m", message)
    return True


def push_once(repo: Path, ref: str = BRANCH_REF) -> bool:
    """Push the ops branch to `ref`; False if the remote refused it (someone pushed first)."""
    done = git(repo, "push", "--quiet", "origin", f"HEAD:{ref}", check=False)
    if done.returncode == 0:
        return True
    text = done.stderr.lower()
    if "rejected" in text or "fetch first" in text or "non-fast-forward" in text:
        return False
    lines = done.stderr.strip().splitlines()
    raise SyncRepoError(f"git push failed: {lines[-1] if lines else done.returncode}")


def unpushed(repo: Path) -> int:
    """Commits of this clone the remote does not have yet."""
    local, remote = heads(repo)
    if local is None or local == remote:
        return 0
    span = f"{TRACKING}..{BRANCH_REF}" if remote is not None else BRANCH_REF
    return int(git(repo, "rev-list", "--count", span).stdout.strip() or 0)


def private(repo: Path) -> None:
    """Op files readable by their owner only (git keeps no mode but the executable bit). Only
    a mode that is wrong is changed: a chmod changes a file's ctime, and git then hashes the
    whole file again to see whether it changed."""
    root = repo / OPS_DIR
    if not root.is_dir():
        return
    for folder, _dirs, files in os.walk(root):
        _chmod(folder, 0o700)
        for name in files:
            _chmod(os.path.join(folder, name), 0o600)


def _chmod(path: str, mode: int) -> None:
    if os.stat(path).st_mode & 0o777 != mode:
        os.chmod(path, mode)


@dataclass(frozen=True, slots=True)
class OpFile:
    replica: str
    path: Path  # inside the repository
    relative: str  # as git names it


def op_files(repo: Path) -> Iterator[OpFile]:
    root = repo / OPS_DIR
    if not root.is_dir():
        return
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and not folder.is_symlink():
            for path in sorted(folder.glob("*.jsonl")):
                if path.is_file() and not path.is_symlink():
                    yield OpFile(folder.name, path, f"{OPS_DIR}/{folder.name}/{path.name}")


def append(repo: Path, replica: str, month: str, lines: list[str]) -> str:
    """Append op lines to this replica's newest file for `month` (a new part once it holds
    PART_BYTES); return its path for git."""
    folder = repo / OPS_DIR / replica
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    parts = sorted(_part(p.name, month) for p in folder.glob(f"{month}*.jsonl"))
    part = parts[-1] if parts and parts[-1] > 0 else 1
    path = folder / _part_name(month, part)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+b") as out:
        _drop_cut_line(out)
        size = out.seek(0, os.SEEK_END)
    if size >= PART_BYTES:
        path = folder / _part_name(month, part + 1)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+b") as out:
        out.seek(0, os.SEEK_END)
        out.write("".join(line + "\n" for line in lines).encode("utf-8"))
        out.flush()
        os.fsync(out.fileno())
    return f"{OPS_DIR}/{replica}/{path.name}"


def _part_name(month: str, part: int) -> str:
    return f"{month}.jsonl" if part == 1 else f"{month}.{part}.jsonl"


def _part(name: str, month: str) -> int:
    """The part number of a file of `month` (`2026-03.jsonl`: 1, `2026-03.2.jsonl`: 2; 0:
    not one of this writer's names)."""
    middle = name[len(month) : -len(".jsonl")]
    if not middle:
        return 1
    return int(middle[1:]) if middle[0] == "." and middle[1:].isdigit() else 0


def _drop_cut_line(out: BinaryIO) -> None:
    """A last line without its newline was cut short by a kill before it was committed: drop
    it (its ops are still unwritten, so they are written again)."""
    size = out.seek(0, os.SEEK_END)
    if size == 0:
        return
    out.seek(max(0, size - (1 << 16)))
    tail = out.read()
    if tail.endswith(b"\n"):
        return
    cut = tail.rfind(b"\n")
    out.truncate(size - len(tail) + cut + 1 if cut >= 0 else 0)
