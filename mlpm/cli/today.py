"""`mlpm today ...`"""

from __future__ import annotations

import sys

import click

from mlpm.cli.context import open_store
from mlpm.cli.output import clean, emit_json, style, warn
from mlpm.cli.params import ID_TEXT, TASK, Group
from mlpm.wording import counted


@click.group(cls=Group, invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def today(ctx: click.Context, as_json: bool) -> None:
    """Today's plan, most important first, against the day's capacity."""
    if ctx.invoked_subcommand is None:
        show_today(as_json=as_json)


def show_today(*, as_json: bool = False) -> None:
    from mlpm.services import today as day

    plan = day.plan(open_store())
    if as_json:
        emit_json(
            {
                "day": plan.day,
                "tasks": [
                    {"position": e.position, "forced": e.forced, **e.task.to_json()}
                    for e in plan.entries
                ],
                "done": [t.to_json() for t in plan.done],
                "dropped": [t.to_json() for t in plan.dropped],
                "capacity": plan.capacity.to_json(),
                "to_review": plan.to_review,
                "suggested_capacity": plan.learned.median if plan.learned else None,
            }
        )
        return
    click.echo(style(f"Today {plan.day}", bold=True) + f"  {plan.capacity.line}")
    if not plan.entries:
        click.echo("  nothing planned: mlpm today add ID, or mlpm task add TITLE --today")
    for e in plan.entries:
        est = f"{e.task.estimate}p" if e.task.estimate is not None else "–"
        doing = style(" [doing]", fg="yellow") if e.task.column == "doing" else ""
        click.echo(f"{e.position:>3}. #{e.task.id:<5} {est:>3}  {clean(e.task.title)}{doing}")
    for t in plan.done:
        click.echo(style(f"   ✓ #{t.id:<5}      {clean(t.title)}", dim=True))
    for t in plan.dropped:
        reason = clean(t.drop_reason or "")
        click.echo(style(f"   ✗ #{t.id:<5}      {clean(t.title)} (dropped: {reason})", dim=True))
    if plan.learned:
        click.echo(
            f"suggested capacity: {counted(plan.learned.median, 'task')} "
            f"(median done per day over the last {counted(plan.learned.days, 'worked day')})"
        )
    if plan.to_review:
        waits = "waits" if plan.to_review == 1 else "wait"
        warn(
            f"{counted(plan.to_review, 'task')} from earlier days {waits} for review:"
            " mlpm today review"
        )


@today.command("add")
@click.argument("task_id", type=TASK)
@click.option("--at", type=click.IntRange(min=1), help="Position (1 = most important).")
@click.option("--force", is_flag=True, help="Add past the day's capacity (recorded).")
def add(task_id: int, at: int | None, force: bool) -> None:
    """Plan a task for today."""
    from mlpm.services import today as day

    for message in day.add(open_store(), task_id, at=at, force=force):
        warn(message)
    click.echo(f"planned task {task_id} for today")


@today.command("move")
@click.argument("task_id", type=TASK)
@click.argument("position", type=click.IntRange(min=1))
def move(task_id: int, position: int) -> None:
    """Move a planned task to POSITION (1 = most important)."""
    from mlpm.services import today as day

    now_at = day.move_to(open_store(), task_id, position)
    click.echo(f"task {task_id} is now at position {now_at}")


@today.command("remove")
@click.argument("task_id", type=TASK)
def remove(task_id: int) -> None:
    """Take a task off today's plan, back to the backlog."""
    from mlpm.services import today as day

    day.remove(open_store(), task_id)
    click.echo(f"task {task_id} is back in the backlog")


def _ids(text: str | None) -> list[int]:
    if not text:
        return []
    parts = [part for part in text.replace(" ", "").split(",") if part]
    if not all(ID_TEXT.fullmatch(part) for part in parts):
        raise click.BadParameter(f"'{clean(text)}': give task ids (digits 0-9) separated by commas")
    return [int(part) for part in parts]


REVIEW_KEYS = {"k": "keep", "b": "backlog", "d": "drop"}


def _review_action(text: str) -> str:
    """A review answer: the word or its first letter, any case."""
    word = text.strip().lower()
    word = REVIEW_KEYS.get(word, word)
    if word not in REVIEW_KEYS.values():
        raise click.BadParameter(f"{text!r}: answer k (keep), b (backlog) or d (drop)")
    return word


@today.command("review")
@click.option("--keep", help="Task ids to keep for today (comma-separated).")
@click.option("--backlog", help="Task ids to send back to the backlog.")
@click.option("--drop", "drop_ids", help="Task ids to drop (needs --reason).")
@click.option("--reason", help="Reason for the dropped tasks.")
@click.option(
    "--all",
    "all_action",
    type=click.Choice(["keep", "backlog"]),
    help="Do this with every task left.",
)
@click.option("--force", is_flag=True, help="Keep tasks past the day's capacity.")
@click.option("--ask", is_flag=True, help="Ask about each task even without a terminal.")
def review(
    keep: str | None,
    backlog: str | None,
    drop_ids: str | None,
    reason: str | None,
    all_action: str | None,
    force: bool,
    ask: bool,
) -> None:
    """Go through the tasks earlier days left in Today or Doing: keep, backlog, or drop."""
    from mlpm.errors import UsageError
    from mlpm.services import day_plan
    from mlpm.services import today as day

    given_ids = (("keep", _ids(keep)), ("backlog", _ids(backlog)), ("drop", _ids(drop_ids)))
    store = open_store()
    stale = day_plan.stale_entries(store)
    if not stale:
        click.echo("nothing to review")
        return
    decisions: dict[int, str] = {}
    for given, ids in given_ids:
        for task_id in ids:
            if decisions.get(task_id, given) != given:
                raise UsageError(
                    f"task {task_id} is given both --{decisions[task_id]} and --{given}"
                )
            decisions[task_id] = given
    unknown = sorted(set(decisions) - {e.task.id for e in stale})
    if unknown:
        raise UsageError(f"not waiting for review: {', '.join(map(str, unknown))}")
    if "drop" in decisions.values() and not (reason or "").strip():
        raise UsageError("--drop needs --reason")
    if all_action:
        for e in stale:
            decisions.setdefault(e.task.id, all_action)
    interactive = not decisions and (ask or sys.stdin.isatty())
    if not decisions and not interactive:
        raise UsageError(
            "no terminal to ask: use --keep/--backlog/--drop IDS or --all keep|backlog"
        )
    for e in stale:
        action = decisions.get(e.task.id)
        why = reason
        if action is None and interactive:
            click.echo(f"#{e.task.id} {clean(e.task.title)} (planned {e.day}, {e.task.column})")
            action = click.prompt(
                "  keep, backlog or drop? (k/b/d)", default="keep", value_proc=_review_action
            )
            if action == "drop":
                why = click.prompt("  reason")
        if action is None:
            continue
        for message in day.review(store, e.task.id, action, reason=why, force=force):
            warn(message)
        click.echo(f"#{e.task.id}: {action}")


@today.command("history")
@click.option("--days", default=14, type=click.IntRange(1, 3650), help="How far back.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def history(days: int, as_json: bool) -> None:
    """Each day's plan and its outcome."""
    from mlpm.services import today as day

    rows = day.history(open_store(), days)
    if as_json:
        emit_json(rows)
        return
    click.echo("day         planned done dropped rolled returned open forced")
    for r in rows:
        click.echo(
            f"{r['day']}  {r['planned']:>7} {r['done']:>4} {r['dropped']:>7} "
            f"{r['rolled_over']:>6} {r['returned']:>8} {r['open']:>4} {r['forced']:>6}"
        )
