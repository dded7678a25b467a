"""Personal and shared with two people on three replicas: Ada on a laptop and a GPU box (the
same email), Grace on hers. Day plans and personal settings follow their person; a
teammate's Today is never shown as mine; each person's Doing limit is their own."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mlpm.errors import Refused
from mlpm.services import board, people, projects, settings, sync_run, tasks, today
from mlpm.store import Store
from tests import test_sync_git

git_identity, remote = test_sync_git.git_identity, test_sync_git.remote
local, sync_all = test_sync_git.local, test_sync_git.sync_all
ADA, GRACE = "ada@example.org", "grace@example.org"


@pytest.fixture
def team(tmp_path: Path, remote: Path) -> list[Store]:
    """[Ada's laptop, Ada's GPU box, Grace's laptop], synced through `remote`."""
    stores = [Store.open(tmp_path / name / "mlpm.db") for name in ("laptop", "gpu", "grace")]
    for store, who in zip(stores, (ADA, ADA, GRACE), strict=True):
        settings.put(store, "sync.author", who, command="test")  # as git's user.email would
        sync_run.setup(store, str(remote))
    projects.add(stores[0], "asr")
    sync_all(stores)
    for s in stores[1:]:
        settings.put(s, "current_project", "asr", command="project use asr")
    yield stores
    for s in stores:
        s.close()


def titles(tasks_: list) -> list[str]:
    return [t.title for t in tasks_]


def board_of(store: Store) -> dict[str, board.Column]:
    return {c.name: c for c in board.columns(store, projects.get(store, "asr"))}


def test_a_teammates_today_is_in_my_backlog_and_mine_follows_me(team):
    laptop, gpu, grace = team
    mine = tasks.add(laptop, "tune the learning rate").task.gid
    hers = tasks.add(grace, "clean the data").task.gid
    sync_all(team)
    today.add(laptop, local(laptop, mine))
    today.add(grace, local(grace, hers))
    sync_all(team)
    for store in (laptop, gpu):  # Ada's two machines: the same Today
        shown = board_of(store)
        assert titles(shown["today"].tasks) == ["tune the learning rate"]
        assert shown["today"].waiting == []  # Grace's task is not "waiting for review" here
        assert titles(shown["backlog"].tasks) == ["clean the data"]
        assert shown["backlog"].header == "Backlog 1" and shown["today"].header == "Today 1"
    shown = board_of(grace)
    assert titles(shown["today"].tasks) == ["clean the data"]
    assert titles(shown["backlog"].tasks) == ["tune the learning rate"]
    # Moving it to my Backlog, where it is, leaves it on hers; planning it puts it on my
    # Today too, and hers keeps it.
    assert not tasks.move(gpu, local(gpu, hers), "backlog").moved
    tasks.move(gpu, local(gpu, hers), "today")
    sync_all(team)
    assert titles(board_of(laptop)["today"].tasks) == ["tune the learning rate", "clean the data"]
    assert titles(board_of(grace)["today"].tasks) == ["clean the data"]


def test_the_board_today_column_and_mlpm_today_agree_for_each_person(team, cli):
    laptop, gpu, grace = team
    gids = [tasks.add(laptop, f"task {n}").task.gid for n in range(4)]
    sync_all(team)
    today.add(laptop, local(laptop, gids[0]))
    today.add(gpu, local(gpu, gids[1]))  # Ada again, on her other machine
    today.add(grace, local(grace, gids[2]))
    today.add(grace, local(grace, gids[3]))
    tasks.start(grace, local(grace, gids[3]))  # Doing: in her plan, not in a Today column
    sync_all(team)
    seen = {}
    for store in team:
        db = str(store.path)
        day = json.loads(cli("--db", db, "today", "--json").stdout)
        cards = json.loads(cli("--db", db, "board", "--json").stdout)["columns"]
        [column] = [c for c in cards if c["name"] == "today"]
        not_doing = [t["title"] for t in day["tasks"] if t["column"] != "doing"]
        planned = seen[store] = [t["title"] for t in column["tasks"]]
        assert planned == not_doing
        assert column["waiting_for_review"] == [] and day["to_review"] == 0
        listed = cli("--db", db, "task", "list", "--column", "today").stdout
        assert all(title in listed for title in planned)
        assert "waiting for review" not in listed
    # Ada's two machines show the same plan in the same order (two entries planned at the
    # same position before a sync are ordered alike everywhere); Grace's is her own.
    assert seen[laptop] == seen[gpu] and sorted(seen[laptop]) == ["task 0", "task 1"]
    assert seen[grace] == ["task 2"]
    hers = json.loads(cli("--db", str(grace.path), "today", "--json").stdout)["tasks"]
    assert [t["title"] for t in hers] == ["task 2", "task 3"]


def test_task_list_puts_a_teammates_today_task_in_my_backlog_like_the_board(team, cli):
    laptop, _, grace = team
    hers = tasks.add(grace, "clean the data").task.gid
    sync_all(team)
    today.add(grace, local(grace, hers))
    sync_all(team)
    db = str(laptop.path)
    [row] = json.loads(cli("--db", db, "task", "list", "--json").stdout)
    assert row["title"] == "clean the data" and row["column"] == "backlog"
    backlog = json.loads(cli("--db", db, "task", "list", "-c", "backlog", "--json").stdout)
    assert [t["column"] for t in backlog] == ["backlog"]
    assert json.loads(cli("--db", db, "task", "list", "-c", "today", "--json").stdout) == []
    listed = cli("--db", db, "task", "list").stdout
    assert "backlog" in listed and "today" not in listed
    [on_hers] = json.loads(cli("--db", str(grace.path), "task", "list", "--json").stdout)
    assert on_hers["column"] == "today"


def test_personal_settings_follow_their_person_and_never_change_a_teammates(team, cli):
    laptop, gpu, grace = team
    settings.set_value(laptop, "capacity_tasks", "3")
    settings.set_value(laptop, "timer.focus_minutes", "50")
    settings.set_value(grace, "capacity_tasks", "7")
    settings.set_value(gpu, "sync.every_minutes", "0")  # a machine's own setting
    sync_all(team)
    assert [settings.get(s, "capacity_tasks") for s in team] == [3, 3, 7]
    assert [settings.get(s, "timer.focus_minutes") for s in team] == [50, 50, 25]
    assert [settings.get(s, "sync.every_minutes") for s in team] == [10, 0, 10]
    # The later change on either of Ada's machines wins on both; an undo reaches both too.
    settings.set_value(gpu, "capacity_tasks", "4")
    sync_all(team)
    assert [settings.get(s, "capacity_tasks") for s in team] == [4, 4, 7]
    assert cli("--db", str(gpu.path), "undo").exit_code == 0
    sync_all(team)
    assert [settings.get(s, "capacity_tasks") for s in team] == [3, 3, 7]
    # The capacity each person's Today is checked against is their own.
    assert "of 3 tasks" in cli("--db", str(gpu.path), "today").stdout
    assert "of 7 tasks" in cli("--db", str(grace.path), "today").stdout
    # A rebuild from the log alone keeps them.
    sync_run.rebuild(gpu)
    assert settings.get(gpu, "capacity_tasks") == 3 and settings.get(gpu, "sync.every_minutes") == 0


def test_each_person_has_their_own_doing_limit_and_a_merge_shows_over_it(team, cli):
    laptop, gpu, grace = team
    settings.set_value(laptop, "wip.doing", "1")
    gids = [tasks.add(laptop, f"work {n}").task.gid for n in range(4)]
    sync_all(team)
    assert settings.get(gpu, "wip.doing") == 1 and settings.get(grace, "wip.doing") == 0
    tasks.start(laptop, local(laptop, gids[0]))
    with pytest.raises(Refused, match=r"your Doing is at your WIP limit \(1/1\) in asr"):
        tasks.start(laptop, local(laptop, gids[1]))
    # Grace has no limit of her own; a task assigned to her is hers, not Ada's.
    people.assign(grace, local(grace, gids[1]), GRACE)
    tasks.start(grace, local(grace, gids[1]))
    tasks.start(gpu, local(gpu, gids[2]))  # Ada's other machine has not seen the first yet
    sync_all(team)
    doing = board_of(laptop)["doing"]
    assert titles(doing.tasks) == ["work 0", "work 1", "work 2"]  # nothing refused, nothing lost
    assert doing.header == "Doing 3/2 (mine 2/1)" and doing.at_limit  # and the project's 2
    assert board_of(grace)["doing"].header == "Doing 3/2"
    shown = cli("--db", str(laptop.path), "board", "--width", "160").stdout
    assert "Doing 3/2 (mine 2/1)" in shown
    forced = cli("--db", str(laptop.path), "task", "start", str(local(laptop, gids[3])), "--force")
    assert forced.exit_code == 0 and "override recorded" in forced.output


def test_ada_on_a_machine_without_the_same_email_is_another_person(team, tmp_path, remote):
    """The person is the email: a fourth database set up by someone else sees none of Ada's
    plan and none of her settings."""
    laptop, *_ = team
    settings.set_value(laptop, "capacity_tasks", "2")
    gid = tasks.add(laptop, "mine").task.gid
    today.add(laptop, local(laptop, gid))
    sync_run.run(laptop)
    other = Store.open(tmp_path / "other" / "mlpm.db")
    subprocess.run(["git", "config", "--global", "user.email", "bob@example.org"], check=True)
    sync_run.setup(other, str(remote))
    sync_run.run(other)
    assert settings.get(other, "sync.author") == "bob@example.org"
    assert settings.get(other, "capacity_tasks") == 5
    assert titles(board_of(other)["backlog"].tasks) == ["mine"]
    assert board_of(other)["today"].tasks == []
    other.close()


def test_planning_one_task_on_two_of_my_machines_before_a_sync_makes_one_entry(team, cli):
    laptop, gpu, grace = team
    gid = tasks.add(laptop, "evaluate").task.gid
    sync_all(team)
    today.add(laptop, local(laptop, gid))
    today.add(gpu, local(gpu, gid))
    today.add(grace, local(grace, gid))
    sync_all(team)  # no entry clashes (a task is planned once a day), none waits
    for store in team:
        assert store.scalar("SELECT COUNT(*) FROM day_plan") == 1
        assert titles(board_of(store)["today"].tasks) == ["evaluate"]
    # Undone on one machine, planned again on the other: planned on both.
    assert cli("--db", str(laptop.path), "undo").exit_code == 0
    sync_all(team)
    assert gpu.scalar("SELECT COUNT(*) FROM day_plan") == 0
    today.add(gpu, local(gpu, gid))
    sync_all(team)
    assert [s.scalar("SELECT COUNT(*) FROM day_plan") for s in team] == [1, 1, 1]
