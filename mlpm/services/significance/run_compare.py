"""Compare a summary metric of two sets of imported runs (or two W&B groups), pairing them by
a config key such as the seed when the values match one to one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mlpm.errors import NotFound, UsageError
from mlpm.services.metric_rules import direction
from mlpm.services.runs import Run, get_run, group_runs, lookup
from mlpm.services.significance.results import SampleCheck
from mlpm.wording import counted

if TYPE_CHECKING:
    from mlpm.store import Store

PAIR_KEYS = ("seed", "random_seed", "fold", "split")


def _config_value(config: dict[str, Any], key: str) -> Any:
    value = lookup(config, key)
    if isinstance(value, dict) and "value" in value:  # W&B's {"value": ..., "desc": ...}
        value = value["value"]
    return value


def _shown(values: set[str]) -> str:
    """One JSON-encoded config value as it reads (a string without its quotes)."""
    (value,) = values
    decoded = json.loads(value)
    return decoded if isinstance(decoded, str) else value


def _pairing(
    side_a: list[Run], side_b: list[Run], keys: Sequence[str]
) -> tuple[str | None, str, set[str]]:
    """The first config key whose values are unique within each side and the same on both,
    or shared by at least two runs a side; why (or why not); the shared values (as JSON)."""
    reasons = []
    for key in keys:
        va = [_config_value(r.config, key) for r in side_a]
        vb = [_config_value(r.config, key) for r in side_b]
        if any(v is None for v in va + vb):
            reasons.append(f"not every run has config {key!r}")
            continue
        ka, kb = (
            [json.dumps(v, sort_keys=True) for v in va],
            [json.dumps(v, sort_keys=True) for v in vb],
        )
        shared = set(ka) & set(kb)
        if len(set(ka)) != len(ka) or len(set(kb)) != len(kb):
            reasons.append(f"config {key!r} repeats within a side")
        elif len(shared) < 2 and set(ka) != set(kb):
            reasons.append(
                f"the sides share only one {key!r} value ({_shown(shared)})"
                if shared
                else f"the sides share no {key!r} value"
            )
        else:
            return key, f"paired by config {key!r} (the values both sides share)", shared
    return None, "unpaired: " + ("; ".join(reasons) if reasons else "no pairing key"), set()


def _resolve(store: Store, refs: Sequence[str], group: str | None, side: str) -> list[Run]:
    if group is not None and refs:
        raise UsageError(f"give runs or --group-{side} for side {side.upper()}, not both")
    if group is not None:
        found = group_runs(store, group)
        if not found:
            raise NotFound(f"no imported runs in group {group!r} (mlpm runs sync imports them)")
        return found
    if not refs:
        raise UsageError(f"no runs for side {side.upper()}: give run ids or --group-{side}")
    out = []
    for ref in refs:
        for part in (p.strip() for p in ref.split(",")):
            if part:
                out.append(get_run(store, part))
    return out


def _pair_value(run: Run, key: str) -> str:
    return json.dumps(_config_value(run.config, key), sort_keys=True)


def _on_shared(
    runs: list[Run], nums: list[float], key: str, shared: set[str], side: str, notes: list[str]
) -> tuple[list[Run], list[float]]:
    """The runs whose `key` value the other side shares, in the order of that value."""
    kept = sorted(
        ((r, v) for r, v in zip(runs, nums, strict=True) if _pair_value(r, key) in shared),
        key=lambda rv: _pair_value(rv[0], key),
    )
    alone = [r.label for r in runs if _pair_value(r, key) not in shared]
    if alone:
        notes.append(
            f"left out {counted(len(alone), 'run')} of {side} whose {key!r} the other side lacks"
            f" ({', '.join(alone[:3])})"
        )
    return [r for r, _ in kept], [v for _, v in kept]


def compare_runs(
    store: Store,
    refs_a: Sequence[str],
    refs_b: Sequence[str],
    *,
    metric: str,
    group_a: str | None = None,
    group_b: str | None = None,
    pair_by: str | None = None,
    paired: bool | None = None,
    higher_is_better: bool | None = None,
    alpha: float = 0.05,
    margin: float | None = None,
    seed: int | None = None,
    include_unfinished: bool = False,
) -> SampleCheck:
    """Compare a summary metric of two sets of imported runs (or two W&B groups).

    Only finished runs count unless `include_unfinished` (a crashed run's summary is its
    last logged value, not its result); the output says how many were left out. Pairs runs
    by a config key (`pair_by`, else the first of seed, random_seed, fold, split unique
    within each side) on the values both sides share, unless `paired` is False; says which
    key was chosen, why, and which runs had no partner.
    """
    from mlpm.stats import compare_samples

    side_a = _resolve(store, refs_a, group_a, "a")
    side_b = _resolve(store, refs_b, group_b, "b")
    overlap = {r.id for r in side_a} & {r.id for r in side_b}
    if overlap:
        raise UsageError(
            f"{counted(len(overlap), 'run')} on both sides (e.g. {sorted(overlap)[0]})"
        )
    notes: list[str] = []

    def values(runs: list[Run], side: str) -> tuple[list[Run], list[float]]:
        kept, nums, missing = [], [], []
        if not include_unfinished:
            left_out = [r.label for r in runs if r.state != "finished"]
            if left_out:
                notes.append(
                    f"left out {counted(len(left_out), 'unfinished run')} of {side}"
                    f" ({', '.join(left_out[:3])}; --include-unfinished counts them)"
                )
            runs = [r for r in runs if r.state == "finished"]
        for run in runs:
            value = run.metric(metric)
            if isinstance(value, bool) or not isinstance(value, int | float):
                missing.append(run.label)
                continue
            kept.append(run)
            nums.append(float(value))
        if missing:
            notes.append(
                f"left out {counted(len(missing), 'run')} of {side} without a numeric "
                f"{metric!r} in their summary ({', '.join(missing[:3])})"
            )
        unfinished = [r.label for r in kept if r.state != "finished"]
        if unfinished:
            notes.append(
                f"{side} includes {counted(len(unfinished), 'run')} that did not finish "
                f"({', '.join(unfinished[:3])})"
            )
        return kept, nums

    # The notes name a side as its output does: a group by its name, else A or B.
    name_a, name_b = group_a or "A", group_b or "B"
    side_a, nums_a = values(side_a, name_a)
    side_b, nums_b = values(side_b, name_b)
    if not nums_a or not nums_b:
        raise UsageError(
            f"no run on side {'A' if not nums_a else 'B'} has a numeric {metric!r} in its summary"
        )
    way = direction(metric, higher_is_better)
    if (note := way.note()) is not None:
        notes.append(note)
    no_pairs: tuple[str | None, str, set[str]] = (None, "unpaired (as asked)", set())
    key, why, values_shared = (
        no_pairs
        if paired is False
        else _pairing(side_a, side_b, [pair_by] if pair_by else PAIR_KEYS)
    )
    if paired and key is None:
        raise UsageError(f"cannot pair these runs: {why.removeprefix('unpaired: ')}")
    if key is not None:
        side_a, nums_a = _on_shared(side_a, nums_a, key, values_shared, name_a, notes)
        side_b, nums_b = _on_shared(side_b, nums_b, key, values_shared, name_b, notes)
    label_a = group_a or (side_a[0].label if len(side_a) == 1 else "A")
    label_b = group_b or (side_b[0].label if len(side_b) == 1 else "B")
    if label_a == label_b:
        label_a, label_b = "A", "B"
    result = compare_samples(
        nums_a,
        nums_b,
        paired=key is not None,
        alpha=alpha,
        higher_is_better=way.higher_is_better,
        margin=margin,
        label_a=label_a,
        label_b=label_b,
        metric=metric,
        seed=seed,
    )
    result.kind = "runs"
    result.why = f"{why}; {result.why}" if result.why else why
    result.warnings[:0] = notes
    if len(side_a) == 1 and len(side_b) == 1:
        result.warnings.append(
            "one run a side: compare groups of runs over seeds, or their "
            "per-example predictions (mlpm sig preds)"
        )
    inputs = {
        "metric": metric,
        "group_a": group_a,
        "group_b": group_b,
        "pair_by": key,
        "values_a": nums_a,
        "values_b": nums_b,
    }
    tasks = {t for r in side_a + side_b for t in r.task_ids}
    shared = (
        next(iter(tasks)) if len(tasks) == 1 and all(r.task_ids for r in side_a + side_b) else None
    )
    return SampleCheck(result, inputs, [r.id for r in side_a], [r.id for r in side_b], shared)
