"""Damage inside a long history: a plain `runs sync` (head and tail read, the middle only
CRC-checked) names the file and what the damage cost, once."""

from __future__ import annotations

from tests.wandb_endings import Endings, endings, endings_copy

__all__ = ["endings", "endings_copy"]  # fixtures from tests.wandb_endings


def test_plain_sync_reports_damage_in_the_middle_of_a_long_file(
    cli, project, endings_copy: Endings
):
    path = endings_copy.by_name["long"]
    data = bytearray(path.read_bytes())
    assert len(data) > 3 * 32 * 1024  # long enough that a sync reads only its head and tail
    middle = len(data) // 2
    for offset in range(50):  # 50 flipped bytes in the middle of a 400-row file
        data[middle + offset] ^= 0xFF
    path.write_bytes(bytes(data))
    sync = cli("runs", "sync", str(endings_copy.repo / "wandb"))
    assert sync.exit_code == 0, sync.output
    (warning,) = [line for line in sync.stderr.splitlines() if str(path) in line]
    assert "1 damaged chunk skipped with the rest of their 32 KiB block (first at byte " in warning
    assert "history rows lost to damage (steps " in warning
    shown = cli("runs", "show", "long", "-m", "val/acc")
    (lost_line,) = [line for line in shown.stderr.splitlines() if "lost to damage" in line]
    # the sync and `runs show` count the same rows
    assert lost_line.split(": ")[-1] in warning
    again = cli("runs", "sync", str(endings_copy.repo / "wandb"))
    assert str(path) not in again.stderr  # unchanged: not read, not warned again


def test_an_undamaged_long_file_syncs_without_a_warning(cli, project, endings_copy: Endings):
    sync = cli("runs", "sync", str(endings_copy.repo / "wandb"))
    long = str(endings_copy.by_name["long"])
    # (the runs killed on purpose warn of their cut ends; the long one, undamaged, not at all)
    assert long not in sync.stderr and "damaged chunk" not in sync.stderr, sync.stderr
