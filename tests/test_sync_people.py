"""Personal and shared: tasks have an assignee (`task assign`, `--assignee`, initials on the
board), the replica's owner is `sync.person` or git's email, and the assignee syncs."""

from __future__ import annotations

import json

import pytest

from mlpm.services import people, settings, sync_run, task_query, tasks
from tests import test_sync_git

git_identity, remote, replicas = (
    test_sync_git.git_identity,
    test_sync_git.remote,
    test_sync_git.replicas,
)


@pytest.mark.parametrize(
    ("person", "shown"),
    [
        ("ada.lovelace@example.org", "AL"),
        ("Grace Brewster Hopper", "GH"),
        ("ada@example.org", "AD"),
        ("x", "X"),
        ("", ""),
        (None, ""),
    ],
)
def test_initials(person, shown):
    assert people.initials(person) == shown


def test_assign_list_by_assignee_json_and_initials_on_the_board(cli, store, project):
    cli("task", "add", "train the baseline")
    cli("task", "add", "write the report")
    done = cli("task", "assign", "1", "ada.lovelace@example.org")
    assert done.exit_code == 0
    assert done.stdout == "assigned task 1 to ada.lovelace@example.org: train the baseline\n"
    listed = cli("task", "list", "--assignee", "ADA.lovelace@example.org").stdout
    assert "train the baseline" in listed and "write the report" not in listed
    rows = json.loads(cli("task", "list", "--json").stdout)
    assert [r["assignee"] for r in rows] == ["ada.lovelace@example.org", None]
    board = cli("board", "--width", "120").stdout
    assert "1 (AL) train the" in board and "2 write the report" in board  # cards are cut
    assert cli("task", "assign", "1", "").stdout == "unassigned task 1: train the baseline\n"
    assert json.loads(cli("task", "list", "--json").stdout)[0]["assignee"] is None


def test_me_is_the_sync_person_setting_and_a_missing_person_is_one_line(cli, store, project):
    cli("task", "add", "tune")
    settings.put(store, "sync.person", "grace@example.org", command="test")
    assert cli("task", "assign", "1", "--me").exit_code == 0
    assert "tune" in cli("task", "list", "--assignee", "me").stdout
    assert "assignee  grace@example.org" in cli("task", "show", "1").stdout
    both = cli("task", "assign", "1", "ada", "--me")
    assert both.exit_code != 0 and "give a PERSON or --me" in both.stderr
    assert "Traceback" not in both.output
    bad = cli("task", "assign", "1", "bell\x07")
    assert bad.exit_code != 0 and "control characters" in bad.stderr


def test_the_assignee_syncs_as_a_field_last_writer_wins(replicas):
    a, b, c = replicas
    gid = tasks.add(a, "shared work").task.gid
    test_sync_git.sync_all(replicas)
    people.assign(a, test_sync_git.local(a, gid), "ada@example.org")
    sync_run.run(a)
    sync_run.run(b)  # b has seen a's assignment: its own comes later and wins
    people.assign(b, test_sync_git.local(b, gid), "grace@example.org")
    tasks.edit(c, test_sync_git.local(c, gid), notes="edited meanwhile")
    test_sync_git.sync_all(replicas)
    for s in replicas:
        t = task_query.get(s, test_sync_git.local(s, gid))
        assert (t.assignee, t.notes) == ("grace@example.org", "edited meanwhile")
