"""A replica offline for months merges like any other: its ops, months older by the wall
clock, win or lose by the Lamport rule alone, and the op files span many months."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlpm.integrations import sync_repo
from mlpm.services import lessons, sync_run, task_query, tasks
from mlpm.store import Store
from mlpm.store.ops import Op
from tests import test_sync_git

git_identity, remote, replicas = (
    test_sync_git.git_identity,
    test_sync_git.remote,
    test_sync_git.replicas,
)
local, sync_all = test_sync_git.local, test_sync_git.sync_all
MONTHS = ["2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07"]


def at(monkeypatch: pytest.MonkeyPatch, month: str) -> None:
    monkeypatch.setenv("MLPM_NOW", f"{month}-10T10:00:00+00:00")  # mlpm's one clock


def board(store: Store) -> list[tuple[str, str, str, str | None, list[str]]]:
    rows = task_query.list_tasks(store)
    return sorted((t.gid, t.title, t.column, t.notes, sorted(t.tags)) for t in rows)


def last_op(store: Store, gid: str, field: str) -> Op:
    row = store.one(
        "SELECT * FROM op WHERE kind = 'task' AND gid = ? AND field = ?"
        " ORDER BY lamport DESC, replica DESC LIMIT 1",
        (gid, field),
    )
    return Op.from_row(row)


def test_a_replica_offline_for_months_merges_by_lamport_not_wall_time(replicas, monkeypatch):
    a, b, c = replicas
    at(monkeypatch, "2026-01")
    first = tasks.add(a, "tune the learning rate").task.gid
    second = tasks.add(a, "clean the data").task.gid
    sync_all(replicas)
    # C goes offline in January: one title edit, and many notes edits (its clock runs on).
    tasks.edit(c, local(c, first), title="C's January title")
    for n in range(150):
        tasks.edit(c, local(c, first), notes=f"C's notes, draft {n}")
    tasks.move(c, local(c, second), "today")
    lessons.add(c, "learned offline in January", tags=["offline"])
    c_title, c_notes = last_op(c, first, "title"), last_op(c, first, "notes")
    # A and B work on for six months, syncing each month.
    for i, month in enumerate(MONTHS):
        at(monkeypatch, month)
        if i == 0:
            tasks.edit(a, local(a, first), notes="A's February notes")
        tasks.edit(a, local(a, first), title=f"A's title in {month}")
        for n in range(3):
            made = tasks.add(b, f"B's task {n} of {month}", tags=[month]).task
            tasks.edit(b, made.id, notes="more detail")
        lessons.add(a, f"lesson of {month}")
        for s in (a, b):
            assert not sync_run.run(s).problems
    repo = Path(sync_run.status(a)["dir"])
    months = {f.path.stem for f in sync_repo.op_files(repo)}
    assert set(MONTHS) <= months  # the log spans many monthly files
    a_title, a_notes = last_op(a, first, "title"), last_op(a, first, "notes")
    # The wall clock says A's edits are newer; the Lamport clock decides.
    assert a_title.at > c_title.at and a_notes.at > c_notes.at
    assert a_title.key > c_title.key and c_notes.key > a_notes.key
    at(monkeypatch, "2026-08")
    sync_all(replicas)
    assert board(a) == board(b) == board(c)
    for s in replicas:
        t = task_query.get(s, local(s, first))
        assert t.title == "A's title in 2026-07"  # later by Lamport: A wins
        assert t.notes == "C's notes, draft 149"  # later by Lamport, older by wall time: C wins
        assert task_query.get(s, local(s, second)).column == "today"
        texts = sorted(lesson.text for lesson in lessons.list_lessons(s))
        assert len(texts) == 7 and "learned offline in January" in texts
    assert len(board(c)) == 2 + 3 * len(MONTHS)
    # The files C wrote on its return are this month's, beside the months it missed.
    me = sync_run.status(c)["replica"]
    assert [f.path.stem for f in sync_repo.op_files(repo) if f.replica == me] == ["2026-08"]
