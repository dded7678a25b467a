"""Tasks and the board through the CLI: the lifecycle, WIP limits, and bad input."""

import json

import pytest


@pytest.fixture(autouse=True)
def asr(cli):
    assert cli("project", "add", "asr").exit_code == 0


def tasks_json(cli, *args):
    result = cli("task", "list", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_lifecycle_from_backlog_to_done_and_dropped(cli):
    assert cli("task", "add", "Decide metrics", "-e", "2", "-t", "ml", "-t", "eval").exit_code == 0
    assert cli("task", "add", "Try bigger LR").exit_code == 0
    assert cli("task", "start", "1").exit_code == 0
    assert cli("task", "done", "1").exit_code == 0
    result = cli("task", "drop", "2", "--reason", "superseded by the tuner")
    assert result.exit_code == 0
    assert "dropped task 2" in result.output
    by_id = {t["id"]: t for t in tasks_json(cli)}
    assert by_id[1]["column"] == "done"
    assert by_id[1]["tags"] == ["ml", "eval"]
    assert by_id[1]["started_at"] and by_id[1]["done_at"]
    assert by_id[2]["column"] == "dropped"
    assert by_id[2]["drop_reason"] == "superseded by the tuner"
    shown = cli("task", "show", "2").output
    assert "dropped — superseded by the tuner" in shown
    assert "backlog → dropped" in shown


def test_list_filters_by_column_and_tag(cli):
    cli("task", "add", "a", "-t", "data")
    cli("task", "add", "b")
    cli("task", "move", "2", "today")
    assert [t["title"] for t in tasks_json(cli, "--tag", "data")] == ["a"]
    assert [t["title"] for t in tasks_json(cli, "--column", "today")] == ["b"]


def test_drop_needs_a_reason(cli):
    cli("task", "add", "a")
    result = cli("task", "move", "1", "dropped")
    assert result.exit_code == 2
    assert "needs a reason" in result.output
    assert tasks_json(cli)[0]["column"] == "backlog"


def test_ids_are_stable_and_never_reused(cli):
    cli("task", "add", "a")
    cli("task", "add", "b")
    assert cli("undo").exit_code == 0  # removes task 2
    cli("task", "add", "c")
    assert [(t["id"], t["title"]) for t in tasks_json(cli)] == [(1, "a"), (3, "c")]


def test_hard_wip_limit_refuses_then_force_is_recorded(cli):
    for title in "abc":
        cli("task", "add", title)
    assert cli("task", "start", "1").exit_code == 0
    assert cli("task", "start", "2").exit_code == 0
    refused = cli("task", "start", "3")
    assert refused.exit_code == 1
    assert "Doing is at its WIP limit (2/2)" in refused.output
    assert "--force" in refused.output
    assert tasks_json(cli, "--column", "doing") and len(tasks_json(cli, "--column", "doing")) == 2
    forced = cli("task", "start", "3", "--force")
    assert forced.exit_code == 0
    assert "override recorded" in forced.output
    history = json.loads(cli("task", "show", "3", "--json").stdout)["history"]
    assert history[-1]["to"] == "doing" and history[-1]["forced"] is True


def test_soft_limit_warns_but_moves(cli):
    assert cli("board", "limit", "today", "1", "--soft").exit_code == 0
    cli("task", "add", "a", "--today")
    result = cli("task", "add", "b", "--today")
    assert result.exit_code == 0
    assert "warning: Today is at its WIP limit (1/1)" in result.output
    assert len(tasks_json(cli, "--column", "today")) == 2


def test_board_prints_columns_with_counts_against_limits(cli):
    cli("task", "add", "Collect data")
    cli("task", "add", "Train baseline")
    cli("task", "start", "2")
    out = cli("board", "--width", "100").output
    header = out.splitlines()[1]
    assert "Backlog 1" in header and "Doing 1/2" in header and "Dropped 0" in header
    assert all(len(line) <= 100 for line in out.splitlines())
    assert "1 Collect data" in out and "2 Train baseline" in out
    narrow = cli("board", "--width", "60").output
    assert all(len(line) <= 60 for line in narrow.splitlines())


def test_board_cuts_a_long_column_at_the_window_and_says_how_many_more(cli, store):
    from mlpm.services import tasks

    for i in range(1, 31):
        tasks.add(store, f"card {i}")
    tasks.start(store, 30)
    out = cli("board", "--rows", "5", "--width", "100").output
    lines = out.splitlines()
    assert "Backlog 29" in lines[1] and "Doing 1" in lines[1]
    cards = [line for line in lines[3:] if line.startswith(tuple("0123456789"))]
    assert [line.split()[0] for line in cards] == ["1", "2", "3", "4", "5"]
    assert "card 30" in cards[0]  # Doing's one card, beside Backlog's first
    (more,) = [line for line in lines if "more" in line]
    assert more == lines[-1] and more.startswith("… and 24 more")
    assert more.count("more") == 1  # Doing holds all it has: no line under it
    whole = cli("board", "--rows", "40", "--width", "100").output
    assert "more" not in whole and "29 card 29" in whole


def test_edit_changes_fields(cli):
    cli("task", "add", "a", "-t", "x")
    assert (
        cli("task", "edit", "1", "--title", "b", "-e", "3", "--untag", "x", "-t", "y").exit_code
        == 0
    )
    t = tasks_json(cli)[0]
    assert (t["title"], t["estimate"], t["tags"]) == ("b", 3, ["y"])
    assert cli("task", "edit", "1").exit_code == 2


def test_reorder_within_a_column(cli):
    for title in "abc":
        cli("task", "add", title)
    assert cli("task", "move", "3", "backlog", "--at", "1").exit_code == 0
    assert [t["title"] for t in tasks_json(cli)] == ["c", "a", "b"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("task", "add", ""), 2, "cannot be empty"),
        (("task", "add", "x" * 10_001), 2, "at most 10,000 characters"),
        (("task", "add", "x", "-e", "0"), 2, "estimate"),
        (("task", "add", "x", "-t", "two words"), 2, "invalid tag"),
        (("task", "add", "x", "--project", "nope"), 1, "no project named 'nope'"),
        (("task", "show", "42"), 1, "no task with id 42"),
        (("task", "start", "42"), 1, "no task with id 42"),
        (("task", "move", "1", "later"), 2, "later"),
        (("task", "show", "abc"), 2, "abc"),
        (("lesson", "list", "--since", "2026-13-45"), 2, "invalid date"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(cli, db_path, args, code, message):
    cli("task", "add", "keep me")
    before = tasks_json(cli)
    result = cli(*args)
    assert result.exit_code == code
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert tasks_json(cli) == before


def test_titles_with_markup_and_escapes_print_literally(cli):
    title = "[bold red]boom[/] \x1b[2J\x1b]0;pwned\x07"
    cli("task", "add", title)
    out = cli("task", "list").output
    assert "[bold red]boom[/]" in out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[2J" in out
    assert json.loads(cli("task", "show", "1", "--json").stdout)["title"] == title


def test_bidi_overrides_cannot_reorder_what_is_shown(cli):
    title = "pay \u202eevil\u202c now"
    cli("task", "add", title)
    out = cli("task", "list").output
    assert "\u202e" not in out and "pay \\u202eevil\\u202c now" in out
    assert json.loads(cli("task", "show", "1", "--json").stdout)["title"] == title


def test_repeating_a_move_says_nothing_changed(cli):
    cli("task", "add", "a")
    cli("task", "done", "1")
    again = cli("task", "done", "1")
    assert again.exit_code == 0
    assert "task 1 is already done: nothing to do" in again.output
    assert cli("board", "limit", "doing", "0").exit_code == 2
    assert cli("--db", "", "task", "list").exit_code == 2
    shown = cli("task", "show", "1").output
    assert "estimate  none" in shown


def test_a_limit_below_what_a_column_holds_is_set_with_a_warning(cli):
    for title in "abc":
        cli("task", "add", title)
    result = cli("board", "limit", "backlog", "2")
    assert result.exit_code == 0
    assert "warning: Backlog already holds 3 tasks, over the new limit of 2" in result.output
    assert "Backlog 3/2" in cli("board", "--width", "100").output


def test_list_all_names_each_tasks_project(cli):
    assert cli("project", "add", "vision-transformers").exit_code == 0
    cli("task", "add", "in asr", "-p", "asr")
    cli("task", "add", "in vision", "-p", "vision-transformers")
    lines = cli("task", "list", "--all").output.splitlines()
    assert lines[0].split()[:3] == ["1", "asr", "backlog"]
    assert lines[1].split()[:3] == ["2", "vision-transfor…", "backlog"]
    # one project: no project column
    assert cli("task", "list", "-p", "vision-transformers").output.split()[:2] == ["2", "backlog"]


def test_a_tag_filter_still_counts_the_whole_column_against_its_limit(store) -> None:
    """With a filter on, "Doing 0/2" would hide a full column: the header counts every card
    against the limit and says how many the filter shows."""
    from mlpm.services import board, projects, tasks

    project = projects.add(store, "tagged")
    for title in ("one", "two"):
        tasks.start(store, tasks.add(store, title, project="tagged", tags=["model"]).task.id)
    doing = {c.name: c for c in board.columns(store, project, tag="data")}["doing"]
    assert doing.tasks == []
    assert doing.header == "Doing 2/2 (0 #data)"
    assert doing.at_limit
    unfiltered = {c.name: c for c in board.columns(store, project)}["doing"]
    assert unfiltered.header == "Doing 2/2"
