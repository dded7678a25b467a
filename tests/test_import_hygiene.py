"""Quick commands must start fast: they import none of the heavy libraries."""

import json
import subprocess
import sys

HEAVY = ("textual", "wandb", "scipy", "numpy", "git", "pydantic", "sqlite_utils")

PROBE = """
import json, sys
from mlpm.cli import main
for argv in {commands}:
    try:
        main(argv)
    except SystemExit as exc:
        assert not exc.code, (argv, exc.code)
heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy}))
print(json.dumps(heavy))
"""


def test_quick_commands_import_nothing_heavy(cli):
    # Create and migrate the database first: migrating (rare) may use sqlite-utils.
    assert cli("project", "add", "asr").exit_code == 0
    commands = [
        ["--help"],
        ["task", "add", "a task", "-e", "2", "-t", "x", "--today"],
        ["task", "list"],
        ["task", "list", "--json"],
        ["task", "show", "1"],
        ["task", "start", "1"],
        ["task", "done", "1"],
        ["today"],
        ["board"],
        ["lesson", "add", "a lesson", "-t", "y"],
        ["lesson", "search", "lesson"],
        ["lesson", "list"],
        ["undo"],
    ]
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(commands=commands, heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
