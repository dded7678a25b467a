"""Bad input from the command line gets one clear line: negative and non-ASCII-digit ids,
bytes that are not UTF-8 in an argument, and a JSON file nested too deeply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_mlpm


@pytest.fixture
def one_task(cli, project) -> None:
    assert cli("task", "add", "loader").exit_code == 0
    assert cli("lesson", "add", "shuffle the data", "--task", "1").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["task", "show", "-1"], "no task with id -1"),
        (["task", "done", "-1"], "no task with id -1"),
        (["task", "edit", "-1", "--title", "x"], "no task with id -1"),
        (["task", "move", "-1", "done"], "no task with id -1"),
        (["today", "add", "-1"], "no task with id -1"),
        (["timer", "start", "-1"], "no task with id -1"),
        (["lesson", "show", "-2"], "no lesson with id -2"),
        (["lesson", "add", "x", "--task", "-1"], "no task with id -1"),
        (["config", "set", "active_projects_limit", "-3"], "invalid value '-3'"),
        (["project", "use", "-1"], "no project named '-1'"),
    ],
)
def test_a_negative_number_is_a_value_not_an_option(cli, one_task, args, message):
    result = cli(*args)
    assert result.exit_code != 0
    assert message in result.stderr
    assert "No such option" not in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["task", "show", "１"],
        ["task", "done", "١"],  # Arabic-Indic one
        ["today", "add", "１"],
        ["lesson", "show", "１"],
        ["task", "edit", "1", "--estimate", "２"],
        ["today", "review", "--keep", "１"],
    ],
)
def test_digits_other_than_ascii_are_refused_not_read_as_task_1(cli, one_task, args):
    result = cli(*args)
    assert result.exit_code == 2
    assert "digits 0-9" in result.stderr
    assert json.loads(cli("task", "show", "1", "--json").stdout)["column"] == "backlog"


def test_unknown_options_are_still_refused(cli, one_task):
    result = cli("task", "start", "1", "--forc")
    assert result.exit_code == 2
    assert "No such option '--forc'. Did you mean '--force'?" in result.stderr
    assert "No such option '--bogus'" in cli("task", "show", "--bogus", "-1").stderr


def test_a_title_may_start_with_a_minus(cli, project):
    assert cli("task", "add", "-3").exit_code == 0
    assert json.loads(cli("task", "list", "--json").stdout)[0]["title"] == "-3"


def test_a_byte_that_is_not_utf8_in_an_argument_is_refused_by_name(cli, project):
    # From a real shell: `mlpm task add $'x \x9b'` reaches Python as a lone surrogate.
    done = run_mlpm("task", "add", "x \udc9b")
    assert done.returncode == 2
    assert done.stderr == (
        "error: argument 'x \\x9b' is not UTF-8 text (check the terminal's encoding)\n"
    )
    assert json.loads(run_mlpm("task", "list", "--json").stdout) == []


def test_a_deeply_nested_import_is_a_one_line_error(cli, project, tmp_path: Path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    result = cli("import", str(deep))
    assert result.exit_code == 1
    assert result.stderr == f"error: {deep} is nested too deeply to be an export\n"
