"""`mlpm demo` builds a realistic project on its own database, linking every feature."""

import json
import sqlite3

from tests.conftest import run_mlpm


def test_demo_builds_a_linked_project_without_touching_user_data(tmp_path, db_path):
    home = tmp_path / "demo"
    result = run_mlpm("demo", "--dir", str(home), "--no-open")
    assert result.returncode == 0, result.stderr
    assert "7 W&B runs, 2 comparisons" in result.stdout
    assert not db_path.exists()  # the user's own database was never created
    db = str(home / "demo.db")

    def mlpm_json(*args):
        done = run_mlpm("--db", db, *args, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    board = {c["name"]: c["count"] for c in mlpm_json("board")["columns"]}
    assert all(board[c] > 0 for c in ("backlog", "today", "doing", "done", "dropped"))
    plan = mlpm_json("today")
    assert len(plan["tasks"]) == 3 and plan["to_review"] == 1
    assert plan["suggested_capacity"] >= 1
    baseline = next(
        t for t in mlpm_json("task", "list", "--all") if t["title"].startswith("Baseline")
    )
    shown = mlpm_json("task", "show", str(baseline["id"]))
    assert len(shown["commits"]) == 1
    assert len(shown["runs"]) == 3  # joined through the commit, no manual link
    assert len(mlpm_json("lesson", "list")) == 6
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM comparison").fetchone()[0] == 2
    assert conn.execute("SELECT COUNT(*) FROM focus_session").fetchone()[0] == 12


def test_demo_refuses_a_folder_with_files(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = run_mlpm("demo", "--dir", str(tmp_path), "--no-open")
    assert result.returncode == 1
    assert "not empty" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_task_show_lists_runs_with_their_key_metric(tmp_path):
    home = tmp_path / "demo"
    assert run_mlpm("demo", "--dir", str(home), "--no-open").returncode == 0
    db = str(home / "demo.db")
    tasks = json.loads(run_mlpm("--db", db, "task", "list", "--all", "--json").stdout)
    baseline = next(t for t in tasks if t["title"].startswith("Baseline"))
    shown = json.loads(run_mlpm("--db", db, "task", "show", str(baseline["id"]), "--json").stdout)
    assert {r["key_metric"]["name"] for r in shown["runs"]} == {"val/acc"}
    text = run_mlpm("--db", db, "task", "show", str(baseline["id"])).stdout
    assert "baseline-s1  finished  val/acc 0." in text
