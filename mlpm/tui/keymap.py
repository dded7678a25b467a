"""One key map for every screen, and the user's remapping of it (`keymap.json`).

The shared keys mean the same everywhere: a binding on any screen that uses one of them has
a binding id ending in that meaning (`board.add`, `lessons.add`, `list.up`), so a screen's
own actions take other keys. `keymap.json` in the config directory maps binding ids (shown by
`?`) to keys: `{"app.undo": "ctrl+u", "board.add": "a,n"}`; the app reads it again whenever
the file changes."""

from __future__ import annotations

import json
from pathlib import Path

from mlpm import paths

# key -> the meanings a binding on it may have (the id's last part)
SHARED: dict[str, tuple[str, ...]] = {
    "up": ("up",),
    "k": ("up",),
    "down": ("down",),
    "j": ("down",),
    "home": ("first",),
    "g": ("first",),
    "end": ("last",),
    "G": ("last",),
    "a": ("add",),
    "e": ("edit",),
    "E": ("edit_notes",),
    "x": ("drop",),
    "slash": ("search", "filter"),
    "u": ("undo",),
    "question_mark": ("help",),
    "q": ("quit",),
}


def shared_meaning_ok(key: str, binding_id: str | None) -> bool:
    """Whether a binding of `key` with this id keeps the key's shared meaning."""
    meanings = SHARED.get(key)
    if meanings is None:
        return True
    return binding_id is not None and binding_id.rsplit(".", 1)[-1] in meanings


def path() -> Path:
    """`keymap.json` in the platform's config directory."""
    return paths.config_dir() / "keymap.json"


def stamp(file: Path | None = None) -> tuple[int, int] | None:
    """What changes when the file is edited (mtime, size); None when there is none."""
    try:
        info = (file or path()).stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size)


def read(file: Path | None = None) -> dict[str, str]:
    """The remapping: binding id -> keys ("ctrl+u" or "a,n"); {} when there is no file.
    ValueError with the reason when the file is not such a JSON object."""
    file = file or path()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ValueError(exc.strerror or str(exc)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in data.items()
    ):
        raise ValueError('expected {"binding id": "key", ...}')
    return {k: v.replace(" ", "") for k, v in data.items()}
