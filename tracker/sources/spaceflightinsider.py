"""SpaceFlight Insider's launch calendar (``/launch-schedule/``), one table per launch.

Each launch is a ``<table class="launchcalendar netd|netm|nety|set" id="launch-88">``:
the header row holds the date ("NET Feb 1", "Feb 6", "NET Feb", "NET 2018") and the
mission; a ``td.vehicle`` cell the vehicle; ``td.launchdetails`` rows Location, Time
("TBD" or "1:30 PM EST / 2018-02-06 18:30:00Z") and sometimes Window ("3 hours").
The UTC instant after the slash is preferred to the local time: it needs no zone table
(the page also writes JST, MSK...). The table id is the site's own stable launch id.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import ClassVar

from bs4 import Tag

from tracker.errors import ParseError
from tracker.models import EventKind, EventSnapshot, Parsed, Precision, RawDocument
from tracker.sources.base import NoOptions, Source
from tracker.sources.html_selectors import clean, load_html, title_key
from tracker.timespec import parse_iso, span
from tracker.timetext import parse_text

_UTC = re.compile(r"(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?Z)")
_WINDOW = re.compile(r"^(\d+(?:\.\d+)?)\s*(second|sec|minute|min|hour|hr)s?\b", re.IGNORECASE)
_UNITS = {"sec": "seconds", "second": "seconds", "min": "minutes", "minute": "minutes"}
_UNITS |= {"hr": "hours", "hour": "hours"}


class SpaceflightInsider(Source[NoOptions]):
    """The launch calendar page of spaceflightinsider.com."""

    default_url: ClassVar[str] = "https://www.spaceflightinsider.com/launch-schedule/"
    accept: ClassVar[str] = "text/html, application/xhtml+xml;q=0.9"

    def parse(self, doc: RawDocument) -> Parsed:
        soup = load_html(doc.body)
        tables = soup.select("table.launchcalendar")
        if not tables:
            raise ParseError("no launch tables (table.launchcalendar) on the page: has its layout changed?")
        base = doc.url if doc.url.startswith(("http://", "https://")) else self.url
        items: list[EventSnapshot] = []
        problems: list[str] = []
        for table in tables:
            try:
                items.append(launch_snapshot(table, doc.observed_at, base))
            except ValueError as exc:
                problems.append(f"{table.get('id') or 'a launch table'}: {exc}")
        if problems and not items:
            raise ParseError(f"none of the {len(tables)} launch tables could be read; {problems[0]}")
        # A launch we could not read is still on the page: never report it dropped.
        return Parsed(items, complete=not problems)


def _details(table: Tag) -> dict[str, Tag]:
    """The labelled cells of ``td.launchdetails`` (Location, Time, Window...).

    The page nests the Window row inside the Time row; lxml repairs that differently
    from a browser, so cells are found from each label rather than by row.
    """
    cells: dict[str, Tag] = {}
    for label in table.select("td.launchdetails th"):
        cell = label.find_next_sibling("td")
        if isinstance(cell, Tag):
            cells.setdefault(clean(label.get_text(" ")).lower(), cell)
    return cells


def _window(text: str, start: datetime) -> datetime | None:
    found = _WINDOW.match(text)
    if not found:
        return None
    unit = _UNITS[found.group(2).lower()]
    return start + timedelta(**{unit: float(found.group(1))})


def launch_snapshot(table: Tag, observed_at: datetime, base_url: str) -> EventSnapshot:
    """One launch table as a snapshot; ValueError says what is missing or unreadable."""
    header = table.find("tr")
    heads = header.find_all("th", recursive=False) if isinstance(header, Tag) else []
    if len(heads) < 2:
        raise ValueError("no date and mission header")
    date_text = clean(heads[0].get_text(" "))
    mission = clean(heads[1].get_text(" "))
    if not mission:
        raise ValueError("no mission name")
    vehicle_cell = table.select_one("td.vehicle")
    vehicle = clean(vehicle_cell.get_text(" ")) if vehicle_cell else ""
    cells = _details(table)
    site = clean(cells["location"].get_text(" ")) if "location" in cells else ""
    when = parse_text(date_text, observed_at)  # raises ValueError naming the text
    window_end: datetime | None = None
    time_cell = cells.get("time")
    instant = _UTC.search(time_cell.get_text(" ")) if time_cell else None
    if instant:
        t0 = parse_iso(instant.group(1))
        precision = Precision.SECOND if t0.second else Precision.MINUTE
        when = span(t0, precision, net=when.net, t0=t0)
        if "window" in cells:
            window_end = _window(clean(cells["window"].get_text(" ")), t0)
    ident = table.get("id")
    ref = ident.strip() if isinstance(ident, str) and ident.strip() else title_key(f"{vehicle} {mission}")
    return EventSnapshot(
        source_ref=ref,
        kind=EventKind.LAUNCH,
        title=f"{vehicle} | {mission}" if vehicle else mission,
        when=when,
        type="launch",
        vehicle=vehicle or None,
        mission=mission,
        site=site or None,
        window_start=when.t0 if window_end else None,
        window_end=window_end,
        url=f"{base_url.split('#')[0]}#{ref}" if base_url else None,
    )
