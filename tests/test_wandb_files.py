"""The `.wandb` reader against real offline runs and damaged copies of them."""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlpm.integrations import wandb_history
from mlpm.integrations import wandb_records as wr
from mlpm.integrations import wandb_write as ww
from mlpm.integrations.wandb_history import read_history
from mlpm.integrations.wandb_local import read_run
from tests.wandb_runs import ENDLESS, WandbRuns, wandb_env


def test_a_finished_run_reads_identity_config_summary_git_and_program(wandb_runs: WandbRuns):
    info = read_run(wandb_runs.file("base-b"))
    assert (info.project, info.name, info.group, info.job_type) == (
        "mlpm-test",
        "base-b",
        "g",
        "train",
    )
    assert info.tags == ["ablation"]
    assert info.state == "finished" and info.exit_code == 0
    assert info.config == {"lr": 0.2}
    assert info.summary["loss"] == pytest.approx(1 / 40)
    assert info.summary["val"] == {"acc": pytest.approx(0.39)}
    assert info.summary["epoch"] == 3 and info.summary["best"] == 0.5
    assert info.commit == wandb_runs.commit
    assert info.remote == "https://example.com/team/repo.git"
    assert info.program and info.program.endswith("train.py")
    assert info.start_time and info.start_time.endswith("+00:00")
    assert info.runtime is not None and info.runtime >= 0
    assert info.wandb_version and info.wandb_version.startswith("0.")
    assert info.problems == []


def test_a_run_outside_git_has_no_commit(wandb_runs: WandbRuns):
    info = read_run(wandb_runs.file("no-git"))
    assert info.commit is None and info.remote is None
    assert info.state == "finished" and info.problems == []


def test_a_run_killed_with_sigkill_is_crashed_and_keeps_its_valid_history(
    wandb_runs: WandbRuns,
):
    info = read_run(wandb_runs.file("killed"))
    assert info.state == "crashed"
    assert info.exit_code is None
    assert info.commit == wandb_runs.commit
    series, problems = read_history(wandb_runs.file("killed"), ["loss"])
    steps = [step for step, _ in series["loss"]]
    assert len(steps) > 400  # it had logged past the marker when killed
    assert steps == list(range(len(steps)))  # every complete row, in order, no gaps
    assert series["loss"][10] == (10, pytest.approx(1 / 11))
    assert problems == []


def test_history_of_a_finished_run_has_every_step_and_nested_keys(wandb_runs: WandbRuns):
    series, problems = read_history(wandb_runs.file("base-a"))
    assert [s for s, _ in series["loss"]] == list(range(30))
    assert series["val.acc"][-1] == (29, pytest.approx(0.29))
    assert "epoch" in series and problems == []
    only, _ = read_history(wandb_runs.file("base-a"), ["val.acc"])
    assert set(only) == {"val.acc"}


@pytest.mark.slow
def test_a_live_run_reads_as_running_then_finished(tmp_path: Path):
    script = tmp_path / "live.py"
    script.write_text(
        ENDLESS.replace("for step in range(100000):", "for step in range(60):")
        + "\nimport time\nwhile not pathlib.Path(sys.argv[3] + '.go').exists():"
        "\n    time.sleep(0.05)\nrun.finish()\n"
    )
    marker = tmp_path / "ready"
    proc = subprocess.Popen(
        [sys.executable, str(script), "live", "5", str(marker)],
        cwd=tmp_path,
        env=wandb_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        (file,) = (tmp_path / "wandb").glob("offline-run-*/run-*.wandb")
        assert read_run(file).state == "running"
        (tmp_path / "ready.go").write_text("go")
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
    info = read_run(file)
    assert info.state == "finished" and info.problems == []


def test_a_corrupt_chunk_is_skipped_and_the_rest_still_reads(runs_copy: WandbRuns):
    path = runs_copy.file("killed")
    data = bytearray(path.read_bytes())
    assert len(data) > 3 * wr.BLOCK
    data[wr.BLOCK + 100] ^= 0xFF  # inside block 1: a CRC mismatch
    path.write_bytes(bytes(data))
    info = read_run(path)
    assert info.name == "killed" and info.commit == runs_copy.commit
    series, problems = read_history(path, ["loss"])
    steps = [s for s, _ in series["loss"]]
    assert steps[0] == 0 and steps[-1] > 400
    assert len(steps) < steps[-1] + 1  # the rows in the damaged block are gone, no more
    assert any("corrupt" in p for p in problems)


@pytest.mark.parametrize("seed", range(3))
def test_truncating_or_scrambling_anywhere_never_raises_anything_but_a_file_error(
    wandb_runs: WandbRuns, tmp_path: Path, seed: int
):
    rng = random.Random(seed)
    original = wandb_runs.file("base-a").read_bytes()
    run_dir = tmp_path / "offline-run-20260101_000000-cut"
    run_dir.mkdir()
    path = run_dir / "run-cut.wandb"
    for _ in range(25):
        data = bytearray(original[: rng.randrange(0, len(original) + 1)])
        for _ in range(rng.randrange(0, 4)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
        os.utime(path, (0, 0))  # old: no writer can still be alive
        try:
            info = read_run(path)
            read_history(path)
        except wr.WandbFileError:
            continue
        assert info.run_id  # from the file name at least
        assert info.state in ("finished", "crashed")


def test_files_that_are_not_wandb_runs_raise_a_clear_error(tmp_path: Path):
    for name, data in (("empty", b""), ("text", b"hello world\n"), ("ver", b":W&B\xe1\xbe\x09")):
        path = tmp_path / f"run-{name}.wandb"
        path.write_bytes(data)
        with pytest.raises(wr.WandbFileError):
            read_run(path)


def test_a_header_only_file_is_a_crashed_run_named_after_its_file(tmp_path: Path):
    run_dir = tmp_path / "offline-run-20260101_000000-abc123"
    run_dir.mkdir()
    path = run_dir / "run-abc123.wandb"
    path.write_bytes(wr.FILE_HEADER)
    os.utime(path, (0, 0))
    info = read_run(path)
    assert info.run_id == "abc123" and info.state == "crashed"
    assert any("no complete record" in p for p in info.problems)


def test_a_record_spanning_blocks_and_a_big_config_round_trip(tmp_path: Path):
    config = {f"k{i}": "x" * 100 for i in range(1500)}  # ~170 KB: past the head window
    history = [{"loss": 1.0 / (i + 1), "blob": "y" * 50_000 if i == 3 else i} for i in range(9)]
    data = ww.build_run("big", name="big", config=config, history=history, runtime=7)
    path = tmp_path / "run-big.wandb"
    path.write_bytes(data)
    info = read_run(path)
    assert info.config == config and info.runtime == 7 and info.state == "finished"
    series, _ = read_history(path)
    assert len(series["loss"]) == 9 and "blob" in series  # the text row is skipped


def test_an_old_layout_with_json_files_and_flat_keys(tmp_path: Path):
    """0.17-0.19 kept wandb-metadata.json (and 0.17 wandb-summary.json) next to the file."""
    run_dir = tmp_path / "run-20240101_000000-old1"
    (run_dir / "files").mkdir(parents=True)
    data = ww.build_run(
        "old1",
        name="old",
        history=[{"loss": 0.5}],
        exit_code=1,
        runtime=3,
        version="0.17.9",
    )
    (run_dir / "run-old1.wandb").write_bytes(data)
    meta = {
        "git": {"commit": "a" * 40, "remote": "git@x:y.git"},
        "program": "old.py",
        "args": ["--fast"],
        "host": "box",
        "startedAt": "2024-01-01T00:00:00",
    }
    (run_dir / "files" / "wandb-metadata.json").write_text(json.dumps(meta))
    (run_dir / "files" / "wandb-summary.json").write_text(json.dumps({"final": 9, "_wandb": {}}))
    info = read_run(run_dir / "run-old1.wandb")
    assert info.source == "online" and info.wandb_version == "0.17.9"
    assert (info.commit, info.remote, info.program, info.args, info.host) == (
        "a" * 40,
        "git@x:y.git",
        "old.py",
        ["--fast"],
        "box",
    )
    assert info.summary["final"] == 9 and "_wandb" not in info.summary
    assert info.state == "crashed" and info.exit_code == 1


def test_invalid_utf8_in_names_is_replaced_and_reported(tmp_path: Path):
    run = ww.pb_field(1, "u1") + ww.pb_field(3, "p") + ww.pb_field(8, b"bad\xff\xfename")
    writer = ww.RecordWriter()
    writer.add(ww.pb_field(1, 1) + ww.pb_field(wr.R_RUN, run))
    writer.add(ww.pb_field(1, 2) + ww.pb_field(wr.R_EXIT, b""))
    path = tmp_path / "run-u1.wandb"
    path.write_bytes(writer.getvalue())
    info = read_run(path)
    assert info.name == "bad\ufffd\ufffdname"
    assert info.problems == ["invalid UTF-8 replaced"]


def test_huge_histories_are_thinned_evenly_keeping_the_last_point(tmp_path, monkeypatch):
    monkeypatch.setattr(wandb_history, "MAX_POINTS", 100)
    path = tmp_path / "run-long.wandb"
    path.write_bytes(ww.build_run("long", history=({"x": float(i)} for i in range(1003))))
    series, _ = read_history(path)
    points = series["x"]
    assert len(points) <= 101 and points[0] == (0, 0.0) and points[-1] == (1002, 1002.0)
    gaps = {b[0] - a[0] for a, b in itertools.pairwise(points[:-1])}
    assert len(gaps) == 1  # evenly spaced


def test_reading_runs_never_imports_wandb(wandb_runs: WandbRuns):
    code = (
        "import sys\n"
        "from mlpm.integrations.wandb_history import read_history\n"
        "from mlpm.integrations.wandb_local import read_run\n"
        f"info = read_run({str(wandb_runs.file('base-a'))!r})\n"
        f"read_history({str(wandb_runs.file('base-a'))!r})\n"
        "assert info.name == 'base-a'\n"
        "bad = [m for m in ('wandb', 'google.protobuf', 'pydantic', 'numpy') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# A real offline run written by wandb 0.17.9 (python internal process, before wandb-core):
# project "old-proj", run "old-run", group "og", tags ["v017"], config lr=0.3, opt.name=sgd,
# 20 rows of loss and val.acc, summary best=7, in a git repo with a remote. zlib + base64.
WANDB_0_17_9 = (
    "eNrFl1loXFUYx3NmskxPplluaqOT1taxSFB6e/YloEJeKoK4gBSLEm5nbttJZ3NmEhNr1A4ubbXuG8WFVhBxeZE+qI"
    "hoKYK4gG99EdEXFRfqk4Ivfnfa6L3jwRFBvYELk7P97v9bz8yOS2a/fLfv2Z9fO637UAa1UT63mapQFQy3oqh2CykD"
    "GxSVVbvDIg01D0jwCuo7mcU4M7+wsK9syjTz1VOzVyCUSbUR6b06n9WFemF+OQh0dTk4jH5Bf+yUy9TKxa31Rm0+Lz"
    "DGqXKjjdLE53gSp2v1VhuN7s9Xg0qYn9mcb+4p5lfwWjw4d1tQLe5qo9T+FZaq7ZkZaDWCUnV2KNqqsVC9oX+RUD2f"
    "WqwcRsOZg4dfPD04dub1F3YcRRKn30yjXHYz2ouW0N0IvYlQfpD7lPr60kHiU+3b2dQ0ms+WS9WFpa1LRs0p8Qrajq"
    "f2tlr15sy2beFSUKmXQ79Qq2yD8/w9pZY3vSssKJBAhsWisQWuqGZEF5kWhd2mSChXxYBQa1hCxFtqH2amwARpNonP"
    "wxOdb9paCVtBMWgF/nyzVt3Y2PZ+HWb075zpgHv/hP5vGTgB9uS7x16+HY4d8BZxFveXa80mGIX6BK/D6cWg3EbZ/f"
    "mgUACbEJ+s4M0Yz7VKlbDZAmnaaJxqKzVXRoAdmZSU4004MweGiSa1kQekgkmhjGVUKcq1xsN4YK7ZCmE1Il7fvlvv"
    "On0nAAx6t8cAiC9Bp7MAa2MAcgVflCTwkgQaTnMhaK0EMEhtKEyIIVAvlUH3iR9/fggghrxDCE+tUsBK3vW4VKG9mC"
    "wRAoSLMU10mCw3XEuhOWFMqDgUA6jU25ddPHk3QGW8OyAQzjH1E585paG9pFGEcePA4AREYZwaSiXjIo7BASN9YOup"
    "y+4AjDXeUsJAzKUF6+EhijKXh3AqNSGSU3iZhBICEPrP3PvRDw8DAvYOI7xhlSGiV12PSxkm/xoK5FfcIYxmVlkCPq"
    "07XhOnkkA18M1NDz0ROc1w5DQJKsGM1LG3Syn+1+biRBijHVJpyZgy2lLIMZrHoRRADX521dGNBwAq663gkVWmAVjo"
    "9houe2FI+AiXOIpazSCuYCJVCa/RwDH0nX7nkyPAsdY7mIwo2vW4tBG9DKaE02BKKysgnhh4AkkYzABT5pH3X6UrwD"
    "TiLSc8mbqUEaDMpiTEWBeEdTFoxi3l1EJBsEkGCwxr9n78xZpHgGHUeyDpNMQm/5zC9LSWFnCmiwryIrWSQs6xQsLX"
    "r1KlKAEsPPDB5W9FETbWHWHEdGdAh1ayZ4TBD5cvGxYFmDZQGJhJUEVpefi1Y0dPPghU4979XVRgaMb/eDvzsuplQC"
    "PwhXGm8bNMWlAK9UpLwxNIUVLOHkG3HXgUkDzvwW6krrB3CaV6GtAY4nQrSyEfKKGFIlA2ElxRll571dBdpyK/mviT"
    "X3VlSO2SSvfCiqq3E0tKJRWRVHEovQmsKHOPHFj/7TNtwFrn3YlHV6kGIyp3PtI9BbKKOl3JWqik4OKCC0hYcZAoWY"
    "9O/3To8Uif8yJ9Nq6SrItaCgPVTzILVoceQRNntjY9sKBwKVdhMwQC0grYFwRMmi1K12Pff37i2ghr/Z/MJrsel1qm"
    "V9xR2MZhNgNuZjkjXHMJn57AirL3eFC+XkWlbbK7tBEJtRKKtbGic4izCbA9qayrshkK7m+5JppBV5SAitK399ILnx"
    "6P+qHzu/oh4tTG9tQGmlGXNlQTCwpBFCvRlSqjDD4xd/W3R5qAccHOy2ON+mi8UT+T/ld69emR/V8vwMm5nVfGTh4f"
    "Q//B2Uvf1X/dDmdPtRH7O7fA+VJpuVGBzkovFafRY113yh23PP+shTvlhpkTKS977tp28KX2CZQbxulCfaFTl0nuAj"
    "wOP3ziw3uuHjYKYbWVHKKOofV4DC6ZhWjEb+1thEGxGfXUuQ14olhq7vNv9heawZ7wutVF/Yz7MjeJR+Kj22fPDpjc"
    "KB7qDJSq5/Yfw5nOP2oLqyduwZOdEythpdZY9oPFoFQOdpXDa2CTDDTVVPpG5Ebw4NkJsIr5NjeFx+OrGs1mNH9Aab"
    "BeBBsf/P0LowuA8cfe23IIrLExdw/6v2IBbvD9u2C7qOP7eMvTr2PguRBGptFx1EfDG58bgH9segP1/Qa2Mwe6"
)
WANDB_0_17_9_METADATA = {
    "program": "/tmp/w017/t.py",
    "args": [],
    "host": "vm",
    "startedAt": "2026-11-26T23:47:20.177503",
    "git": {
        "remote": "https://example.com/old.git",
        "commit": "bec66c85edd89c3617207d274cf8d0136da01982",
    },
}


def test_a_real_run_from_wandb_0_17_reads_fully(tmp_path: Path):
    import base64
    import zlib

    run_dir = tmp_path / "offline-run-20261126_234720-juukl8l1"
    (run_dir / "files").mkdir(parents=True)
    path = run_dir / "run-juukl8l1.wandb"
    path.write_bytes(zlib.decompress(base64.b64decode(WANDB_0_17_9)))
    (run_dir / "files" / "wandb-metadata.json").write_text(json.dumps(WANDB_0_17_9_METADATA))
    (run_dir / "files" / "wandb-summary.json").write_text('{"_wandb": {"runtime": 0}}')
    info = read_run(path)
    assert (info.run_id, info.project, info.name, info.group, info.tags) == (
        "juukl8l1",
        "old-proj",
        "old-run",
        "og",
        ["v017"],
    )
    assert info.wandb_version == "0.17.9" and info.state == "finished"
    assert info.config == {"lr": 0.3, "opt": {"name": "sgd"}}
    assert info.summary["best"] == 7 and info.summary["loss"] == 0.05
    assert info.summary["val"] == {"acc": 0.95} and "_wandb" not in info.summary
    assert info.commit == "bec66c85edd89c3617207d274cf8d0136da01982"
    assert info.remote == "https://example.com/old.git" and info.program == "/tmp/w017/t.py"
    series, problems = read_history(path, ["loss", "val.acc"])
    assert len(series["loss"]) == 20 and series["val.acc"][-1] == (19, 0.95)
    assert problems == [] and info.problems == []


def test_full_reads_find_summary_keys_logged_long_before_the_end(tmp_path: Path):
    rows = [{"loss": 1.0 / (i + 1)} for i in range(3000)]
    rows[100]["val_loss"] = 0.5  # logged once, early (but after the first row)
    path = tmp_path / "run-early.wandb"
    path.write_bytes(ww.build_run("early", history=rows, config={"lr": 0.1}))
    assert path.stat().st_size > 4 * wr.BLOCK
    quick = read_run(path)
    assert quick.config == {"lr": 0.1} and quick.summary["loss"] == pytest.approx(1 / 3000)
    assert "val_loss" not in quick.summary  # outside the windows read by default
    assert read_run(path, full=True).summary["val_loss"] == 0.5


def test_damaged_records_inside_valid_chunks_are_skipped_not_raised(tmp_path: Path):
    """Bytes flipped inside records whose chunks still carry a valid CRC (a buggy writer):
    wrong wire types, bad lengths, impossible timestamps. The reader keeps what decodes."""
    source = ww.build_run(
        "fz",
        name="n",
        group="g",
        tags=["t"],
        config={"lr": 0.1},
        commit="c" * 40,
        args=["--x"],
        program="p.py",
        start=1.7e9,
        history=[{"loss": 1.0, "a.b": 2} for _ in range(20)],
        summary={"best": 1},
        runtime=5,
    )
    records = list(wr.records(source, wr.HEADER_LEN, wr.Scan()))
    path = tmp_path / "run-fz.wandb"
    rng = random.Random(7)
    for _ in range(300):
        writer = ww.RecordWriter()
        for record in records:
            damaged = bytearray(record)
            if rng.random() < 0.3:
                for _ in range(rng.randrange(1, 4)):
                    damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            writer.add(bytes(damaged))
        path.write_bytes(writer.getvalue())
        os.utime(path, (0, 0))
        info = read_run(path)
        read_history(path)
        json.dumps([info.config, info.summary, info.tags, info.args])  # storable as JSON
        assert all(isinstance(tag, str) for tag in info.tags)
        assert info.state in ("finished", "crashed")


def test_the_generated_runs_are_real_wandb_files(wandb_runs: WandbRuns) -> None:
    for path in wandb_runs.by_name.values():
        assert path.read_bytes()[:4] == b":W&B"
        assert path.parent.name.startswith("offline-run-")
