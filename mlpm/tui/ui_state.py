"""What the TUI remembers between runs (the board's folded columns, its hidden detail pane):
`tui-state.json` in the data directory, `{"name": value, ...}`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mlpm import paths


def path() -> Path:
    return paths.data_dir() / "tui-state.json"


def _read() -> dict[str, Any]:
    try:
        data = json.loads(path().read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or damaged: start from the defaults
        return {}
    return data if isinstance(data, dict) else {}


def flag(name: str, default: bool = False) -> bool:
    """A remembered on/off choice."""
    value = _read().get(name, default)
    return value if isinstance(value, bool) else default


def remember(name: str, value: bool) -> None:
    """Keep a choice for the next run. A read-only data directory only means it is not kept:
    the choice still holds until the app quits."""
    data = _read()
    data[name] = value
    file = path()
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        temp = file.with_suffix(".tmp")
        temp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temp, file)
    except OSError:
        pass
