"""Human wording of schedule values, honest about precision.

Day-or-coarser values are shown as the source's own calendar label (converting
"March 26" to another zone would invent a time); finer values are converted to
the reader's zone.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from tracker.models import Precision, TimeSpec

_DAY = timedelta(days=1)
# C0 and C1 controls (ANSI escapes), bidi embeddings, overrides and isolates (U+202A-202E,
# U+2066-2069, the marks U+200E/200F/061C), zero-width characters (U+200B-200D, U+2060,
# U+FEFF), line and paragraph separators (U+2028/2029) and interlinear annotation marks.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def plain(text: str | None) -> str:
    """A source's text made safe for every channel: control characters (ANSI escape
    sequences included), bidi overrides and zero-width characters become visible escapes,
    never commands or hidden reordering, and a value never spans lines. Every renderer
    (terminal, console file, Telegram, email, bot) passes source values through here."""
    if text is None:
        return "-"
    return _CONTROL.sub(_visible, text.replace("\n", " "))


def _part_of_month(spec: TimeSpec) -> str:
    assert spec.earliest and spec.latest
    if spec.latest - spec.earliest >= timedelta(days=27):
        return ""
    day = spec.earliest.day
    return "early " if day <= 10 else "mid-" if day <= 20 else "late "


def when_text(spec: TimeSpec | None, zone: tzinfo) -> str:
    """``NET March 2026``, ``Q2 2026``, ``2026-03-26 (time TBD)``, ``2026-03-26 10:30 CET``."""
    if spec is None:
        return "-"
    net = "NET " if spec.net else ""
    if not spec.known:
        return "TBD"
    assert spec.earliest and spec.latest
    start = spec.earliest
    p = spec.precision
    if p <= Precision.HOUR:
        local = (spec.t0 or start).astimezone(zone)
        if p is Precision.SECOND:
            text = local.strftime("%Y-%m-%d %H:%M:%S")
        elif p is Precision.MINUTE:
            text = local.strftime("%Y-%m-%d %H:%M")
        else:  # the hour is approximate, but the value is shown as recorded ("~13:30", not "~13:00")
            text = local.strftime("%Y-%m-%d ~%H:%M")
        return f"{net}{text} {local.tzname() or ''}".rstrip()
    if p is Precision.DAY:
        if spec.latest - start > _DAY:
            last = spec.latest - _DAY
            return f"{net}{start:%Y-%m-%d} – {last:%Y-%m-%d}"
        return f"{net}{start:%Y-%m-%d} (time TBD)"
    if p is Precision.WEEK:
        return f"{net}week of {start:%Y-%m-%d}"
    if p is Precision.MONTH:
        return f"{net}{_part_of_month(spec)}{start:%B %Y}"
    if p is Precision.QUARTER:
        return f"{net}Q{(start.month - 1) // 3 + 1} {start.year}"
    if p is Precision.HALF:
        return f"{net}H{1 if start.month <= 6 else 2} {start.year}"
    return f"{net}{start.year}"


def instant_text(moment: datetime | None, zone: tzinfo) -> str:
    if moment is None:
        return "-"
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".rstrip()


def age_text(moment: datetime | None, now: datetime) -> str:
    """``3 h ago``: how fresh a source's data is."""
    if moment is None:
        return "never"
    seconds = int((now - moment).total_seconds())
    if seconds < 90:
        return f"{max(seconds, 0)} s ago"
    if seconds < 5400:
        return f"{seconds // 60} min ago"
    if seconds < 172800:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``1 event``, ``2 events``, ``2 failed fetches``: counts in human output read as English."""
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"
