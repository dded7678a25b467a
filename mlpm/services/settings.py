"""User settings, stored in the database. Reading is plain; `set_value` validates with pydantic."""

from __future__ import annotations

import json
from typing import Any

from mlpm.errors import UsageError
from mlpm.store import Store
from mlpm.store.ops import PERSONAL_SETTINGS

DEFAULTS: dict[str, Any] = {
    "active_projects_limit": 3,
    "capacity_tasks": 5,
    "capacity_pomodoros": 8,
    "unestimated_pomodoros": 1,
    "timer.focus_minutes": 25,
    "timer.short_break_minutes": 5,
    "timer.long_break_minutes": 15,
    "timer.long_break_every": 4,
    "timer.work_hours": "09:00-18:00",
    "timer.work_days": "mon-fri",
    "timer.strict_work_hours": False,
    "wip.doing": 0,  # this person's Doing limit in each project (0: none)
    "sync.every_minutes": 10,
    "sync.person": "",
}
# Which settings follow their person to their other machines (the others stay on this one).
PERSONAL = PERSONAL_SETTINGS
# Internal state kept in the same table but not offered by `mlpm config`.
INTERNAL = ("current_project",)


def get(store: Store, key: str) -> Any:
    """The stored value of `key`, or its default."""
    row = store.one("SELECT value FROM setting WHERE key = ?", (key,))
    return json.loads(row["value"]) if row else DEFAULTS.get(key)


def all_values(store: Store) -> dict[str, Any]:
    stored = {r["key"]: json.loads(r["value"]) for r in store.query("SELECT * FROM setting")}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}


def put(store: Store, key: str, value: Any, *, command: str) -> None:
    """Store a value without validation (internal keys such as the current project)."""
    with store.write(command) as tx:
        _put(tx, key, value)


def _put(tx: Any, key: str, value: Any) -> None:
    encoded = json.dumps(value)
    if tx.store.one("SELECT 1 FROM setting WHERE key = ?", (key,)):
        tx.update("setting", key, {"value": encoded})
    else:
        tx.insert("setting", {"key": key, "value": encoded})


def set_value(store: Store, key: str, raw: str) -> Any:
    """Validate `raw` for `key` (pydantic: this is outside input) and store it."""
    if key not in DEFAULTS:
        raise UsageError(f"unknown setting {key!r}; known: {', '.join(DEFAULTS)}")
    from mlpm.services.settings_model import validate_setting

    value = validate_setting(key, raw)
    put(store, key, value, command=f"config set {key}")
    return value
