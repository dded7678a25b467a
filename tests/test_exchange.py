"""Import from Taskwarrior and jrnl, a lossless JSON round trip, and the Markdown report."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


def taskwarrior_export(tmp_path: Path) -> Path:
    """A fresh export from the real Taskwarrior when installed, else the committed sample
    (made by Taskwarrior 2.6.2)."""
    task = shutil.which("task")
    if task is None:
        return DATA / "taskwarrior-2.6-export.json"
    home = tmp_path / "tw"
    (home / "data").mkdir(parents=True)
    rc = home / "taskrc"
    rc.write_text(f"data.location={home / 'data'}\nconfirmation=off\nverbose=nothing\n")
    env = {
        "TASKRC": str(rc),
        "TASKDATA": str(home / "data"),
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
    }

    def run(*args: str) -> str:
        return subprocess.run(
            [task, *args], env=env, check=True, capture_output=True, text=True
        ).stdout

    run("add", "project:asr", "+data", "Make a 1% subset")
    run("add", "project:asr", "+ml", "Decide metrics")
    run("add", "project:vision", "Label review with experts")
    run("add", "Read the conformer paper")
    run("1", "annotate", "use speaker-disjoint split")
    run("2", "start")
    run("4", "done")
    run("3", "delete")
    out = tmp_path / "tw.json"
    out.write_text(run("export"))
    return out


def test_taskwarrior_import_maps_status_projects_tags_and_annotations(cli, tmp_path):
    path = taskwarrior_export(tmp_path)
    result = cli("import", str(path))
    assert result.exit_code == 0, result.output
    assert "new projects: asr, vision, inbox" in result.output
    tasks = {t["title"]: t for t in json.loads(cli("task", "list", "--all", "--json").stdout)}
    assert tasks["Make a 1% subset"]["column"] == "backlog"
    assert tasks["Make a 1% subset"]["tags"] == ["data"]
    assert tasks["Make a 1% subset"]["project"] == "asr"
    assert "use speaker-disjoint split" in tasks["Make a 1% subset"]["notes"]
    assert tasks["Decide metrics"]["column"] == "doing"
    assert tasks["Read the conformer paper"]["column"] == "done"
    assert tasks["Label review with experts"]["column"] == "dropped"
    assert tasks["Label review with experts"]["drop_reason"] == "deleted in Taskwarrior"
    again = cli("import", str(path))
    assert "imported 0 tasks" in again.output
    assert cli("undo").exit_code == 0  # the second import added nothing; undo the first
    assert len(json.loads(cli("task", "list", "--all", "--json").stdout)) == 0


def test_jrnl_import_makes_lessons_with_tags(cli):
    cli("project", "add", "asr")
    result = cli("import", str(DATA / "jrnl-4-export.json"))
    assert result.exit_code == 0, result.output
    lessons = json.loads(cli("lesson", "list", "--json").stdout)
    assert [x["tags"] for x in lessons] == [["infra", "ml"], ["data"], ["starred"]]
    assert lessons[0]["text"].startswith("Checkpoint long training.\nA hardware fault")
    assert lessons[0]["created_at"].startswith("2026-03-01T10:00")
    assert "**hardware**" in cli("lesson", "search", "hardware").output


@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [
        ("not json at all", None, "is not JSON"),
        ('{"hello": 1}', None, "unknown file"),
        (
            '[{"description": "x", "status": "pending", "entry": "20260101T000000Z"}]',
            None,
            "is not a Taskwarrior export: 0.uuid: Field required",
        ),
        (
            '[{"uuid": "u", "description": "x", "status": "pending", "entry": "yesterday"}]',
            None,
            "is not a Taskwarrior export: 0.entry",
        ),
        ('{"entries": [{"title": "x", "date": "March"}]}', None, "is not a jrnl JSON export"),
        ('{"entries": []}', "taskwarrior", "is not a Taskwarrior export"),
        ('{"format": "mlpm-dump", "version": 2}', None, "is not an mlpm dump"),
    ],
)
def test_files_that_are_not_what_they_claim_import_nothing(cli, tmp_path, content, fmt, message):
    cli("project", "add", "asr")
    # a valid first item does not sneak in before an invalid second one
    path = tmp_path / "in.json"
    path.write_text(content)
    args = ["import", str(path)] + (["--format", fmt] if fmt else [])
    result = cli(*args)
    assert result.exit_code == 1
    assert message in result.output
    assert json.loads(cli("task", "list", "--all", "--json").stdout) == []
    assert json.loads(cli("lesson", "list", "--json").stdout) == []


def test_half_valid_taskwarrior_file_imports_nothing(cli, tmp_path):
    items = json.loads((DATA / "taskwarrior-2.6-export.json").read_text())
    items[-1]["status"] = "exploded"
    path = tmp_path / "tw.json"
    path.write_text(json.dumps(items))
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert json.loads(cli("project", "list", "--json").stdout) == []


def seed_everything(cli, monkeypatch):
    cli("project", "add", "asr")
    cli("project", "add", "vision", "--paused")
    cli("task", "add", "metrics", "-e", "2", "-t", "ml", "--today", "--notes", "line 1\nline 2")
    cli("task", "add", "[red]markup[/red] \x1b[1m")
    cli("task", "add", "gone")
    cli("undo")  # id 3 is used up and must stay so
    cli("task", "start", "1")
    cli("task", "drop", "2", "--reason", "obsolete")
    cli("lesson", "add", "checkpoint often", "-t", "infra", "--task", "1")
    cli("board", "limit", "today", "3", "--soft")
    cli("config", "set", "capacity_tasks", "4")
    monkeypatch.setenv("MLPM_NOW", "2026-03-03T09:00:00+01:00")
    cli("today", "review", "--keep", "1")


def test_json_export_round_trips_without_loss(cli, tmp_path, monkeypatch):
    seed_everything(cli, monkeypatch)
    first = tmp_path / "dump.json"
    assert cli("export", "--out", str(first)).exit_code == 0
    assert oct(first.stat().st_mode & 0o777) == "0o600"
    new_db = tmp_path / "restored.db"
    result = cli("--db", str(new_db), "import", str(first))
    assert result.exit_code == 0, result.output
    second = json.loads(cli("--db", str(new_db), "export").stdout)
    original = json.loads(first.read_text())
    original.pop("exported_at")
    second.pop("exported_at")
    assert second == original
    # and it behaves the same: undo walks the same history, ids continue where they were
    assert cli("--db", str(new_db), "undo").output == cli("undo").output
    cli("--db", str(new_db), "task", "add", "next")
    ids = [t["id"] for t in json.loads(cli("--db", str(new_db), "task", "list", "--json").stdout)]
    assert 4 in ids and 3 not in ids


def test_restore_refuses_a_database_with_data(cli, tmp_path, monkeypatch):
    seed_everything(cli, monkeypatch)
    dump = tmp_path / "dump.json"
    cli("export", "--out", str(dump))
    result = cli("import", str(dump))
    assert result.exit_code == 1
    assert "already holds data" in result.output


def test_markdown_report_shows_board_today_lessons(cli, monkeypatch):
    seed_everything(cli, monkeypatch)
    report = cli("export", "--format", "md").stdout
    assert report.startswith("# asr\n")
    assert "### Doing 1/2" in report
    # Markdown keeps markup as typed; terminal escapes show as text (a file may be `cat`ed).
    assert "- #2 [red]markup[/red] \\x1b[1m — dropped: obsolete" in report
    assert "\x1b" not in report
    assert "— dropped: obsolete" in report
    assert "1. #1 metrics" in report
    assert "- [ ] checkpoint often #infra" in report
