"""The W&B API path never waits on a prompt and keeps wandb off the terminal (real wandb 0.31
in child processes; no network here, so W&B's address is a closed loopback port)."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlpm.errors import MlpmError
from mlpm.integrations import wandb_api
from tests import wandb_fake

NO_KEY = "error: no W&B API key: run `wandb login` or set WANDB_API_KEY"


@pytest.fixture
def no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An environment with no W&B key anywhere and W&B's address unreachable."""
    home = tmp_path / "userhome"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("WANDB_API_KEY", "NETRC", "WANDB_IDENTITY_TOKEN_FILE", "WANDB_SILENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WANDB_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("WANDB_CONFIG_DIR", str(home / ".config" / "wandb"))
    return dict(os.environ)


def _sync(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mlpm", "runs", "sync", "--remote", "team/asr"]
    return subprocess.run(
        command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, env=env
    )


def test_no_key_is_one_line_and_quick(no_key):
    began = time.monotonic()
    done = _sync(no_key)
    assert (done.returncode, done.stderr, done.stdout) == (1, NO_KEY + "\n", "")
    assert time.monotonic() - began < 30


def test_a_key_for_another_host_is_told_by_wandb_without_a_prompt_on_a_terminal(no_key):
    """Here wandb itself looks for the key, with the child's stdin and stderr on a terminal:
    wandb 0.31 would prompt there; mlpm hides the terminal from it."""
    netrc = Path(no_key["HOME"]) / ".netrc"
    netrc.write_text("machine api.example.com\n  login user\n  password " + "k" * 40 + "\n")
    netrc.chmod(0o600)
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "mlpm", "runs", "sync", "--remote", "team/asr"]
    child = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower, env=no_key)
    os.close(follower)
    output = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if select.select([leader], [], [], 0.5)[0]:
            try:
                output += os.read(leader, 4096)
            except OSError:  # the child closed the terminal: it has ended
                break
        elif child.poll() is not None:
            break
    os.close(leader)
    try:
        child.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:  # stuck on a prompt
        child.kill()
        pytest.fail(f"still waiting after 60 s: {output.decode(errors='replace')!r}")
    assert child.wait() == 1
    assert output.decode().replace("\r\n", "\n").strip() == NO_KEY


def test_an_unreachable_server_fails_fast_with_nothing_from_wandb(no_key):
    # The call is timed inside the child: importing wandb cold (no bytecode, a loaded CI
    # machine) can alone take tens of seconds, and is not what "fails fast" is about.
    code = (
        "import time, wandb\nfrom mlpm.errors import MlpmError\n"
        "from mlpm.integrations import wandb_api\nbegan = time.monotonic()\n"
        "try:\n    wandb_api.make_api('team', 'asr', timeout=2)\n"
        "except MlpmError as exc:\n    print(exc)\n"
        "print(f'{time.monotonic() - began:.1f}')\n"
    )
    env = no_key | {"WANDB_API_KEY": "k" * 40}
    done = subprocess.run(
        [sys.executable, "-c", code],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    said, took = done.stdout.splitlines()
    assert said.startswith("cannot reach W&B: ")
    assert done.stderr == "" and done.returncode == 0
    assert float(took) < 30


def test_the_tui_history_child_gets_no_terminal_stdin(no_key, monkeypatch):
    began = time.monotonic()
    with pytest.raises(MlpmError) as failed:
        wandb_api.history_in_subprocess("team/asr/r1", ["loss"])
    assert str(failed.value) == f"cannot fetch the history of team/asr/r1: {NO_KEY[7:]}"
    assert time.monotonic() - began < 30
    seen: dict[str, object] = {}

    def run(command, **kwargs):
        seen.update(kwargs)
        return subprocess.CompletedProcess(command, 0, stdout="{}", stderr="")

    monkeypatch.setattr(subprocess, "run", run)
    assert wandb_api.history_in_subprocess("team/asr/r1", ["loss"]) == {}
    env = seen["env"]
    assert seen["stdin"] is subprocess.DEVNULL
    assert isinstance(env, dict) and env["WANDB_SILENT"] == "true"


def test_wandb_fake_matches_wandb():
    """The fake's names are the installed wandb's: Api.runs' parameters, Run's attributes,
    the fields wandb's run fragment fetches (read through Run's snake_case attributes)."""
    code = (
        "import inspect, json\nimport wandb.apis.public as p\n"
        "from wandb.apis.public import runs as r\n"
        "print(json.dumps({'runs': list(inspect.signature(p.Api.runs).parameters),"
        " 'run': list(inspect.signature(p.Api.run).parameters),"
        " 'attrs': [n for n in dir(p.Run) if not n.startswith('_')],"
        " 'fragment': r.RUN_FRAGMENT, 'missing': r.RunNotFoundError.__mro__[1].__name__}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    real = json.loads(done.stdout.strip().splitlines()[-1])
    import inspect

    fake = wandb_fake.FakeApi
    assert list(inspect.signature(fake.runs).parameters)[1:] == real["runs"][1:]
    assert list(inspect.signature(fake.run).parameters)[1:] == real["run"][1:]
    assert set(wandb_fake.RUN_ATTRIBUTES + wandb_fake.RUN_METHODS) <= set(real["attrs"])
    fields = set(real["fragment"].split())
    assert set(wandb_fake.RUN_FIELDS) <= fields and "updatedAt" not in fields
    assert real["missing"] == "ValueError"
    run = wandb_fake.FakeRun("r1", "2026-03-01T10:00:00")
    camel = {"jobType": "job_type", "createdAt": "created_at", "heartbeatAt": "heartbeat_at"}
    for name in wandb_fake.RUN_ATTRIBUTES + tuple(camel.get(f, f) for f in wandb_fake.RUN_FIELDS):
        assert hasattr(run, name)
    assert not hasattr(run, "updated_at")  # a real Run has none: the fragment lacks it
