"""The lessons log: add, filter, full-text search with highlights, export as a checklist."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


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


def test_stray_quotes_and_operators_are_one_clear_line(cli):
    add(cli, 'Use "AND" carefully - NOT a bug')
    for query in ('"', "AND OR NOT", "OR", "a OR", "NOT bug", 'x"y', "-"):
        result = cli("lesson", "search", query)
        assert result.exit_code in (0, 2), (query, result.output)
        assert len(result.output.strip().splitlines()) == 1, (query, result.output)
        assert "fts5" not in result.output.lower() and "sqlite" not in result.output.lower()
    lone = cli("lesson", "search", '"')
    assert lone.exit_code == 2
    assert "a quote is not closed" in lone.output
    assert "OR needs a word on each side" in cli("lesson", "search", "a OR").output
    # FTS5's own syntax is text inside words: no column filter, no NEAR, no parentheses
    for query in ("a*b(", "NEAR(", "text:bug", "^carefully", "(("):
        result = cli("lesson", "search", query)
        assert result.exit_code == 0, (query, result.output)


@pytest.fixture
def pipeline_lessons(cli):
    add(cli, "The dataloader was the bottleneck")
    add(cli, "Throughput doubled with pinned memory")
    add(cli, "Fix the seed for every run")
    add(cli, "Learning rate warmup helps; a slow dataloader hides it")


def found(cli, query):
    result = cli("lesson", "search", query, "--json")
    assert result.exit_code == 0, result.output
    return sorted(x["id"] for x in json.loads(result.stdout))


def test_or_not_phrases_and_prefixes(cli, pipeline_lessons):
    assert found(cli, "dataloader OR throughput") == [1, 2, 4]
    assert found(cli, "dataloader throughput") == []  # plain words: all must match
    assert found(cli, "dataloader -slow") == [1]
    assert found(cli, "dataloader NOT slow") == [1]
    assert found(cli, '"learning rate"') == [4]
    assert found(cli, '"rate learning"') == []  # a phrase keeps its order
    assert found(cli, "warm* OR pinned") == [2, 4]
    assert found(cli, "dataloader or throughput") == []  # lower case: a word, not OR


def test_english_word_forms_are_found(cli, pipeline_lessons):
    assert found(cli, "seeds") == [3]
    assert found(cli, "doubling") == [2]
    assert found(cli, "bottlenecks") == [1]


def test_search_help_shows_the_syntax(cli):
    shown = cli("lesson", "search", "--help").output
    for example in ("dataloader OR throughput", "dataloader NOT slow", '"learning rate"', "warm*"):
        assert example in shown


def test_search_as_you_type_leaves_a_stray_part_out(store):
    from mlpm.services import lessons

    lessons.add(store, "The dataloader was the bottleneck")
    assert [x.id for x in lessons.search(store, '"datal', strict=False)] == [1]
    assert [x.id for x in lessons.search(store, "dataloader OR", strict=False)] == [1]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(alphabet=st.sampled_from(list('ab "*-:()^OR NOTAND.,+')), max_size=25))
def test_any_input_is_a_result_or_a_usage_error(store, query):
    from mlpm.errors import UsageError
    from mlpm.services import lessons

    if not lessons.list_lessons(store):
        lessons.add(store, "a b ab ba")
    for strict in (True, False):
        try:
            lessons.search(store, query, strict=strict)
        except UsageError:
            assert strict


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


def test_lessons_indexed_before_stemming_are_found_by_word_forms(tmp_path, cli, monkeypatch):
    from mlpm.store import Store

    path = tmp_path / "old.db"
    monkeypatch.setenv("MLPM_DB", str(path))
    old = Store.open(path, migrate=False)  # the file an mlpm without stemming left
    old.migrate(stop_before=["m003_lesson_search_stemmed"])
    with old.write("seed") as tx:
        tx.insert("lesson", {"text": "Fix the seed for every run", "created_at": "2026-01-01"})
    assert old.query("SELECT rowid FROM lesson_fts WHERE lesson_fts MATCH 'seeds'") == []
    old.close()
    assert "**seed**" in cli("lesson", "search", "seeds").output
    assert cli("project", "add", "asr").exit_code == 0
    add(cli, "Seeding the sampler")  # the triggers index new lessons the same way
    assert found(cli, "seeds") == [1, 2]
