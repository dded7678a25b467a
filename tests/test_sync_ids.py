"""Global ids: minted where a row is made, backfilled by the migration, typed as short ids."""

from __future__ import annotations

import json
import sqlite3

import pytest

from mlpm.errors import NotFound, UsageError
from mlpm.integrations.git_log import parse_links
from mlpm.services import lessons, task_query, tasks
from mlpm.services.task_ids import TaskRefs, resolve, short_id
from mlpm.store import Store
from mlpm.store.ids import GID_TABLES, LETTERS, MIN_SHORT, short_ids


def test_every_new_task_gets_a_gid_whose_prefixes_are_never_digits(store, project):
    made = [tasks.add(store, f"t{i}").task for i in range(30)]
    gids = {t.gid for t in made}
    assert len(gids) == 30
    for t in made:
        assert len(t.gid) == 33 and t.gid[0] in LETTERS
        assert not t.gid[:MIN_SHORT].isdigit()
        assert t.gid.startswith(t.short_id) and len(t.short_id) >= MIN_SHORT
    assert len({t.short_id for t in made}) == 30


def test_short_id_grows_until_no_other_gid_shares_it():
    gids = sorted(["gaaaa1", "gaaaa2", "gbbbbb", "gbc000"])
    assert short_ids(gids, gids) == {
        "gaaaa1": "gaaaa1",
        "gaaaa2": "gaaaa2",
        "gbbbbb": "gbbb",
        "gbc000": "gbc0",
    }


def test_digits_mean_the_local_id_and_a_prefix_the_global_one(store, project):
    first = tasks.add(store, "first").task
    second = tasks.add(store, "second").task
    assert resolve(store, "1") == first.id
    assert resolve(store, "mlpm#2") == second.id
    assert resolve(store, second.short_id) == second.id
    assert resolve(store, second.gid.upper()) == second.id
    assert resolve(store, short_id(store, first.gid)) == first.id


def test_ambiguous_unknown_and_malformed_prefixes_are_one_clear_error(store, project):
    a, b = tasks.add(store, "a").task, tasks.add(store, "b").task
    with store.write("force a shared prefix") as tx:  # rare by chance: make it happen
        tx.update("task", a.id, {"gid": "gbeef" + "0" * 28})
        tx.update("task", b.id, {"gid": "gbeef" + "1" * 28})
    with pytest.raises(UsageError, match="gbeef names more than one task: gbeef0, gbeef1"):
        resolve(store, "gbeef")
    assert resolve(store, "gbeef1") == b.id
    assert task_query.get(store, a.id).short_id == "gbeef0"
    with pytest.raises(UsageError, match="at least 4"):
        resolve(store, "gbe")
    with pytest.raises(NotFound):
        resolve(store, "z0000000")
    with pytest.raises(UsageError, match="not a task id"):
        resolve(store, "abcd")  # hex only: a commit, not a task


def test_json_of_tasks_carries_gid_and_short_id(cli, project):
    cli("task", "add", "hello")
    [row] = json.loads(cli("task", "list", "--json").stdout)
    assert row["id"] == 1 and row["gid"].startswith(row["short_id"])
    shown = json.loads(cli("task", "show", "1", "--json").stdout)
    assert shown["short_id"] == row["short_id"]


def test_migration_gives_existing_rows_distinct_gids(db_path):
    old = Store.open(db_path, migrate=False)
    old.migrate(stop_before=["m001_gid"])
    old.close()
    conn = sqlite3.connect(db_path)
    now = "2026-01-01T00:00:00+00:00"
    conn.execute(
        "INSERT INTO project (slug, name, settings, created_at, updated_at)"
        " VALUES ('old', 'old', '{}', ?, ?)",
        (now, now),
    )
    conn.executemany(
        "INSERT INTO task (project_id, title, created_at, updated_at) VALUES (1, ?, ?, ?)",
        [(f"t{i}", now, now) for i in range(50)],
    )
    conn.commit()
    conn.close()
    store = Store.open(db_path)
    for table in GID_TABLES:
        assert "gid" in {c["name"] for c in store.query(f"PRAGMA table_info({table})")}
    gids = store.column("SELECT gid FROM task")
    assert len(set(gids)) == 50 and all(g[0] in LETTERS and len(g) == 33 for g in gids)
    # The legacy ids still name the same tasks.
    assert task_query.get(store, resolve(store, "12")).title == "t11"
    # A lesson inserted by a bulk path still gets one (the trigger).
    with store.write("bulk", undoable=False) as tx:
        tx.insert_many("lesson", ["text", "created_at"], [("a lesson", now)])
    assert store.scalar("SELECT gid FROM lesson")[0] in LETTERS
    assert lessons.list_lessons(store)[0].gid


@pytest.mark.parametrize(
    ("message", "links"),
    [
        ("Fix\n\nTask: kd3f", [("kd3f", "trailer")]),
        ("Fix\n\nTask: #KD3F0a, 12", [("kd3f0a", "trailer"), (12, "trailer")]),
        ("Fix\n\nTask: mlpm#m1a2", [("m1a2", "trailer")]),
        ("Speed up mlpm#kd3f and mlpm#7", [("kd3f", "reference"), (7, "reference")]),
        ("Fix\n\nTask: abcd", []),  # hex first: a commit, never a task
        ("Refs mlpm#kd3fzz and mlpm#kd", []),
    ],
)
def test_commit_messages_name_tasks_by_short_id_too(message, links):
    assert sorted(parse_links(message), key=str) == sorted(links, key=str)


def test_a_reference_resolves_only_to_exactly_one_task_of_the_repository():
    refs = TaskRefs([(1, "gbeef0" + "0" * 27), (2, "gbeef1" + "0" * 27), (3, None)])
    assert refs.get("gbeef1") == 2 and refs.get(3) == 3 and 1 in refs
    assert refs.get("gbeef") is None  # ambiguous
    assert refs.get("gbe") is None and refs.get(9) is None and "kd3f" not in refs


def test_commands_take_a_short_id_where_they_take_a_task_number(cli, project):
    cli("task", "add", "hello")
    short = json.loads(cli("task", "list", "--json").stdout)[0]["short_id"]
    assert cli("task", "start", short).exit_code == 0
    assert json.loads(cli("task", "show", short, "--json").stdout)["column"] == "doing"
    assert cli("task", "show", "1").exit_code == 0  # the number still works
    missing = cli("task", "show", "z0000000")
    assert missing.exit_code != 0 and "no task with id z0000000" in missing.stderr
    assert "Traceback" not in missing.output
