"""The sync repository: a clone (under mlpm's data dir) of any git URL or path, holding each
replica's op files `ops/<replica>/<yyyy-mm>.jsonl` on the branch `mlpm-ops`.

Each replica appends only to its own files, so git never has to merge a file: a rejected
push is fetched, rebased (no file is shared, so no conflict) and pushed again; never forced.
Git runs as a plain subprocess with list arguments (no shell) and its own authentication.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mlpm.errors import MlpmError

BRANCH = "mlpm-ops"
OPS_DIR = "ops"
PUSH_TRIES = 5
_TIMEOUT = 300


class SyncRepoError(MlpmError):
    """Git failed; the message is git's own last line."""


def git(repo: Path | None, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    cmd = ["git", *(["-C", str(repo)] if repo is not None else []), *args]
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}  # never wait on a password prompt
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=_TIMEOUT, env=env, check=False
        )
    except FileNotFoundError:
        raise SyncRepoError("git is not installed (sync needs it)") from None
    except subprocess.TimeoutExpired:
        raise SyncRepoError(f"git {args[0]} took longer than {_TIMEOUT} s; try again") from None
    if check and done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise SyncRepoError(f"git {args[0]} failed: {lines[-1] if lines else done.returncode}")
    return done


def clone(url: str, dest: Path) -> None:
    """Clone `url` into `dest` and check out the ops branch (made if the remote has none)."""
    if url.startswith("-"):
        raise SyncRepoError(f"{url!r} is not a git URL or path")
    if dest.exists() and any(dest.iterdir()):
        raise SyncRepoError(f"{dest} exists and is not empty; remove it or keep using it")
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    git(None, "clone", "--quiet", "--no-checkout", "--", url, str(dest))
    os.chmod(dest, 0o700)
    has_branch = git(dest, "rev-parse", "--verify", "--quiet", f"origin/{BRANCH}", check=False)
    if has_branch.returncode == 0:
        git(dest, "checkout", "--quiet", "-B", BRANCH, f"origin/{BRANCH}")
    else:
        git(dest, "checkout", "--quiet", "--orphan", BRANCH)
        git(dest, "rm", "-r", "--cached", "--quiet", "--ignore-unmatch", ".")
    private(dest)


def url_of(repo: Path) -> str:
    return git(repo, "remote", "get-url", "origin").stdout.strip()


def author_email(repo: Path) -> str:
    return git(repo, "config", "user.email", check=False).stdout.strip()


def fetch(repo: Path) -> bool:
    """Fetch and rebase onto the remote's ops branch; False if the remote has none yet."""
    if (repo / ".git" / "rebase-merge").exists() or (repo / ".git" / "rebase-apply").exists():
        git(repo, "rebase", "--abort", check=False)  # a sync killed mid-rebase
    git(repo, "fetch", "--quiet", "origin")
    remote = git(repo, "rev-parse", "--verify", "--quiet", f"origin/{BRANCH}", check=False)
    if remote.returncode != 0:
        return False
    if git(repo, "rev-parse", "--verify", "--quiet", "HEAD", check=False).returncode != 0:
        git(repo, "reset", "--quiet", f"origin/{BRANCH}")  # nothing committed here yet
        git(repo, "checkout", "--quiet", "--", ".")
    else:
        # Another replica's commits touch only its own files: the rebase cannot conflict.
        git(repo, "rebase", "--quiet", f"origin/{BRANCH}")
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


def push_once(repo: Path) -> bool:
    """Push the ops branch; False if the remote refused it (someone pushed first)."""
    done = git(repo, "push", "--quiet", "origin", f"HEAD:refs/heads/{BRANCH}", check=False)
    if done.returncode == 0:
        return True
    text = done.stderr.lower()
    if "rejected" in text or "fetch first" in text or "non-fast-forward" in text:
        return False
    lines = done.stderr.strip().splitlines()
    raise SyncRepoError(f"git push failed: {lines[-1] if lines else done.returncode}")


def unpushed(repo: Path) -> int:
    """Commits of this clone the remote does not have yet."""
    if git(repo, "rev-parse", "--verify", "--quiet", "HEAD", check=False).returncode != 0:
        return 0
    remote = git(repo, "rev-parse", "--verify", "--quiet", f"origin/{BRANCH}", check=False)
    span = f"origin/{BRANCH}..HEAD" if remote.returncode == 0 else "HEAD"
    return int(git(repo, "rev-list", "--count", span).stdout.strip() or 0)


def private(repo: Path) -> None:
    """Op files readable by their owner only (git keeps no mode but the executable bit)."""
    root = repo / OPS_DIR
    if not root.is_dir():
        return
    for folder, _dirs, files in os.walk(root):
        os.chmod(folder, 0o700)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o600)


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
    """Append op lines to this replica's file for `month`; return its path for git."""
    folder = repo / OPS_DIR / replica
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{month}.jsonl"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+b") as out:
        _drop_cut_line(out)
        out.seek(0, os.SEEK_END)
        out.write("".join(line + "\n" for line in lines).encode("utf-8"))
        out.flush()
        os.fsync(out.fileno())
    return f"{OPS_DIR}/{replica}/{path.name}"


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
