"""``tracker extract``: show the schedule changes the prose rules find in a text.

A tool for checking `tracker.extract` on real copy before trusting a news source:
paste an article, see what it would report. Registered in `tracker.cli`.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from tracker.extract import Finding
    from tracker.models import TimeSpec


def _published(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    """An ISO date or date-time (naive values are UTC); a bad value is a usage error, not a traceback."""
    if value is None:
        return None
    from tracker.timespec import parse_iso

    try:
        return parse_iso(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO date or date-time (e.g. 2026-03-23 or 2026-03-23T14:00Z)"
        ) from None


def _instant(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _spec(spec: TimeSpec | None) -> dict[str, Any] | None:
    if spec is None:
        return None
    return {
        "earliest": _instant(spec.earliest),
        "latest": _instant(spec.latest),
        "precision": spec.precision.name.lower(),
        "net": spec.net,
        "t0": _instant(spec.t0),
    }


def finding_json(finding: Finding) -> dict[str, Any]:
    """A finding as JSON-ready data: UTC ISO times with Z, the amount in seconds."""
    return {
        "subject": finding.subject,
        "vehicle": finding.vehicle,
        "mission": finding.mission,
        "event_type": finding.event_type,
        "change": finding.change,
        "old": _spec(finding.old),
        "new": _spec(finding.new),
        "delta_seconds": None if finding.delta is None else int(finding.delta.total_seconds()),
        "confidence": finding.confidence,
        "sentence": finding.sentence,
    }


@click.command("extract")
@click.argument("text", required=False)
@click.option(
    "--published",
    metavar="DATE",
    callback=_published,
    help="When the text was published (ISO date/time; default: now, UTC). Relative dates use it.",
)
def extract_command(text: str | None, published: datetime | None) -> None:
    """Print the schedule changes found in TEXT (or stdin when TEXT is '-' or absent) as JSON."""
    from tracker.extract import extract

    if text is None or text == "-":
        text = sys.stdin.read()
    findings = extract(text, published or datetime.now(UTC))
    click.echo(json.dumps([finding_json(f) for f in findings], indent=2, ensure_ascii=False))
