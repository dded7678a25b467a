"""The README's set-up commands are the ones CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = "# README: set-up for development and tests"


def test_ci_runs_exactly_the_readme_test_command():
    readme = ROOT.joinpath("README.md").read_text()
    script = ROOT.joinpath(".ci", "run").read_text().splitlines()
    command = script[script.index(MARK) + 1]
    block = re.search(r"Set-up for development and tests.*?```sh\n(.*?)\n```", readme, re.S)
    assert block is not None
    assert block.group(1) == command  # one line, the same in both
    assert "mypy && python -m pytest" in command
    assert script[-1] == command  # the last thing CI does, so its exit code is CI's


def test_ci_runs_in_an_empty_home_without_git_config():
    script = ROOT.joinpath(".ci", "run").read_text()
    assert re.search(r'export HOME="\$ci_home"', script)
    assert "GIT_CONFIG_NOSYSTEM=1" in script
    assert 'GIT_CONFIG_GLOBAL="$ci_home/.gitconfig"' in script
