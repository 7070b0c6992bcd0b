"""Any JSON launch list, mapped to snapshots by configuration alone (kind ``json``).

Recorders and small trackers republish LL2 or Wikipedia data in their own JSON
shapes. Rather than a module per shape, ``[sources.options]`` says where the list is
and which dotted path holds each field. Every path may be a list of alternatives,
tried in order (the first non-empty value wins), so a document survives layout
drift such as Wikipedia's ``TimestampRaw`` moving under ``Timestamp``.

A dotted path walks objects by key and arrays by index: ``"Payload.0.Payload"``.
Keys that contain a dot cannot be addressed.

An item whose identity or time cannot be read is skipped, never guessed: a wrong date
that looks right is worse for slip detection than none. A document with skipped
items is marked incomplete, so the skipped events are not reported as dropped; a
document none of whose items can be read is a ParseError.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tracker.errors import ParseError
from tracker.models import EventKind, EventSnapshot, Parsed, Precision, RawDocument, TimeSpec
from tracker.sources.base import Source
from tracker.sources.bounded import load_json
from tracker.status import normalise_status
from tracker.timespec import from_ll2, ll2_precision, parse_iso, span
from tracker.timetext import parse_text, strip_citations

log = logging.getLogger(__name__)

Paths = str | list[str]
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _paths(doc: str) -> Any:
    return Field(None, description=doc + " A dotted path, or a list of alternatives (first non-empty wins).")


class MappedJsonOptions(BaseModel):
    """Where the list is, and which path of an item holds each event field."""

    model_config = ConfigDict(extra="forbid")

    items: Paths = Field(
        "",
        description='Path of the list of items ("launches", "OrbitalFlights", "1" for the second element '
        'of a top-level array, "" for a top-level list); a list of alternatives is tried in order.',
    )
    id: Paths | None = _paths("The item's own stable id.")
    identity: list[str] = Field(
        default_factory=list,
        description='Paths joined with " | " to form an id when there is none (e.g. ["Rocket", '
        '"FlightNumber", "Payload.0.Payload"]); repeats within one document get " #2", " #3" in order.',
    )
    title: Paths | None = _paths("The event's title.")
    title_template: str | None = Field(
        None,
        description='Title built from placeholders, e.g. "{rocket} | {mission}"; a placeholder is a '
        'dotted path, or alternatives separated by "|" ("{FlightNumber|Payload.0.Payload}").',
    )
    kind_value: EventKind = Field(EventKind.LAUNCH, description='"launch" or "event" for every item.')
    kind: Paths | None = _paths('Per-item kind: "launch" is a launch, any other value an event.')
    type: Paths | None = _paths('Event type (lower-cased); default "launch" for launches.')
    provider: Paths | None = _paths("Launch provider.")
    vehicle: Paths | None = _paths("Vehicle.")
    mission: Paths | None = _paths("Mission or payload.")
    site: Paths | None = _paths("Pad, site or station.")
    status: Paths | None = _paths("Status text or LL2 status object (normalised).")
    start: Paths | None = _paths(
        "The schedule value: an ISO instant or text, per time_format; none present means TBD "
        "(or the `date` and `time` parts, when those are set)."
    )
    date: Paths | None = _paths(
        'The day, for sources that write the start in parts ("date": "2026-08-04", "time": "14:00"): '
        'an ISO date, or text such as "August 4, 2026" with time_format text or auto.'
    )
    time: Paths | None = _paths(
        'The time of day beside `date` ("14:00", "14:00:30", "2:00 PM", "14:00 UTC"); absent, empty '
        'or "TBD": the day alone (precision day).'
    )
    zone: Paths | None = _paths(
        'The zone of `date` and `time` per item: an IANA name ("America/New_York") or an offset '
        '("-04:00", "+0300", "UTC"). A zone written in the time itself wins.'
    )
    zone_value: str = Field(
        "UTC", description="The zone of `date` and `time` for every item (`zone`, when set, wins)."
    )
    precision: Paths | None = _paths("LL2 precision (object, abbreviation or name) of an ISO start.")
    window_start: Paths | None = _paths("ISO start of the launch window (unreadable: none).")
    window_end: Paths | None = _paths("ISO end of the launch window (unreadable: none).")
    url: Paths | None = _paths("A link to the event.")
    net_flag: Paths | None = _paths('A boolean meaning "not earlier than".')
    time_format: Literal["iso", "text", "auto"] = Field(
        "iso",
        description='"iso": ISO-8601 instants, precision from `precision` (absent: as written); '
        '"text": free text such as "Late October (TBD)"; "auto": ISO if it parses, else text.',
    )
    ll2_placeholders: bool = Field(
        False,
        description="For an ISO start without a precision, read LL2's placeholders (midnight on a "
        "month's last day is a coarse period, other midnights a day) instead of taking it as written.",
    )
    year: int | None = Field(None, ge=1900, le=2199, description="Year of text dates written without one.")
    year_field: Paths | None = _paths("Item path holding the year of text dates (overrides `year`).")
    year_from: Paths | None = _paths("Document path holding the year of text dates (overrides `year`).")
    strip_citations: bool = Field(True, description='Remove Wikipedia citation markers ("[12]") from text.')
    complete: bool = Field(
        True,
        description="The document is the source's WHOLE list, so an item missing from it has left the "
        'list (reported dropped). Set false for a top-N list ("the next 10 launches"), a filtered '
        "one (one vehicle, one site, status Go) or a first page: there an item also goes missing by "
        "falling off the tail or moving out of the filter, which is not a drop.",
    )

    @model_validator(mode="after")
    def _needs(self) -> MappedJsonOptions:
        if self.id is None and not self.identity:
            raise ValueError("set `id` or `identity`: every item needs a stable reference")
        if self.start is None and self.date is None:
            raise ValueError("set `start`, or `date` (with `time`) when the start is written in parts")
        if self.time is not None and self.date is None:
            raise ValueError("`time` needs `date`: the time of day is read beside a date")
        _zone(self.zone_value)
        if self.title is None and self.title_template is None:
            raise ValueError("set `title` or `title_template`")
        return self


_NO_TIME = frozenset({"", "tbd", "tba", "tbc", "n/a", "-", "--", "unknown"})
# A time of day that carries its own zone ("14:00Z", "14:00 UTC", "14:00+03:00", "2 PM EDT").
_ZONED = re.compile(r"(?:\dz|\b(?:utc|gmt|[ecmp][sd]t|msk|ist|bjt|jst)\)?|[+-]\d{2}:?\d{2})\s*$", re.I)
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$", re.I)


def _zone(name: str) -> tzinfo:
    """An IANA zone or a UTC offset ("-04:00", "+0300", "UTC+3"); ValueError for anything else."""
    text = name.strip()
    if text.upper() in ("Z", "UTC", "GMT"):
        return UTC
    match = _OFFSET.match(text)
    if match:
        minutes = int(match["h"]) * 60 + int(match["m"] or 0)
        return timezone(timedelta(minutes=minutes if match["sign"] == "+" else -minutes))
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown zone {name!r} (an IANA name such as America/New_York, or -04:00)"
        ) from None


def in_zone(spec: TimeSpec, zone: tzinfo) -> TimeSpec:
    """``spec`` read as UTC, moved to what its wall-clock reading means in ``zone`` (the offset
    taken at the written instant, so a summer and a winter date each get their own)."""
    if spec.t0 is None or not spec.known:
        return spec
    wall = spec.t0.replace(tzinfo=None)
    shift = wall.replace(tzinfo=zone).astimezone(UTC) - wall.replace(tzinfo=UTC)

    def moved(dt: datetime | None) -> datetime | None:
        return None if dt is None else dt + shift

    return dataclasses.replace(
        spec, earliest=moved(spec.earliest), latest=moved(spec.latest), t0=moved(spec.t0)
    )


def _alternatives(paths: Paths | None) -> list[str]:
    if paths is None:
        return []
    return [paths] if isinstance(paths, str) else list(paths)


def resolve(value: Any, path: str) -> Any:
    """The value at a dotted path (objects by key, arrays by index); None when absent."""
    if path == "":
        return value
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and re.fullmatch(r"-?\d+", part):
            index = int(part)
            value = value[index] if -len(value) <= index < len(value) else None
        else:
            return None
    return value


def _empty(value: Any) -> bool:
    return (
        value is None
        or value == ""
        or value == []
        or value == {}
        or (isinstance(value, str) and not value.strip())
    )


class MappedJson(Source[MappedJsonOptions]):
    """A JSON document whose items are read through configured paths."""

    accept: ClassVar[str] = "application/json"

    def parse(self, doc: RawDocument) -> Parsed:
        root = load_json(doc.body, f"JSON source {self.name}")
        items = self._items(root)
        year = self._year(root, self.options.year_from)
        snaps: list[EventSnapshot] = []
        counts: dict[str, int] = {}
        skipped: list[str] = []
        for index, item in enumerate(items):
            try:
                snap = self.snapshot(item, doc.observed_at, year)
            except ValueError as exc:
                skipped.append(f"item {index}: {exc}")
                continue
            counts[snap.source_ref] = counts.get(snap.source_ref, 0) + 1
            if counts[snap.source_ref] > 1:
                if self._own_id(item) is not None:
                    continue  # the same event listed twice (e.g. across pages): keep the first
                snap = dataclasses.replace(snap, source_ref=f"{snap.source_ref} #{counts[snap.source_ref]}")
            snaps.append(snap)
        if items and not snaps:
            raise ParseError(f"no item of {len(items)} could be read: {skipped[0]}")
        if skipped:
            log.warning(
                "source %s: skipped %d of %d items (%s)", self.name, len(skipped), len(items), skipped[0]
            )
        return Parsed(snaps, complete=self.options.complete and not skipped)

    def _items(self, root: Any) -> list[Any]:
        for path in _alternatives(self.options.items):
            found = resolve(root, path)
            if isinstance(found, list):
                return found
        raise ParseError(f"no list of items at {self.options.items!r}")

    def _year(self, where: Any, paths: Paths | None) -> int | None:
        value = self._value(where, paths)
        match = re.match(r"\d{4}", str(value)) if value is not None else None
        return int(match[0]) if match else None

    def _value(self, item: Any, paths: Paths | None) -> Any:
        """The first non-empty value among the alternatives (strings stripped and cleaned)."""
        for path in _alternatives(paths):
            value = resolve(item, path)
            if isinstance(value, str):
                value = strip_citations(value) if self.options.strip_citations else value.strip()
            if not _empty(value):
                return value
        return None

    def _text(self, item: Any, paths: Paths | None) -> str | None:
        """The first alternative that holds a scalar, as text (objects are skipped)."""
        for path in _alternatives(paths):
            value = self._value(item, path)
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                return str(value)
        return None

    def _own_id(self, item: Any) -> str | None:
        return self._text(item, self.options.id)

    def _ref(self, item: Any) -> str:
        ref = self._own_id(item)
        if ref is None and self.options.identity:
            parts = [self._text(item, path) or "" for path in self.options.identity]
            ref = " | ".join(parts) if any(parts) else None
        if ref is None:
            raise ValueError("no id and no identity fields")
        return ref

    def _title(self, item: Any, ref: str) -> str:
        template = self.options.title_template
        if template is not None:
            title = _PLACEHOLDER.sub(lambda m: self._text(item, m[1].split("|")) or "", template).strip()
        else:
            title = self._text(item, self.options.title) or ""
        return title or ref

    def _start(self, item: Any) -> tuple[Any, tzinfo | None]:
        """The start as written, and the zone it is in when it was read from ``date`` and ``time``."""
        o = self.options
        raw = self._value(item, o.start)
        if raw is not None or o.date is None:
            return raw, None
        day = self._text(item, o.date)
        if day is None:
            return None, None
        clock = self._text(item, o.time)
        if clock is None or clock.strip().lower() in _NO_TIME:
            return day, _zone(self._text(item, o.zone) or o.zone_value)
        clock = clock.strip().removeprefix("T").removeprefix("t")
        zone = None if _ZONED.search(clock) else _zone(self._text(item, o.zone) or o.zone_value)
        return f"{day} {clock}", zone

    def when(self, item: Any, observed_at: datetime, year: int | None) -> TimeSpec:
        """The item's schedule value; ValueError when it is written but unreadable."""
        raw, zone = self._start(item)
        spec = self._read(item, raw, observed_at, year)
        return in_zone(spec, zone) if zone is not None else spec

    def _read(self, item: Any, raw: Any, observed_at: datetime, year: int | None) -> TimeSpec:
        flag = self._value(item, self.options.net_flag)
        net = flag is True or (isinstance(flag, str) and flag.lower() in ("true", "yes", "1", "net"))
        if raw is None:
            return TimeSpec.unknown(net)
        if not isinstance(raw, str):
            raise ValueError(f"start is not text: {raw!r}")
        fmt = self.options.time_format
        spec: TimeSpec | None = None
        if fmt in ("iso", "auto"):
            try:
                spec = self._iso(raw, self._value(item, self.options.precision))
            except ValueError:
                if fmt == "iso":
                    raise ValueError(f"start {raw!r} is not an ISO instant") from None
        if spec is None:
            spec = parse_text(raw, observed_at, year=year)
        return dataclasses.replace(spec, net=True) if net and not spec.net else spec

    def _iso(self, text: str, precision: Any) -> TimeSpec:
        t0 = parse_iso(text)
        given = ll2_precision(precision)
        if given is not None:
            return span(t0, given, net=given >= Precision.WEEK, t0=t0)
        if self.options.ll2_placeholders:
            return from_ll2(text)
        if len(text.strip()) == 10:  # a date alone: "2026-08-20"
            return span(t0, Precision.DAY)
        return span(t0, Precision.SECOND if t0.second or t0.microsecond else Precision.MINUTE)

    def _instant(self, item: Any, paths: Paths | None) -> datetime | None:
        value = self._text(item, paths)
        try:
            return parse_iso(value) if value else None
        except ValueError:
            return None

    def snapshot(self, item: Any, observed_at: datetime, year: int | None = None) -> EventSnapshot:
        """One item as a snapshot; ValueError when its reference or time cannot be read.

        ``year`` is the document's (``year_from``): an item's ``year_field`` wins over it, it over ``year``.
        """
        if not isinstance(item, dict | list):
            raise ValueError(f"not an object: {item!r}")
        o = self.options
        ref = self._ref(item)
        kind_text = self._text(item, o.kind)
        kind = (
            o.kind_value
            if kind_text is None
            else EventKind("launch" if kind_text.lower() == "launch" else "event")
        )
        item_year = self._year(item, o.year_field) or year or o.year
        event_type = self._text(item, o.type)
        return EventSnapshot(
            source_ref=ref,
            kind=kind,
            title=self._title(item, ref),
            when=self.when(item, observed_at, item_year),
            status=normalise_status(self._value(item, o.status)),
            type=event_type.lower() if event_type else ("launch" if kind is EventKind.LAUNCH else None),
            provider=self._text(item, o.provider),
            vehicle=self._text(item, o.vehicle),
            mission=self._text(item, o.mission),
            site=self._text(item, o.site),
            window_start=self._instant(item, o.window_start),
            window_end=self._instant(item, o.window_end),
            url=self._text(item, o.url),
        )
