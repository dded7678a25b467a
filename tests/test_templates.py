"""Templates: built-in ones validate, `mlpm init` starts a project from one, lessons become a
template, bad templates are named precisely, and the wheel ships them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlpm.services import templates
from tests.conftest import run_mlpm

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["ml-experiment", "minimal"])
def test_builtin_templates_load(name):
    t = templates.load(name)
    assert t.name == name
    assert t.wip["doing"].limit == 2


def test_ml_experiment_carries_the_lessons_of_a_long_project():
    t = templates.load("ml-experiment")
    text = " ".join([x.title for x in t.tasks] + [x.text for x in t.checklist]).lower()
    for phrase in (
        "metrics",
        "predictions",
        "ground truth",
        "tracking",
        "subset",
        "exploratory data analysis",
        "checkpoint",
        "one config dict",
        "throughput",
        "significance",
        "accelerator",
        "labelling",
    ):
        assert phrase in text, phrase


def test_init_in_a_git_repo_creates_the_project_from_the_template(cli, tmp_path, monkeypatch):
    repo = tmp_path / "speech"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    monkeypatch.chdir(repo)
    result = cli("init")
    assert result.exit_code == 0, result.output
    assert "created project speech from ml-experiment" in result.output
    project = json.loads(cli("project", "show", "--json").stdout)
    assert project["repo_path"] == str(repo)
    assert project["settings"]["wip"]["today"] == {"limit": 5, "hard": False}
    today = json.loads(cli("today", "--json").stdout)
    first = today["tasks"][0]["title"]
    assert first == "Decide the metrics before the first experiment"
    assert today["capacity"]["task_cap"] == 4
    checklist = json.loads(cli("lesson", "list", "--tag", "checklist", "--json").stdout)
    assert len(checklist) == len(templates.load("ml-experiment").checklist)
    again = cli("init")
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert len(json.loads(cli("lesson", "list", "--json").stdout)) == len(checklist)


def test_lessons_become_a_template_for_the_next_project(cli, tmp_path):
    cli("project", "add", "first")
    cli("lesson", "add", 'Quote "this" and \\ that', "-c", "ml", "-t", "eval")
    cli("lesson", "add", "Keep days short")
    out = tmp_path / "next.toml"
    result = cli("template", "from-lessons", "--project", "first", "--out", str(out))
    assert result.exit_code == 0, result.output
    user = templates.user_dir()
    user.mkdir(parents=True)
    (user / "first-lessons.toml").write_text(out.read_text())
    assert "first-lessons" in cli("template", "list").output
    assert cli("init", "second", "-t", "first-lessons").exit_code == 0
    texts = [x["text"] for x in json.loads(cli("lesson", "list", "-p", "second", "--json").stdout)]
    assert texts == ['Quote "this" and \\ that', "Keep days short"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            'name = "broken"\n[[tasks]]\ntitle = "ok"\n[[tasks]]\ntitle = "x"\nestimate = -1\n',
            "broken.toml: tasks.1.estimate, line 6: Input should be greater than or equal to 1",
        ),
        ('name = "broken"\n[wip.doing]\nlimit = "two"\n', "broken.toml: wip.doing.limit, line 3"),
        ('name = "broken"\ncolour = "red"\n', "broken.toml: colour, line 2: Extra inputs"),
        ('name = "broken"\n[[tasks]\n', "broken.toml: not valid TOML"),
    ],
)
def test_a_malformed_template_names_file_field_and_line(cli, content, message):
    user = templates.user_dir()
    user.mkdir(parents=True)
    (user / "broken.toml").write_text(content)
    result = cli("init", "p", "-t", "broken")
    assert result.exit_code == 1
    assert message in result.output
    assert json.loads(cli("project", "list", "--json").stdout) == []


@pytest.mark.parametrize("name", ["../x", "a/b", "/etc/passwd", "x.toml", ""])
def test_template_names_with_paths_are_refused(cli, name):
    result = cli("template", "show", name)
    assert result.exit_code == 2
    assert "invalid template name" in result.output


def test_unknown_template(cli):
    result = cli("init", "p", "-t", "nope")
    assert result.exit_code == 1
    assert "no template named 'nope' (available: minimal, ml-experiment)" in result.output


@pytest.mark.slow
def test_the_wheel_ships_the_templates(tmp_path):
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    wheel = next(dist.glob("mlpm-*.whl"))
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    assert (target / "mlpm" / "templates" / "ml-experiment.toml").is_file()
    env = {"PYTHONPATH": str(target)}
    listed = run_mlpm("template", "list", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "ml-experiment" in listed.stdout and "minimal" in listed.stdout
    where = subprocess.run(
        [sys.executable, "-c", "import mlpm; print(mlpm.__file__)"],
        env={**os.environ, **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(target))


def test_init_keeps_a_capacity_the_user_chose_and_says_what_missed_today(cli):
    assert cli("config", "set", "capacity_tasks", "2").exit_code == 0
    result = cli("init", "speech")
    assert result.exit_code == 0, result.output
    assert json.loads(cli("config", "list", "--json").stdout)["capacity_tasks"] == 2
    assert "day capacity set" not in result.output
    assert "the ml-experiment template suggests a day of 4 tasks, 8 pomodoros" in result.output
    assert "yours stays 2 tasks, 8 pomodoros (to use it: mlpm config set capacity_tasks 4)" in (
        result.output
    )
    assert "today is full: 1 starter task stays in the backlog" in result.output
    assert len(json.loads(cli("today", "--json").stdout)["tasks"]) == 2


def test_two_inits_change_the_day_capacity_once_and_say_so(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = cli("init", "speech", "-t", "ml-experiment")
    assert first.exit_code == 0, first.output
    assert "day capacity set to 4 tasks, 8 pomodoros, the ml-experiment template's" in first.output
    second = cli("init", "vision", "-t", "minimal")
    assert second.exit_code == 0, second.output
    capacity = json.loads(cli("config", "list", "--json").stdout)
    assert (capacity["capacity_tasks"], capacity["capacity_pomodoros"]) == (4, 8)  # unchanged
    assert "day capacity set" not in second.output
    assert (
        "the minimal template suggests a day of 5 tasks, 8 pomodoros; yours stays 4 tasks,"
        " 8 pomodoros (to use it: mlpm config set capacity_tasks 5)"
    ) in second.output
    assert "4 tasks" in cli("today").output.splitlines()[0]
