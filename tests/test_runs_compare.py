"""`mlpm runs compare` and its service: N runs or N groups, on runs imported from real
offline `.wandb` files (3 groups x 3 seeds, one crashed run in `deep`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlpm.errors import UsageError
from mlpm.services import run_sync
from mlpm.services import runs as run_service
from mlpm.services.significance.multi_runs import compare_many
from mlpm.services.significance.run_compare import compare_runs
from mlpm.services.significance.run_sides import SideRef
from mlpm.store import Store
from tests.runs_many import CRASHED, write_many

GROUPS = [SideRef(group=g) for g in ("base", "wide", "deep")]


@pytest.fixture
def many(store: Store, project, tmp_path: Path) -> list[run_service.Run]:
    """The runs of `tests.runs_many`, imported as `mlpm runs sync` does."""
    report = run_sync.sync_local(store, [write_many(tmp_path / "runs")])
    assert report.added == 10 and not report.warnings
    runs = run_service.list_runs(store)
    assert {r.label: r.state for r in runs}[CRASHED] == "crashed"
    return runs


def test_three_groups_show_what_changed_the_table_and_friedman_then_holm(store, many):
    result = compare_many(store, GROUPS)
    # what changed: only the keys that tell the groups apart; the seed varies alike in each
    assert result.diff.rows == [
        ("model.depth", ["4", "4", "8"]),
        ("model.width", ["256", "512", "256"]),
    ]
    assert result.diff.same == 2  # epochs and optim.lr, hidden and counted
    assert result.diff.within == ["seed"]
    # the metric: the key metric the runs share, finished runs only; the crashed run named
    assert result.metric == "val/acc"
    base, wide, deep = result.rows
    assert (base.n, wide.n, deep.n) == (3, 3, 3)
    assert deep.left_out == [(CRASHED, "crashed")]
    assert deep.cells() == ["deep", "3", "0.7527", "0.004041", "0.749", "0.757", "deep-3 (crashed)"]
    assert any(
        "left out 1 unfinished run of deep: deep-3 (crashed)" in w for w in result.warnings()
    )
    # Friedman over the 3 seeds all groups share, then each against base, Holm-adjusted
    assert result.pair_key == "seed" and result.shared == [0, 1, 2]
    assert result.ranks is not None and result.ranks.models == ["base", "wide", "deep"]
    assert result.ranks.p_decisive is not None and result.ranks.p_decisive < 0.05
    verdicts = result.verdicts()
    assert verdicts["wide"] == "wide is better than base"
    assert verdicts["deep"].startswith("no detectable difference")
    rows = {r.model: r for r in result.against}
    assert rows["wide"].p_adjusted < 0.05 <= rows["deep"].p_adjusted
    assert rows["wide"].result.test == "paired t-test"
    assert rows["wide"].result.extra["adjustment"] == "Holm"
    # the numbers agree with the words: the one called better has an interval above 0
    assert rows["wide"].result.ci_low > 0


def test_a_chosen_baseline_and_direction(store, many):
    result = compare_many(store, GROUPS, baseline="wide")
    assert result.baseline == "wide"
    assert set(result.verdicts()) == {"base", "deep"}
    assert result.verdicts()["base"] == "wide is better than base"
    lower = compare_many(store, GROUPS, baseline="wide", higher_is_better=False)
    assert lower.verdicts()["base"] == "base is better than wide"
    assert not any("taken as better" in w for w in lower.warnings())


def test_two_groups_are_the_check_of_sig_runs(store, many):
    result = compare_many(store, [SideRef(group="base"), SideRef(group="deep")], baseline="deep")
    same = compare_runs(store, [], [], metric="val/acc", group_a="deep", group_b="base")
    assert result.two is not None
    assert result.two.to_json() == same.to_json()
    assert result.verdicts() == {"base": same.result.verdict_text}
    # paired on the seeds both share: deep's crashed seed 3 is not in the test
    assert same.inputs["pair_by"] == "seed" and len(same.inputs["values_a"]) == 3


def test_crashed_runs_count_only_when_asked(store, many):
    result = compare_many(store, GROUPS, include_unfinished=True)
    deep = result.rows[2]
    assert deep.n == 4 and deep.left_out == []
    # seed 3 is only deep's: the test stays on the seeds every group has, and says so
    assert result.shared == [0, 1, 2]
    assert any("deep-3" in w and "not every side has" in w for w in result.warnings())


def test_single_runs_get_their_values_and_no_made_up_test(store, many):
    result = compare_many(store, [SideRef(runs=(n,)) for n in ("base-0", "wide-1", "deep-2")])
    assert [r.label for r in result.rows] == ["base-0", "wide-1", "deep-2"]
    assert ("seed", ["0", "1", "2"]) in result.diff.rows  # single runs: the seed differs
    assert result.no_test is not None and result.no_test.startswith("no test: one run a side")
    assert result.test_lines() == [result.no_test] and result.verdicts() == {}


def test_too_few_shared_seeds_say_so_in_one_line(store, many):
    sides = [
        SideRef(runs=("base-0", "base-1")),
        SideRef(runs=("wide-1", "wide-2")),
        SideRef(runs=("deep-1", "deep-0")),
    ]
    result = compare_many(store, sides)
    assert result.ranks is None and result.against == []
    assert result.test_lines() == [
        "no test: 1 seed value (seed 1) shared by all 3 sides; a Friedman test needs 2 or more"
    ]
    # a hand-picked set of one group's runs is named after the group
    assert [r.label for r in result.rows] == ["base", "wide", "deep"]


def test_bad_input_is_one_clear_error(store, many):
    with pytest.raises(UsageError, match="two or more"):
        compare_many(store, GROUPS[:1])
    with pytest.raises(UsageError, match="no side 'x' to take as the baseline"):
        compare_many(store, GROUPS, baseline="x")
    with pytest.raises(UsageError, match="is on two sides"):
        compare_many(store, [SideRef(group="base"), SideRef(runs=("base-0",))])
    with pytest.raises(UsageError, match="no run of base has a numeric 'nope'"):
        compare_many(store, GROUPS, metric="nope")
    with pytest.raises(UsageError, match="no finished run in deep-3 \\(crashed\\)"):
        compare_many(store, [SideRef(runs=("base-0",)), SideRef(runs=(CRASHED,))])


# -- the CLI -------------------------------------------------------------------------------


def test_cli_prints_the_three_parts(cli, many):
    out = cli("runs", "compare", "-g", "base", "-g", "wide", "-g", "deep")
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[0] == (
        "what changed: 2 config keys differ; 2 the same everywhere (hidden); "
        "varying alike within every side: seed"
    )
    assert lines[1].split() == ["config", "base", "wide", "deep"]
    assert lines[2].split() == ["model.depth", "4", "4", "8"]
    assert "val/acc (higher is better)" in lines
    table = lines[lines.index("val/acc (higher is better)") + 1 :][:4]
    assert table[0].split() == ["side", "n", "mean", "std", "min", "max", "left", "out"]
    assert table[3].split() == [
        "deep",
        "3",
        "0.7527",
        "0.004041",
        "0.749",
        "0.757",
        "deep-3",
        "(crashed)",
    ]
    text = out.stdout
    assert "all 3 on the 3 seed values they share (Friedman), then each against base" in text
    assert "  wide: wide is better than base; difference +0.05033" in text
    assert "  deep: no detectable difference" in text
    assert "warning: left out 1 unfinished run of deep: deep-3 (crashed)" in text


def test_cli_json_carries_the_same_verdicts(cli, store, many):
    out = cli(
        "runs", "compare", "-g", "base", "-g", "wide", "-g", "deep", "--baseline", "wide", "--json"
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["baseline"] == "wide" and data["pair_by"] == "seed"
    assert data["verdicts"] == compare_many(store, GROUPS, baseline="wide").verdicts()
    assert data["what_changed"]["differ"]["model.width"] == {
        "base": "256",
        "wide": "512",
        "deep": "256",
    }
    assert data["metric_table"][2]["left_out"] == [{"run": CRASHED, "why": "crashed"}]
    assert data["test"]["kind"] == "friedman+baseline"
    assert data["test"]["against_baseline"]["adjustment"] == "holm"


def test_cli_two_groups_match_sig_runs(cli, many):
    ours = json.loads(cli("runs", "compare", "-g", "base", "-g", "wide", "--json").stdout)
    sig = json.loads(
        cli(
            "sig", "runs", "--group-a", "base", "--group-b", "wide", "--metric", "val/acc", "--json"
        ).stdout
    )
    assert ours["test"] == sig
    assert ours["verdicts"] == {"wide": sig["verdict_text"]} == {"wide": "wide is better than base"}


def test_cli_runs_and_literal_names(cli, store, many):
    out = cli("runs", "compare", "base-0", "wide-1,wide-2", "-m", "train/loss")
    assert out.exit_code == 0, out.output
    assert "train/loss (lower is better)" in out.stdout
    assert "wide-1 against base-0" not in out.stdout  # side 2 is the wide group's runs
    assert "wide against base-0 (as mlpm sig runs)" in out.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["base-0"], "error: give two or more runs, or two or more --group"),
        (["base-0", "-g", "wide"], "error: give runs or --group sides, not both"),
        (["-g", "base", "-g", "nope"], "error: no imported runs in group 'nope'"),
        (
            ["-g", "base", "-g", "wide", "-b", "deep"],
            "error: no side 'deep' to take as the baseline",
        ),
        (["base-0", "no-such-run"], "error: no run 'no-such-run'"),
    ],
)
def test_cli_bad_input_is_one_line_and_fails(cli, many, args, message):
    out = cli("runs", "compare", *args)
    assert out.exit_code != 0
    assert out.stderr.strip().startswith(message), out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_cli_prints_names_and_config_from_outside_literally(cli, store, many, tmp_path: Path):
    from mlpm.integrations.wandb_write import build_run

    evil = "\x1b[2Jevil"
    run_dir = tmp_path / "more" / "wandb" / "offline-run-20260302_120000-evil1"
    run_dir.mkdir(parents=True)
    data = build_run(
        "evil1",
        project="asr",
        name=evil,
        group="base",
        config={"seed": 7, "note": "\x1b]0;title\x07"},
        start=1_772_100_000.0,
        history=[{"val/acc": 0.5}],
        runtime=10,
    )
    (run_dir / "run-evil1.wandb").write_bytes(data)
    assert run_sync.sync_local(store, [run_dir.parent]).added == 1
    out = cli("runs", "compare", "evil1", "wide-0", "base-1")
    assert out.exit_code == 0, out.output
    assert "\x1b" not in out.stdout and "\x07" not in out.stdout
    assert "\\x1b[2Jevil" in out.stdout and "\\x1b]0;title\\x07" in out.stdout


def test_the_baseline_may_be_named_by_run_id(store, many):
    ids = {r.label: r.id for r in many}
    sides = [SideRef(runs=(ids[n],)) for n in ("base-0", "wide-0", "deep-0")]
    assert compare_many(store, sides, baseline=ids["wide-0"]).baseline == "wide-0"


def test_no_verdict_line_contradicts_its_numbers(cli, many):
    """As test_sig_agreement for `sig`: a side called better has an interval excluding 0;
    a side not called better has no line claiming it is."""
    import re

    from tests.test_sig_agreement import CI, CLAIM

    for baseline in ("base", "wide", "deep"):
        for way in ("--higher-is-better", "--lower-is-better"):
            args = ("runs", "compare", "-g", "base", "-g", "wide", "-g", "deep", "-b", baseline)
            text = cli(*args, way).stdout
            data = json.loads(cli(*args, way, "--json").stdout)
            for row in data["test"]["against_baseline"]["comparisons"]:
                side = row["label_b"]
                [line] = [li for li in text.splitlines() if li.startswith(f"    {side}: ")]
                ci = CI.search(line)
                assert ci is not None, line
                low, high = float(ci.group(1)), float(ci.group(2))
                if row["verdict"] in ("a_better", "b_better"):
                    assert CLAIM.search(line) and (low > 0 or high < 0), line
                    assert row["extra"]["p_adjusted"] < 0.05
                else:
                    assert not CLAIM.search(line), line
                    assert not re.search(r"\bbetter than\b", line), line


def test_all_states_counts_the_crashed_run(cli, many):
    out = cli("runs", "compare", "-g", "base", "-g", "deep", "--all-states", "--json")
    data = json.loads(out.stdout)
    assert data["metric_table"][1]["n"] == 4  # deep's crashed seed 3 counted
    assert data["test"]["n_b"] == 3  # the test pairs the seeds both share


def test_save_stores_each_group_against_the_baseline_and_the_ranking(cli, store, many):
    from mlpm.services import comparisons, tasks

    task = tasks.add(store, "try wider and deeper").task
    out = cli(
        "runs",
        "compare",
        "-g",
        "base",
        "-g",
        "wide",
        "-g",
        "deep",
        "--save",
        "--task",
        str(task.id),
    )
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines()[-1] == "saved as comparisons 1, 2, 3"
    saved = {c.id: c for c in comparisons.list_comparisons(store)}
    wide, deep, ranks = saved[1], saved[2], saved[3]
    assert (wide.label_a, wide.label_b, wide.metric) == ("base", "wide", "val/acc")
    assert wide.verdict == "b_better" and deep.verdict == "no_difference"
    assert wide.result["extra"]["adjustment"] == "Holm"
    assert sorted(wide.runs_a) == ["r00base0", "r01base1", "r02base2"]
    assert CRASHED not in " ".join(deep.runs_b)  # the compared runs only
    assert ranks.result["kind"] == "multi" and len(ranks.runs_a) == 9
    assert {c.task_id for c in saved.values()} == {task.id}
    # the log lists them like any comparison
    log = cli("sig", "log").stdout
    assert "runs task 1: base vs wide [val/acc]: wide is better than base" in log, log
    assert "multi task 1: base, wide, deep: the models differ" in log, log


def test_save_refuses_when_there_is_no_test(cli, many):
    out = cli("runs", "compare", "base-0", "wide-0", "deep-0", "--save")
    assert out.exit_code != 0
    assert out.stderr.strip() == (
        "error: nothing to save: no test: one run a side (compare groups of runs over seeds "
        "to test a difference)"
    )
    assert cli("runs", "compare", "base-0", "wide-0", "--task", "1").exit_code != 0


def test_cli_two_groups_name_the_group_a_run_was_left_out_of(cli, many):
    # Two groups go through the check of sig runs; its notes named the sides A and B,
    # letters this output never defines. Three groups already said "of deep".
    out = cli("runs", "compare", "-g", "base", "-g", "deep").stdout
    assert f"left out 1 unfinished run of deep ({CRASHED};" in out
    assert "of A" not in out and "of B" not in out
    counted = cli("runs", "compare", "-g", "deep", "-g", "base", "--include-unfinished").stdout
    assert f"left out 1 run of deep whose 'seed' the other side lacks ({CRASHED})" in counted


def test_why_unpaired_says_how_many_seed_values_the_sides_share(cli, many):
    # base has seeds 0-2, the one wide run seed 0: they share a seed value, not none
    args = ("sig", "runs", "base-0,base-1,base-2", "--vs", "wide-0", "--metric", "val/acc")
    why = json.loads(cli(*args, "--json").stdout)["why"]
    assert why.startswith("unpaired: the sides share only one 'seed' value (0);"), why
    assert "differ between the sides" not in why


def test_an_unknown_group_or_run_fails_as_not_found_like_sig_runs(cli, many):
    # README: exit code 1 for an error, 2 for a usage error; a group with no runs is the
    # former in `sig runs` and `runs show`, and was a usage error in `runs compare`
    group = cli("runs", "compare", "-g", "base", "-g", "nope")
    sig = cli("sig", "runs", "--group-a", "base", "--group-b", "nope", "--metric", "val/acc")
    run = cli("runs", "compare", "base-0", "no-such-run")
    assert group.exit_code == sig.exit_code == run.exit_code == 1


def test_cli_a_column_is_as_wide_as_its_escaped_name(cli, store, many, tmp_path: Path):
    # The "what changed" columns were as wide as the raw name (ESC takes no cell), so with
    # short values the escaped name was cut to its escape: "\\x1b[31m…"
    from mlpm.integrations.wandb_write import build_run

    run_dir = tmp_path / "more" / "wandb" / "offline-run-20260302_120000-evil2"
    run_dir.mkdir(parents=True)
    data = build_run(
        "evil2",
        project="asr",
        name="\x1b[31mevil",
        group="base",
        config={"seed": 6},
        start=1_772_100_000.0,
        history=[{"val/acc": 0.5}],
        runtime=10,
    )
    (run_dir / "run-evil2.wandb").write_bytes(data)
    assert run_sync.sync_local(store, [run_dir.parent]).added == 1
    out = cli("runs", "compare", "evil2", "base-1")
    header = out.stdout.splitlines()[1]
    assert header.split() == ["config", "\\x1b[31mevil", "base-1"], header
