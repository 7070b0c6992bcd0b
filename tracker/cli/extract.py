"""``tracker extract``: show the schedule changes the prose rules find in a text.

A tool for checking `tracker.extract` on real copy before trusting a news source:
paste an article, see what it would report. Registered in `tracker.cli`.
"""

from __future__ import annotations

import json
import re
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
        "reasons": list(finding.reasons),
    }


def _when(spec: TimeSpec | None) -> str:
    if spec is None:
        return "-"
    if spec.earliest is None:
        return "unknown"
    net = "NET " if spec.net else ""
    return f"{net}{_instant(spec.earliest)} ({spec.precision.name.lower()})"


def explanation(findings: list[Finding], dropped: list[str]) -> str:
    """The findings with why each was made, then the candidates set aside and why."""
    lines = []
    for i, f in enumerate(findings, 1):
        lines.append(
            f"{i}. {f.subject}: {f.change}, {_when(f.old)} -> {_when(f.new)}, confidence {f.confidence}"
        )
        lines.append(f"   sentence: {f.sentence}")
        lines.extend(f"   - {reason}" for reason in f.reasons)
    if not findings:
        lines.append("no findings")
    if dropped:
        lines.append("set aside:")
        lines.extend(f"   - {why}" for why in dropped)
    return "\n".join(lines)


def _now() -> datetime:
    return datetime.now(UTC)


def _text_published(text: str, now: datetime) -> tuple[datetime, str] | None:
    """The publication date a text states (a dateline or a "Published:" line), and where.

    A date without a year ("SAMARA, October 2. /TASS/.") is the most recent such day on or
    before ``now``: an article is not written in the future.
    """
    from tracker.extract.sentences import text_date
    from tracker.models import Precision
    from tracker.timetext import parse_text

    found = text_date(text)
    if found is None:
        return None
    date_text, where = found
    try:
        spec = parse_text(date_text, now, year=now.year)
        if spec.earliest is not None and spec.earliest > now and not re.search(r"\d{4}", date_text):
            spec = parse_text(date_text, now, year=now.year - 1)
    except ValueError:
        return None
    if spec.earliest is None or spec.precision > Precision.DAY:
        return None
    return spec.earliest, f"the text's {where} {date_text!r}"


@click.command("extract")
@click.argument("text", required=False)
@click.option(
    "--published",
    metavar="DATE",
    callback=_published,
    help=(
        "When the text was published (ISO date/time). Weekdays, 'tomorrow' and dates without a year "
        "are read against it, and a plan for a day before it is dropped as an old quote, so give it "
        "for an old article. Default: the date of the text's dateline ('SAMARA, October 2. /TASS/.') "
        "or 'Published:' line if it has one, else now (UTC); a note on stderr says which."
    ),
)
@click.option(
    "--explain",
    is_flag=True,
    help=(
        "Instead of JSON, print each finding with why it was made (the cue word, each time and the "
        "words that gave it its role, where the subject came from: the sentence, the headline, the "
        "previous sentence) and the candidates set aside and why (datelines, dates of things done or "
        "said, past plans, dates with no cue word)."
    ),
)
def extract_command(text: str | None, published: datetime | None, explain: bool) -> None:
    """Print the schedule changes found in TEXT (or stdin when TEXT is '-' or absent) as JSON.

    English and Russian are read (the language is told from the text). The JSON goes to stdout;
    without --published, a one-line note on stderr says which publication date the dates were
    read against.
    """
    from tracker.extract import explain as explain_text

    if text is None or text == "-":
        text = sys.stdin.read()
    if published is None:
        now = _now()
        stated = _text_published(text, now)
        published, source = stated if stated else (now, "now")
        click.echo(
            f"note: no --published given; dates are read against {_instant(published)} ({source}). "
            "Pass --published for an old article: plans for days before it are dropped.",
            err=True,
        )
    findings, dropped = explain_text(text, published)
    if explain:
        click.echo(explanation(findings, dropped))
        return
    click.echo(json.dumps([finding_json(f) for f in findings], indent=2, ensure_ascii=False))
