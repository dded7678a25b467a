"""Where mlpm keeps its files. Every path comes from here, so tests can redirect them all."""

from __future__ import annotations

import os
from pathlib import Path

APP = "mlpm"


def home_override() -> Path | None:
    """`MLPM_HOME` puts the data and config directories under one folder (tests, demos)."""
    value = os.environ.get("MLPM_HOME")
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    """The platform's user data directory for mlpm (or `$MLPM_HOME/data`)."""
    if (home := home_override()) is not None:
        return home / "data"
    from platformdirs import user_data_path

    return user_data_path(APP, appauthor=False)


def config_dir() -> Path:
    """The platform's user config directory for mlpm (or `$MLPM_HOME/config`)."""
    if (home := home_override()) is not None:
        return home / "config"
    from platformdirs import user_config_path

    return user_config_path(APP, appauthor=False)


def default_db_path() -> Path:
    """The database file: `$MLPM_DB` if set, else `mlpm.db` in the data directory."""
    if value := os.environ.get("MLPM_DB"):
        return Path(value).expanduser()
    return data_dir() / "mlpm.db"
