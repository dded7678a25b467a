"""Cheap readers of a working tree, without GitPython: where it is, HEAD, branch, dirtiness.

They run the git CLI directly or read files under `.git`, so quick commands (`task start`,
the TUI's HEAD watch) never pay GitPython's import. None of them raises.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mlpm.integrations.git_repo import text

# The git environment of a hook (GIT_DIR, GIT_INDEX_FILE, ...) must not leak into commands
# that look at another repository.
_GIT_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX")


@dataclass(slots=True)
class HeadState:
    """Where a working tree is: HEAD (None before the first commit), branch, dirty flag."""

    repo: str
    head_sha: str | None
    branch: str | None  # None when HEAD is detached
    dirty: bool | None  # None when git could not tell in time


def find_worktree(path: str | Path) -> Path | None:
    """The working tree holding `path` (the nearest directory with a `.git`), or None."""
    try:
        here = Path(path).resolve()
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
    return _common_of(git_dir)


def _common_of(git_dir: Path) -> Path:
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
        common = _common_of(git_dir)
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
