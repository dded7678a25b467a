"""The one path a check takes to be saved (`--save`, `--task` only with it), and the way back
from a saved comparison to its typed result."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from mlpm.errors import UsageError
from mlpm.services.significance.results import (
    BaselineCheck,
    RankCheck,
    Record,
    Report,
    SampleCheck,
)
from mlpm.services.significance.sequential import SequentialCheck
from mlpm.services.significance.suite import SuiteCheck
from mlpm.services.significance.tallies import AdjustCheck, RegressionCheck

if TYPE_CHECKING:
    from mlpm.services.comparisons import Comparison
    from mlpm.store import Store


class Check(Protocol):
    """What every check's result offers (see `results` and `tallies`)."""

    saved_ids: list[int]

    @property
    def kind(self) -> str: ...

    def to_json(self) -> dict[str, Any]: ...

    def records(self) -> list[Record]: ...

    def report(self) -> Report: ...


# Saved records by kind; every other kind is a stats `Result` (props, seeds, preds, runs...).
_BY_KIND: dict[str, Any] = {
    RankCheck.kind: RankCheck,
    AdjustCheck.kind: AdjustCheck,
    RegressionCheck.kind: RegressionCheck,
    BaselineCheck.kind: BaselineCheck,
    SuiteCheck.kind: SuiteCheck,
    SequentialCheck.kind: SequentialCheck,
}

AnyCheck = (
    SampleCheck
    | RankCheck
    | BaselineCheck
    | AdjustCheck
    | RegressionCheck
    | SuiteCheck
    | SequentialCheck
)


def check_save_options(save: bool, task_id: int | None) -> None:
    """A task is linked to a saved check only: --task without --save is refused."""
    if task_id is not None and not save:
        raise UsageError("--task goes with --save")


def save_check(
    open_store: Callable[[], Store],
    check: Check,
    *,
    save: bool = True,
    task_id: int | None = None,
) -> list[Comparison]:
    """Save the check when `save` (as one comparison per record, linked to `task_id`, else to
    the task the check knows of), noting the ids on it; the store is opened only then."""
    from mlpm.services import comparisons

    check_save_options(save, task_id)
    if not save:
        return []
    store = open_store()
    saved = []
    for record in check.records():
        saved.append(
            comparisons.save(
                store,
                record.data,
                inputs=record.inputs,
                task_id=task_id if task_id is not None else record.task_id,
                runs_a=record.runs_a,
                runs_b=record.runs_b,
            )
        )
        check.saved_ids.append(saved[-1].id)
    return saved


def load_check(data: dict[str, Any]) -> AnyCheck:
    """A saved comparison's result JSON back as its typed result."""
    kind = data.get("kind")
    cls = _BY_KIND.get(kind) if isinstance(kind, str) else None
    loaded: AnyCheck = (cls or SampleCheck).from_json(data)
    return loaded


def saved_check(comparison: Comparison) -> AnyCheck:
    """`load_check` of a saved comparison, with its inputs and runs."""
    check = load_check(comparison.result)
    if isinstance(check, SampleCheck):
        check.inputs = dict(comparison.inputs)
        check.runs_a, check.runs_b = list(comparison.runs_a), list(comparison.runs_b)
        check.task_id = comparison.task_id
    check.saved_ids.append(comparison.id)
    return check
