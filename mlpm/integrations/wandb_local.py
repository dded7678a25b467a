"""Read W&B runs from local run directories (offline runs, and local copies of online ones).

`read_run` decodes only the head of a `.wandb` file (identity, config, git) and its tail
(exit, final summary), and only CRC-checks the chunks between (damage is still found), so an
import of many long runs costs little; `wandb_history` decodes the whole file, on demand.
A run with no exit record is "running" only while its writer still lives.
"""

from __future__ import annotations

import json
import mmap
import os
import re
import socket
import time
from collections.abc import Iterable, Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

from mlpm.integrations.wandb_proto import DECODE_ERRORS
from mlpm.integrations.wandb_records import (
    BLOCK,
    HEADER_LEN,
    R_HISTORY,
    Scan,
    WandbFileError,
    check_chunks,
    check_header,
    records,
)
from mlpm.integrations.wandb_run import RunBuilder, RunInfo
from mlpm.wording import counted

HEAD_WINDOW = 2 * BLOCK  # identity, config, environment: the first records
TAIL_WINDOW = BLOCK // 2  # exit and the latest summary updates: the records in the last 16 KiB
RUNNING_GRACE_S = 300  # no exit record, no known live writer: "running" only if this fresh
SILENT_WRITER_S = 6 * 3600  # wandb writes system stats every ~15 s while a run lives

_PID = re.compile(rb"MainThread:(\d+)")


def _writer_alive(run_dir: Path, host: str | None) -> bool | None:
    """Whether the process that wrote the run still lives (None: cannot tell)."""
    if host and host != socket.gethostname():
        return None
    try:
        with open(run_dir / "logs" / "debug.log", "rb") as handle:
            match = _PID.search(handle.read(4096))
    except OSError:
        return None
    if not match:
        return None
    pid = int(match.group(1))
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return None
    return True


def _apply_json_files(info: RunInfo, run_dir: Path) -> None:
    """Older versions and online runs also keep metadata and summary as JSON files."""
    files = run_dir / "files"
    meta = _json_file(files / "wandb-metadata.json", info)
    if isinstance(meta, dict):
        git = meta.get("git")
        if not isinstance(git, dict):
            git = {}
        info.commit = info.commit or git.get("commit") or None
        info.remote = info.remote or git.get("remote") or None
        info.program = info.program or meta.get("program") or meta.get("codePath") or None
        if not info.args and isinstance(meta.get("args"), list):
            info.args = [str(a) for a in meta["args"]]
        info.host = info.host or meta.get("host") or None
        if not info.start_time and isinstance(meta.get("startedAt"), str):
            info.start_time = meta["startedAt"]
    summary = _json_file(files / "wandb-summary.json", info)
    if isinstance(summary, dict):
        summary.pop("_wandb", None)
        info.summary = {**info.summary, **summary}
        runtime = summary.get("_runtime")
        if info.runtime is None and isinstance(runtime, int | float):
            info.runtime = float(runtime)


def _json_file(path: Path, info: RunInfo) -> Any:
    try:
        with open(path, "rb") as handle:
            return json.loads(handle.read())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        info.problems.append(f"unreadable {path.name}")
        return None


def run_id_from_path(path: Path) -> str:
    """`run-<id>.wandb` -> `<id>` (the id a run's files are named after)."""
    stem = path.stem
    return stem[4:] if stem.startswith("run-") else stem


def _read_windows(path: Path, info: RunInfo, *, full: bool) -> tuple[RunBuilder, Scan]:
    """Fold the head records (up to the first history row) and the tail records; or, with
    `full` (or for a small file), every record."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, after several reads
    except OSError as exc:
        raise WandbFileError(f"cannot read: {exc.strerror}") from None
    with handle:
        size = os.fstat(handle.fileno()).st_size
        if full or size <= HEAD_WINDOW + TAIL_WINDOW:
            data = handle.read()
            check_header(data)
            builder, scan = RunBuilder(info), Scan()
            for record in records(data, HEADER_LEN, scan):
                builder.add(record)
            return builder, scan
        # mapped, not read: the stretch between head and tail is only CRC-checked
        try:
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:
            raise WandbFileError(f"cannot read: {exc}") from None
    with mapped:
        return _head_and_tail(mapped, info)


def _head_and_tail(data: mmap.mmap, info: RunInfo) -> tuple[RunBuilder, Scan]:
    """The head records (up to the first history row), the tail's (its last TAIL_WINDOW
    bytes), and the CRCs of the chunks between."""
    check_header(data[:HEADER_LEN])
    size = len(data)
    window = HEAD_WINDOW
    while True:  # grow the head window while a record (a huge config) overflows it
        builder, head_scan = RunBuilder(info), Scan()
        reached_history = False
        for record in records(data[:window], HEADER_LEN, head_scan):
            if builder.add(record) == R_HISTORY:
                reached_history = True
                break
        if reached_history or not head_scan.truncated or window >= size:
            break
        window *= 4
    scan = Scan(records=head_scan.records, corrupt=head_scan.corrupt)
    scan.first_corrupt_at = head_scan.first_corrupt_at
    # between head and tail the chunks are only CRC-checked: decoding them is what costs
    tail = check_chunks(data, max(head_scan.end, HEADER_LEN), size - TAIL_WINDOW, scan)
    for record in records(data, tail, scan):
        builder.add(record)
    return builder, scan


def read_run(path: Path | str, *, now: float | None = None, full: bool = False) -> RunInfo:
    """Read one `.wandb` file's run. Problems go to `info.problems`.

    By default only the head and the tail (its last 16 KiB) of a long file are decoded, and
    the chunks between CRC-checked: config changes made after the first logged row, and
    summary keys last logged before the tail of a run killed before its final summary
    record, are missed. `full` decodes every record (slower, exact).
    Raises WandbFileError when the file is not a readable `.wandb` file at all.
    """
    path = Path(path)
    run_dir = path.parent
    info = RunInfo(run_id=run_id_from_path(path), path=str(path))
    info.source = "offline" if run_dir.name.startswith("offline-run-") else "online"
    try:
        builder, scan = _read_windows(path, info, full=full)
    except DECODE_ERRORS:
        raise WandbFileError("undecodable records") from None
    try:
        builder.fold_summary()
    except DECODE_ERRORS:
        info.problems.append("a summary record could not be decoded")
    _apply_json_files(info, run_dir)
    if builder.bad:
        info.problems.extend(builder.bad)
    if scan.corrupt:
        info.problems.append(
            f"{counted(scan.corrupt, 'damaged chunk')} skipped with the rest of their 32 KiB block"
            f" (first at byte {scan.first_corrupt_at:,}){_rows_lost(path)}"
        )
    if not builder.saw_exit:
        age = (now or time.time()) - os.stat(path).st_mtime
        alive = _writer_alive(run_dir, info.host)
        if alive is None:
            alive = age < RUNNING_GRACE_S
        elif alive and age > SILENT_WRITER_S:
            alive = False  # a live pid, but silent for hours: most likely a reused pid
        info.state = "running" if alive else "preempted" if builder.preempting else "crashed"
        if not alive and scan.truncated:
            info.problems.append("file ends mid-record (run killed?); read what was complete")
    if scan.records == 0:
        _apply_early_traces(info, run_dir)
        if info.state != "running":  # a live run may simply not have flushed its first block
            info.problems.append(
                "no complete record (killed in its first seconds?): start time from the"
                " folder name" + (", config from its logs" if info.config else "")
            )
    return info


def _rows_lost(path: Path) -> str:
    """What the damage cost the history ("; 9 history rows lost to damage (steps 120–128)"),
    from a pass over the history's steps (only a damaged file pays for it)."""
    from mlpm.integrations import wandb_history

    try:
        _, problems, _ = wandb_history.read_history_damage(path, [])
    except WandbFileError:
        return ""
    return "".join(f"; {p}" for p in problems if "lost to damage" in p)


_FOLDER_TIME = re.compile(r"^(?:offline-)?run-(\d{8}_\d{6})-")
_CONFIG_LINE = re.compile(r"^config: (\{.*\})$", re.MULTILINE)


def _apply_early_traces(info: RunInfo, run_dir: Path) -> None:
    """What a run killed before its first flush left: the start time in its folder's name
    (local time), its config in `files/config.yaml` or the `config:` line of `debug.log`."""
    import ast
    from datetime import datetime

    match = _FOLDER_TIME.match(run_dir.name)
    if match and not info.start_time:
        local = datetime.strptime(match.group(1), "%Y%m%d_%H%M%S").astimezone()
        info.start_time = local.astimezone(UTC).isoformat(timespec="seconds")
    if info.config:
        return
    config: Any = None
    if (run_dir / "files" / "config.yaml").is_file():
        config = _yaml_config(run_dir / "files" / "config.yaml")
    if not isinstance(config, dict):
        try:
            log = (run_dir / "logs" / "debug.log").read_text("utf-8", "replace")[:65536]
        except OSError:
            log = ""
        found = _CONFIG_LINE.search(log)
        try:
            config = ast.literal_eval(found.group(1)) if found else None
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            config = None
    if isinstance(config, dict):
        info.config = {
            str(k): v["value"] if isinstance(v, dict) and "value" in v else v
            for k, v in config.items()
            if str(k) != "_wandb"
        }


def _yaml_config(path: Path) -> Any:
    try:
        import yaml
    except ImportError:
        return None
    try:
        return yaml.safe_load(path.read_text("utf-8", "replace"))
    except (OSError, yaml.YAMLError):
        return None


def find_run_files(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Every `.wandb` file under the given directories (or the files themselves), sorted."""
    for root in paths:
        root = Path(root)
        if root.is_file():
            yield root
            continue
        found: list[Path] = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in ("files", "logs", "tmp")]
            found += [Path(dirpath) / f for f in filenames if f.endswith(".wandb")]
        yield from sorted(found)
