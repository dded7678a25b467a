"""The words and pictures of a suite result: the per-method table, the probability of
improvement, the performance profiles drawn in plain characters, and saved as SVG or PNG."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from mlpm.errors import UsageError
from mlpm.stats.fmt import num
from mlpm.stats.suite import SuiteResult

MATRIX_MAX = 6  # more methods than this: a list of neighbours in IQM order, not a matrix
SYMBOLS = "abcdefghijklmnopqrstuvwxyz"
CHART_WIDTH, CHART_HEIGHT = 50, 11


def method_table(r: SuiteResult) -> list[str]:
    """One row per method, highest IQM first: IQM [CI], mean, median, optimality gap."""
    level = round(100 * (1 - r.alpha))
    rows = [
        (
            m.method,
            f"{num(m.iqm)} [{num(m.iqm_ci_low)}, {num(m.iqm_ci_high)}]",
            num(m.mean),
            num(m.median),
            num(m.optimality_gap),
            str(m.runs),
        )
        for m in sorted(r.methods, key=lambda m: m.iqm, reverse=True)
    ]
    head = ("method", f"IQM [{level:g}% CI]", "mean", "median", "opt. gap", "runs")
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    return [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [head, *rows]
    ]


def pair_lines(r: SuiteResult) -> list[str]:
    """P(X > Y) as a matrix (rows X, columns Y) for a few methods, else for each method over
    the next one in IQM order; each with its CI."""
    if not r.prob_improvement:
        return []
    level = round(100 * (1 - r.alpha))
    order = [m.method for m in sorted(r.methods, key=lambda m: m.iqm, reverse=True)]
    pairs = {(p.a, p.b): p for p in r.prob_improvement}
    if len(order) <= MATRIX_MAX:
        cells = [
            [
                "-"
                if a == b
                else f"{num(pairs[a, b].p, 2)} [{num(pairs[a, b].ci_low, 2)}, "
                f"{num(pairs[a, b].ci_high, 2)}]"
                for b in order
            ]
            for a in order
        ]
        first = max(len(m) for m in ["X \\ Y", *order])
        widths = [max(len(m), *(len(row[j]) for row in cells)) for j, m in enumerate(order)]
        lines = [
            f"  probability of improvement P(X > Y), ties half, averaged over tasks "
            f"({level:g}% CI):",
            "    "
            + "X \\ Y".ljust(first)
            + "  "
            + "  ".join(m.ljust(w) for m, w in zip(order, widths, strict=True)).rstrip(),
        ]
        for a, row in zip(order, cells, strict=True):
            lines.append(_row(a, first, row, widths))
        return lines
    lines = [
        f"  probability of improvement over the next method by IQM ({level:g}% CI; "
        "--json has every pair):"
    ]
    for a, b in itertools.pairwise(order):
        p = pairs[a, b]
        lines.append(f"    P({a} > {b}) = {num(p.p, 3)} [{num(p.ci_low, 3)}, {num(p.ci_high, 3)}]")
    return lines


def _row(name: str, first: int, cells: Sequence[str], widths: Sequence[int]) -> str:
    rest = "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
    return f"    {name.ljust(first)}  {rest}".rstrip()


def profile_chart(
    taus: Sequence[float],
    profiles: Mapping[str, Sequence[float]],
    width: int = CHART_WIDTH,
    height: int = CHART_HEIGHT,
) -> list[str]:
    """Performance profiles (share of runs scoring above tau) as a text chart: one letter per
    method, '+' where curves meet."""
    if len(taus) < 2 or not profiles:
        return []
    grid = [[" "] * width for _ in range(height)]
    names = list(profiles)
    for k, name in enumerate(names):
        mark = SYMBOLS[k % len(SYMBOLS)]
        shares = profiles[name]
        for c in range(width):
            i = round(c * (len(taus) - 1) / (width - 1))
            row = height - 1 - round(max(0.0, min(1.0, shares[i])) * (height - 1))
            grid[row][c] = mark if grid[row][c] in (" ", mark) else "+"
    lines = ["  performance profiles (share of runs scoring above tau):"]
    for r, cells in enumerate(grid):
        share = 1 - r / (height - 1)
        tick = f"{share:.1f}" if r in (0, height // 2, height - 1) else ""
        lines.append(f"  {tick:>5} |{''.join(cells).rstrip()}")
    lines.append("        +" + "-" * width)
    low, high = num(taus[0], 3), num(taus[-1], 3)
    lines.append("         " + low + " " * max(1, width - len(low) - len(high)) + high + "  tau")
    legend = ", ".join(f"{SYMBOLS[k % len(SYMBOLS)]} = {n}" for k, n in enumerate(names))
    lines.append(f"        {legend}")
    return lines


def profile_svg(taus: Sequence[float], profiles: Mapping[str, Sequence[float]]) -> str:
    """The performance profiles as a standalone SVG: one polyline per method, axes, legend."""
    w, h, left, bottom, top, right = 640, 400, 60, 50, 20, 170
    pw, ph = w - left - right, h - top - bottom
    lo, hi = float(taus[0]), float(taus[-1])
    span = hi - lo or 1.0
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
    colours += ["#7f7f7f", "#bcbd22", "#17becf"]

    def x(t: float) -> float:
        return left + (t - lo) / span * pw

    def y(s: float) -> float:
        return top + (1 - s) * ph

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">',
        f'<rect width="{w}" height="{h}" fill="white"/>',
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="black"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="black"/>',
    ]
    for s in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<text x="{left - 8}" y="{y(s) + 4:.1f}" text-anchor="end">{s:g}</text>')
    for t in (lo, lo + span / 2, hi):
        parts.append(
            f'<text x="{x(t):.1f}" y="{top + ph + 18}" text-anchor="middle">'
            f"{escape(num(t, 3))}</text>"
        )
    parts.append(
        f'<text x="{left + pw / 2}" y="{h - 10}" text-anchor="middle">score threshold tau</text>'
    )
    parts.append(
        f'<text x="15" y="{top + ph / 2}" text-anchor="middle" '
        f'transform="rotate(-90 15 {top + ph / 2})">share of runs above tau</text>'
    )
    for k, (name, shares) in enumerate(profiles.items()):
        colour = colours[k % len(colours)]
        points = " ".join(f"{x(t):.1f},{y(s):.1f}" for t, s in zip(taus, shares, strict=True))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        )
        ly = top + 10 + 18 * k
        parts.append(
            f'<line x1="{left + pw + 15}" y1="{ly}" x2="{left + pw + 35}" y2="{ly}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        parts.append(f'<text x="{left + pw + 40}" y="{ly + 4}">{escape(name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def save_profiles(
    path_text: str, taus: Sequence[float], profiles: Mapping[str, Sequence[float]]
) -> Path:
    """Write the profiles to PATH: .svg by hand (no dependency), .png with matplotlib when it
    is installed (it is not a dependency of mlpm)."""
    path = Path(path_text).expanduser()
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise UsageError(f"--profile-out {path_text}: give a .svg or .png file")
    try:
        if suffix == ".svg":
            path.write_text(profile_svg(taus, profiles), encoding="utf-8")
            return path
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            raise UsageError(
                "PNG needs matplotlib (pip install matplotlib); .svg needs nothing"
            ) from None
        fig, ax = plt.subplots(figsize=(6.4, 4))
        for name, shares in profiles.items():
            ax.plot(taus, shares, label=name)
        ax.set_xlabel("score threshold tau")
        ax.set_ylabel("share of runs above tau")
        ax.set_ylim(0, 1)
        ax.legend()
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    except OSError as exc:
        raise UsageError(f"cannot write {path_text}: {exc.strerror or exc}") from None
    return path
