"""The runs table on real offline runs: filter expressions, states, columns, sort."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlpm.errors import UsageError
from mlpm.services import run_filter, run_search
from mlpm.services.runs import Run
from tests.wandb_endings import Endings, endings, endings_copy

__all__ = ["endings", "endings_copy"]  # fixtures from tests.wandb_endings


@pytest.fixture
def synced(cli, project, endings_copy: Endings) -> Endings:
    assert cli("runs", "sync", str(endings_copy.repo / "wandb")).exit_code == 0
    return endings_copy


def _names(cli, *args: str) -> list[str]:
    result = cli("runs", "list", *args, "--json")
    assert result.exit_code == 0, result.output
    return [r["name"] for r in json.loads(result.stdout)]


def test_filter_by_config_selects_the_conformer_runs(cli, synced):
    chosen = _names(cli, "--filter", "lr < 1e-3 and model = conformer-s")
    assert sorted(chosen) == ["new-s0", "new-s1", "new-s2", "new-s3"]
    assert sorted(_names(cli, "--filter", "config.model ~ CONFORMER")) == sorted(chosen)
    assert sorted(_names(cli, "--filter", "not lr < 1e-3 and group = base")) == [
        "base-s0",
        "base-s1",
        "base-s2",
    ]
    assert _names(cli, "--filter", "name ~ 'new-s*' and (state = failed or lr > 1)") == ["new-s3"]


def test_filter_by_summary_and_state(cli, synced):
    assert sorted(_names(cli, "--state", "failed", "--state", "killed")) == ["new-s3", "stopped"]
    finished = _names(cli, "--state", "finished", "--filter", "model=conformer-s")
    assert sorted(finished) == ["new-s0", "new-s1", "new-s2"]
    # the failed run stopped at epoch 7; finished ones reached 9
    assert _names(cli, "--filter", "summary.epoch < 9 and group != other") == ["new-s3"]
    assert cli("runs", "list", "--filter", "lr > 5").stdout == "no runs match\n"


def test_columns_and_sort_descending(cli, synced):
    columns = ("--columns", "lr,model,val/acc", "--sort", "-val/acc", "--json")
    rows = json.loads(
        cli("runs", "list", *columns, "--state", "finished", "--filter", "group!=dmg").stdout
    )
    accs = [r["columns"]["val/acc"] for r in rows]
    assert accs == sorted(accs, reverse=True) and len(rows) == 6
    best = rows[0]
    assert (best["name"], best["columns"]["model"], best["columns"]["lr"]) == (
        "new-s2",
        "conformer-s",
        5e-4,
    )
    text = cli("runs", "list", "--columns", "lr,model,val/acc", "--sort", "name").stdout
    header, *lines = text.splitlines()
    assert header.split()[-3:] == ["lr", "model", "val/acc"]
    assert [line.split()[1] for line in lines][:3] == ["base-s0", "base-s1", "base-s2"]
    new_s0 = next(line for line in lines if line.split()[1] == "new-s0")
    assert "0.0005  conformer-s" in new_s0


def test_columns_are_remembered_per_project(cli, synced):
    default = json.loads(cli("runs", "list", "--json").stdout)
    assert list(default[0]["columns"]) == ["val/acc"]  # the shared key metric
    saved = cli("runs", "list", "--columns", "model,seed", "--save-columns")
    assert saved.exit_code == 0, saved.output
    again = json.loads(cli("runs", "list", "--json").stdout)
    assert list(again[0]["columns"]) == ["model", "seed"]
    assert cli("runs", "list").stdout.splitlines()[0].split()[-2:] == ["model", "seed"]
    cli("runs", "list", "--columns", "", "--save-columns")  # forget: back to the default
    assert list(json.loads(cli("runs", "list", "--json").stdout)[0]["columns"]) == ["val/acc"]


def test_an_unknown_column_is_a_warning(cli, synced):
    result = cli("runs", "list", "--columns", "nosuch")
    assert result.exit_code == 0
    assert "warning: no run shown has 'nosuch'" in result.stderr


@pytest.mark.parametrize(
    ("expr", "where"),
    [
        ("lr < ", "expected a value after '<' at position 6"),
        ("lr < 1e-3 and (model = x", "expected ')' at position 25"),
        ("model = 'conf", "unclosed quote at position 9"),
        ("lr ! 3", "unexpected '!' at position 4"),
    ],
)
def test_a_bad_expression_is_one_line_naming_the_position(cli, synced, expr, where):
    result = cli("runs", "list", "--filter", expr)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert where in line and "Traceback" not in result.output


def _keeps(match: run_filter.Filter, run: Run) -> bool:
    """Whether the filter keeps the run, as `runs list --filter` and the TUI decide it."""
    return run_search.select([run], match=match) == [run]


def _run(**config: object) -> Run:
    return Run(
        id="r1",
        source="offline",
        project="p",
        entity=None,
        name="aug-flip",
        group="g",
        job_type=None,
        tags=["baseline", "aug"],
        state="finished",
        start_time=None,
        runtime=1.0,
        config=dict(config),
        summary={"val": {"acc": 0.9}, "val/loss": 0.3, "flag": True, "nan": float("nan")},
        commit=None,
        remote=None,
        host=None,
        program=None,
        args=[],
    )


@pytest.mark.parametrize(
    ("expr", "matched"),
    [
        ("name ~ aug*", True),
        ("name ~ flip", True),
        ("name ~ 'x*'", False),
        ("tags = aug", True),
        ("tags != aug", False),
        ("tags ~ base*", True),
        ("val.acc >= 0.9 and summary.val/loss < 0.5", True),
        ("missing = 1", False),
        ("missing != 1", True),
        ("lr = 0.001", True),  # stored as text "1e-3": compared as a number
        ("flag = true", True),
        ("nan > 0 or nan < 0", False),
        ("not (model = conformer or model = lstm)", False),
        ("NOT model = lstm", True),
    ],
)
def test_expression_semantics(expr, matched):
    assert _keeps(run_filter.parse(expr), _run(lr="1e-3", model="conformer")) is matched


_PIECES = st.sampled_from(
    [
        "lr",
        "config.lr",
        "val/acc",
        "name",
        "tags",
        "(",
        ")",
        "and",
        "or",
        "not",
        "<",
        "<=",
        "=",
        "!=",
        "~",
        ">",
        "1e-3",
        "'a b'",
        '"x',
        "aug*",
        "-",
        "!",
        " ",
        "nan",
        "\x1b",
    ]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=40), st.lists(_PIECES, max_size=30).map(" ".join)))
def test_random_input_only_ever_raises_usage_error(expr):
    try:
        parsed = run_filter.parse(expr)
    except UsageError as exc:
        assert "\n" not in str(exc).replace(repr(expr), "")
        return
    assert _keeps(parsed, _run(lr=0.01, model="lstm")) in (True, False)


def test_deep_nesting_is_refused_not_a_crash():
    with pytest.raises(UsageError, match="nested too deeply"):
        run_filter.parse("(" * 500 + "lr = 1" + ")" * 500)
    assert _keeps(run_filter.parse("not " * 20 + "lr = 1"), _run(lr=1)) is True


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["conformer", "1e-3", "0.001", " 2 ", "nan", "true", "", "Aug"]),
    st.lists(st.sampled_from(["aug", "base", 1, 0.5]), max_size=3),
)


@settings(max_examples=500)
@given(
    _VALUES,
    st.sampled_from(run_filter.OPERATORS),
    st.one_of(st.floats(allow_nan=False), st.sampled_from(["conformer", "true", "1e-3", "aug"])),
)
def test_a_compiled_comparison_answers_as_the_general_one(value, op, wanted):
    """The filter decides common cases (a number against a number, text against a word)
    without the general comparison, to filter 10,000 runs quickly: the answers must agree."""
    general = run_filter._compare(value, op, wanted)
    assert run_filter._column_test(op, wanted)([value, None]) == [general, op == "!="]
