"""Plain-text report of a result: the verdict line first, then the numbers. The CLI prints it
and the TUI's Compare view shows it, so both use the same words."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mlpm.stats.fmt import num, pval
from mlpm.stats.verdict import headline

if TYPE_CHECKING:
    from mlpm.stats.multiple import RankResult
    from mlpm.stats.result import Result


def _p(text: str, value: float | None) -> str:
    """'p = 0.0123', or 'p < 9.999e-05 (...)' for a Monte-Carlo bound."""
    text = text or pval(value)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def verdict_line(result: Result) -> str:
    if result.verdict == "too_few":
        return result.verdict_text
    return headline(
        result.verdict_text,
        result.difference,
        (result.ci_low, result.ci_high),
        result.ci_level,
        constant=bool(result.extra.get("constant_difference", False)),
    )


def render(result: Result) -> str:
    """The verdict line, then test, means, effect size, other tests, power and warnings."""
    r = result
    lines = [verdict_line(r)]
    metric = f" ({r.metric})" if r.metric else ""
    lines.append(
        f"  {r.label_a}: mean {num(r.mean_a)} (n = {r.n_a})   "
        f"{r.label_b}: mean {num(r.mean_b)} (n = {r.n_b}){metric}"
    )
    if r.verdict == "equivalent" and r.margin is not None:
        lines.append(
            f"  equivalence: the {round(100 * (1 - 2 * r.alpha)):g}% CI of the difference lies "
            f"within ±{num(r.margin)} (two one-sided tests at alpha {r.alpha:g})"
        )
    if r.test != "none":
        stat = f"statistic {num(r.statistic)}, " if r.statistic is not None else ""
        lines.append(f"  test: {r.test}: {stat}{_p(r.p_text, r.p_value)} (alpha {r.alpha:g})")
    if r.why:
        lines.append(f"  why: {r.why}")
    if r.effect_name and r.effect_size is not None:
        if math.isfinite(r.effect_size):
            lines.append(f"  effect size: {r.effect_name} = {num(r.effect_size)}")
        else:  # a standardised effect of zero spread: no number means anything
            lines.append(f"  effect size: {r.effect_name}")
    if "wilson_a" in r.extra:
        (la, ha), (lb, hb) = r.extra["wilson_a"], r.extra["wilson_b"]
        lines.append(
            f"  Wilson {round(r.ci_level * 100):g}% CIs: {r.label_a} [{num(la)}, {num(ha)}], "
            f"{r.label_b} [{num(lb)}, {num(hb)}]"
        )
    for key, label in (("b", "b (A right, B wrong)"), ("c", "c (A wrong, B right)")):
        if key in r.extra:
            lines.append(f"  {label}: {r.extra[key]}")
    for other in r.others:
        stat = f"{num(other.statistic)}" if other.statistic is not None else "-"
        if other.p_value is None and other.p_text:
            p = f" {other.p_text}"
        else:
            p = f", {_p(other.p_text, other.p_value)}"
        note = f" ({other.note})" if other.note else ""
        lines.append(f"  also: {other.test}: {stat}{p}{note}")
    if r.seed is not None:
        lines.append(
            f"  resampling seed: {r.seed}" + (f", {r.resamples} resamples" if r.resamples else "")
        )
    if r.power_text:
        lines.append(f"  power: {r.power_text}")
    lines.extend(f"  warning: {w}" for w in r.warnings)
    return "\n".join(lines)


def render_ranks(result: RankResult) -> str:
    """Friedman / Iman-Davenport / Nemenyi: verdict, then mean ranks and the critical gap."""
    r = result
    lines = [r.verdict_text]
    if r.chi2 is not None:
        f_p = (
            f"p = {pval(r.p_iman_davenport)}"
            if r.p_iman_davenport is not None
            else "p undefined (every dataset ranks alike)"
        )
        lines.append(
            f"  Friedman chi2 = {num(r.chi2)}, p = {pval(r.p_friedman)}; Iman-Davenport F = "
            f"{num(r.iman_davenport)}, {f_p}"
        )
    if r.p_exact is not None:
        shown = "< 1e-300" if r.p_floor else f"= {pval(r.p_exact)}"
        lines.append(f"  exact Friedman p {shown} (every ranking of every dataset counted)")
    lines.append(
        f"  Nemenyi critical difference: {num(r.critical_difference)} "
        f"(q = {num(r.q_alpha)}, {len(r.models)} models, {r.n_datasets} datasets, "
        f"alpha {r.alpha:g})"
    )
    lines.append("  mean ranks (1 = best):")
    width = max(len(m) for m in r.models)
    for model, rank in sorted(zip(r.models, r.mean_ranks, strict=True), key=lambda x: x[1]):
        lines.append(f"    {model.ljust(width)}  {rank:.3f}")
    for better, worse, gap in r.different_pairs:
        lines.append(f"  {better} beats {worse} (rank gap {gap:.3f} > CD)")
    lines.extend(f"  warning: {w}" for w in r.warnings)
    return "\n".join(lines)
