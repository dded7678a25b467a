"""Bare `mlpm`: a summary without a terminal; on first run, the offer of a template."""

import json

from mlpm.cli import home


def test_without_a_terminal_prints_project_and_today(cli):
    assert "mlpm init" in cli().output
    cli("project", "add", "asr")
    cli("task", "add", "metrics", "--today")
    out = cli().output
    assert out.startswith("project: asr (active)")
    assert "1. #1" in out and "metrics" in out


def test_first_run_offers_a_template_then_opens_the_app(cli, monkeypatch):
    opened = []
    monkeypatch.setattr(home, "interactive", lambda: True)
    monkeypatch.setattr("mlpm.tui.app.run", lambda path, **kw: opened.append(path))
    result = cli(input="ml-experiment\nspeech\n")
    assert result.exit_code == 0, result.output
    assert "created speech from ml-experiment" in result.output
    assert opened
    assert json.loads(cli("project", "list", "--json").stdout)[0]["slug"] == "speech"
    # the offer is made once: with a project, the app opens straight away
    again = cli(input="")
    assert "Welcome" not in again.output and len(opened) == 2


def test_first_run_can_be_skipped(cli, monkeypatch):
    monkeypatch.setattr(home, "interactive", lambda: True)
    monkeypatch.setattr("mlpm.tui.app.run", lambda path, **kw: None)
    result = cli(input="\n")
    assert result.exit_code == 0
    assert json.loads(cli("project", "list", "--json").stdout) == []


def test_first_run_names_a_broken_template_instead_of_offering_it(cli, monkeypatch):
    from mlpm.services import templates

    templates.user_dir().mkdir(parents=True)
    (templates.user_dir() / "bad.toml").write_text('name = "bad"\ncolour = 1\n')
    monkeypatch.setattr(home, "interactive", lambda: True)
    monkeypatch.setattr("mlpm.tui.app.run", lambda path, **kw: None)
    result = cli(input="bad\nminimal\nmine\n")
    assert result.exit_code == 0, result.output
    assert "bad.toml: colour, line 2" in result.output
    assert "(minimal, ml-experiment)" in result.output
    assert json.loads(cli("project", "list", "--json").stdout)[0]["slug"] == "mine"
