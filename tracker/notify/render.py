"""What an alert says, rendered once for every channel.

Every value that came from a source goes through the channel's escape function
(plain text for terminals, HTML for Telegram and email) before it meets markup.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any, TypeVar

from tracker.changes import MOVES, delay, format_duration
from tracker.display import instant_text, plain, when_text
from tracker.models import Briefing, ChangeKind, ChangeRecord, DeliveryKind, EventRecord, TimeSpec, Window
from tracker.status import status_label

T = TypeVar("T")

WORDS = {
    ChangeKind.SLIP: "Delayed",
    ChangeKind.ADVANCE: "Moved earlier",
    ChangeKind.FIRMED: "Date firmed up",
    ChangeKind.LOOSENED: "Date less certain",
    ChangeKind.RETIMED: "New time",
    ChangeKind.STATUS: "Status changed",
    ChangeKind.WINDOW: "Window changed",
    ChangeKind.NEW: "Newly scheduled",
    ChangeKind.DROPPED: "No longer listed",
}


@dataclass(frozen=True)
class Alert:
    """Everything a message about one event needs, already in domain terms."""

    delivery_ids: tuple[int, ...]
    kind: DeliveryKind
    event: EventRecord
    changes: tuple[ChangeRecord, ...]
    zone: tzinfo
    slips: int = 0
    total_delay: timedelta | None = None
    source: str | None = None
    checked_at: datetime | None = None
    link: str | None = None
    lead: timedelta | None = None
    reply_to: str | None = None
    briefing: Briefing | None = None
    webcast_lead: timedelta = timedelta(hours=1)  # reminders this close to T-0 carry the webcast
    # What channels rendered from this content, shared with the copies ``for_delivery`` makes
    _rendered: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def for_delivery(self, delivery_ids: tuple[int, ...], reply_to: str | None) -> Alert:
        """The same alert for other deliveries (another subscriber's): only the ids and the
        message to reply to differ, neither of which any channel renders into its text, so
        what a channel rendered for one copy serves them all (``rendered``)."""
        copy = replace(self, delivery_ids=delivery_ids, reply_to=reply_to)
        object.__setattr__(copy, "_rendered", self._rendered)
        return copy

    def rendered(self, key: str, build: Callable[[Alert], T]) -> T:
        """``build(self)``, made once for this alert and every copy ``for_delivery`` made of it:
        a fan-out to a thousand chats renders its message once per channel (``key``)."""
        if key not in self._rendered:
            self._rendered[key] = build(self)
        value: T = self._rendered[key]
        return value


FAILED = frozenset({"failure", "partial_failure"})
OVER = FAILED | {"success", "in_flight", "deployed", "cancelled"}  # the weather no longer matters


def change_text(change: ChangeRecord, zone: tzinfo) -> str:
    """The one wording of what a change did (after its kind's word): ``old → new (+2 d)``,
    ``go → hold``, the new value, or the list it left. Every channel, the digest, the bot and
    ``tracker changes`` use it, so a change reads the same everywhere. Not yet escaped."""
    if change.kind is ChangeKind.STATUS:
        return f"{status_label(change.old_status)} → {status_label(change.new_status)}"
    if change.kind is ChangeKind.NEW:
        return when_text(change.new_when, zone)
    if change.kind is ChangeKind.DROPPED:
        was = f"; was {when_text(change.old_when, zone)}" if change.old_when else ""
        return f"left the {change.source} list (not necessarily cancelled{was})"
    text = f"{when_text(change.old_when, zone)} → {when_text(change.new_when, zone)}"
    moved = delay(change.old_when, change.new_when) if change.old_when and change.new_when else None
    return f"{text} ({format_duration(moved)})" if moved else text


def slip_text(slips: int, total: timedelta | None) -> str:
    """``3rd slip, +12 d in total so far``; ``moved -2 d in total so far`` without slips; or ""."""
    moved = f"{format_duration(total)} in total so far" if total else ""
    if slips:
        return f"{ordinal(slips)} slip" + (f", {moved}" if moved else "")
    return f"moved {moved}" if moved else ""


def details_text(event: EventRecord) -> str:
    """``Static fire · Starship · Starbase``: the event type (for non-launches), vehicle, site."""
    kind = event.type[:1].upper() + event.type[1:] if event.kind.value == "event" and event.type else None
    return " · ".join(d for d in (kind, event.vehicle, event.site) if d)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _compact_path(values: list[TimeSpec | None], zone: tzinfo) -> str:
    """``2027-03-10 15:30 UTC → 16:05 UTC → 16:20 UTC``: repeat the date only when it changes."""
    texts = [when_text(v, zone) for v in values]
    out = [texts[0]]
    for before, after in itertools.pairwise(texts):
        b_date, _, _ = before.partition(" ")
        a_date, _, a_rest = after.partition(" ")
        out.append(a_rest if b_date == a_date and ":" in a_rest else after)
    return " → ".join(out)


def test_alert(now: datetime, zone: tzinfo) -> Alert:
    """What ``tracker test-alert`` sends: a message about no real event, marked as a test."""
    from tracker.models import EventKind, Precision
    from tracker.timespec import span

    when = span(now.replace(second=0, microsecond=0) + timedelta(days=1), Precision.MINUTE)
    event = EventRecord(0, EventKind.LAUNCH, "launch", "Launch tracker test message", when, None, None,
                        None, None, None, True, now)  # fmt: skip
    return Alert((0,), DeliveryKind.TEST, event, (), zone)


def headline(alert: Alert) -> str:
    """The first line, in plain words (escape it before use)."""
    if alert.kind == DeliveryKind.TEST:
        return "Test: alerts reach this channel"
    if alert.kind == DeliveryKind.REMINDER:
        lead = format_duration(alert.lead or timedelta(0)).lstrip("+")
        return f"Reminder: T-{lead}"
    kinds = [c.kind for c in alert.changes]
    main = next((k for k in kinds if k.is_time_change), kinds[0] if kinds else ChangeKind.NEW)
    word = WORDS[main]
    if main in MOVES:
        total = _moved(alert.changes)
        if total:
            word += f" {total}"
    statuses = [c for c in alert.changes if c.kind is ChangeKind.STATUS]
    if statuses and main is not ChangeKind.STATUS:
        word += f"; now {status_label(statuses[-1].new_status)}"
    elif statuses:
        word = f"Status: {status_label(statuses[-1].new_status)}"
    return word


def _moved(changes: tuple[ChangeRecord, ...]) -> str:
    from tracker.changes import delay

    timed = [c for c in changes if c.kind.is_time_change and c.old_when and c.new_when]
    if not timed:
        return ""
    assert timed[0].old_when is not None and timed[-1].new_when is not None
    moved = delay(timed[0].old_when, timed[-1].new_when)
    return format_duration(moved) if moved else ""


def lines(alert: Alert, esc: Callable[[str], str], bold: Callable[[str], str]) -> list[str]:
    """The message as lines; ``esc`` escapes source values, ``bold`` marks up our own."""
    event, zone = alert.event, alert.zone
    out = [bold(esc(headline(alert))) + ": " + bold(esc(event.title))]
    timed = [c for c in alert.changes if c.kind.is_time_change]
    if alert.kind == DeliveryKind.REMINDER:
        out.append(esc(when_text(event.when, zone)))
    elif timed:
        out.append(esc(_compact_path([timed[0].old_when, *(c.new_when for c in timed)], zone)))
    elif new := [c for c in alert.changes if c.kind is ChangeKind.NEW]:
        out.append(esc(when_text(new[-1].new_when or event.when, zone)))
    if alert.kind == DeliveryKind.REMINDER and event.status:
        out.append(esc(f"Status: {status_label(event.status)}"))
    for c in alert.changes:
        if c.kind is ChangeKind.STATUS:
            out.append(esc(f"Status: {change_text(c, zone)}"))
        elif c.kind is ChangeKind.WINDOW and c.new_window:
            was = f" (was {window_text(c.old_window, zone)})" if c.old_window else ""
            out.append(esc(f"Window: {window_text(c.new_window, zone)}{was}"))
        elif c.kind is ChangeKind.DROPPED:
            text = change_text(c, zone)
            out.append(esc(text[:1].upper() + text[1:]))
    out.extend(esc(line) for line in briefing_lines(alert))
    if details := details_text(event):
        out.append(esc(details))
    if alert.slips:
        out.append(esc(slip_text(alert.slips, alert.total_delay)))
    if alert.source:
        checked = f", checked {instant_text(alert.checked_at, zone)}" if alert.checked_at else ""
        out.append(esc(f"Source: {alert.source}{checked}"))
    return out


def window_text(window: Window | None, zone: tzinfo) -> str:
    """``2026-03-10 15:30–17:00 UTC``; the day again only when the window crosses midnight."""
    if window is None or window[0] is None:
        return "-"
    start = window[0].astimezone(zone)
    end = window[1].astimezone(zone) if window[1] is not None else None
    if end is None or end == start:
        return f"{start:%Y-%m-%d %H:%M} {start.tzname() or ''}".rstrip() + ", instantaneous"
    end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M}–{end_text} {end.tzname() or ''}".rstrip()


def _status_now(alert: Alert) -> str | None:
    statuses = [c.new_status for c in alert.changes if c.kind is ChangeKind.STATUS]
    return statuses[-1] if statuses else alert.event.status


def briefing_lines(alert: Alert) -> list[str]:
    """What the source adds for a launch night, in plain words (escape before use): the webcast
    (in reminders from ``webcast_lead`` on, and at liftoff), the odds and weather, the hold or
    failure reason while it applies, and the newest librarian note."""
    b = alert.briefing
    if b is None:
        return []
    status = _status_now(alert)
    out: list[str] = []
    near = alert.kind == DeliveryKind.REMINDER and alert.lead is not None and alert.lead <= alert.webcast_lead
    liftoff = status == "in_flight" and any(c.kind is ChangeKind.STATUS for c in alert.changes)
    if b.webcast and b.webcast.startswith(("https://", "http://")) and (near or liftoff or b.webcast_live):
        out.append(f"Webcast{' (live)' if b.webcast_live else ''}: {b.webcast}")
    if (b.probability is not None or b.weather) and status not in OVER:
        odds = f"{b.probability} % favourable" if b.probability is not None else ""
        concerns = f"concerns: {b.weather}" if b.weather else ""
        out.append("Weather: " + "; ".join(p for p in (odds, concerns) if p))
    if b.hold_reason and status == "hold":
        out.append(f"Hold reason: {b.hold_reason}")
    if b.fail_reason and status in FAILED:
        out.append(f"Failure reason: {b.fail_reason}")
    if b.note:
        out.append(f"Latest note: {b.note}")
    return out


def render_text(alert: Alert) -> str:
    """For terminals and plain-text mail: control characters neutralised."""
    body = lines(alert, plain, lambda s: s)
    if alert.link:
        body.append(plain(alert.link))
    return "\n".join(body)


def esc_html(text: str) -> str:
    """A source's text for Telegram's HTML or an email: markup escaped, and control characters
    (an ANSI escape in a title) made visible like in a terminal, never passed on raw."""
    return html.escape(plain(text), quote=False)


def bold_html(text: str) -> str:
    return f"<b>{text}</b>"


def link_html(link: str | None) -> str | None:
    """The "Details" link, for http(s) links only (never ``javascript:``)."""
    if link and link.startswith(("http://", "https://")):
        return f'<a href="{html.escape(plain(link), quote=True)}">Details</a>'
    return None


def render_html(alert: Alert) -> str:
    """Telegram's HTML subset (also fine inside an email): every value escaped."""
    body = lines(alert, esc_html, bold_html)
    if anchor := link_html(alert.link):
        body.append(anchor)
    return "\n".join(body)
