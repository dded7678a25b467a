"""Undo after sync: only the fields the undone change wrote go back, so what another replica
changed since (and this one received) stays; the compensating ops reach every replica."""

from __future__ import annotations

import pytest

from mlpm.errors import MlpmError
from mlpm.services import sync_run, task_query, tasks, undo
from tests import test_sync_git

git_identity, remote, replicas = (
    test_sync_git.git_identity,
    test_sync_git.remote,
    test_sync_git.replicas,
)
local, sync_all = test_sync_git.local, test_sync_git.sync_all


def shown(store, gid):
    t = task_query.get(store, local(store, gid))
    return t.title, t.notes, t.tags


def test_undo_puts_back_its_own_field_and_keeps_the_one_changed_elsewhere(replicas):
    a, b, _ = replicas
    gid = tasks.add(a, "first title").task.gid
    sync_all(replicas)
    tasks.edit(a, local(a, gid), title="second title")
    sync_run.run(a)
    sync_run.run(b)
    tasks.edit(b, local(b, gid), notes="written on b after it saw a's edit")
    sync_run.run(b)
    sync_run.run(a)  # a now holds b's notes, written by the merge
    assert undo.undo(a).command == f"task edit {local(a, gid)}"  # the merge is passed by
    assert shown(a, gid) == ("first title", "written on b after it saw a's edit", [])
    sync_all(replicas)
    for s in replicas:
        assert shown(s, gid) == ("first title", "written on b after it saw a's edit", [])


def test_undo_gives_back_its_tag_and_keeps_a_tag_added_elsewhere(replicas):
    a, b, _ = replicas
    gid = tasks.add(a, "tagged").task.gid
    sync_all(replicas)
    tasks.edit(a, local(a, gid), add_tags=("from-a",))
    tasks.edit(b, local(b, gid), add_tags=("from-b",))
    sync_all(replicas)
    assert sorted(shown(a, gid)[2]) == ["from-a", "from-b"]
    undo.undo(a)
    sync_all(replicas)
    for s in replicas:
        assert shown(s, gid)[2] == ["from-b"]


def test_undo_refuses_when_the_field_it_wrote_was_changed_elsewhere(replicas):
    a, b, _ = replicas
    gid = tasks.add(a, "first").task.gid
    sync_all(replicas)
    tasks.edit(a, local(a, gid), title="from a")
    sync_run.run(a)
    sync_run.run(b)
    tasks.edit(b, local(b, gid), title="from b, later")
    sync_all(replicas)
    with pytest.raises(MlpmError, match="has changed since"):
        undo.undo(a)
    assert shown(a, gid)[0] == "from b, later"
