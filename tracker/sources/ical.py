"""iCalendar (.ics) feeds: each VEVENT is one scheduled event.

Calendars are how many agencies and hobby sites publish launch and spacewalk dates, and
RFC 5545 already says what we need: UID is a stable identity, DTSTART the scheduled time
(a DATE is a day; a DATE-TIME is as precise as written), DTEND/DURATION the window,
STATUS whether it is confirmed. Recurring rules are not expanded (launches do not recur).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from icalendar import Calendar  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field

from tracker.errors import ParseError
from tracker.models import EventKind, EventSnapshot, Parsed, Precision, RawDocument, TimeSpec
from tracker.sources.base import Source
from tracker.status import normalise_status
from tracker.timespec import span, utc

# RFC 5545 VEVENT statuses in the tracker's status words.
_STATUS = {"CONFIRMED": "go", "TENTATIVE": "tbc", "CANCELLED": "cancelled"}


class ICalOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: EventKind = Field(EventKind.EVENT, description="what the VEVENTs are: launch or event")
    type: str | None = Field(None, description="event type to record (default: 'launch' for launches)")


class ICalendar(Source[ICalOptions]):
    """A calendar of scheduled events: UID = identity, DTSTART = scheduled time."""

    accept: ClassVar[str] = "text/calendar, text/plain;q=0.5"

    def parse(self, doc: RawDocument) -> Parsed:
        opts = self.options
        calendar = load_calendar(doc.body)
        items: list[EventSnapshot] = []
        problems: list[str] = []
        for event in calendar.walk("VEVENT"):
            try:
                items.append(event_snapshot(event, opts))
            except ValueError as exc:
                problems.append(str(exc))
        if problems and not items:
            raise ParseError(f"no readable VEVENT in the calendar: {problems[0]}")
        # An event we could not read may still be on the calendar: never report it dropped.
        return Parsed(items, complete=not problems)


def load_calendar(body: bytes) -> Calendar:
    """Parse the bytes as one VCALENDAR, refusing empty, HTML and truncated documents."""
    text = body.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text:
        raise ParseError("empty calendar document")
    if text[:1] == b"<":
        raise ParseError("calendar URL returned HTML or XML, not iCalendar (an error or block page?)")
    if not text[:15].upper().startswith(b"BEGIN:VCALENDAR"):
        raise ParseError("document does not start with BEGIN:VCALENDAR: not an iCalendar file")
    try:
        calendar = Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise ParseError(f"calendar is malformed or truncated: {exc}") from exc
    if not isinstance(calendar, Calendar):  # pragma: no cover - from_ical returns a list only when asked
        raise ParseError("document is not a single VCALENDAR")
    return calendar


def _text(event: Any, key: str) -> str | None:
    value = event.get(key)
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _instant(value: date | datetime, what: str) -> tuple[datetime, Precision]:
    """A DATE or DATE-TIME as UTC with the precision it was written to."""
    if isinstance(value, datetime):
        # Floating times (no zone) are read as UTC; an unknown TZID leaves a naive value
        # with the parameter set, which `_start` refuses before we get here.
        precision = Precision.SECOND if value.second or value.microsecond else Precision.MINUTE
        return utc(value), precision
    if isinstance(value, date):
        return utc(datetime(value.year, value.month, value.day)), Precision.DAY
    raise ValueError(f"{what} is not a date or date-time: {value!r}")


def _decoded(event: Any, key: str, uid: str) -> Any:
    prop = event.get(key)
    if prop is None:
        return None
    tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
    try:
        value = event.decoded(key)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"event {uid}: unreadable {key}: {exc}") from exc
    if tzid and isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError(f"event {uid}: unknown time zone {tzid!r} in {key}")
    return value


def event_snapshot(event: Any, opts: ICalOptions) -> EventSnapshot:
    """One VEVENT as a snapshot; ValueError says why it cannot be read."""
    uid = _text(event, "UID")
    if not uid:
        raise ValueError("an event has no UID")
    title = _text(event, "SUMMARY")
    if not title:
        raise ValueError(f"event {uid} has no SUMMARY")
    start_value = _decoded(event, "DTSTART", uid)
    if start_value is None:
        raise ValueError(f"event {uid} has no DTSTART")
    start, precision = _instant(start_value, f"event {uid}: DTSTART")
    when: TimeSpec = span(start, precision, t0=start)
    end: datetime | None = None
    end_value = _decoded(event, "DTEND", uid)
    if end_value is not None:
        end, _ = _instant(end_value, f"event {uid}: DTEND")
    else:
        duration = _decoded(event, "DURATION", uid)
        if isinstance(duration, timedelta):
            end = start + duration
    status = _text(event, "STATUS")
    return EventSnapshot(
        source_ref=uid,
        kind=opts.kind,
        title=title,
        when=when,
        status=_STATUS.get(status.upper(), normalise_status(status)) if status else None,
        type=opts.type or ("launch" if opts.kind is EventKind.LAUNCH else None),
        site=_text(event, "LOCATION"),
        window_start=start if end is not None else None,
        window_end=end,
        url=_text(event, "URL"),
    )
