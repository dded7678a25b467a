"""A private, temporary mlpm for one bench run: the user's data is never read or written.

Every bench runs inside `isolated(...)`: MLPM_DB and MLPM_HOME from the caller's environment
are dropped for the bench and its children (MLPM_DB would win over the bench's MLPM_HOME),
temp folders, bytecode and mlpm's data all go under one folder, which is removed at the end.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Variables that point mlpm (or a bench's children) at someone's real files.
DROPPED = ("MLPM_DB", "MLPM_HOME", "MLPM_NOW", "MLPM_DEBUG", "TASKRC", "TASKDATA", "WANDB_DIR")


@contextmanager
def isolated(prefix: str, *, keep: Path | None = None) -> Iterator[Path]:
    """A fresh folder with MLPM_HOME at `<folder>/home` for this process and its children.

    Bytecode goes under the folder too (PYTHONPYCACHEPREFIX), not into the mlpm package, and
    so do the temp folders of anything the bench starts (TMPDIR). `keep` uses that folder
    instead and leaves it in place."""
    saved = dict(os.environ)
    saved_prefix = sys.pycache_prefix
    root = keep if keep is not None else Path(tempfile.mkdtemp(prefix=prefix))
    root.mkdir(parents=True, exist_ok=True)
    for name in DROPPED:
        os.environ.pop(name, None)
    os.environ["MLPM_HOME"] = str(root / "home")
    for who in ("AUTHOR", "COMMITTER"):  # a bench's own commits work without a git config
        os.environ[f"GIT_{who}_NAME"] = "mlpm bench"
        os.environ[f"GIT_{who}_EMAIL"] = "bench@example.com"
    os.environ["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    # With the prefix and no bytecode written (PYTHONDONTWRITEBYTECODE, set on some machines),
    # every child would compile everything it imports: time that, not the app.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.pycache_prefix = str(root / "pycache")
    (root / "tmp").mkdir(exist_ok=True)
    os.environ["TMPDIR"] = str(root / "tmp")
    tempfile.tempdir = None  # re-read TMPDIR
    try:
        yield root
    finally:
        os.environ.clear()
        os.environ.update(saved)
        sys.pycache_prefix = saved_prefix
        tempfile.tempdir = None
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)
