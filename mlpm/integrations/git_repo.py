"""A repository through GitPython: open it, run git in it, and the queries a sync asks.

`import git` happens inside the functions that need it, so quick commands never pay
GitPython's import. Paths are opened as given: GitPython would expand `$VARS` in them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from mlpm.errors import MlpmError

if TYPE_CHECKING:
    from git import GitCommandError, Repo

SHA_LENGTHS = (40, 64)  # SHA-1 and SHA-256 repositories


class RepoError(MlpmError):
    """The project's repository cannot be read. Stored commits and links are untouched."""


def text(raw: bytes) -> str:
    """Decode git output: UTF-8, or (for legacy messages without an encoding header) cp1252."""
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def open_repo(path: str | Path) -> Repo:
    """A GitPython `Repo` for the repository at (or above) `path`; RepoError saying what is
    wrong when the path is missing, is not a repository, or git itself is missing."""
    import git

    where = Path(path)
    if not where.exists():
        raise RepoError(
            f"repository {where} not found (moved or deleted?); stored commits and links are "
            "kept: point the project at it with `mlpm project edit --repo PATH`"
        )
    if not where.is_dir():
        raise RepoError(f"{where} is not a directory, so not a git repository")
    try:
        # expand_vars=False: a folder named `$HOME` or `a$x` is a folder, not a variable
        # (and GitPython would warn on stderr before failing).
        repo = git.Repo(where, search_parent_directories=True, expand_vars=False)
    except git.InvalidGitRepositoryError:
        raise RepoError(f"{where} is not a git repository") from None
    except git.NoSuchPathError:
        raise RepoError(f"repository {where} not found (moved or deleted?)") from None
    except git.GitCommandNotFound:
        raise RepoError("git is not installed (or not on PATH)") from None
    except OSError as exc:
        raise RepoError(f"cannot read the repository at {where}: {exc.strerror}") from None
    if repo.bare or repo.working_tree_dir is None:
        raise RepoError(f"{where} is a bare repository; point the project at a working copy")
    # The command runner GitPython made expands `$VARS` in its directory even so (it does for
    # any str); given a Path it keeps it as is.
    repo.git = repo.GitCommandWrapperType(Path(repo.working_tree_dir))
    return repo


def repo_key(repo: Repo) -> str:
    """How commits of a repository are keyed in the store: its working tree, resolved."""
    if repo.working_tree_dir is None:  # `open_repo` refuses bare repositories
        raise RepoError(f"{repo.git_dir} is a bare repository; point the project at a working copy")
    return str(Path(repo.working_tree_dir).resolve())


def git_error(exc: GitCommandError) -> str:
    """The first meaningful line git wrote to stderr."""
    raw = exc.stderr if isinstance(exc.stderr, str | bytes) else str(exc.stderr)
    detail = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    detail = detail.strip().removeprefix("stderr:").strip().strip("'").strip()
    return detail.splitlines()[0] if detail else f"exit status {exc.status}"


def run_git(repo: Repo, command: str, *args: str, ok_codes: tuple[int, ...] = ()) -> bytes:
    """Run `git <command> <args>` through GitPython; output as bytes, errors as RepoError."""
    import git

    try:
        out: bytes = getattr(repo.git, command)(*args, stdout_as_string=False)
    except git.GitCommandError as exc:
        if exc.status in ok_codes:
            return b""
        raise RepoError(
            f"git {command} failed in {repo.working_tree_dir}: {git_error(exc)}"
        ) from None
    except git.GitCommandNotFound:
        raise RepoError("git is not installed (or not on PATH)") from None
    return out


def read_tips(repo: Repo) -> dict[str, str]:
    """Every local branch and HEAD -> commit sha (empty for a repository with no commits)."""
    out = run_git(repo, "show_ref", "--heads", "--head", ok_codes=(1,))
    tips = {}
    for line in out.decode("utf-8", "replace").splitlines():
        sha, _, ref = line.partition(" ")
        if len(sha) in SHA_LENGTHS and ref:
            tips[ref] = sha
    return tips


def shallow_marker(repo: Repo) -> str:
    """A fingerprint of the shallow boundary ('' for a full clone): a deepened clone has new
    history behind the old tips, which only a full scan reads."""
    try:
        data = (Path(repo.common_dir) / "shallow").read_bytes()
    except OSError:
        return ""
    return hashlib.sha1(data).hexdigest() if data else ""


def existing(repo: Repo, shas: Iterable[str]) -> set[str]:
    """Those of `shas` that are commits present in the repository."""
    shas = sorted(set(shas))
    if not shas:
        return set()
    out = run_git(repo, "rev_list", "--no-walk", "--ignore-missing", *shas, ok_codes=(128,))
    return set(out.decode("ascii").split())


def rev_list(repo: Repo, include: Iterable[str], exclude: Iterable[str] = ()) -> set[str]:
    """Shas reachable from `include` and not from `exclude`."""
    include = sorted(set(include))
    if not include:
        return set()
    args = ["--ignore-missing", *include]
    if exclude:
        args += ["--not", *sorted(set(exclude))]
    return set(run_git(repo, "rev_list", *args, "--").decode("ascii").split())


def is_reachable(repo: Repo, sha: str) -> bool:
    """Whether a local branch or HEAD reaches the commit."""
    args = ("--contains", sha, "--count=1", "--format=%(refname)", "refs/heads")
    if run_git(repo, "for_each_ref", *args).strip():
        return True
    import git

    try:
        repo.git.merge_base("--is-ancestor", sha, "HEAD")
    except git.GitCommandError:
        return False  # not an ancestor (exit 1), or no HEAD yet
    return True
