"""The lessons log: add, filter, full-text search with highlights, export as a checklist."""

import json

import pytest


@pytest.fixture(autouse=True)
def asr(cli):
    assert cli("project", "add", "asr").exit_code == 0


def add(cli, text, *extra):
    result = cli("lesson", "add", text, *extra)
    assert result.exit_code == 0, result.output


def test_add_list_and_filters(cli, monkeypatch):
    cli("task", "add", "Speed up augmentation")
    add(
        cli,
        "Measure pipeline throughput after every new transform",
        "-t",
        "data",
        "-c",
        "ml",
        "--task",
        "1",
    )
    monkeypatch.setenv("MLPM_NOW", "2026-03-10T10:00:00+01:00")
    add(cli, "Talk to collaborators weekly", "-t", "team")
    listed = json.loads(cli("lesson", "list", "--json").stdout)
    assert [(x["id"], x["category"], x["task_id"], x["project"]) for x in listed] == [
        (1, "ml", 1, "asr"),
        (2, "general", None, "asr"),
    ]
    only = json.loads(cli("lesson", "list", "--tag", "team", "--json").stdout)
    assert [x["id"] for x in only] == [2]
    since = json.loads(cli("lesson", "list", "--since", "2026-03-05", "--json").stdout)
    assert [x["id"] for x in since] == [2]
    assert "Measure pipeline throughput" in cli("task", "show", "1").output


def test_search_is_ranked_and_highlights_matches(cli):
    add(cli, "Checkpoint long training: a hardware fault cost seven hours")
    add(cli, "Training on a small subset first; training fast, training often")
    add(cli, "Keep the labelling pipeline reviewed")
    result = json.loads(cli("lesson", "search", "training", "--json").stdout)
    assert [x["id"] for x in result] == [2, 1]  # more matches in a shorter text rank first
    assert "**training**" in result[0]["highlighted"].lower()
    out = cli("lesson", "search", "label").output  # prefix match, as you type
    assert "**labelling**" in out
    assert cli("lesson", "search", "nothing-like-this").output.strip() == "no matches"


def test_search_treats_operators_and_quotes_as_text(cli):
    add(cli, 'Use "AND" carefully - NOT a bug')
    for query in ('"', "AND OR NOT", "-", "a*b(", "NEAR("):
        result = cli("lesson", "search", query)
        assert result.exit_code == 0, (query, result.output)


def test_export_markdown_is_a_checklist_grouped_by_category(cli, tmp_path):
    add(cli, "Decide the metrics before the first experiment", "-c", "ml", "-t", "eval")
    add(cli, "Drop obsolete tasks on purpose", "-c", "general")
    add(cli, "Save test predictions with the ground truth", "-c", "ml")
    out = tmp_path / "lessons.md"
    assert cli("lesson", "export", "--format", "md", "--out", str(out)).exit_code == 0
    text = out.read_text()
    assert text.index("## general") < text.index("## ml")
    assert "- [ ] Decide the metrics before the first experiment #eval" in text
    assert "- [ ] Save test predictions with the ground truth" in text
    data = json.loads(cli("lesson", "export", "--format", "json").stdout)
    assert len(data) == 3 and data[0]["tags"] == ["eval"]


def test_show_prints_the_whole_text_literally(cli):
    add(cli, "line one\nline two [link=http://x]click[/link] \x1b[5m")
    out = cli("lesson", "show", "1").output
    assert "line one\nline two [link=http://x]click[/link] \\x1b[5m" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("lesson", "add", "  "), 2, "cannot be empty"),
        (("lesson", "add", "x" * 10_001), 2, "at most 10,000"),
        (("lesson", "add", "x", "--category", "no spaces"), 2, "invalid category"),
        (("lesson", "add", "x", "--task", "99"), 1, "no task with id 99"),
        (("lesson", "show", "7"), 1, "no lesson with id 7"),
    ],
)
def test_bad_input(cli, args, code, message):
    result = cli(*args)
    assert result.exit_code == code
    assert message in result.output
    assert json.loads(cli("lesson", "list", "--json").stdout) == []
