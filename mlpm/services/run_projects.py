"""Which mlpm project an imported run belongs to: the one whose repository holds its commit.

`runs sync . ../nogit ../otherrepo` must not file another repository's runs under the current
project. Commits are looked up with one `git cat-file --batch-check` per project repository
(plain git, no GitPython), and only when a sync read runs with commits.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlpm.integrations.wandb_run import RunInfo
    from mlpm.models import Project
    from mlpm.store import Store


def commits_in(repo: str, shas: Sequence[str]) -> set[str]:
    """Those of `shas` that are commits in the repository at `repo` (none if git fails)."""
    if not shas:
        return set()
    try:
        done = subprocess.run(
            ["git", "-C", repo, "cat-file", "--batch-check=%(objectname) %(objecttype)"],
            input="".join(f"{sha}^{{commit}}\n" for sha in shas),
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    found = {line.split()[0] for line in done.stdout.splitlines() if line.endswith(" commit")}
    return {sha for sha in shas if any(f.startswith(sha) for f in found)}


def _inside(path: str | None, repo: str) -> bool:
    if not path:
        return False
    try:
        return Path(path).resolve().is_relative_to(Path(repo).resolve())
    except (OSError, ValueError):
        return False


def owners(
    store: Store, infos: Sequence[RunInfo], current: int | None
) -> tuple[dict[str, int | None], dict[str, int]]:
    """run id -> its project id (None: unassigned), and how many runs each project (by slug,
    "unassigned" for none) got.

    A run whose commit is in the current project's repository, or with no commit but whose
    file lies inside it, is the current project's; else the project whose repository holds
    the commit; else unassigned. A current project without a repository takes what no other
    project's repository claims (as before there was a check).
    """
    if current is None or not infos:  # nothing to file, or nowhere but unassigned
        return {info.run_id: current for info in infos}, {}
    from mlpm.services import projects

    everyone = [p for p in projects.list_projects(store) if p.repo_path]
    mine: Project | None = next((p for p in everyone if p.id == current), None)
    if mine is None and not everyone:
        return {info.run_id: current for info in infos}, {}
    shas = sorted({info.commit for info in infos if info.commit})
    holds = {p.id: commits_in(p.repo_path or "", shas) for p in everyone}
    slugs = {p.id: p.slug for p in projects.list_projects(store)}
    out: dict[str, int | None] = {}
    for info in infos:
        owner: int | None
        if mine is not None and (
            (info.commit and info.commit in holds[mine.id])
            or (not info.commit and _inside(info.path, mine.repo_path or ""))
        ):
            owner = current
        else:
            claim = [p.id for p in everyone if info.commit and info.commit in holds[p.id]]
            owner = claim[0] if claim else (current if mine is None else None)
        out[info.run_id] = owner
    counts: dict[str, int] = {}
    for owner in out.values():
        name = slugs.get(owner, "unassigned") if owner is not None else "unassigned"
        counts[name] = counts.get(name, 0) + 1
    return out, counts
