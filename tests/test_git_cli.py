"""`mlpm git ...` as a user types it: sync, log --task, hook install/uninstall, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from mlpm.store import Store
from tests.conftest import run_mlpm
from tests.git_repos import GitRepo, init_repo


def test_sync_then_log_for_a_task(cli, store: Store, asr, repo: GitRepo) -> None:
    sha = repo.commit("Add the loader\n\nTask: 1\n")
    repo.commit("Merge-free fix for mlpm#1")
    result = cli("git", "sync")
    assert result.exit_code == 0
    assert result.stdout.startswith("asr: 2 new commits, 2 new links (full scan")
    assert cli("git", "sync").stdout.startswith("asr: up to date")

    listing = cli("git", "log", "--task", "1")
    assert listing.exit_code == 0
    lines = listing.stdout.splitlines()
    assert len(lines) == 2 and any(line.startswith(sha[:10]) for line in lines)
    assert "Add the loader  [trailer]" in listing.stdout

    data = json.loads(cli("git", "log", "--task", "1", "--json").stdout)
    assert {c["sha"] for c in data} >= {sha} and data[0]["reachable"] is True
    assert cli("git", "log", "--task", "2").stdout.strip() == "no commits linked to task 2"


def test_sync_json(cli, store: Store, asr, repo: GitRepo) -> None:
    repo.commit("one mlpm#2")
    data = json.loads(cli("git", "sync", "--json").stdout)
    assert (data["new_commits"], data["new_links"], data["full"]) == (1, 1, True)


def test_errors_are_one_line(cli, tmp_path: Path, store: Store, asr, repo: GitRepo) -> None:
    repo.commit("one")
    shutil.rmtree(repo.path)
    result = cli("git", "sync")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: repository ") and "not found" in result.stderr
    assert result.stderr.count("\n") == 1
    assert cli("git", "log", "--task", "42").exit_code == 1
    assert cli("git", "log").exit_code == 2  # --task is required
    assert cli("git", "sync", "--project", "nope").exit_code == 1


def test_sync_all_reports_each_project(
    cli, tmp_path: Path, store: Store, asr, repo: GitRepo
) -> None:
    from mlpm.services import projects

    repo.commit("one mlpm#1")
    (tmp_path / "plain").mkdir()
    projects.add(store, "broken", repo_path=str(tmp_path / "plain"))
    result = cli("git", "sync", "--all")
    assert result.exit_code == 1
    assert "asr: 1 new commit, 1 new link" in result.stdout
    assert "warning: broken: " in result.stderr and "not a git repository" in result.stderr


def test_hook_install_and_uninstall(cli, store: Store, asr, repo: GitRepo) -> None:
    result = cli("git", "hook", "install")
    assert result.exit_code == 0 and result.stdout.startswith("installed ")
    assert cli("task", "start", "3").exit_code == 0
    repo.commit("through the CLI")
    assert repo.git("log", "-1", "--format=%B") == "through the CLI\n\nTask: 3"
    assert cli("git", "hook", "uninstall").stdout.startswith("uninstalled ")
    assert cli("git", "hook", "uninstall").stdout.startswith("no mlpm hook")
    assert not (repo.path / ".git" / "hooks" / "prepare-commit-msg").exists()


def test_hook_needs_a_repository(cli, store: Store) -> None:
    from mlpm.services import projects

    projects.add(store, "norepo")
    result = cli("git", "hook", "install")
    assert result.exit_code == 1 and "has no repository" in result.stderr


def test_hook_run_never_fails(cli, tmp_path: Path, store: Store, asr) -> None:
    result = cli("git", "hook", "run", str(tmp_path / "missing-message-file"))
    assert result.exit_code == 0 and result.output == ""


def test_a_task_start_from_the_cli_records_the_code_state(store: Store, asr, repo: GitRepo) -> None:
    sha = repo.commit("one")
    assert run_mlpm("task", "start", "1").returncode == 0
    row = store.one("SELECT head_sha, dirty, reason FROM code_state WHERE task_id = 1")
    assert row == {"head_sha": sha, "dirty": 0, "reason": "task start"}


PROBE = """
import json, sys
from mlpm.cli import main
for argv in {commands}:
    try:
        main(argv)
    except SystemExit as exc:
        assert not exc.code, (argv, exc.code)
print(json.dumps(sorted(m for m in sys.modules if m == "git" or m.startswith("git."))))
"""


def test_quick_paths_never_import_gitpython(
    tmp_path: Path, store: Store, asr, repo: GitRepo
) -> None:
    import subprocess
    import sys

    repo.commit("one mlpm#1")
    message = tmp_path / "MSG"
    message.write_text("a message\n")
    commands = [
        ["task", "start", "1"],  # records the code state: one `git status`
        ["git", "log", "--task", "1"],
        ["git", "hook", "run", str(message), "message"],  # what every commit runs
    ]
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(commands=commands)],
        capture_output=True,
        text=True,
        cwd=repo.path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
    assert message.read_text() == "a message\n\nTask: 1\n"


def test_log_marks_commits_rebased_away(cli, store: Store, asr, repo: GitRepo) -> None:
    repo.commit("base")
    old = repo.commit("first try mlpm#1")
    assert cli("git", "sync").exit_code == 0
    repo.git("commit", "-q", "--amend", "-m", "second try mlpm#1")
    assert "1 no longer reachable" in cli("git", "sync").stdout
    lines = cli("git", "log", "--task", "1").stdout.splitlines()
    assert lines[0].endswith("second try mlpm#1  [reference]")
    assert lines[1].startswith(old[:10]) and "not on any local branch" in lines[1]


def test_a_dollar_in_the_repository_path_is_a_folder_name_not_a_variable(
    tmp_path: Path, store: Store
) -> None:
    # GitPython expands `$VARS` in paths by default (and warns on stderr): with `x` set, a
    # folder `$HOME/repo$x` would become `<home>/repo/elsewhere`.
    repo = init_repo(tmp_path / "$HOME" / "repo$x")
    sha = repo.commit("Add the loader mlpm#1")
    env = {"x": "/elsewhere", "PYTHONWARNINGS": "default"}
    added = run_mlpm("project", "add", "asr", "--repo", str(repo.path), env=env)
    assert added.returncode == 0, added.stderr
    assert run_mlpm("task", "add", "loader", "-p", "asr", env=env).returncode == 0
    synced = run_mlpm("git", "sync", env=env)
    assert (synced.returncode, synced.stderr) == (0, "")
    assert synced.stdout.startswith("asr: 1 new commit, 1 new link (full scan")
    listing = run_mlpm("git", "log", "--task", "1", env=env)
    assert listing.stdout.startswith(sha[:10]) and listing.stderr == ""
