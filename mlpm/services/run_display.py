"""How runs are shown, the same in the CLI and the TUI: sparklines, runtimes, metric columns."""

from __future__ import annotations

from collections.abc import Sequence

from mlpm.services.runs import Run, number, numeric_summary

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], width: int = 40) -> str:
    """Values as a line of block characters, averaged into at most `width` cells."""
    finite = [v for v in values if v == v and v not in (float("inf"), float("-inf"))]
    if not finite:
        return ""
    if len(finite) > width:
        cells = []
        for i in range(width):
            lo, hi = i * len(finite) // width, (i + 1) * len(finite) // width
            chunk = finite[lo:hi] or finite[lo : lo + 1]
            cells.append(sum(chunk) / len(chunk))
        finite = cells
    low, high = min(finite), max(finite)
    if high == low:
        return SPARKS[3] * len(finite)
    scale = (len(SPARKS) - 1) / (high - low)
    return "".join(SPARKS[round((v - low) * scale)] for v in finite)


def default_metrics(run: Run, limit: int = 4) -> list[str]:
    """Numeric summary keys worth a sparkline when none were chosen."""
    return [key for key, _ in numeric_summary(run)][:limit]


def format_runtime(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def metric_keys(runs: Sequence[Run]) -> list[str]:
    """Numeric summary keys found in any of `runs` (dotted, internal `_` keys left out):
    the columns a runs table can offer."""
    return sorted({key for run in runs for key, _ in numeric_summary(run)})


def metric_values(runs: Sequence[Run], key: str) -> list[float]:
    """The finite numeric values of summary `key` across `runs` (for a group comparison)."""
    values = [number(run.metric(key)) for run in runs]
    return [v for v in values if v is not None and v == v and abs(v) != float("inf")]
