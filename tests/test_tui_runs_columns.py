"""The Runs table keeps its columns readable when the chosen metric changes (issue 14 #9)."""

from __future__ import annotations

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
