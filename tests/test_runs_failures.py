"""Failures explained, on the real run that raised at epoch 7: its exit code and traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.wandb_endings import Endings, endings, endings_copy

__all__ = ["endings", "endings_copy"]  # fixtures from tests.wandb_endings


def _sync(cli, endings: Endings) -> None:
    assert cli("runs", "sync", str(endings.repo / "wandb")).exit_code == 0


def test_show_prints_the_exit_code_and_the_traceback(cli, project, endings_copy):
    _sync(cli, endings_copy)
    shown = cli("runs", "show", "new-s3")
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert "  exit code 1" in lines
    start = lines.index("output (last 12 lines of output.log)")
    assert lines[start + 1 : start + 10] == [f"  epoch {e}" for e in range(8)] + [
        "  Traceback (most recent call last):"
    ]
    assert lines[start + 10].endswith(", in <module>") and "train.py" in lines[start + 10]
    assert lines[start + 11 :] == [
        '      raise RuntimeError("diverged at epoch 7")',
        "  RuntimeError: diverged at epoch 7",
    ]
    few = cli("runs", "show", "new-s3", "--lines", "2").stdout.splitlines()
    assert few[-3:] == [
        "output (last 2 lines of output.log)",
        '      raise RuntimeError("diverged at epoch 7")',
        "  RuntimeError: diverged at epoch 7",
    ]


def test_json_carries_the_exit_code_and_output(cli, project, endings_copy):
    _sync(cli, endings_copy)
    data = json.loads(cli("runs", "show", "new-s3", "--json").stdout)
    assert data["exit_code"] == 1 and data["state"] == "failed"
    assert data["output"]["lines"][-1] == "RuntimeError: diverged at epoch 7"
    assert data["output"]["path"].endswith("files/output.log")
    killed = json.loads(cli("runs", "show", "stopped", "--json").stdout)
    assert killed["exit_code"] == 255 and "KeyboardInterrupt" in killed["output"]["lines"][-1]
    finished = json.loads(cli("runs", "show", "new-s0", "--json").stdout)
    assert finished["output"] is None  # a finished run's output is not the story


def test_a_finished_run_shows_no_output_section(cli, project, endings_copy):
    _sync(cli, endings_copy)
    shown = cli("runs", "show", "new-s0").stdout
    assert "output (" not in shown and "Traceback" not in shown
    assert "  exit code 0" in shown.splitlines()


def test_output_is_escaped_for_the_terminal(cli, project, endings_copy):
    log = endings_copy.by_name["new-s3"].parent / "files" / "output.log"
    with log.open("a", encoding="utf-8") as handle:
        handle.write("\x1b]0;owned\x07title \x1b[31mred\x1b[0m\n 10%|#\r 90%|#########\n")
    _sync(cli, endings_copy)
    lines = cli("runs", "show", "new-s3").stdout.splitlines()
    assert lines[-2] == "  \\x1b]0;owned\\x07title red"  # colour dropped, OSC made visible
    assert lines[-1] == "   90%|#########"  # a redrawn progress bar: its last draw
    assert "\x1b" not in "".join(lines) and "\x07" not in "".join(lines)


def test_a_failed_run_without_its_log_says_so(cli, project, endings_copy):
    (endings_copy.by_name["new-s3"].parent / "files" / "output.log").unlink()
    _sync(cli, endings_copy)
    shown = cli("runs", "show", "new-s3")
    assert shown.exit_code == 0
    assert "output  – (no files/output.log in the run folder)" in shown.stdout


def test_an_mlflow_failure_shows_its_state_without_a_missing_log_note(cli, project, tmp_path):
    db = tmp_path / "mlflow.db"
    shutil.copy(Path(__file__).parent / "data" / "mlflow" / "mlflow.db", db)
    assert cli("runs", "sync", str(db)).exit_code == 0
    shown = cli("runs", "show", "diverged")
    assert "(failed)" in shown.stdout.splitlines()[0]
    assert "output" not in shown.stdout  # MLflow keeps no console output to point at
    assert json.loads(cli("runs", "show", "diverged", "--json").stdout)["output"] is None
