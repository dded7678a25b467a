"""Property: random commands on three replicas, synced in random orders, end with the same
board and the same lessons everywhere (and a rebuild from the log changes neither)."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlpm.errors import MlpmError
from mlpm.services import lessons, projects, sync_merge, tasks
from mlpm.store import Store
from mlpm.store.ops import Op

COLUMNS = ("backlog", "today", "doing", "done", "dropped")
TAGS = ("a", "b", "c")

replica = st.integers(0, 2)
target = st.integers(0, 2)  # which of the replica's tasks (by gid order)
command = st.one_of(
    st.tuples(st.just("add"), replica, st.sampled_from(("x", "y", "z"))),
    st.tuples(st.just("title"), replica, target, st.sampled_from("pqr")),
    st.tuples(st.just("move"), replica, target, st.sampled_from(COLUMNS)),
    st.tuples(st.just("tag"), replica, target, st.sampled_from(TAGS)),
    st.tuples(st.just("untag"), replica, target, st.sampled_from(TAGS)),
    st.tuples(st.just("reorder"), replica, target, st.integers(1, 4)),
    st.tuples(st.just("lesson"), replica, st.sampled_from(("warmup", "seeds"))),
)
# A round: some commands on the replicas, then some syncs (source -> target) in any order.
round_ = st.tuples(
    st.lists(command, min_size=1, max_size=8), st.lists(st.tuples(replica, replica), max_size=4)
)


def board(store: Store) -> list[tuple]:
    rows = store.query('SELECT gid, title, "column", rank, tags FROM task')
    return sorted(
        (r["column"], r["rank"], r["gid"], r["title"], sorted(json.loads(r["tags"]))) for r in rows
    )


def lesson_set(store: Store) -> list[tuple]:
    rows = store.query("SELECT gid, text, tags FROM lesson")
    return sorted((r["gid"], r["text"], sorted(json.loads(r["tags"]))) for r in rows)


def ops_of(store: Store) -> list[Op]:
    return [Op.from_row(r) for r in store.query("SELECT * FROM op")]


def _template(root: Path) -> Path:
    path = root / "template.db"
    if not path.exists():
        made = Store.open(path)
        projects.add(made, "asr")
        made.close()
    return path


def _replicas(root: Path, run: int) -> list[Store]:
    template = _template(root)
    stores = []
    for i in range(3):
        path = root / f"run{run}-r{i}.db"
        shutil.copy(template, path)
        if i:  # a copy is another replica: give it its own id
            conn = sqlite3.connect(path)
            conn.execute("UPDATE setting SET value = ? WHERE key = 'sync.replica'", (f'"r{i}"',))
            conn.commit()
            conn.close()
        stores.append(Store.open(path))
    return stores


def _apply(store: Store, cmd: tuple) -> None:
    name = cmd[0]
    if name == "add":
        tasks.add(store, cmd[2])
        return
    if name == "lesson":
        lessons.add(store, cmd[2], tags=["lr"])
        return
    ids = store.column("SELECT id FROM task ORDER BY gid")
    if not ids:
        return
    task_id = ids[cmd[2] % len(ids)]
    if name == "title":
        tasks.edit(store, task_id, title=cmd[3])
    elif name == "move":
        if cmd[3] == "dropped":
            tasks.drop(store, task_id, "no", force=True)
        else:
            tasks.move(store, task_id, cmd[3], force=True)
    elif name == "tag":
        tasks.edit(store, task_id, add_tags=(cmd[3],))
    elif name == "untag":
        if cmd[3] in json.loads(store.scalar("SELECT tags FROM task WHERE id = ?", (task_id,))):
            tasks.edit(store, task_id, remove_tags=(cmd[3],))
    elif name == "reorder":
        tasks.reorder(store, task_id, cmd[3])


_runs = iter(range(10**9))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(round_, min_size=1, max_size=4))
def test_replicas_converge_whatever_the_commands_and_sync_order(tmp_path, rounds):
    stores = _replicas(tmp_path, next(_runs))
    try:
        for title in ("one", "two", "three"):  # a shared start: tasks every replica has
            tasks.add(stores[0], title, tags=["a"])
        for other in stores[1:]:
            sync_merge.receive(other, ops_of(stores[0]))
        for commands, syncs in rounds:
            for cmd in commands:
                # A refusal (a leftover not reviewed yet, say) is a normal outcome: it changes
                # nothing, and the replicas must still converge.
                with contextlib.suppress(MlpmError):
                    _apply(stores[cmd[1]], cmd)
            for source, dest in syncs:
                if source != dest:
                    sync_merge.receive(stores[dest], ops_of(stores[source]))
        for _ in range(2):  # everyone meets everyone
            for target in stores:
                for source in stores:
                    if source is not target:
                        assert not sync_merge.receive(target, ops_of(source)).waiting
        boards = [board(s) for s in stores]
        assert boards[0] == boards[1] == boards[2]
        assert lesson_set(stores[0]) == lesson_set(stores[1]) == lesson_set(stores[2])
        assert not sync_merge.rebuild(stores[1]).waiting
        assert board(stores[1]) == boards[0] and lesson_set(stores[1]) == lesson_set(stores[0])
    finally:
        for s in stores:
            s.close()
