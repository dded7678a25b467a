from tests.conftest import run_mlpm


def test_cli_fixture_runs_commands_and_reports_errors(cli):
    assert cli("project", "add", "asr").exit_code == 0
    result = cli("task", "show", "999")
    assert result.exit_code == 1
    assert "no task with id 999" in result.output


def test_subprocess_runs_mlpm():
    result = run_mlpm("--version")
    assert result.returncode == 0
    assert "mlpm" in result.stdout


def test_a_group_without_a_command_prints_its_help(cli):
    result = cli("task")
    assert result.exit_code == 0
    assert "Commands:" in result.output and "\\x0a" not in result.output


def test_huge_numbers_and_unwritable_files_are_one_clear_line(cli, tmp_path):
    cli("project", "add", "asr")
    for args in (
        ("task", "show", "9" * 30),
        ("today", "add", "9" * 30),
        ("lesson", "list", "--since", "-99999999999d"),
        ("lesson", "export", "--out", str(tmp_path / "no" / "such" / "dir" / "x.md")),
    ):
        result = cli(*args)
        assert result.exit_code in (1, 2), args
        assert result.output.startswith("error: ") and "internal error" not in result.output
        assert len(result.output.strip().splitlines()) == 1, (args, result.output)
