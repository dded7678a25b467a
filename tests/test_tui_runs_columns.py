"""The Runs table keeps its columns readable when the chosen metric changes (issue 14 #9)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import OptionList

from mlpm.tui.app import MlpmApp
from mlpm.tui.widgets.line_table import LineTable
from tests.test_tui_runs import imported, runs_screen, settle

__all__ = ["imported"]  # fixture

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _widths(table: LineTable) -> dict[str, int]:
    return {str(c.label): c.get_render_width(table) for c in table.ordered_columns}


async def test_name_and_state_keep_their_width_after_the_metric_changes(db_path: Path, imported):
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        table = screen.query_one("#runs-table", LineTable)
        before = _widths(table)
        longest = max(len(r.label) for r in imported)
        assert before["Name"] >= longest and before["State"] >= len("finished")
        for _ in range(2):  # the first change and the next
            await pilot.press("m")
            await pilot.pause()
            options = app.screen.query_one(OptionList)
            await pilot.press("down", "enter")
            await settle(pilot)
            assert options.option_count > 1
            after = _widths(table)
            assert after["Name"] == before["Name"] and after["State"] == before["State"]
            text = "\n".join(
                "".join(seg.text for seg in table.render_line(y)) for y in range(table.size.height)
            )
            assert "finished" in text and max((r.label for r in imported), key=len) in text


def _row_text(table: LineTable, y: int) -> str:
    return "".join(seg.text for seg in table.render_line(y))


async def test_a_number_column_is_right_aligned_header_and_dashes_too_as_runs_list_prints(
    cli, db_path: Path, imported, tmp_path: Path
):
    # The MLflow store's runs have an lr but no seed: their seed is "–". `runs list` aligns a
    # column of numbers and dashes to the right, its header too; the table did so only for
    # the numbers, leaving the dashes and the header at the left of the column.
    mlflow = tmp_path / "mlflow"
    mlflow.mkdir()
    shutil.copy(Path(__file__).parent / "data" / "mlflow" / "mlflow.db", mlflow / "mlflow.db")
    assert cli("runs", "sync", str(mlflow)).exit_code == 0
    assert cli("runs", "list", "--columns", "seed,lr", "--save-columns").exit_code == 0
    listed = cli("runs", "list").stdout.splitlines()
    assert listed[0].endswith("  seed     lr")
    app = MlpmApp(db_path, screen="runs")
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        table = runs_screen(app).query_one("#runs-table", LineTable)
        header = _row_text(table, 0)
        rows = [_row_text(table, y) for y in range(1, len(table.row_keys) + 1)]
        dashed = next(r for r in rows if "stopped" in r)
        numbered = next(r for r in rows if "base-0" in r)
        seed_end = header.index("seed") + len("seed")
        assert dashed[seed_end - 1] == "–" and numbered[seed_end - 1] == "0"
        lr_end = numbered.index("0.001") + len("0.001")  # lr's widest value
        assert header[:lr_end].endswith(" lr")  # the label ends where the numbers do
