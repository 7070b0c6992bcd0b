"""Any HTML schedule page, described by CSS selectors in the config instead of code.

A user who finds a new launch-schedule page can track it by naming, in
``[sources.options]``, the element of one event (``item``) and, inside it, where the
title, the date and optionally time, status, site, vehicle, id and link are. Dates are
read by `tracker.timetext.parse_text` (text written for people, with the fetch time as
reference for a missing year) or from an attribute such as ``<time datetime>``.

A layout change must not look like every event being dropped: an ``item`` selector that
matches nothing is a ParseError, and an item whose date cannot be read is left out and
makes the run incomplete (nothing is reported dropped) rather than guessed.
"""

from __future__ import annotations

import dataclasses
import re
from typing import ClassVar
from urllib.parse import urljoin

import soupsieve
from bs4 import BeautifulSoup, Tag
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tracker.errors import ParseError
from tracker.models import EventKind, EventSnapshot, Parsed, RawDocument
from tracker.sources.base import Source, compiled_regex
from tracker.status import normalise_status
from tracker.timetext import parse_text

_SELECTORS = ("item", "title", "date", "time", "status", "site", "vehicle", "id", "link")
_FULL_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_NO_TIME = {"", "tbd", "tba", "tbc", "-", "n/a"}


class HtmlOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: str = Field(description="CSS selector matching one element per event")
    title: str = Field(description="selector, inside the item, of the event's title")
    date: str | None = Field(None, description="selector of the date (default: the item itself)")
    date_attr: str | None = Field(None, description="read the date from this attribute (e.g. 'datetime')")
    time: str | None = Field(
        None, description="selector of a separate time of day (appended to the date) or full ISO instant"
    )
    time_pattern: str | None = Field(None, description="regex picking the time out of that text (group 1)")
    status: str | None = Field(None, description="selector of a status word (Go, TBD, Scrubbed...)")
    site: str | None = Field(None, description="selector of the launch site or location")
    vehicle: str | None = Field(None, description="selector of the launch vehicle")
    id: str | None = Field(None, description="selector of the event's id (default: the normalised title)")
    id_attr: str | None = Field(None, description="read the id from this attribute (of `id`, or the item)")
    link: str | None = Field(None, description="selector of a link to the event")
    link_attr: str = Field("href", description="attribute holding the link's URL")
    kind: EventKind = Field(EventKind.LAUNCH, description="what the items are: launch or event")
    type: str | None = Field(None, description="event type to record (default: 'launch' for launches)")
    year: int | None = Field(None, ge=1957, le=2199, description="the year of dates written without one")

    @field_validator(*_SELECTORS)
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                soupsieve.compile(value)
            except soupsieve.SelectorSyntaxError as exc:
                raise ValueError(f"not a valid CSS selector: {str(exc).splitlines()[0]}") from None
        return value

    _time_pattern_compiles = field_validator("time_pattern")(compiled_regex)


class HtmlSelectors(Source[HtmlOptions]):
    """An HTML page of events located by CSS selectors (see `HtmlOptions`)."""

    accept: ClassVar[str] = "text/html, application/xhtml+xml;q=0.9"

    def parse(self, doc: RawDocument) -> Parsed:
        opts = self.options
        soup = load_html(doc.body)
        elements = soup.select(opts.item)
        if not elements:
            raise ParseError(f"item selector {opts.item!r} matched nothing: has the page layout changed?")
        items: list[EventSnapshot] = []
        problems: list[str] = []
        for number, element in enumerate(elements, start=1):
            try:
                items.append(self._snapshot(element, opts, doc))
            except ValueError as exc:
                problems.append(f"item {number}: {exc}")
        if problems and not items:
            raise ParseError(f"none of the {len(elements)} items could be read; {problems[0]}")
        return Parsed(items, complete=not problems)

    def _snapshot(self, item: Tag, opts: HtmlOptions, doc: RawDocument) -> EventSnapshot:
        title = text_of(item, opts.title)
        if not title:
            raise ValueError(f"no title at {opts.title!r}")
        date_el = item.select_one(opts.date) if opts.date else item
        if date_el is None:
            raise ValueError(f"{title}: no date at {opts.date!r}")
        raw_date = date_el.get(opts.date_attr) if opts.date_attr else clean(date_el.get_text(" "))
        if not isinstance(raw_date, str) or not raw_date.strip():
            raise ValueError(f"{title}: empty date")
        when = parse_text(raw_date, doc.observed_at, year=opts.year)  # ValueError names the text
        clock = self._time(item, opts)
        if clock and _FULL_INSTANT.match(clock):  # "2018-02-06 18:30": the time cell is the whole instant
            when = dataclasses.replace(parse_text(clock, doc.observed_at), net=when.net)
        elif clock:
            when = parse_text(f"{raw_date.strip()} {clock}", doc.observed_at, year=opts.year)
        return EventSnapshot(
            source_ref=self._ident(item, opts, title),
            kind=opts.kind,
            title=title,
            when=when,
            status=normalise_status(text_of(item, opts.status)),
            type=opts.type or ("launch" if opts.kind is EventKind.LAUNCH else None),
            vehicle=text_of(item, opts.vehicle),
            site=text_of(item, opts.site),
            url=self._link(item, opts, doc.url),
        )

    @staticmethod
    def _time(item: Tag, opts: HtmlOptions) -> str | None:
        text = text_of(item, opts.time)
        if text and opts.time_pattern:
            found = re.search(opts.time_pattern, text)
            text = (found.group(1) if found.groups() else found.group(0)) if found else None
        if not text or text.lower().strip(" .") in _NO_TIME:
            return None
        return text

    @staticmethod
    def _ident(item: Tag, opts: HtmlOptions, title: str) -> str:
        element = item.select_one(opts.id) if opts.id else item
        if element is not None and opts.id_attr:
            value = element.get(opts.id_attr)
            if isinstance(value, str) and value.strip():
                return value.strip()
        elif element is not None and opts.id:
            text = clean(element.get_text(" "))
            if text:
                return text
        return title_key(title)

    @staticmethod
    def _link(item: Tag, opts: HtmlOptions, base: str) -> str | None:
        element = item.select_one(opts.link) if opts.link else None
        href = element.get(opts.link_attr) if element is not None else None
        if not isinstance(href, str) or not href.strip():
            return None
        url = urljoin(base, href.strip()) if base.startswith(("http://", "https://")) else href.strip()
        return url if url.startswith(("http://", "https://")) else None  # no javascript: or data: links


def load_html(body: bytes) -> BeautifulSoup:
    """Parse HTML bytes with lxml, refusing an empty document; ``<wbr>`` hints are dropped."""
    if not body.strip():
        raise ParseError("empty HTML document")
    soup = BeautifulSoup(body, "lxml")
    for hint in soup.find_all("wbr"):
        hint.unwrap()  # "Soyuz-<wbr>U" is "Soyuz-U" (libxml2 may put "U" inside the wbr)
    soup.smooth()  # merge the strings around it again
    return soup


def clean(text: str) -> str:
    """Collapse the whitespace of text taken from a page."""
    return " ".join(text.split())


def text_of(item: Tag, selector: str | None) -> str | None:
    """The cleaned text of the first match of ``selector`` inside ``item``, or None."""
    if selector is None:
        return None
    element = item.select_one(selector)
    if element is None:
        return None
    return clean(element.get_text(" ")) or None


def title_key(title: str) -> str:
    """An identity from a title when the page gives none: "Falcon 9 | SES-12" → "falcon-9-ses-12"."""
    return re.sub(r"[^0-9a-z]+", "-", title.lower()).strip("-") or title
