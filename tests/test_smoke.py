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
