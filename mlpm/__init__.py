"""mlpm: a terminal-first project manager for long machine-learning projects."""

__version__ = "0.1.0"
