"""The calendar (iCalendar) and Atom feeds, as bytes. Pure: the app reads the store and
answers conditional requests; this module only writes the documents.

Calendar entries move in place: the UID is the event's id, and SEQUENCE counts the time
changes the event has had, so a calendar app replaces the old entry instead of adding one.
Precision is kept honest: a known time is a timed entry; a day, a week, a month or a
quarter is an all-day entry spanning it, never a made-up time of day.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from icalendar import Calendar, Event  # type: ignore[import-untyped]

from tracker.contract import iso
from tracker.display import instant_text, plain, when_text
from tracker.models import ChangeRecord, EventRecord, Precision
from tracker.notify.render import WORDS, change_text
from tracker.status import status_label

ATOM = "http://www.w3.org/2005/Atom"
_CANCELLED = frozenset({"cancelled"})


@dataclass(frozen=True)
class Site:
    """Where the feeds point: the public base URL (may be empty: links are then relative)
    and the host name used in ids."""

    base_url: str
    host: str
    zone: tzinfo

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


def _all_day(event: EventRecord) -> tuple[date, date] | None:
    when = event.when
    if when.earliest is None or when.latest is None or when.precision <= Precision.HOUR:
        return None
    first = when.earliest.date()
    end = (
        when.latest.date() if when.latest.time() == datetime.min.time() else when.latest.date() + timedelta(1)
    )
    return first, max(end, first + timedelta(days=1))


def _summary(event: EventRecord) -> str:
    status = status_label(event.status) if event.status else ""
    return plain(f"{event.title} [{status}]" if status else event.title)


def _description(event: EventRecord, zone: tzinfo, moves: int, link: str | None, page: str) -> str:
    lines = [f"When: {when_text(event.when, zone)}", f"Status: {status_label(event.status)}"]
    details = [
        d
        for d in (
            event.type if event.kind.value == "event" else None,
            event.vehicle,
            event.provider,
            event.site,
        )
        if d
    ]
    if details:
        lines.append(" · ".join(details))
    if moves:
        lines.append(f"Moved {moves} time{'s' if moves > 1 else ''} (history: {page})")
    else:
        lines.append(f"History: {page}")
    if link:
        lines.append(f"Details and webcast: {link}")
    return "\n".join(plain(line) for line in lines)


def calendar(
    events: Sequence[EventRecord],
    moves: dict[int, int],
    links: dict[int, str],
    site: Site,
    name: str,
) -> bytes:
    """One VEVENT per event with a known date; an undated event cannot be placed and is left out."""
    cal = Calendar()
    cal.add("prodid", "-//launch-tracker//tracker serve//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for event in events:
        when = event.when
        if not when.known:
            continue
        assert when.earliest is not None and when.latest is not None
        entry = Event()
        entry.add("uid", f"event-{event.id}@{site.host}")
        entry.add("sequence", moves.get(event.id, 0))
        entry.add("dtstamp", event.updated_at)
        entry.add("last-modified", event.updated_at)
        entry.add("summary", _summary(event))
        days = _all_day(event)
        if days is None:
            start = when.t0 or when.earliest
            entry.add("dtstart", start)
            entry.add("dtend", max(when.latest, start + timedelta(minutes=1)))
        else:
            entry.add("dtstart", days[0])
            entry.add("dtend", days[1])
        page = site.url(f"/events/{event.id}")
        link = links.get(event.id)
        link = link if link and link.startswith(("http://", "https://")) else None
        entry.add("description", _description(event, site.zone, moves.get(event.id, 0), link, page))
        entry.add("url", link or page)
        if event.site:
            entry.add("location", plain(event.site))
        if event.status in _CANCELLED:
            entry.add("status", "CANCELLED")
        elif when.net or when.precision > Precision.DAY or event.status in ("tbd", "tbc", "hold"):
            entry.add("status", "TENTATIVE")
        else:
            entry.add("status", "CONFIRMED")
        cal.add_component(entry)
    return bytes(cal.to_ical())


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    node.text = plain(text)
    return node


def atom(
    changes: Sequence[ChangeRecord], site: Site, *, title: str, self_path: str, updated: datetime
) -> bytes:
    """An Atom feed of ``changes`` (newest first), one entry per change, worded as alerts word them."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", f"tag:{site.host},2026:{self_path}")
    _text(feed, "title", title)
    _text(feed, "updated", iso(updated) or "")
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": site.url(self_path)})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": site.url("/changes")})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "launch tracker")
    for change in changes:
        words = WORDS[change.kind]
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", f"tag:{site.host},2026:change/{change.id}")
        _text(entry, "title", f"{words}: {change.title}")
        _text(entry, "updated", iso(change.observed_at) or "")
        ET.SubElement(
            entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": site.url(f"/events/{change.event_id}")}
        )
        ET.SubElement(entry, f"{{{ATOM}}}category", {"term": change.kind.value})
        seen = instant_text(change.observed_at, site.zone)
        text = change_text(change, site.zone)
        _text(entry, "summary", f"{words}: {text} (source: {change.source}, seen {seen})")
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))
