"""Which way a metric is better, and which metric says how a run did: one answer each, used
by `runs list --check`, `sig runs` and the TUI's Runs and Compare screens."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlpm.services.runs import numeric_summary

if TYPE_CHECKING:
    from mlpm.services.runs import Run

LOWER_IS_BETTER_WORDS = (
    "loss",
    "error",
    "err",
    "wer",
    "cer",
    "perplexity",
    "runtime",
    "time",
    "latency",
    "mse",
    "mae",
    "rmse",
)
_QUALITY = ("acc", "f1", "wer", "cer", "bleu", "auc", "map", "iou", "loss", "error", "score")
_SPLIT = ("val", "valid", "eval", "test", "dev")
_BOOKKEEPING = ("epoch", "step", "runtime", "seconds", "time", "lr", "learning_rate", "throughput")


@dataclass(frozen=True, slots=True)
class Direction:
    """Which way a metric is better, and whether that was guessed from its name."""

    metric: str
    higher_is_better: bool
    guessed: bool

    def note(self) -> str | None:
        """What a guessed direction says to the user (None when the user said it)."""
        if not self.guessed:
            return None
        way = "higher" if self.higher_is_better else "lower"
        return (
            f"{way} {self.metric} taken as better (from its name; --higher-is-better or "
            "--lower-is-better to say otherwise)"
        )


def direction(metric: str, said: bool | None = None) -> Direction:
    """The user's word (`said`: True higher, False lower), else a guess from the name:
    loss, error, time and the like are lower-is-better, everything else higher."""
    if said is not None:
        return Direction(metric, said, guessed=False)
    lowered = metric.lower()
    return Direction(metric, not any(w in lowered for w in LOWER_IS_BETTER_WORDS), guessed=True)


def higher_is_better(metric: str, said: bool | None = None) -> bool:
    """`direction(metric, said).higher_is_better`."""
    return direction(metric, said).higher_is_better


def metric_score(key: str) -> int:
    """How likely a summary key is a run's result: quality words (acc, f1, loss) and split
    words (val, test) count for it; counters and timing (epoch, step, lr) rule it out (< 0)."""
    lowered = key.lower()
    score = 3 * any(w in lowered for w in _QUALITY) + 2 * any(w in lowered for w in _SPLIT)
    return score - 10 * any(w in lowered for w in _BOOKKEEPING)


def key_metric(run: Run) -> tuple[str, float] | None:
    """The summary number that best says how a run did (a validation/test quality metric
    before anything else; never epoch, step, timing or learning rate), or None."""
    best: tuple[int, str, float] | None = None
    for key, value in numeric_summary(run):
        score = metric_score(key)
        if best is None or score > best[0]:
            best = (score, key, value)
    return None if best is None or best[0] < 0 else (best[1], best[2])


def ranked_metrics(runs: Sequence[Run]) -> list[str]:
    """Numeric summary keys of `runs`: the most common first, then the likeliest result."""
    counts: Counter[str] = Counter()
    for run in runs:
        counts.update(key for key, _ in numeric_summary(run))
    return sorted(counts, key=lambda k: (-counts[k], -metric_score(k), k))


def shared_key_metric(runs: Sequence[Run]) -> str | None:
    """The metric a set of runs is judged by (the Runs screen's first column, what
    `runs list --check` checks by default): the first of `ranked_metrics` that can be a
    result, or None."""
    return next((k for k in ranked_metrics(runs) if metric_score(k) >= 0), None)
