"""One sync at a time in a sync clone, and the repair of whatever a killed sync left there.

A sync marks the clone when it starts and clears the mark when it ends; a mark found by the
next sync means the last one was cut short (kill -9, power loss, an error). That sync then
waits for any git still running in the clone, removes the locks a killed git leaves
(`index.lock`, ref locks), ends a cut rebase, puts HEAD back on the ops branch and resets the
work tree to the last commit. Nothing is lost by the reset: this replica's ops live in its
database and are written to its files again; the others' are in their commits.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mlpm.integrations.sync_repo import BRANCH, SyncRepoError, git

MARK = "mlpm-sync-running"  # in .git: a sync started and has not finished
LOCK = "mlpm-sync.lock"  # in .git: held (flock) by the running sync; the OS drops it on kill
WAIT_SECONDS = 60.0  # for another sync of the same clone, or for a git left running
STALE_SECONDS = 10.0  # where running processes cannot be listed: a lock this old is stale
_POLL = 0.05


@contextmanager
def session(repo: Path) -> Iterator[bool]:
    """Hold the clone for one sync; yield whether a cut sync had to be repaired first."""
    fd = os.open(repo / ".git" / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _lock(fd)
        mark = repo / ".git" / MARK
        repaired = mark.exists()
        if repaired:
            repair(repo)
        mark.touch()
        yield repaired
        mark.unlink()  # only when the sync ran to its end
    finally:
        os.close(fd)  # releases the flock


def _lock(fd: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise SyncRepoError("another mlpm sync of this database is still running") from None
            time.sleep(_POLL)


def repair(repo: Path) -> None:
    """Bring a clone left by a killed sync back to a clean state on the ops branch."""
    dot_git = repo / ".git"
    _wait_for_git(repo)
    for lock in _git_locks(dot_git):
        lock.unlink(missing_ok=True)
    if (dot_git / "rebase-merge").exists() or (dot_git / "rebase-apply").exists():
        git(repo, "rebase", "--abort", check=False)
        if (dot_git / "rebase-merge").exists() or (dot_git / "rebase-apply").exists():
            git(repo, "rebase", "--quit", check=False)
    if git(repo, "rev-parse", "--verify", "--quiet", "HEAD", check=False).returncode != 0:
        # Nothing committed (nor fetched) yet: whatever is there is this replica's, cut before
        # its first commit. Cleared, so that the next sync writes and commits it from scratch.
        git(repo, "read-tree", "--empty")
        git(repo, "clean", "--quiet", "-d", "--force")
        return
    if git(repo, "symbolic-ref", "--quiet", "HEAD", check=False).returncode != 0:
        git(repo, "checkout", "--quiet", "-B", BRANCH)  # detached by a cut rebase
    git(repo, "reset", "--quiet", "--hard", "HEAD")
    git(repo, "clean", "--quiet", "-d", "--force")


def _git_locks(dot_git: Path) -> list[Path]:
    """The lock files git makes beside what it updates (never inside the object store)."""
    found = [p for p in dot_git.glob("*.lock") if p.name != LOCK]
    refs = dot_git / "refs"
    if refs.is_dir():
        found += refs.rglob("*.lock")
    return found


def _wait_for_git(repo: Path) -> None:
    """A kill of mlpm alone leaves its git running: let it finish before touching its locks."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        running = _running_in(repo)
        if running is False:
            return
        if running is None and _newest_lock_age(repo / ".git") >= STALE_SECONDS:
            return
        time.sleep(_POLL)
    raise SyncRepoError(f"a git command in {repo} has not finished for {WAIT_SECONDS:.0f} s")


def _running_in(repo: Path) -> bool | None:
    """Whether a process works in `repo` (git runs there as `git -C`); None where processes
    cannot be listed (no /proc)."""
    proc = Path("/proc")
    if not (proc / "self" / "cwd").exists():
        return None
    target = repo.resolve()
    me = os.getpid()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            if Path(os.readlink(entry / "cwd")) == target:
                return True
        except OSError:
            continue  # gone, or another user's
    return False


def _newest_lock_age(dot_git: Path) -> float:
    """Seconds since the newest lock changed (no lock: as good as stale)."""
    locks = _git_locks(dot_git)
    if not locks:
        return STALE_SECONDS
    newest = max((p.stat().st_mtime for p in locks if p.exists()), default=0.0)
    return time.time() - newest
