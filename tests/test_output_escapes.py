"""Stored text never reaches the terminal raw: Markdown and JSON exports (to stdout and to
files) and every --json output show control and bidi characters as escapes, and the JSON
still loads back to the very same text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# A window-title OSC with BEL, C1 CSI, a right-to-left override, an isolate, BS, CR, DEL.
HOSTILE = "T \x1b]2;PWNED\x07 \x9b31m \u202eevil \u2067x\u2069 \x08\r\x7f end"
RAW = ["\x1b", "\x07", "\x9b", "\u202e", "\u2067", "\u2069", "\x08", "\r", "\x7f"]


def strings(data: object) -> list[str]:
    """Every string value in loaded JSON."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for v in data.values() for s in strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in strings(v)]
    return []


def assert_inert(text: str) -> None:
    found = [repr(ch) for ch in RAW if ch in text]
    assert not found, f"raw {', '.join(found)} in output"


@pytest.fixture
def hostile(cli, project) -> None:
    assert cli("task", "add", HOSTILE, "-t", "x\x1b[2J").exit_code == 0
    assert cli("lesson", "add", HOSTILE, "-t", "tag\u202e").exit_code == 0
    assert cli("today", "add", "1").exit_code == 0


def test_markdown_exports_escape_controls_on_stdout_and_in_files(cli, hostile, tmp_path: Path):
    for args in (["export", "--format", "md"], ["lesson", "export", "--format", "md"]):
        shown = cli(*args)
        assert shown.exit_code == 0, shown.output
        assert_inert(shown.stdout)
        assert "T \\x1b]2;PWNED\\x07 \\x9b31m \\u202eevil" in shown.stdout
        out = tmp_path / f"{args[0]}.md"
        assert cli(*args, "--out", str(out)).exit_code == 0
        assert_inert(out.read_text(encoding="utf-8"))
        assert out.read_text(encoding="utf-8").startswith("# ")


@pytest.mark.parametrize(
    "args",
    [
        ["task", "list", "--json"],
        ["task", "show", "1", "--json"],
        ["board", "--json"],
        ["today", "--json"],
        ["lesson", "list", "--json"],
        ["lesson", "show", "1", "--json"],
        ["lesson", "search", "PWNED", "--json"],
        ["lesson", "export", "--format", "json"],
        ["export"],
    ],
)
def test_json_output_escapes_controls_and_loads_back_the_same_text(cli, hostile, args):
    shown = cli(*args)
    assert shown.exit_code == 0, shown.output
    assert_inert(shown.stdout)
    assert HOSTILE in strings(json.loads(shown.stdout))


def test_a_json_export_re_imported_is_lossless(cli, hostile, tmp_path: Path):
    dump = tmp_path / "dump.json"
    assert cli("export", "--out", str(dump)).exit_code == 0
    assert_inert(dump.read_text(encoding="utf-8"))
    fresh = tmp_path / "fresh.db"
    done = cli("--db", str(fresh), "import", str(dump))
    assert done.exit_code == 0, done.output
    task = json.loads(cli("--db", str(fresh), "task", "show", "1", "--json").stdout)
    assert task["title"] == HOSTILE
    assert task["tags"] == ["x\x1b[2J"]
    again = tmp_path / "again.json"
    assert cli("--db", str(fresh), "export", "--out", str(again)).exit_code == 0
    assert json.loads(again.read_text())["tables"] == json.loads(dump.read_text())["tables"]
