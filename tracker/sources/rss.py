"""RSS/Atom feeds whose items ARE scheduled events (not news about them).

Such feeds, like the ones ``multipolygon/launch-library-rss`` generates from Launch
Library 2, give each event a stable ``guid`` and put its scheduled time in
``pubDate`` (or Atom ``updated``), so a slip shows up as a changed date for the same
guid. Feeds of news articles are a different thing: their dates are publication times.

The bytes are parsed with feedparser, never fetched by it (the shared HTTP layer does
that, politely). A document that is not a well-formed feed (an HTML error page,
truncated XML) is refused as a whole: a half-read feed would look like dropped events.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

import feedparser  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tracker.display import counted
from tracker.errors import ParseError
from tracker.models import EventKind, EventSnapshot, Parsed, Precision, RawDocument, TimeSpec
from tracker.sources.base import Source, compiled_regex
from tracker.timespec import from_ll2, span

PrecisionName = Literal["auto", "second", "minute", "hour", "day", "month", "quarter", "year"]

# Feed quirks that do not mean the items were misread; anything else (an XML syntax
# error such as a truncated document) does.
_HARMLESS_BOZO = ("CharacterEncodingOverride", "NonXMLContentType")


class RssOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: EventKind = Field(EventKind.LAUNCH, description="what the items are: launch or event")
    time_field: Literal["published", "updated"] = Field(
        "published", description="the item date that holds the scheduled time (RSS pubDate is 'published')"
    )
    precision: PrecisionName = Field(
        "auto",
        description="'auto': as written, with Launch Library 2's placeholders (midnight = a day, "
        "midnight on a month's last day = a month or coarser); or force one precision",
    )
    title_strip: str | None = Field(None, description="regular expression removed from every title")
    type: str | None = Field(None, description="event type to record (default: 'launch' for launches)")
    complete: bool = Field(True, description="the feed lists every event (an item gone = dropped)")

    _title_strip_compiles = field_validator("title_strip")(compiled_regex)


class RssFeed(Source[RssOptions]):
    """A feed of scheduled events: guid = identity, item date = scheduled time."""

    accept: ClassVar[str] = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8"

    def parse(self, doc: RawDocument) -> Parsed:
        opts = self.options
        feed = load_feed(doc)
        items: list[EventSnapshot] = []
        skipped = 0
        for entry in feed.entries:
            snap = entry_snapshot(entry, opts)
            if snap is None:
                skipped += 1
            else:
                items.append(snap)
        if skipped and not items:
            raise ParseError(
                f"feed has {counted(skipped, 'item')} but none with an id, a title and a {opts.time_field} date"
            )
        # An item we could not read may still be listed: never report it dropped.
        return Parsed(items, complete=opts.complete and not skipped)


def load_feed(doc: RawDocument) -> Any:
    """Parse a feed from bytes, refusing what is not a well-formed RSS/Atom document."""
    body = doc.body.lstrip()
    if not body:
        raise ParseError("empty feed document")
    head = body[:512].lower()
    if head.startswith((b"<!doctype html", b"<html")) or (
        b"<html" in head and b"<rss" not in head and b"<feed" not in head
    ):
        raise ParseError("feed URL returned an HTML page, not RSS/Atom (an error or block page?)")
    headers = {"content-type": doc.content_type} if doc.content_type else None
    feed = feedparser.parse(doc.body, response_headers=headers)
    problem = feed.get("bozo_exception") if feed.get("bozo") else None
    if problem is not None and type(problem).__name__ not in _HARMLESS_BOZO:
        raise ParseError(f"feed is not well-formed XML (truncated or corrupted?): {problem}")
    if not feed.get("version"):
        raise ParseError("document is not an RSS or Atom feed")
    return feed


def _text(entry: Any, key: str) -> str | None:
    value = entry.get(key)
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    return None


def entry_snapshot(entry: Any, opts: RssOptions) -> EventSnapshot | None:
    """One item as a snapshot; None when it lacks an identity, a title or a date."""
    parsed = entry.get(f"{opts.time_field}_parsed")
    title = _text(entry, "title")
    if title and opts.title_strip:
        title = " ".join(re.sub(opts.title_strip, "", title).split()) or None
    ref = _text(entry, "id") or _text(entry, "link") or title
    if parsed is None or not title or not ref:
        return None
    instant = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    vehicle = mission = None
    if opts.kind is EventKind.LAUNCH and " | " in title:
        left, _, right = title.partition(" | ")
        vehicle, mission = left.strip() or None, right.strip() or None
    return EventSnapshot(
        source_ref=ref,
        kind=opts.kind,
        title=title,
        when=_when(instant, opts.precision),
        type=opts.type or ("launch" if opts.kind is EventKind.LAUNCH else None),
        vehicle=vehicle,
        mission=mission,
        url=_text(entry, "link"),
    )


def _when(instant: datetime, precision: PrecisionName) -> TimeSpec:
    if precision == "auto":
        # Launch Library 2's rules for a bare instant without a precision field.
        return from_ll2(instant.strftime("%Y-%m-%dT%H:%M:%SZ"))
    chosen = Precision[precision.upper()]
    return span(instant, chosen, net=chosen >= Precision.MONTH, t0=instant)
