"""Merge rules on three replicas, ops handed over directly (the git transport is tested in
test_sync_git.py): whatever the order, the replicas end alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlpm.services import lessons, projects, settings, sync_merge, task_query, tasks
from mlpm.store import Store
from mlpm.store.ops import Op


def all_ops(store: Store) -> list[Op]:
    return [Op.from_row(r) for r in store.query("SELECT * FROM op ORDER BY seq")]


def hand_over(source: Store, target: Store) -> sync_merge.MergeResult:
    return sync_merge.receive(target, all_ops(source))


def board(store: Store) -> list[tuple]:
    """What a person sees, keyed by global ids (local integer ids differ per replica)."""
    rows = store.query(
        'SELECT task.gid, title, notes, "column", rank, estimate, tags, drop_reason,'
        " project.gid AS project FROM task JOIN project ON project.id = task.project_id"
    )
    return sorted(
        (r["column"], r["rank"], r["gid"], r["title"], r["notes"], r["estimate"],
         sorted(json.loads(r["tags"])), r["drop_reason"], r["project"])
        for r in rows
    )  # fmt: skip


def lesson_set(store: Store) -> list[tuple]:
    rows = store.query("SELECT gid, text, category, tags FROM lesson")
    return sorted((r["gid"], r["text"], r["category"], sorted(json.loads(r["tags"]))) for r in rows)


@pytest.fixture
def replicas(tmp_path: Path) -> list[Store]:
    """Three databases; the first made the project, the others received it."""
    stores = [Store.open(tmp_path / f"r{i}.db") for i in range(3)]
    projects.add(stores[0], "asr")
    for other in stores[1:]:
        hand_over(stores[0], other)
        settings.put(other, "current_project", "asr", command="project use asr")
    yield stores
    for s in stores:
        s.close()


def local(store: Store, gid: str) -> int:
    return int(store.scalar("SELECT id FROM task WHERE gid = ?", (gid,)))


def test_concurrent_adds_get_distinct_ids_and_meet_everywhere(replicas):
    made = [tasks.add(s, f"from {i}").task for i, s in enumerate(replicas)]
    assert [t.id for t in made] == [1, 1, 1]  # the local numbering collides ...
    for a in replicas:
        for b in replicas:
            if a is not b:
                hand_over(a, b)
    assert board(replicas[0]) == board(replicas[1]) == board(replicas[2])
    assert len({t.gid for t in made}) == 3  # ... the global ids do not
    # The short id typed on one replica names the same task on the others.
    for s in replicas:
        assert task_query.get(s, local(s, made[2].gid)).title == "from 2"


def test_edit_on_one_replica_and_move_on_another_keep_both(replicas):
    a, b, c = replicas
    gid = tasks.add(a, "train").task.gid
    hand_over(a, b)
    tasks.edit(a, local(a, gid), title="train the big model", add_tags=("gpu",))
    tasks.move(b, local(b, gid), "today")
    tasks.edit(b, local(b, gid), add_tags=("asr",))
    for order in ((a, b), (b, a)):
        hand_over(*order)
    hand_over(b, c)
    hand_over(a, c)
    for s in replicas:
        t = task_query.get(s, local(s, gid))
        assert (t.title, t.column, sorted(t.tags)) == (
            "train the big model",
            "today",
            ["asr", "gpu"],
        )


def test_tags_are_an_add_wins_set(replicas):
    a, b, _ = replicas
    gid = tasks.add(a, "x", tags=["old"]).task.gid
    hand_over(a, b)
    tasks.edit(a, local(a, gid), remove_tags=("old",))
    tasks.edit(b, local(b, gid), remove_tags=("old",), add_tags=("old2",))
    tasks.edit(b, local(b, gid), add_tags=("old",))  # b re-adds it: a never saw that add
    hand_over(a, b)
    hand_over(b, a)
    assert task_query.get(a, local(a, gid)).tags == task_query.get(b, local(b, gid)).tags
    assert sorted(task_query.get(a, local(a, gid)).tags) == ["old", "old2"]


def test_drop_against_start_resolves_by_the_rule_and_both_are_in_the_log(replicas):
    a, b, c = replicas
    gid = tasks.add(a, "risky").task.gid
    hand_over(a, b)
    tasks.start(a, local(a, gid))
    tasks.drop(b, local(b, gid), "not worth it")
    hand_over(a, b)
    hand_over(b, a)
    hand_over(a, c)
    columns = {task_query.get(s, local(s, gid)).column for s in replicas}
    assert len(columns) == 1
    moves = sync_merge.column_history(c, gid)
    assert {(m["to"], m["kept"]) for m in moves} >= {
        ("doing", columns == {"doing"}),
        ("dropped", columns == {"dropped"}),
    }


def test_a_merge_may_take_a_column_over_its_wip_limit(replicas):
    a, b, _ = replicas
    gids = [tasks.add(a, f"t{i}").task.gid for i in range(3)]
    hand_over(a, b)
    tasks.start(a, local(a, gids[0]))
    tasks.start(a, local(a, gids[1]))
    tasks.start(b, local(b, gids[2]))
    result = hand_over(b, a)
    assert not result.waiting
    assert len(task_query.list_tasks(a, column="doing")) == 3  # over the limit of 2, kept


def test_ops_received_twice_or_out_of_order_change_nothing_more(replicas):
    a, b, _ = replicas
    gid = tasks.add(a, "x").task.gid
    for n in range(5):
        tasks.edit(a, local(a, gid), title=f"v{n}")
    ops = all_ops(a)
    sync_merge.receive(b, list(reversed(ops)))
    again = sync_merge.receive(b, ops)
    assert again.new_ops == 0
    assert task_query.get(b, local(b, gid)).title == "v4"


def test_lessons_and_their_task_links_travel(replicas):
    a, b, _ = replicas
    task = tasks.add(a, "x").task
    lessons.add(a, "warmup matters", tags=["lr"], task_id=task.id)
    hand_over(a, b)
    [lesson] = lessons.list_lessons(b)
    assert lesson.text == "warmup matters" and lesson.task_id == local(b, task.gid)
    assert lesson_set(a) == lesson_set(b)


def test_rebuild_from_the_log_gives_the_same_board_and_lessons(replicas):
    a, b, _ = replicas
    t = tasks.add(a, "x", tags=["a", "b"]).task
    tasks.start(a, t.id)
    lessons.add(a, "one")
    hand_over(a, b)
    tasks.edit(b, local(b, t.gid), remove_tags=("a",), notes="n")
    hand_over(b, a)
    before_board, before_lessons = board(a), lesson_set(a)
    ids = {r["gid"]: r["id"] for r in a.query("SELECT id, gid FROM task")}
    result = sync_merge.rebuild(a)
    assert not result.waiting
    assert board(a) == before_board and lesson_set(a) == before_lessons
    assert {r["gid"]: r["id"] for r in a.query("SELECT id, gid FROM task")} == ids


def every_row(store: Store) -> dict[str, list[tuple]]:
    """Every column of every shared and personal table, as stored (local ids included)."""
    from mlpm.store.ids import GID_TABLES

    return {t: sorted(map(tuple, store.rows(f'SELECT * FROM "{t}"'))) for t in GID_TABLES}


def test_rebuild_restores_every_column_the_incremental_merge_wrote(replicas, tmp_path):
    a, b, _ = replicas
    projects.edit(b, "asr", repo_path=str(tmp_path))  # machine-local: kept by the rebuild
    t = tasks.add(a, "x", tags=["a", "b"], estimate=3).task
    tasks.move(a, t.id, "today", force=True)  # a's day plan: personal, not b's
    [plan_of_a] = a.column("SELECT gid FROM day_plan")
    mine = tasks.add(b, "mine", tags=["c"]).task
    tasks.move(b, mine.id, "today", force=True)
    lessons.add(a, "about x", task_id=t.id)
    gone = tasks.add(a, "dropped later").task
    tasks.drop(a, gone.id, "not needed")
    hand_over(a, b)
    tasks.edit(b, local(b, t.gid), remove_tags=("a",), notes="n", estimate=None)
    tasks.start(b, local(b, t.gid), force=True)
    hand_over(b, a)
    hand_over(a, b)
    before = every_row(b)
    assert plan_of_a not in b.column("SELECT gid FROM day_plan") and before["day_plan"]
    assert not sync_merge.rebuild(b).waiting
    assert every_row(b) == before
