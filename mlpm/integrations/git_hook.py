"""The `prepare-commit-msg` hook: install it (chaining any hook already there), remove it
(restoring that hook), and add the `Task: <id>` trailer to a message file.

The installed script is a few lines of sh with no user text in it except shell-quoted paths.
It runs a saved earlier hook first (its failure still stops the commit, as before), then
`python -m mlpm git hook run`, whose failure or slowness is ignored: mlpm never blocks a commit.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from mlpm.integrations.git_repo import RepoError
from mlpm.integrations.git_worktree import clean_env, find_worktree, git_dir_of

HOOK = "prepare-commit-msg"
SAVED = HOOK + ".pre-mlpm"  # where an earlier hook waits while ours is installed
MARKER = "# mlpm-hook: prepare-commit-msg v1"
NO_HOOK_ENV = "MLPM_NO_HOOK"  # set it to commit once without the trailer
# `git commit` sources for which a trailer makes no sense (git wrote the whole message).
SKIP_SOURCES = ("merge", "squash")
# Files git keeps while it replays commits (rebase, am, cherry-pick): see `replaying`.
_REPLAY_STATE = ("rebase-merge", "rebase-apply", "CHERRY_PICK_HEAD")

_SCRIPT = """#!/bin/sh
{marker}
# Installed by `mlpm git hook install`; `mlpm git hook uninstall` restores the earlier hook.
# Adds a "Task: <id>" trailer for the task in progress. A failing or slow mlpm never blocks
# the commit. Set {no_hook}=1 to skip it for one commit.
hooks_dir=$(dirname "$0")
if [ -x "$hooks_dir/{saved}" ]; then
    "$hooks_dir/{saved}" "$@" || exit $?
fi
if [ -z "${no_hook}" ]; then
    MLPM_DB={db} {python} -m mlpm git hook run "$@" </dev/null >/dev/null 2>&1 || :
fi
exit 0
"""


@dataclass(slots=True)
class HookResult:
    """What install/uninstall did, in words for the user."""

    path: Path
    action: str  # installed, updated, uninstalled, not-installed
    chained: Path | None = None  # the earlier hook we run first (install) or restored
    warning: str | None = None

    @property
    def message(self) -> str:
        if self.action == "not-installed":
            return f"no mlpm hook at {self.path}; nothing to do"
        text = f"{self.action} {self.path}"
        if self.chained is not None and self.action == "uninstalled":
            text += " (the earlier hook is back in place)"
        elif self.chained is not None:
            text += f" (it runs the earlier hook first: {self.chained})"
        return text


def hooks_dir(path: str | Path) -> Path:
    """The hooks directory git uses for the repository at `path` (honours core.hooksPath)."""
    worktree = find_worktree(path)
    if worktree is None or git_dir_of(worktree) is None:
        where = Path(path).expanduser()
        if not where.exists():
            raise RepoError(f"repository {where} not found (moved or deleted?)")
        raise RepoError(f"{where} is not a git repository")
    try:
        done = subprocess.run(
            ["git", "-C", str(worktree), "rev-parse", "--git-path", "hooks"],
            capture_output=True,
            text=True,
            env=clean_env(),
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RepoError(f"cannot run git in {worktree}: {exc}") from None
    if done.returncode != 0:
        raise RepoError(f"git cannot read {worktree}: {done.stderr.strip()}")
    hooks = Path(done.stdout.strip())
    return hooks if hooks.is_absolute() else (worktree / hooks).resolve()


def is_ours(path: Path) -> bool:
    try:
        return path.is_file() and MARKER in path.read_text(errors="replace")
    except OSError:
        return False


def script(python: str, db: str) -> str:
    """The hook's text: only the two paths vary, each quoted for sh."""
    return _SCRIPT.format(
        marker=MARKER,
        saved=SAVED,
        no_hook=NO_HOOK_ENV,
        python=shlex.quote(python),
        db=shlex.quote(db),
    )


def install(repo_path: str | Path, db_path: str | Path, *, python: str | None = None) -> HookResult:
    """Install the hook for the repository at `repo_path`, writing to the database `db_path`.

    An existing hook that is not ours is moved aside and run first; reinstalling updates ours.
    """
    directory = hooks_dir(repo_path)
    hook, saved = directory / HOOK, directory / SAVED
    action = "installed"
    if is_ours(hook):
        action = "updated"
    elif hook.exists() or hook.is_symlink():
        if saved.exists() or saved.is_symlink():
            raise RepoError(
                f"both {hook} and {saved} exist and neither is mlpm's; move one of them away first"
            )
        os.replace(hook, saved)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{HOOK}.mlpm-tmp"
    tmp.write_text(script(python or sys.executable, str(Path(db_path).resolve())))
    tmp.chmod(0o755)
    os.replace(tmp, hook)  # atomic: git never sees a half-written hook
    chained = saved if (saved.exists() or saved.is_symlink()) else None
    warning = None
    top = find_worktree(repo_path)
    if top and directory.is_relative_to(top) and not directory.is_relative_to(top / ".git"):
        warning = (
            f"core.hooksPath puts hooks inside the working tree ({directory}): do not "
            "commit this hook, it names paths on this machine"
        )
    return HookResult(hook, action, chained, warning)


def uninstall(repo_path: str | Path) -> HookResult:
    """Remove our hook and put back the hook it replaced, if any."""
    directory = hooks_dir(repo_path)
    hook, saved = directory / HOOK, directory / SAVED
    if not is_ours(hook):
        if hook.exists() or hook.is_symlink():
            raise RepoError(
                f"{hook} is not mlpm's hook (something replaced it); left as it is"
                + (f", and the earlier hook is still saved at {saved}" if saved.exists() else "")
            )
        return HookResult(hook, "not-installed")
    hook.unlink()
    restored = None
    if saved.exists() or saved.is_symlink():
        os.replace(saved, hook)
        restored = hook
    return HookResult(hook, "uninstalled", restored)


def replaying(path: str | Path) -> bool:
    """Whether git is replaying existing commits in the working tree at `path` (rebase, am,
    cherry-pick): their messages are someone's earlier work, not the task in progress."""
    worktree = find_worktree(path)
    git_dir = git_dir_of(worktree) if worktree else None
    if git_dir is None:
        return False
    return any((git_dir / name).exists() for name in _REPLAY_STATE)


def add_trailer(message_file: str | Path, task_id: int | str, *, timeout: float = 5.0) -> bool:
    """Add `Task: <id>` (a number or a short id) to a commit message file with `git
    interpret-trailers` (which knows about comment and scissors lines). Nothing is added when
    the message already carries a Task trailer (the user chose). True when git succeeded."""
    ref = str(task_id)
    if not ref.isascii() or not ref.isalnum():
        return False
    try:
        done = subprocess.run(
            [
                "git",
                "interpret-trailers",
                "--in-place",
                "--if-exists",
                "doNothing",
                "--trailer",
                f"Task: {ref}",
                str(message_file),
            ],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
