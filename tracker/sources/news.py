"""Feeds of news ARTICLES: schedule changes read from their prose.

Unlike ``rss`` (whose items are events), an article's date is when it was written.
Each item's title and teaser go through `tracker.extract.extract`, read against the
item's publication time, and every finding with a known new time becomes a snapshot.
An article feed never lists every event, so the result is never ``complete``: an
event not mentioned today has not left any list.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from tracker.extract import Finding, extract
from tracker.models import EventKind, EventSnapshot, Parsed, RawDocument
from tracker.sources.base import Source
from tracker.sources.rss import load_feed

_TAG = re.compile(r"<[^>]+>")
_SITE_SUFFIX = re.compile(r"\s+[-|–]\s+[\w.-]+\.(?:com|org|net|lu|io|co\.uk)\s*$", re.I)


class NewsOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_confidence: float = Field(
        0.5,
        ge=0,
        le=1,
        description="findings below this confidence (see tracker.extract.Finding) are dropped",
    )


class NewsFeed(Source[NewsOptions]):
    """An RSS/Atom feed of articles; one snapshot per dated schedule change found in them."""

    accept: ClassVar[str] = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8"

    def parse(self, doc: RawDocument) -> Parsed:
        opts = self.options
        feed = load_feed(doc)  # ParseError for empty, HTML or malformed documents
        items: dict[str, EventSnapshot] = {}
        for entry in feed.entries:
            for snap in entry_snapshots(entry, doc.observed_at, opts.min_confidence):
                items.setdefault(snap.source_ref, snap)
        return Parsed(list(items.values()), complete=False)


def article_text(entry: Any) -> str:
    """Title and teaser/content of an item as plain text, one paragraph per line."""
    parts: list[str] = []
    title = entry.get("title")
    if isinstance(title, str):
        parts.append(_SITE_SUFFIX.sub("", _plain(title)))
    bodies = [c.get("value") for c in entry.get("content") or [] if isinstance(c, dict)]
    bodies.append(entry.get("summary"))
    for body in bodies:
        if isinstance(body, str) and body.strip():
            text = _plain(re.sub(r"(?i)</p>|<br\s*/?>", "\n", body))
            if text and text not in parts:
                parts.append(text)
            break  # content, when present, holds the summary too
    return "\n".join(p for p in parts if p)


def _plain(markup: str) -> str:
    lines = (" ".join(html.unescape(_TAG.sub(" ", line)).split()) for line in markup.split("\n"))
    return "\n".join(line for line in lines if line)


def _published(entry: Any, fallback: datetime) -> datetime:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), UTC)
    return fallback


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def entry_snapshots(entry: Any, observed_at: datetime, min_confidence: float) -> list[EventSnapshot]:
    """Snapshots for one article: its findings with a known new time and enough confidence."""
    text = article_text(entry)
    guid = entry.get("id") or entry.get("link") or hashlib.sha1(text.encode()).hexdigest()[:16]
    link = entry.get("link") if isinstance(entry.get("link"), str) else None
    out: list[EventSnapshot] = []
    for finding in extract(text, _published(entry, observed_at)):
        if finding.confidence < min_confidence or finding.new is None or not finding.new.known:
            continue
        out.append(_snapshot(finding, str(guid), link))
    return out


def _snapshot(finding: Finding, guid: str, link: str | None) -> EventSnapshot:
    assert finding.new is not None
    names = [n for n in (finding.vehicle, finding.mission) if n]
    title = " | ".join([*names, finding.event_type or "event"])
    is_launch = finding.event_type in (None, "launch")
    return EventSnapshot(
        source_ref=f"{guid}#{_slug(finding.subject)}",
        kind=EventKind.LAUNCH if is_launch else EventKind.EVENT,
        title=title,
        when=finding.new,
        type=finding.event_type,
        vehicle=finding.vehicle,
        mission=finding.mission,
        url=link,
    )
