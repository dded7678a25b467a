"""`mlpm sig ...` end to end: verdict first, stable JSON, saved comparisons, imported runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlpm.store import Store

A = "0.751,0.762,0.748,0.770,0.755"
B = "0.781,0.779,0.795,0.772,0.790"
FIELDS = {
    "test",
    "statistic",
    "p_value",
    "effect_size",
    "ci_low",
    "ci_high",
    "verdict",
    "n_a",
    "n_b",
}


def test_seeds_prints_the_verdict_first(cli) -> None:
    r = cli("sig", "seeds", A, B)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == "B is better than A: difference (B - A) +0.0262, 95% CI [0.01307, 0.03933]"
    assert "Welch's t-test: statistic 4.603, p = 0.00175" in r.stdout
    assert "Hedges' g = 2.629" in r.stdout
    assert "Almost Stochastic Order" in r.stdout and "bootstrap seed 1234" in r.stdout


def test_seeds_json_has_the_stable_fields(cli) -> None:
    data = json.loads(cli("sig", "seeds", A, B, "--json").stdout)
    assert data.keys() >= FIELDS
    assert data["p_value"] == pytest.approx(0.001752562881, rel=1e-9)
    assert (data["n_a"], data["n_b"]) == (5, 5)
    assert data["verdict"] == "b_better"


def test_alpha_changes_the_verdict(cli) -> None:
    data = json.loads(cli("sig", "seeds", A, B, "--alpha", "0.001", "--json").stdout)
    assert data["verdict"] == "no_difference"
    assert data["ci_level"] == pytest.approx(0.999)


def test_paired_and_folds(cli) -> None:
    paired = cli("sig", "seeds", A, B, "--paired")
    assert "paired t-test: statistic 3.39, p = 0.0275" in paired.stdout
    assert "cannot go below p = 0.0625" in paired.stdout
    folds = json.loads(cli("sig", "seeds", A, B, "--cv", "5", "--json").stdout)
    assert folds["test"] == "Nadeau-Bengio corrected resampled t"
    assert folds["extra"]["test_train_ratio"] == pytest.approx(0.25)
    ten = ",".join(str(0.8 + i / 1000) for i in range(10))
    ten_b = ",".join(str(0.81 + (i % 3) / 1000) for i in range(10))
    five = json.loads(cli("sig", "seeds", ten, ten_b, "--cv", "5x2", "--json").stdout)
    assert five["test"].startswith("5x2cv paired t")
    bad = cli("sig", "seeds", A, B, "--cv", "many")
    assert bad.exit_code == 2 and "--cv takes the number of folds" in bad.stderr


def test_too_few_runs_say_so(cli) -> None:
    r = cli("sig", "seeds", "0.7,0.71", B)
    assert r.exit_code == 0
    assert r.stdout.startswith("too few runs (2 vs 5): with fewer than 3 runs a side no test")
    assert "p =" not in r.stdout


def test_nan_refused_in_one_line(cli) -> None:
    r = cli("sig", "seeds", "0.7,0.71,nan", B)
    assert r.exit_code == 2
    assert r.stderr.strip() == "error: A: value 3 is nan (NaN or infinite values are refused)"


def test_props(cli) -> None:
    r = cli("sig", "props", "0.75", "0.79", "--n", "1000")
    assert r.stdout.splitlines()[0].startswith("B is better than A: difference (B - A) +0.04")
    assert "Wilson 95% CIs: A [0.7222, 0.7758], B [0.7637, 0.8141]" in r.stdout
    assert "about 1,735 test examples per model" in r.stdout
    data = json.loads(cli("sig", "props", "0.75", "0.79", "--n", "1000", "--json").stdout)
    assert data.keys() >= FIELDS and data["effect_name"] == "Cohen's h"


def _preds(tmp_path: Path, n: int = 400) -> tuple[str, str]:
    import numpy as np

    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, n)
    a = np.where(rng.random(n) < 0.7, y, (y + 1) % 3)
    b = np.where(rng.random(n) < 0.85, y, (y + 2) % 3)
    fa, fb = tmp_path / "a.csv", tmp_path / "b.jsonl"
    fa.write_text("id,y_true,y_pred\n" + "".join(f"e{i},{y[i]},{a[i]}\n" for i in range(n)))
    fb.write_text(
        "".join(json.dumps({"id": f"e{i}", "y_pred": int(b[i])}) + "\n" for i in reversed(range(n)))
    )
    return str(fa), str(fb)


def test_preds(cli, tmp_path: Path) -> None:
    fa, fb = _preds(tmp_path)
    r = cli("sig", "preds", fa, fb, "--resamples", "2000", "--seed", "3")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("B is better than A")
    assert "McNemar exact (binomial)" in r.stdout and "macro-F1" in r.stdout
    assert "resampling seed: 3, 2000 resamples" in r.stdout
    data = json.loads(cli("sig", "preds", fa, fb, "--resamples", "500", "--json").stdout)
    assert data["extra"]["b"] + data["extra"]["c"] > 0 and data["n_a"] == 400


def test_preds_with_mismatched_ids_refused_and_nothing_saved(cli, tmp_path: Path) -> None:
    fa, _ = _preds(tmp_path)
    fb = tmp_path / "short.csv"
    fb.write_text("id,y_pred\ne0,1\ne1,1\nzz,2\n")
    r = cli("sig", "preds", fa, str(fb), "--save")
    assert r.exit_code == 2
    assert "ids differ: 398 in" in r.stderr and "1 in" in r.stderr
    assert json.loads(cli("sig", "log", "--json").stdout) == []


def test_multi_ranks_and_baseline(cli, tmp_path: Path) -> None:
    table = tmp_path / "scores.csv"
    rows = ["dataset,base,wide,deep"] + [
        f"d{i},{0.70 + i / 100},{0.72 + i / 100},{0.80 + i / 100 + (i % 2) / 200}" for i in range(8)
    ]
    table.write_text("\n".join(rows) + "\n")
    ranks = cli("sig", "multi", str(table))
    assert ranks.exit_code == 0, ranks.output
    assert ranks.stdout.startswith("the models differ")
    assert "Nemenyi critical difference" in ranks.stdout and "deep  1.000" in ranks.stdout
    data = json.loads(
        cli("sig", "multi", str(table), "--baseline", "base", "--paired", "--json").stdout
    )
    assert [c["label_b"] for c in data["comparisons"]] == ["wide", "deep"]
    assert all("p_adjusted" in c["extra"] for c in data["comparisons"])
    text = cli("sig", "multi", str(table), "--baseline", "base", "--adjust", "bonferroni")
    assert "after Bonferroni adjustment" in text.stdout.splitlines()[0]


def test_adjust_and_regression(cli) -> None:
    data = json.loads(cli("sig", "adjust", ".01", ".04", ".03", ".005", ".2", "--json").stdout)
    assert data["adjusted"] == pytest.approx([0.04, 0.09, 0.09, 0.025, 0.2])
    r = cli("sig", "regression", "18", "900", "--lower-is-better")
    assert r.stdout.startswith("REGRESSION: much worse than the baseline (50x")
    ok = json.loads(
        cli("sig", "regression", "18,18.2,17.9,18.1", "18.05", "--lower-is-better", "--json").stdout
    )
    assert ok["flagged"] is False and ok["p_value"] is not None


def test_save_and_log(cli, db_path: Path, project) -> None:
    from mlpm.services import tasks

    store = Store.open(db_path)
    task = tasks.add(store, "try wider layers").task
    store.close()
    saved = cli("sig", "seeds", A, B, "--save", "--task", str(task.id))
    assert saved.exit_code == 0 and "saved as comparison 1" in saved.stdout
    assert cli("sig", "props", "0.75", "0.79", "--n", "1000", "--save").exit_code == 0
    missing = cli("sig", "seeds", A, B, "--save", "--task", "999")
    assert missing.exit_code == 1 and "no task 999" in missing.stderr
    log = cli("sig", "log")
    assert log.stdout.splitlines()[0].startswith("#2 ")
    assert (
        f"seeds task {task.id}: A vs B: B is better than A (Welch's t-test, p = 0.00175)"
        in log.stdout
    )
    items = json.loads(cli("sig", "log", "--task", str(task.id), "--json").stdout)
    assert len(items) == 1 and items[0]["task_id"] == task.id
    assert items[0]["project_id"] == project.id
    assert items[0]["p_value"] == pytest.approx(0.001752562881, rel=1e-9)


def _add_runs(db_path: Path) -> None:
    store = Store.open(db_path)
    now = "2026-03-02T10:00:00+01:00"
    values = {"g1": [0.751, 0.762, 0.748, 0.770, 0.755], "g2": [0.781, 0.779, 0.795, 0.772, 0.79]}
    with store.write("test runs", undoable=False) as tx:
        for group, accs in values.items():
            for seed, acc in enumerate(accs):
                tx.insert(
                    "run",
                    {
                        "id": f"{group}-s{seed}",
                        "source": "offline",
                        "name": f"{group}-s{seed}",
                        "group_name": group,
                        "state": "finished",
                        "start_time": f"2026-03-0{1 + seed}T10:00:00",
                        "config": json.dumps({"seed": seed, "lr": 0.1}),
                        "summary": json.dumps({"val/acc": acc, "val/loss": 1 - acc}),
                        "imported_at": now,
                        "updated_at": now,
                    },
                )
    store.close()


def test_runs_groups_paired_by_seed(cli, db_path: Path) -> None:
    cli("sig", "log")  # creates and migrates the database
    _add_runs(db_path)
    r = cli("sig", "runs", "--group-a", "g1", "--group-b", "g2", "--metric", "val/acc")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("g2 is better than g1")
    assert "why: paired by config 'seed'" in r.stdout
    assert "paired t-test: statistic 3.39" in r.stdout
    loss = json.loads(
        cli(
            "sig",
            "runs",
            "--group-a",
            "g1",
            "--group-b",
            "g2",
            "--metric",
            "val/loss",
            "--unpaired",
            "--json",
            "--save",
        ).stdout
    )
    assert loss["higher_is_better"] is False and loss["verdict"] == "b_better"
    assert loss["why"].startswith("unpaired (as asked)")
    assert any("lower val/loss taken as better" in w for w in loss["warnings"])
    logged = json.loads(cli("sig", "log", "--run", "g1-s0", "--json").stdout)
    assert len(logged) == 1 and len(logged[0]["runs_a"]) == 5 and "g2-s4" in logged[0]["runs_b"]


def test_runs_single_runs_and_bad_refs(cli, db_path: Path) -> None:
    cli("sig", "log")
    _add_runs(db_path)
    one = cli("sig", "runs", "g1-s0", "g2-s0", "--metric", "val/acc")
    assert one.exit_code == 0
    assert one.stdout.startswith("too few pairs (1): with fewer than 3 pairs no test can be")
    lists = cli(
        "sig",
        "runs",
        "g1-s0,g1-s1,g1-s2",
        "--vs",
        "g2-s3,g2-s4,g2-s0",
        "--metric",
        "val/acc",
        "--json",
    )
    assert "unpaired: the sides share only one 'seed' value (0)" in json.loads(lists.stdout)["why"]
    missing = cli("sig", "runs", "g1-s0", "nope", "--metric", "val/acc")
    assert missing.exit_code == 1 and "no run 'nope'" in missing.stderr
    no_metric = cli("sig", "runs", "--group-a", "g1", "--group-b", "g2", "--metric", "bleu")
    assert no_metric.exit_code == 2 and "numeric 'bleu'" in no_metric.stderr


def test_sig_cli_and_stats_import_nothing_heavy(cli) -> None:
    cli("sig", "log")
    probe = """
import json, sys
from mlpm.cli import main
for argv in (["sig", "--help"], ["sig", "seeds", "--help"], ["sig", "log"]):
    try:
        main(argv)
    except SystemExit as exc:
        assert not exc.code, (argv, exc.code)
import mlpm.stats, mlpm.stats.report, mlpm.stats.result, mlpm.stats.regression
import mlpm.stats.props, mlpm.stats.paired, mlpm.stats.predictions, mlpm.stats.multiple
import mlpm.stats.inputs, mlpm.stats.aso, mlpm.services.comparisons
heavy = sorted({m.split('.')[0] for m in sys.modules} & {"numpy", "scipy", "statsmodels"})
print(json.dumps(heavy))
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_comparison_schema_and_undo(cli, db_path: Path) -> None:
    assert cli("sig", "seeds", A, B, "--save").exit_code == 0
    store = Store.open(db_path)
    columns = {r["name"] for r in store.query("PRAGMA table_info(comparison)")}
    assert FIELDS | {"verdict_text", "task_id", "project_id", "inputs", "result"} <= columns
    assert "mlpm.comparisons" in store.applied_migrations()
    store.close()
    undo = cli("undo")
    assert undo.exit_code == 0 and "sig save" in undo.stdout
    assert json.loads(cli("sig", "log", "--json").stdout) == []


def test_saved_result_round_trips(cli) -> None:
    from mlpm.stats.report import render
    from mlpm.stats.result import Result

    cli("sig", "seeds", A, B, "--paired", "--save")
    saved = json.loads(cli("sig", "log", "--json", "--full").stdout)[0]
    again = Result.from_json(saved["result"])
    assert (
        render(again).splitlines()[0]
        == cli("sig", "seeds", A, B, "--paired").stdout.splitlines()[0]
    )


def test_multi_ranks_can_be_saved(cli, tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("d,a,b,c\nx,1,2,3\ny,1,2,3\nz,1,3,2\nw,1,2,3\n")
    r = cli("sig", "multi", str(table), "--save")
    assert r.exit_code == 0 and "saved as comparison 1" in r.stdout
    item = json.loads(cli("sig", "log", "--json").stdout)[0]
    assert item["kind"] == "multi" and item["label_a"] == "a, b, c"


def test_preds_with_score_columns(cli, tmp_path: Path) -> None:
    fa, fb = tmp_path / "a.csv", tmp_path / "b.csv"
    fa.write_text("id,score\n" + "".join(f"e{i},{1 + (i % 7) / 10}\n" for i in range(60)))
    fb.write_text("id,score\n" + "".join(f"e{i},{0.8 + (i % 7) / 10}\n" for i in range(60)))
    r = cli("sig", "preds", str(fa), str(fb), "--lower-is-better", "--resamples", "999")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("B is better than A: difference (B - A) -0.2")
    assert "p < 0.001 (1/(R+1), R = 999)" in r.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("id,score\ne0,1\ne1,inf\n")
    refused = cli("sig", "preds", str(fa), str(bad))
    assert refused.exit_code == 2 and "row 2 (score)" in refused.stderr


def test_saved_run_comparison_joins_the_runs_task(cli, db_path: Path, project) -> None:
    from mlpm.services import runs as run_service
    from mlpm.services import tasks

    _add_runs(db_path)
    store = Store.open(db_path)
    task = tasks.add(store, "seed sweep").task
    for group in ("g1", "g2"):
        for seed in range(5):
            run_service.link(store, f"{group}-s{seed}", task.id)
    store.close()
    r = cli("sig", "runs", "--group-a", "g1", "--group-b", "g2", "--metric", "val/acc", "--save")
    assert r.exit_code == 0, r.output
    items = json.loads(cli("sig", "log", "--task", str(task.id), "--json").stdout)
    assert len(items) == 1 and items[0]["kind"] == "runs"
    assert items[0]["label_a"] == "g1" and items[0]["metric"] == "val/acc"


def test_three_tied_runs_a_side_say_no_test_can_decide_and_what_would(cli) -> None:
    r = cli("sig", "seeds", "1,1,1", "2,2,2")
    assert r.exit_code == 0, r.output
    first = r.stdout.splitlines()[0]
    assert first.startswith("no test can decide with 3 vs 3 runs")
    assert "at least 4 runs a side would let it decide" in first
    assert "Mann-Whitney U: statistic 9, p = 0.1 " in r.stdout
    # Hedges' g is undefined here: named, never printed as a number
    assert "nan" not in r.stdout and "inf" not in r.stdout.replace("infl", "")
    assert "effect size: Hedges' g (undefined: zero variance)\n" in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("0.75", "0.79", "--n", "3"), "A: 0.75 × 3 = 2.25 is not a whole number of correct"),
        (("0.70", "1", "--n", "3"), "A: 0.7 × 3 = 2.1 is not a whole number of correct"),
        (("0.5", "0.79", "--n", "3"), "A: 0.5 × 3 = 1.5 is not a whole number of correct"),
    ],
)
def test_props_refuses_accuracies_that_are_no_whole_count(cli, args, message) -> None:
    r = cli("sig", "props", *args)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith(f"error: {message}") and r.stderr.count("\n") == 1


def test_props_takes_the_precision_as_typed(cli) -> None:
    """0.7 (one decimal) on 3 examples can be 2/3; 0.70 (two decimals) cannot."""
    r = cli("sig", "props", "0.7", "1", "--n", "3", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["extra"]["count_a"] == 2 and data["detectable"] is None
    assert "too small to detect any possible gain" in data["verdict_text"]
    assert cli("sig", "props", "0.751", "0.79", "--n", "1000").exit_code == 0


def test_props_with_no_correct_answers_prints_no_nan(cli) -> None:
    r = cli("sig", "props", "0", "0", "--n", "10")
    assert r.exit_code == 0, r.output
    assert "test: Fisher's exact test: p = 1 " in r.stdout and "nan" not in r.stdout


def test_huge_values_are_refused_and_no_warning_reaches_the_terminal() -> None:
    from tests.conftest import run_mlpm

    big = run_mlpm("sig", "seeds", "1e308,1e308,-1e308", "1,2,3")
    assert big.returncode == 2 and big.stdout == ""
    assert big.stderr == (
        "error: A: value 1 is 1e+308, too large for the arithmetic (magnitudes above 1e+75 "
        "overflow); rescale the scores\n"
    )
    # scipy warns about "catastrophic cancellation" on a constant side: not our user's problem
    quiet = run_mlpm("sig", "seeds", "1,1,1", "1,2,3")
    assert quiet.returncode == 0 and quiet.stderr == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("1,,2,3", "1,2,3"), "error: A: value 2 is empty (check the commas)"),
        (("1,2,3", "4,5,6,"), "error: B: value 4 is empty (check the commas)"),
        (("nosuchfile.txt", "1,2,3"), "error: A: nosuchfile.txt: no such file"),
        (("1,2,3", "4,5,6", "--alpha", "1e-320"), "error: alpha must be between 1e-06 and 0.5"),
        (("1,2,3", "4,5,6", "--alpha", "0.9"), "error: alpha must be between 1e-06 and 0.5"),
        (("1,2,3", "4,5,6", "--cv", "5"), "error: --cv 5 needs the 5 fold scores of each"),
        (("1,2,3,4,5,6", "2,3,4,5,6,7", "--cv", "4"), "error: --cv 4 needs the 4 fold scores"),
    ],
)
def test_seeds_bad_input_is_one_line(cli, args, message) -> None:
    r = cli("sig", "seeds", *args)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith(message) and r.stderr.count("\n") == 1


def test_cv_takes_repeated_k_fold_scores(cli) -> None:
    a = "0.80,0.82,0.81,0.79,0.80,0.83"
    b = "0.82,0.83,0.83,0.80,0.82,0.85"
    data = json.loads(cli("sig", "seeds", a, b, "--cv", "3", "--json").stdout)
    assert data["n_a"] == 6 and data["extra"]["test_train_ratio"] == pytest.approx(0.5)


def test_runs_refuses_both_directions(cli, db_path: Path) -> None:
    cli("sig", "log")
    _add_runs(db_path)
    r = cli(
        "sig",
        "runs",
        "--group-a",
        "g1",
        "--group-b",
        "g2",
        "--metric",
        "val/acc",
        "--higher-is-better",
        "--lower-is-better",
    )
    assert r.exit_code == 2
    assert r.stderr == "error: give --higher-is-better or --lower-is-better, not both\n"
    lower = cli(
        "sig",
        "runs",
        "--group-a",
        "g1",
        "--group-b",
        "g2",
        "--metric",
        "val/acc",
        "--lower-is-better",
        "--json",
    )
    assert json.loads(lower.stdout)["higher_is_better"] is False


def test_preds_refuses_nan_labels(cli, tmp_path: Path) -> None:
    fa, fb = tmp_path / "a.csv", tmp_path / "b.csv"
    fa.write_text("id,y_true,y_pred\n1,cat,cat\n2,dog,dog\n3,dog,cat\n")
    fb.write_text("id,y_pred\n1,cat\n2,nan\n3,dog\n")
    r = cli("sig", "preds", str(fa), str(fb))
    assert r.exit_code == 2
    assert "row 2 (y_pred): 'nan' looks like a missing value (NaN), not a label" in r.stderr


def test_adjust_and_regression_can_be_saved(cli, db_path: Path, project) -> None:
    from mlpm.services import tasks

    store = Store.open(db_path)
    task = tasks.add(store, "ablations").task
    store.close()
    adjusted = cli("sig", "adjust", ".01", ".04", ".03", ".005", ".2", "--save")
    assert adjusted.exit_code == 0, adjusted.output
    assert adjusted.stdout.splitlines()[-1] == "saved as comparison 1"
    flagged = cli(
        "sig", "regression", "18", "900", "--lower-is-better", "--save", "--task", str(task.id)
    )
    assert flagged.exit_code == 0 and "saved as comparison 2" in flagged.stdout
    items = json.loads(cli("sig", "log", "--json").stdout)
    assert [(c["kind"], c["verdict"]) for c in items] == [
        ("regression", "regression"),
        ("adjust", "differ"),
    ]
    assert items[0]["task_id"] == task.id
    assert items[1]["verdict_text"] == "2 of 5 significant after Holm (alpha 0.05)"
    alone = cli("sig", "regression", "18", "900", "--task", str(task.id))
    assert alone.exit_code == 2 and "--task goes with --save" in alone.stderr
    bad = cli("sig", "adjust", ".01", ".2", "--alpha", "0.7")
    assert bad.exit_code == 2 and "alpha must be between" in bad.stderr
