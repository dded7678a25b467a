"""Today's plan: order, capacity, the review of earlier days, and the learned capacity."""

import json

import pytest


@pytest.fixture(autouse=True)
def asr(cli):
    assert cli("project", "add", "asr").exit_code == 0


def plan(cli):
    result = cli("today", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def add(cli, title, *extra):
    result = cli("task", "add", title, *extra)
    assert result.exit_code == 0, result.output


def test_list_is_ordered_and_can_be_rearranged(cli):
    for title in ("metrics", "eda", "subset"):
        add(cli, title, "-e", "2")
    for task_id in ("1", "2", "3"):
        assert cli("today", "add", task_id).exit_code == 0
    assert cli("today", "move", "3", "1").exit_code == 0
    assert [t["title"] for t in plan(cli)["tasks"]] == ["subset", "metrics", "eda"]
    add(cli, "urgent")
    assert cli("today", "add", "4", "--at", "2").exit_code == 0
    assert [t["title"] for t in plan(cli)["tasks"]] == ["subset", "urgent", "metrics", "eda"]
    assert cli("today", "remove", "1").exit_code == 0
    assert [t["title"] for t in plan(cli)["tasks"]] == ["subset", "urgent", "eda"]
    out = cli("today").output
    assert "3 of 5 tasks · 5 of 8 pomodoros (1 unestimated counted as 1)" in out
    assert out.index("subset") < out.index("urgent") < out.index("eda")


def test_capacity_refusal_names_what_could_be_deferred_and_force_is_recorded(cli):
    for i in range(5):
        add(cli, f"task {i}", "--today")
    add(cli, "one too many")
    refused = cli("today", "add", "6")
    assert refused.exit_code == 1
    assert "today is full (5 of 5 tasks" in refused.output
    assert "could defer: #5 'task 4'" in refused.output
    assert len(plan(cli)["tasks"]) == 5
    forced = cli("today", "add", "6", "--force")
    assert forced.exit_code == 0
    tasks = plan(cli)["tasks"]
    assert len(tasks) == 6 and tasks[-1]["forced"] is True
    history = json.loads(cli("today", "history", "--json").stdout)
    assert history[0]["forced"] == 1


def test_pomodoro_capacity_counts_estimates(cli):
    add(cli, "big", "-e", "6", "--today")
    refused = cli("task", "add", "another", "-e", "3", "--today")
    assert refused.exit_code == 1
    assert "6 of 8 pomodoros" in refused.output
    # the task itself was not created half-way
    assert json.loads(cli("task", "list", "--json").stdout)[0]["title"] == "big"
    assert len(json.loads(cli("task", "list", "--json").stdout)) == 1


def test_done_tasks_leave_room_and_show_as_done(cli):
    add(cli, "a", "--today")
    cli("task", "done", "1")
    today = plan(cli)
    assert today["tasks"] == [] and [t["title"] for t in today["done"]] == ["a"]
    assert today["capacity"]["tasks"] == 0


def next_day(monkeypatch, day="2026-03-03T09:00:00+01:00"):
    monkeypatch.setenv("MLPM_NOW", day)


def test_a_new_day_does_not_carry_tasks_over_silently(cli, monkeypatch):
    add(cli, "keep me", "--today")
    add(cli, "not now", "--today")
    add(cli, "obsolete", "--today")
    add(cli, "in progress")
    cli("task", "start", "4")
    next_day(monkeypatch)
    today = plan(cli)
    assert today["tasks"] == [] and today["to_review"] == 4
    assert "4 tasks from earlier days wait for review" in cli("today").output

    result = cli(
        "today",
        "review",
        "--keep",
        "1,4",
        "--backlog",
        "2",
        "--drop",
        "3",
        "--reason",
        "the tuner made it pointless",
    )
    assert result.exit_code == 0, result.output
    assert [t["title"] for t in plan(cli)["tasks"]] == ["keep me", "in progress"]
    columns = {t["id"]: t["column"] for t in json.loads(cli("task", "list", "--json").stdout)}
    assert columns == {1: "today", 2: "backlog", 3: "dropped", 4: "doing"}
    history = {d["day"]: d for d in json.loads(cli("today", "history", "--json").stdout)}
    assert history["2026-03-02"]["rolled_over"] == 2
    assert history["2026-03-02"]["returned"] == 1
    assert history["2026-03-02"]["dropped"] == 1
    assert history["2026-03-03"]["open"] == 2


def test_review_without_terminal_or_flags_explains(cli, monkeypatch):
    add(cli, "a", "--today")
    next_day(monkeypatch)
    result = cli("today", "review")
    assert result.exit_code == 2
    assert "--keep" in result.output
    assert cli("today", "review", "--drop", "1").exit_code == 2  # no reason


def test_review_all_backlog(cli, monkeypatch):
    add(cli, "a", "--today")
    add(cli, "b", "--today")
    next_day(monkeypatch)
    assert cli("today", "review", "--all", "backlog").exit_code == 0
    assert plan(cli)["to_review"] == 0
    assert {t["column"] for t in json.loads(cli("task", "list", "--json").stdout)} == {"backlog"}


def test_suggested_capacity_is_the_median_done_per_worked_day(cli, monkeypatch):
    done_per_day = {"2026-03-02": 2, "2026-03-03": 4, "2026-03-05": 3}
    task_id = 0
    for day, count in done_per_day.items():
        next_day(monkeypatch, f"{day}T11:00:00+01:00")
        for _ in range(count):
            task_id += 1
            add(cli, f"t{task_id}")
            cli("task", "done", str(task_id))
    next_day(monkeypatch, "2026-03-06T09:00:00+01:00")
    assert plan(cli)["suggested_capacity"] == 3
    assert (
        "suggested capacity: 3 tasks (median done per day over the last 3 worked days)"
        in cli("today").output
    )


def test_interactive_review_asks_about_each_task(cli, monkeypatch):
    add(cli, "keep me", "--today")
    add(cli, "later", "--today")
    add(cli, "obsolete", "--today")
    next_day(monkeypatch)
    result = cli("today", "review", "--ask", input="keep\nbacklog\ndrop\nno longer needed\n")
    assert result.exit_code == 0, result.output
    assert "keep, backlog or drop?" in result.output
    columns = {t["id"]: t["column"] for t in json.loads(cli("task", "list", "--json").stdout)}
    assert columns == {1: "today", 2: "backlog", 3: "dropped"}
    assert (
        json.loads(cli("task", "show", "3", "--json").stdout)["drop_reason"] == "no longer needed"
    )


def test_move_reports_the_position_the_task_really_has(cli):
    for title in "abcd":
        add(cli, title, "--today")
    assert "task 1 is now at position 4" in cli("today", "move", "1", "7").output
    assert [t["title"] for t in plan(cli)["tasks"]] == ["b", "c", "d", "a"]


def test_review_refuses_contradictions_and_ids_not_waiting(cli, monkeypatch):
    add(cli, "a", "--today")
    next_day(monkeypatch)
    both = cli("today", "review", "--keep", "1", "--drop", "1", "--reason", "x")
    assert both.exit_code == 2 and "both --keep and --drop" in both.output
    stranger = cli("today", "review", "--keep", "1,999")
    assert stranger.exit_code == 2 and "not waiting for review: 999" in stranger.output
    assert plan(cli)["to_review"] == 1  # nothing was decided


def test_interactive_review_takes_first_letters(cli, monkeypatch):
    for title in ("keep me", "later", "obsolete"):
        add(cli, title, "--today")
    next_day(monkeypatch)
    result = cli("today", "review", "--ask", input="k\nB\nd\nmoot\n")
    assert result.exit_code == 0, result.output
    columns = {t["id"]: t["column"] for t in json.loads(cli("task", "list", "--json").stdout)}
    assert columns == {1: "today", 2: "backlog", 3: "dropped"}
    # a word that is none of them is asked again, with the letters to use
    add(cli, "again", "--today")
    next_day(monkeypatch, "2026-03-04T09:00:00+01:00")
    result = cli("today", "review", "--ask", input="maybe\nkeep\nkeep\n")
    assert "answer k (keep), b (backlog) or d (drop)" in result.output


def test_a_dropped_task_sent_back_leaves_todays_plan(cli):
    add(cli, "Big one", "--today")
    assert cli("task", "drop", "1", "--reason", "no").exit_code == 0
    assert "✗ #1" in cli("today").output
    assert cli("task", "move", "1", "backlog").exit_code == 0
    shown = cli("today").output
    assert "Big one" not in shown and "dropped" not in shown
    assert plan(cli)["dropped"] == []
    # done, then reopened: no longer listed as done today
    add(cli, "small", "--today")
    cli("task", "done", "2")
    cli("task", "move", "2", "today")
    assert plan(cli)["done"] == [] and [t["id"] for t in plan(cli)["tasks"]] == [2]
