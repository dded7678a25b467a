"""`mlpm sig suite` and `sig runs --suite` end to end: the table, probability of improvement
and profiles a user reads, the JSON fields of issue 15, saving, and the SVG file."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from scipy import stats

from mlpm.services import comparisons
from mlpm.services.significance.saving import saved_check
from mlpm.store import Store

# Two methods, two tasks, four seeds: small enough to compute by hand.
SCORES = {
    ("x", "t1"): [0.2, 0.4, 0.6, 0.8],
    ("y", "t1"): [0.4, 0.5, 0.5, 0.9],
    ("x", "t2"): [1.0, 2.0, 3.0, 4.0],
    ("y", "t2"): [0.5, 1.5, 2.5, 6.0],
}


def _table(tmp_path: Path, jsonl: bool = False) -> str:
    rows = [
        {"method": m, "task": t, "seed": s, "score": v}
        for (m, t), values in SCORES.items()
        for s, v in enumerate(values)
    ]
    if jsonl:
        path = tmp_path / "suite.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:
        path = tmp_path / "suite.csv"
        path.write_text(
            "method,task,seed,score\n"
            + "".join(f"{r['method']},{r['task']},{r['seed']},{r['score']}\n" for r in rows)
        )
    return str(path)


def _p_improvement(a: str, b: str) -> float:
    """Per task P(X > Y) + P(X = Y) / 2 over every pair of runs, averaged over tasks."""
    per_task = []
    for task in ("t1", "t2"):
        xs, ys = SCORES[(a, task)], SCORES[(b, task)]
        wins = sum((u > v) + 0.5 * (u == v) for u in xs for v in ys)
        per_task.append(wins / (len(xs) * len(ys)))
    return sum(per_task) / len(per_task)


def test_suite_json_has_the_issue_fields_and_exact_point_estimates(cli, tmp_path: Path) -> None:
    r = cli("sig", "suite", _table(tmp_path), "--json", "--resamples", "500")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    methods = {m["method"]: m for m in data["methods"]}
    for m in methods.values():
        assert m.keys() >= {
            "method",
            "iqm",
            "iqm_ci_low",
            "iqm_ci_high",
            "mean",
            "median",
            "optimality_gap",
        }
    x_all = SCORES[("x", "t1")] + SCORES[("x", "t2")]
    assert methods["x"]["iqm"] == pytest.approx(stats.trim_mean(x_all, 0.25), abs=1e-12)
    assert methods["x"]["mean"] == pytest.approx(sum(x_all) / 8)
    gap = sum(max(1.0 - v, 0) for v in x_all) / 8
    assert methods["x"]["optimality_gap"] == pytest.approx(gap)
    pairs = {(p["a"], p["b"]): p for p in data["prob_improvement"]}
    assert pairs.keys() == {("x", "y"), ("y", "x")}
    assert set(pairs["x", "y"]) == {"a", "b", "p", "ci_low", "ci_high"}
    assert pairs["x", "y"]["p"] == pytest.approx(_p_improvement("x", "y"), abs=1e-12)
    assert pairs["y", "x"]["p"] == pytest.approx(_p_improvement("y", "x"), abs=1e-12)
    assert pairs["x", "y"]["ci_low"] <= pairs["x", "y"]["p"] <= pairs["x", "y"]["ci_high"]
    same = json.loads(cli("sig", "suite", _table(tmp_path, jsonl=True), "--json").stdout)
    assert same["methods"][0]["iqm"] == pytest.approx(data["methods"][0]["iqm"])


def test_suite_prints_a_table_the_pairs_and_a_plain_profile_chart(cli, tmp_path: Path) -> None:
    r = cli("sig", "suite", _table(tmp_path), "--normalise", "min-max")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith("2 methods on 2 tasks: highest IQM")
    assert lines[1].split() == [
        "method",
        "IQM",
        "[95%",
        "CI]",
        "mean",
        "median",
        "opt.",
        "gap",
        "runs",
    ]
    assert "probability of improvement P(X > Y)" in r.stdout
    assert "performance profiles (share of runs scoring above tau):" in r.stdout
    assert "a = " in r.stdout and "b = " in r.stdout
    assert "min-max per task" in r.stdout
    # Plain printable characters only: no escapes, no box drawing.
    assert all(32 <= ord(ch) < 127 for ch in r.stdout.replace("\n", ""))


def test_suite_reference_scores_scale_each_task(cli, tmp_path: Path) -> None:
    ref = tmp_path / "ref.csv"
    ref.write_text("task,low,high\nt1,0,1\nt2,0,4\n")
    data = json.loads(
        cli("sig", "suite", _table(tmp_path), "--reference", str(ref), "--json").stdout
    )
    assert data["normalisation"] == "reference"
    x_all = SCORES[("x", "t1")] + [v / 4 for v in SCORES[("x", "t2")]]
    mean = next(m["mean"] for m in data["methods"] if m["method"] == "x")
    assert mean == pytest.approx(sum(x_all) / 8)
    ref.write_text("task,low,high\nt1,0,1\n")
    missing = cli("sig", "suite", _table(tmp_path), "--reference", str(ref))
    assert missing.exit_code == 2 and "no reference scores for task t2" in missing.stderr


def test_suite_profile_svg_is_valid_and_escapes_names(cli, tmp_path: Path) -> None:
    table = tmp_path / "odd.csv"
    table.write_text(
        "method,task,seed,score\n"
        + "".join(f'"a<b&c",t,{s},{s / 10}\nplain,t,{s},{s / 5}\n' for s in range(4))
    )
    out = tmp_path / "profiles.svg"
    r = cli("sig", "suite", str(table), "--profile-out", str(out))
    assert r.exit_code == 0, r.output
    assert "performance profiles saved to" in r.stderr
    root = ET.parse(out).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}polyline")) == 2
    assert "a<b&c" in [t.text for t in root.iter(f"{ns}text")]
    bad = cli("sig", "suite", str(table), "--profile-out", str(tmp_path / "p.pdf"))
    assert bad.exit_code == 2 and "give a .svg or .png file" in bad.stderr


def test_suite_can_be_saved_and_read_back_as_the_compare_screen_shows_it(
    cli, tmp_path: Path, db_path: Path, project
) -> None:
    r = cli("sig", "suite", _table(tmp_path), "--save", "--resamples", "200")
    assert r.exit_code == 0, r.output
    assert r.stdout.rstrip().endswith("saved as comparison 1")
    store = Store.open(db_path)
    try:
        check = saved_check(comparisons.get(store, 1))
    finally:
        store.close()
    told = check.report()
    assert told.headline == r.stdout.splitlines()[0]
    assert any("performance profiles" in line for line in told.body)
    logged = cli("sig", "log").stdout
    assert "suite" in logged and "highest IQM" in logged


def _suite_runs(db_path: Path) -> None:
    store = Store.open(db_path)
    now = "2026-03-02T10:00:00+01:00"
    with store.write("test runs", undoable=False) as tx:
        for (method, task), values in SCORES.items():
            for seed, score in enumerate(values):
                tx.insert(
                    "run",
                    {
                        "id": f"{method}-{task}-{seed}",
                        "source": "offline",
                        "name": f"{method}-{task}-{seed}",
                        "group_name": method,
                        "state": "finished",
                        "start_time": "2026-03-01T10:00:00",
                        "config": json.dumps({"seed": seed, "dataset": task}),
                        "summary": json.dumps({"score": score}),
                        "imported_at": now,
                        "updated_at": now,
                    },
                )
    store.close()


def test_runs_suite_builds_the_same_table_from_runs(cli, tmp_path: Path, db_path: Path) -> None:
    cli("sig", "log")
    _suite_runs(db_path)
    args = ("--json", "--resamples", "300", "--seed", "3")
    from_runs = cli("sig", "runs", "--suite", "--metric", "score", "--task-key", "dataset", *args)
    assert from_runs.exit_code == 0, from_runs.output
    from_file = cli("sig", "suite", _table(tmp_path), *args)
    runs_data, file_data = json.loads(from_runs.stdout), json.loads(from_file.stdout)
    assert runs_data["methods"] == file_data["methods"]
    assert runs_data["prob_improvement"] == file_data["prob_improvement"]
    no_key = cli("sig", "runs", "--suite", "--metric", "score")
    assert no_key.exit_code == 2 and "--task-key" in no_key.stderr
