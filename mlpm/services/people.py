"""People: this replica's owner, task assignees, and the initials shown on board cards.

A person is an email or a name, as typed. The owner is the setting `sync.person`, else the
author sync was set up with (git's `user.email` then), else git's `user.email` now (asked
only when a command needs the owner, never on a quick command's path)."""

from __future__ import annotations

import re
import subprocess

from mlpm import clock
from mlpm.errors import UsageError
from mlpm.models import Task
from mlpm.services import settings, task_query
from mlpm.store import Store

MAX_PERSON = 200
_PARTS = re.compile(r"[\s._+-]+")


def me(store: Store) -> str:
    """This replica's owner; UsageError when there is none to be found."""
    for key in ("sync.person", "sync.author"):
        value = settings.get(store, key)
        if value:
            return str(value)
    try:
        done = subprocess.run(
            ["git", "config", "user.email"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        done = None
    if done is not None and done.returncode == 0 and done.stdout.strip():
        return done.stdout.strip()
    raise UsageError("who are you? set `mlpm config set sync.person EMAIL` (or git's user.email)")


def owner(store: Store) -> str:
    """This replica's owner if a setting names one ("" otherwise); never asks git, so a
    quick command can afford it."""
    for key in ("sync.person", "sync.author"):
        if value := settings.get(store, key):
            return str(value)
    return ""


def clean_person(person: str) -> str | None:
    """A person as stored (None: nobody); UsageError for one that cannot be shown."""
    text = person.strip()
    if not text:
        return None
    if len(text) > MAX_PERSON:
        raise UsageError(f"a person is at most {MAX_PERSON} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise UsageError("a person cannot hold control characters")
    return text


def assign(store: Store, task_id: int, person: str) -> Task:
    """Give the task to `person` ("" takes it from whoever had it)."""
    task_query.get(store, task_id)  # a clear error for an unknown task
    with store.write(f"task assign {task_id}") as tx:
        tx.update("task", task_id, {"assignee": clean_person(person), "updated_at": clock.stamp()})
    return task_query.get(store, task_id)


def same(a: str | None, b: str | None) -> bool:
    """Whether two people are the same one (case aside)."""
    return bool(a) and bool(b) and str(a).casefold() == str(b).casefold()


def initials(person: str | None) -> str:
    """Two letters for a card: "ada.lovelace@x.org" -> "AL", "Grace Hopper" -> "GH",
    "ada@x.org" -> "AD"; "" for nobody."""
    if not person:
        return ""
    name = person.split("@", 1)[0] if "@" in person else person
    words = [w for w in _PARTS.split(name) if w and w[0].isalnum()]
    if not words:
        return person[:2].upper()
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[-1][0]).upper()
