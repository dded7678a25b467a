"""A running count on stderr ("fetched 250 runs…"): one line rewritten in place on a
terminal, a plain line every `every` items otherwise (logs and pipes get no escape codes)."""

from __future__ import annotations

import sys
from typing import TextIO


class Count:
    """Call with the count so far; `close()` when done (clears the terminal line)."""

    def __init__(
        self, what: str, *, stream: TextIO | None = None, every: int = 100, tty_every: int = 10
    ) -> None:
        self.what = what
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.every = tty_every if self.tty else every
        self.width = 0

    def __call__(self, count: int) -> None:
        if count % self.every:
            return
        text = f"fetched {count} {self.what}…"
        if self.tty:
            self.stream.write("\r" + text.ljust(self.width))
            self.width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0
