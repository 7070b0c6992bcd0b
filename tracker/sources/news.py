"""Feeds of news ARTICLES: schedule changes read from their prose.

Unlike ``rss`` (whose items are events), an article's date is when it was written.
``fetch`` follows each item's link through the shared HTTP layer (at most
``max_articles`` new pages a poll; a page is kept by URL and the item's date, so an
unchanged item is not fetched again) and `parse` reads the article's main text
(trafilatura), headline first, or the feed's teaser when the page could not be had.
Each finding of `tracker.extract.extract` with a known new time becomes a snapshot
carrying a `Claim` (confidence, the old value stated, the source's bars), which
`tracker.matching` uses to join it to an event other sources know, or not.
An article feed never lists every event, so the result is never ``complete``.
"""

from __future__ import annotations

import calendar
import dataclasses
import functools
import hashlib
import html
import logging
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tracker.errors import ParseError, SourceError
from tracker.extract import Finding, extract
from tracker.matching import latin
from tracker.models import Claim, EventKind, EventSnapshot, Parsed, RawDocument
from tracker.sources.base import Source, compiled_regex
from tracker.sources.rss import load_feed

if TYPE_CHECKING:
    from tracker.sources.http import Http

log = logging.getLogger(__name__)

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
    alert_confidence: float = Field(
        0.7,
        ge=0,
        le=1,
        description="a finding's changes alert subscribers only from this confidence, and only when no "
        "more trusted source lists the event with another value; below it they are recorded, not sent",
    )
    new_event_confidence: float = Field(
        0.8,
        ge=0,
        le=1,
        description="a finding that matches no event another source knows makes an event of its own "
        "only from this confidence (a finding that matches one always joins its timeline)",
    )
    follow_links: bool = Field(
        True, description="read the article behind each item's link, not only the feed's teaser"
    )
    follow_if: str | None = Field(
        None,
        description="a regular expression: only items whose title or teaser matches it have their "
        'article read (for general feeds: "(?i)launch|rocket|spacewalk|ракет|пуск|космо")',
    )
    max_articles: int = Field(
        10,
        ge=0,
        le=200,
        description="at most this many article pages fetched per poll (pages already read are kept "
        "by URL and the item's date, and cost nothing); items beyond it are read from their teaser",
    )

    _follow_if_compiles = field_validator("follow_if")(compiled_regex)


class NewsFeed(Source[NewsOptions]):
    """An RSS/Atom feed of articles; one snapshot per dated schedule change found in them."""

    accept: ClassVar[str] = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8"

    def fetch(self, http: Http, *, etag: str | None = None, last_modified: str | None = None) -> RawDocument:
        """The feed, and the article behind each item's link (within the poll's budget)."""
        doc = super().fetch(http, etag=etag, last_modified=last_modified)
        if doc.not_modified or not self.options.follow_links:
            return doc
        try:
            entries = load_feed(doc).entries
        except ParseError:
            return doc  # parse says what is wrong with it
        linked: dict[str, bytes] = {}
        budget = self.options.max_articles if reads_pages() else 0  # no reader: no page is fetched
        for entry in entries:
            link, version = _link(entry), _version(entry)
            if link is None or link in linked or not self._worth_reading(entry):
                continue
            body = http.cached(link, version)
            if body is None and budget > 0:
                budget -= 1
                try:
                    body = http.get(link, accept="text/html, application/xhtml+xml;q=0.9").body
                except SourceError as exc:  # the teaser is read instead; the feed itself was fine
                    log.info("source %s: article %s not read: %s", self.name, link, exc)
                    continue
                http.keep(link, version, body)
            if body is not None:
                linked[link] = body
        return dataclasses.replace(doc, linked=linked)

    def _worth_reading(self, entry: Any) -> bool:
        pattern = self.options.follow_if
        return pattern is None or re.search(pattern, article_text(entry)) is not None

    def parse(self, doc: RawDocument) -> Parsed:
        opts = self.options
        feed = load_feed(doc)  # ParseError for empty, HTML or malformed documents
        items: dict[str, EventSnapshot] = {}
        for entry in feed.entries:
            page = doc.linked.get(_link(entry) or "")
            for snap in entry_snapshots(entry, doc.observed_at, opts, page):
                items.setdefault(snap.source_ref, snap)
        return Parsed(list(items.values()), complete=False, entries=len(feed.entries))


def _link(entry: Any) -> str | None:
    link = entry.get("link")
    return link if isinstance(link, str) and link.startswith(("http://", "https://")) else None


def _version(entry: Any) -> str:
    """What tells an edited item from an unchanged one: its date in the feed."""
    keys = entry.keys()  # (asking feedparser for a missing "updated" warns)
    return str(entry["updated"] if "updated" in keys else entry["published"] if "published" in keys else "")


def main_text(page: bytes) -> str | None:
    """The article's main text (no menus, comments or related links), paragraphs on their own
    lines; None when the page has none (or when the optional ``[news]`` extra, trafilatura,
    is not installed: then the feed's teaser is read). trafilatura detects the encoding."""
    try:
        import trafilatura
    except ImportError:
        _say_once("article pages are read with the [news] extra (pip install 'launch-tracker[news]'); "
                  "reading the feeds' teasers only")  # fmt: skip
        return None

    text = trafilatura.extract(page, include_comments=False, include_tables=False, favor_precision=True)
    return text.strip() or None if text else None


def reads_pages() -> bool:
    """Whether article pages can be read (the optional ``[news]`` extra is installed)."""
    try:
        import trafilatura  # noqa: F401  (kept imported: main_text uses it next)
    except ImportError:
        return False
    return True


@functools.cache
def _say_once(message: str) -> None:
    log.info(message)


def article_text(entry: Any, page: bytes | None = None) -> str:
    """Title and the article (or the item's teaser/content) as plain text, one paragraph per line."""
    parts: list[str] = []
    title = entry.get("title")
    if isinstance(title, str):
        parts.append(_SITE_SUFFIX.sub("", _plain(title)))
    body_text = main_text(page) if page else None
    if body_text:
        lines = [line for line in (" ".join(x.split()) for x in body_text.splitlines()) if line]
        return "\n".join([*parts, *(line for line in lines if line not in parts)])
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


def entry_snapshots(
    entry: Any, observed_at: datetime, opts: NewsOptions, page: bytes | None = None
) -> list[EventSnapshot]:
    """Snapshots for one article: its findings with a known new time and enough confidence."""
    text = article_text(entry, page)
    guid = entry.get("id") or entry.get("link") or hashlib.sha1(text.encode()).hexdigest()[:16]
    link = entry.get("link") if isinstance(entry.get("link"), str) else None
    out: list[EventSnapshot] = []
    for finding in extract(text, _published(entry, observed_at)):
        if finding.confidence < opts.min_confidence or finding.new is None or not finding.new.known:
            continue
        out.append(_snapshot(finding, str(guid), link, opts))
    return out


def _snapshot(finding: Finding, guid: str, link: str | None, opts: NewsOptions) -> EventSnapshot:
    assert finding.new is not None
    names = [n for n in (finding.vehicle, finding.mission) if n]
    title = " | ".join([*names, finding.event_type or "event"])
    is_launch = finding.event_type in (None, "launch")
    claim = Claim(
        confidence=finding.confidence,
        old=finding.old,
        change=finding.change,
        new_event_confidence=opts.new_event_confidence,
        alert_confidence=opts.alert_confidence,
        reason=finding.sentence,
    )
    return EventSnapshot(
        source_ref=f"{guid}#{_slug(latin(finding.subject))}",
        kind=EventKind.LAUNCH if is_launch else EventKind.EVENT,
        title=title,
        when=finding.new,
        type=finding.event_type,
        vehicle=finding.vehicle,
        mission=finding.mission,
        url=link,
        claim=claim,
    )
