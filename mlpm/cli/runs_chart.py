"""`mlpm runs chart`: metric curves of runs and groups drawn in the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from mlpm.cli.context import open_store
from mlpm.cli.output import clean, emit_json, style, terminal_width, use_color, warn

if TYPE_CHECKING:
    from mlpm.services.chart_legend import Legend


@click.command("chart")
@click.argument("run_refs", metavar="[RUN]...", nargs=-1)
@click.option("--metric", "-m", "metrics", multiple=True, help="A metric to draw (repeatable).")
@click.option(
    "--x",
    "x_axis",
    type=click.Choice(("step", "epoch", "time")),
    default="step",
    show_default=True,
    help="The x axis: the step, the logged `epoch`, or seconds since the run's start.",
)
@click.option(
    "--smooth",
    type=float,
    default=0.0,
    metavar="WEIGHT",
    help="EMA smoothing weight from 0 (off) to below 1, as in W&B (e.g. 0.6).",
)
@click.option("--log-y", is_flag=True, help="A log scale for y (points ≤ 0 are left out).")
@click.option(
    "--group",
    "groups",
    multiple=True,
    metavar="GROUP",
    help="A W&B group drawn as its runs' mean with a band (repeatable).",
)
@click.option("--mean", is_flag=True, help="Draw the given runs that share a group as its mean.")
@click.option(
    "--band",
    type=click.Choice(("minmax", "std")),
    default="minmax",
    show_default=True,
    help="A group's band: its runs' min to max, or the mean ± one standard deviation.",
)
@click.option("--width", type=click.IntRange(30, 500), help="Columns (default: the terminal).")
@click.option(
    "--height", type=click.IntRange(6, 200), default=20, show_default=True, help="Rows of the plot."
)
@click.option("--json", "as_json", is_flag=True, help="Print the series as JSON instead.")
def chart(
    run_refs: tuple[str, ...],
    metrics: tuple[str, ...],
    x_axis: str,
    smooth: float,
    log_y: bool,
    groups: tuple[str, ...],
    mean: bool,
    band: str,
    width: int | None,
    height: int,
    as_json: bool,
) -> None:
    """Draw metrics of runs (and groups' means with a band) against step, epoch or time."""
    from mlpm.errors import MlpmError, UsageError
    from mlpm.services import chart_draw, chart_legend, metric_rules, run_chart
    from mlpm.services import runs as service

    if not run_refs and not groups:
        raise UsageError("give runs to chart (RUN...) or a group (--group GROUP)")
    store = open_store()
    runs = [service.get_run(store, ref) for ref in run_refs]
    units = run_chart.plan(runs, mean=mean) + run_chart.group_units(store, groups)
    if not metrics:
        members = runs + [service.get_run(store, i) for u in units if u.group for i in u.run_ids]
        key = metric_rules.shared_key_metric(members)
        if key is None:
            raise UsageError("these runs have no key metric: give one with -m METRIC")
        metrics = (key,)
    options = run_chart.ChartOptions(
        tuple(metrics), x=x_axis, smooth=smooth, log_y=log_y, mean=mean, band=band
    )
    drawn = run_chart.build(store, units, options)
    for problem in drawn.problems:
        warn(problem)
    if as_json:
        emit_json(drawn.to_json())
        return
    if not drawn.series:
        raise MlpmError(f"no run drawn has a history of {', '.join(metrics)}")
    columns = width or terminal_width()
    click.echo(style(clean(drawn.title()), bold=True))
    click.echo(chart_draw.text(drawn, columns, height, colour_on=use_color()))
    shown = drawn.drawn_units()
    legend = chart_legend.fit([u.label for _, u in shown], columns)
    click.echo(legend_line(legend, [i for i, _ in shown]))
    for note in drawn.notes:
        click.echo(style(clean(note), dim=True))


def legend_line(legend: Legend, colours: list[int]) -> str:
    """The legend, each marker in its line's colour."""
    from mlpm.services.chart_draw import colour
    from mlpm.services.chart_legend import GAP

    parts = [style(legend.common, dim=True)] if legend.common else []
    parts += [
        style("■", fg=colour(unit)) + " " + label
        for unit, label in zip(colours, legend.labels, strict=False)
    ]
    if legend.more:
        parts.append(style(f"+{legend.more} more", dim=True))
    return (" " * GAP).join(parts)
