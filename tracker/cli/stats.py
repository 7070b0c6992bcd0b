"""``tracker stats``: how often and how far events slip, per provider, vehicle, site or kind."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

import click

from tracker.cli.app import App, handle_errors, pass_app

if TYPE_CHECKING:
    from tracker.stats import GroupBy, GroupStats

_BY = ("all", "provider", "vehicle", "site", "kind")  # tracker.stats.GROUPINGS, without importing it


def stats_lines(rows: list[GroupStats]) -> list[str]:
    """One line per group, worded by ``stat_phrases`` as the web view and the digest word them."""
    from tracker.stats import stat_phrases

    out = []
    for row in rows:
        p = stat_phrases(row)
        out.append(
            f"{row.group}: {p.events}, {p.slipped}; median delay {p.median}, total {p.total}; "
            f"flew within a day of its first day-precise date: {p.within}; longest slip streak {p.streak}"
        )
    return out


@click.command()
@click.option("--by", "by", type=click.Choice(_BY), default="all", show_default=True, help="Group events by.")
@click.option(
    "--since", "since_text", metavar="WHEN", help="Only events dated after WHEN (7d, 2w, ISO date)."
)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of text; see the README contract.")
@pass_app
@handle_errors
def stats(app: App, by: str, since_text: str | None, as_json: bool) -> None:
    """Slip statistics: per group, events, how many slipped, median and total delay,
    the share that flew within a day of their first day-precise date, the longest slip streak."""
    from tracker.contract import stats_json
    from tracker.stats import slip_stats
    from tracker.timespec import parse_since

    since = parse_since(since_text, datetime.now(UTC)) if since_text else None
    rows = slip_stats(app.store.browse.stats_facts(since), cast("GroupBy", by))
    if as_json:
        click.echo(json.dumps([stats_json(r, by) for r in rows], indent=2))
        return
    if not rows:
        click.echo("no events (run `tracker poll` first?)")
        return
    for line in stats_lines(rows):
        click.echo(line)
