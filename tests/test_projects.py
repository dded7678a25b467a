"""Projects through the CLI: add, list, use, pause, archive, and the active-project limit."""

import json


def test_first_project_becomes_current_and_later_ones_do_not(cli):
    assert cli("project", "add", "ASR model").exit_code == 0
    assert cli("project", "add", "Vision", "--paused").exit_code == 0
    listed = json.loads(cli("project", "list", "--json").stdout)
    assert [(p["slug"], p["status"], p["current"]) for p in listed] == [
        ("asr-model", "active", True),
        ("vision", "paused", False),
    ]
    assert cli("project", "use", "vision").exit_code == 0
    assert "* vision" in cli("project", "list").stdout


def test_activating_past_the_limit_is_refused_naming_the_active_ones(cli):
    for name in ("a", "b", "c"):
        assert cli("project", "add", name).exit_code == 0
    result = cli("project", "add", "d")
    assert result.exit_code == 1
    assert "3 projects are already active (a, b, c)" in result.output
    assert "--paused" in result.output
    assert cli("project", "add", "d", "--paused").exit_code == 0
    assert cli("project", "activate", "d").exit_code == 1
    assert cli("project", "pause", "b").exit_code == 0
    assert cli("project", "activate", "d").exit_code == 0
    assert cli("project", "archive", "a").exit_code == 0
    statuses = {p["slug"]: p["status"] for p in json.loads(cli("project", "list", "--json").stdout)}
    assert statuses == {"a": "archived", "b": "paused", "c": "active", "d": "active"}


def test_limit_is_a_setting(cli):
    assert cli("config", "set", "active_projects_limit", "1").exit_code == 0
    assert cli("project", "add", "a").exit_code == 0
    assert cli("project", "add", "b").exit_code == 1
    bad = cli("config", "set", "active_projects_limit", "zero")
    assert bad.exit_code == 2
    assert "invalid value 'zero'" in bad.output


def test_duplicate_and_empty_names_and_unknown_projects(cli):
    assert cli("project", "add", "asr").exit_code == 0
    assert "already exists" in cli("project", "add", "ASR").output
    assert cli("project", "add", "   ").exit_code == 2
    unknown = cli("project", "use", "nope")
    assert unknown.exit_code == 1
    assert "no project named 'nope'" in unknown.output


def test_edit_repo_and_wandb(cli, tmp_path):
    cli("project", "add", "asr")
    assert cli("project", "edit", "--repo", str(tmp_path), "--wandb", "me/asr").exit_code == 0
    shown = json.loads(cli("project", "show", "--json").stdout)
    assert shown["repo_path"] == str(tmp_path)
    assert (shown["wandb_entity"], shown["wandb_project"]) == ("me", "asr")
    assert cli("project", "edit", "--wandb", "no-slash").exit_code == 2


def test_task_commands_without_any_project_say_what_to_do(cli):
    result = cli("task", "add", "x")
    assert result.exit_code == 1
    assert "mlpm project add" in result.output


def test_names_in_any_script_get_a_usable_slug(cli):
    assert cli("project", "add", "日本語プロジェクト").exit_code == 0
    assert cli("project", "add", "Modèle ASR", "--paused").exit_code == 0
    slugs = [p["slug"] for p in json.loads(cli("project", "list", "--json").stdout)]
    assert slugs == ["日本語プロジェクト", "modele-asr"]
    assert cli("task", "add", "x", "-p", "日本語プロジェクト").exit_code == 0
    assert cli("project", "add", "!!!").exit_code == 2


def test_archived_projects_take_no_tasks_and_repos_must_exist(cli, tmp_path):
    cli("project", "add", "asr")
    cli("project", "add", "old", "--paused")
    cli("project", "archive", "old")
    refused = cli("task", "add", "x", "-p", "old")
    assert refused.exit_code == 1 and "archived" in refused.output
    missing = cli("project", "edit", "--repo", str(tmp_path / "nope"))
    assert missing.exit_code == 2 and "no such folder" in missing.output
    assert cli("project", "edit", "--repo", "").exit_code == 0
