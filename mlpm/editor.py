"""Long text in the user's editor: `$VISUAL`, then `$EDITOR`, then `editor`, `nano` or `vi`.

Started as an argument list, never through a shell; the variable is split like a shell would
(`code --wait` works, as with git). The text goes through a private temp file (mode 0600)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from mlpm.errors import MlpmError

FALLBACKS = ("editor", "nano", "vi")


def command(env: Mapping[str, str] | None = None) -> list[str]:
    """The editor's argv (without the file)."""
    env = os.environ if env is None else env
    for name in ("VISUAL", "EDITOR"):
        if value := env.get(name, "").strip():
            try:
                argv = shlex.split(value)
            except ValueError as exc:
                raise MlpmError(f"cannot read ${name} ({value!r}): {exc}") from None
            if argv:
                return argv
    for name in FALLBACKS:
        if found := shutil.which(name):
            return [found]
    raise MlpmError("no editor found: set $EDITOR (for example EDITOR=nano)")


def edit(text: str, *, suffix: str = ".md", env: Mapping[str, str] | None = None) -> str:
    """Open `text` in the editor and return what it holds when the editor exits (trailing
    newlines dropped: most editors add one). A failed editor saves nothing: MlpmError."""
    argv = command(env)
    fd, name = tempfile.mkstemp(prefix="mlpm-", suffix=suffix)  # mkstemp: mode 0600
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n" if text else "")
        try:
            done = subprocess.run([*argv, str(path)], check=False)
        except OSError as exc:
            raise MlpmError(f"cannot run the editor {argv[0]!r}: {exc.strerror or exc}") from None
        if done.returncode != 0:
            raise MlpmError(f"the editor {argv[0]!r} exited with {done.returncode}; nothing saved")
        return path.read_text(encoding="utf-8", errors="replace").rstrip("\n")
    finally:
        path.unlink(missing_ok=True)
