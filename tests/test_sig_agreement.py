"""A verdict never contradicts its numbers anywhere in the output (issue 15): when the headline
names no winner, no other line does; when it does, the interval printed with it excludes 0;
p-values below what a double holds print as "p < 1e-300" and keep a number and a flag."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

# A winner claim: "B is better", "B is convincingly better", "B ... dominates A".
CLAIM = re.compile(r"(?<!not )\b(is (convincingly )?better|almost stochastically dominates)\b")
CI = re.compile(r"CI \[(-?[0-9.e+-]+), (-?[0-9.e+-]+)\]")
UNDECIDED = ("no_difference", "too_few", "continue", "equivalent")


def _preds(tmp_path: Path, name: str, wrong: set[int], n: int = 60) -> str:
    path = tmp_path / f"{name}.csv"
    path.write_text(
        "id,y_true,y_pred\n" + "".join(f"{i},1,{0 if i in wrong else 1}\n" for i in range(n))
    )
    return str(path)


def _cases(tmp_path: Path) -> list[list[str]]:
    table = tmp_path / "multi.csv"
    table.write_text("base,cfg1,cfg2\n0.7,0.71,0.8\n0.72,0.72,0.83\n0.69,0.7,0.79\n0.71,0.7,0.81\n")
    return [
        ["seeds", "1,1,1", "2,2,2"],
        ["seeds", "0.8,0.8,0.8", "0.9,0.9,0.9"],
        ["seeds", "0.8,0.81,0.79", "0.9,0.91,0.92"],
        ["seeds", "0.70,0.74,0.71,0.73", "0.72,0.71,0.75,0.74"],
        ["seeds", "0.70,0.74,0.71,0.73", "0.72,0.71,0.75,0.74", "--paired"],
        ["seeds", "0.1,0.2,0.3,0.4,0.5,0.6", "0.109,0.209,0.309,0.409,0.509,0.609", "--paired"],
        ["seeds", "-0.8,-1.3,-1.1", "-0.7,-1.2,-1.0"],
        ["seeds", "0.7,0.71", "0.9,0.91"],
        [
            "seeds",
            ",".join(f"0.{70 + i}" for i in range(10)),
            ",".join(f"0.{72 + i}" for i in range(10)),
            "--cv",
            "5x2",
        ],
        ["seeds", "0.70,0.71,0.72,0.73,0.74", "0.75,0.76,0.77,0.78,0.79", "--cv", "5"],
        ["seeds", "0.71,0.74,0.70,0.73,0.72,0.75", "0.78,0.80,0.77,0.81,0.79,0.80", "--sequential"],
        ["seeds", "0.71,0.74,0.70", "0.78,0.70,0.77", "--sequential", "--bounds", "0,1"],
        ["props", "0.75", "0.86", "--n", "100"],
        ["props", "0.75", "0.79", "--n", "1000"],
        ["props", "0.70", "0.90", "--n", "500"],
        ["preds", _preds(tmp_path, "a", set(range(10))), _preds(tmp_path, "b", {3, 4})],
        ["preds", _preds(tmp_path, "c", {1, 2}), _preds(tmp_path, "d", {2, 3})],
        ["multi", str(table)],
        ["multi", str(table), "--baseline", "base", "--adjust", "hommel"],
        ["adjust", "0.01", "0.04", "0.3", "--method", "hommel"],
        ["regression", "1.0,1.01,0.99,1.0", "0.8", "--higher-is-better"],
    ]


def test_every_line_agrees_with_the_headline(cli, tmp_path: Path) -> None:
    seen: set[str] = set()
    for args in _cases(tmp_path):
        text = cli("sig", *args)
        assert text.exit_code == 0, (args, text.output)
        data = json.loads(cli("sig", *args, "--json").stdout)
        verdict = data["verdict"] if "verdict" in data else data["comparisons"][0]["verdict"]
        seen.add(verdict)
        lines = text.stdout.splitlines()
        if data.get("kind") == "baseline":
            for row, line in zip(data["comparisons"], lines[1:], strict=True):
                _check(row["verdict"], [line], args)
            continue
        _check(verdict, lines, args)
    assert {"b_better", "no_difference", "too_few", "continue"} <= seen


def _check(verdict: str, lines: list[str], args: list[str]) -> None:
    if verdict in UNDECIDED:
        claims = [line for line in lines if CLAIM.search(line)]
        assert not claims, (args, verdict, claims)
    elif verdict in ("b_better", "a_better"):
        found = CI.search(lines[0])
        if found is None:  # no interval only when every difference is the same number
            assert "every paired difference is" in " ".join(lines), (args, lines)
            return
        low, high = float(found[1]), float(found[2])
        assert low > 0 or high < 0, (args, lines[0])
        assert low < high, (args, "a zero-width interval", lines[0])


def test_tied_runs_say_no_winner_on_any_line(cli) -> None:
    out = cli("sig", "seeds", "1,1,1", "2,2,2").stdout
    assert out.startswith("no test can decide with 3 vs 3 runs")
    assert "convincingly better" not in out and "dominates A" not in out
    assert "not decisive at this n" in out


@pytest.mark.parametrize(
    "args",
    [
        ("props", "0.01", "0.99", "--n", "100000"),
        ("preds", "A", "B"),
    ],
)
def test_tiny_p_prints_as_a_bound_and_json_keeps_a_number(cli, tmp_path: Path, args) -> None:
    if args[0] == "preds":  # b = 0, c = 5000: McNemar's exact p is below any double
        n = 6000
        args = (
            "preds",
            _preds(tmp_path, "a", set(range(5000)), n),
            _preds(tmp_path, "b", set(), n),
        )
    text = cli("sig", *args).stdout
    assert "p < 1e-300" in text
    data = json.loads(cli("sig", *args, "--json").stdout)
    assert isinstance(data["p_value"], float) and data["p_value"] > 0
    assert data["p_floor"] is True and data["p_text"] == "< 1e-300"
