"""Build `TimeSpec` intervals, and read Launch Library 2's schedule values.

LL2 writes a T-0 plus a precision. Coarse precisions use placeholders: a month
precision points at the month's last day, a quarter at the quarter's last day.
API 2.0.0 has no precision field at all, only ``tbddate``/``tbdtime`` flags and
midnight or month-end placeholders. Everything here returns UTC intervals.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tracker.errors import UserError
from tracker.models import Precision, TimeSpec


def utc(dt: datetime) -> datetime:
    """A timezone-aware UTC datetime (naive input is taken to be UTC)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def parse_iso(value: str) -> datetime:
    """Parse an ISO-8601 instant such as ``2021-01-31T12:02:00Z``."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return utc(datetime.fromisoformat(text))


def _month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


def _add_months(dt: datetime, months: int) -> datetime:
    index = dt.year * 12 + dt.month - 1 + months
    return _month_start(index // 12, index % 12 + 1)


def span(
    anchor: datetime, precision: Precision, *, net: bool = False, t0: datetime | None = None
) -> TimeSpec:
    """The interval of ``precision`` that contains ``anchor``.

    ``span(2026-03-26 10:30:12, MINUTE)`` is ``[10:30, 10:31)``;
    ``span(2026-03-31, QUARTER)`` is ``[Jan 1, Apr 1)``.
    """
    a = utc(anchor)
    start: datetime
    end: datetime
    if precision is Precision.UNKNOWN:
        return TimeSpec.unknown(net)
    if precision is Precision.SECOND:
        start = a.replace(microsecond=0)
        end = start + timedelta(seconds=1)
    elif precision is Precision.MINUTE:
        start = a.replace(second=0, microsecond=0)
        end = start + timedelta(minutes=1)
    elif precision is Precision.HOUR:
        start = a.replace(minute=0, second=0, microsecond=0)
        end = start + timedelta(hours=1)
    elif precision is Precision.DAY:
        start = a.replace(hour=0, minute=0, second=0, microsecond=0)
        end = start + timedelta(days=1)
    elif precision is Precision.WEEK:
        day = a.replace(hour=0, minute=0, second=0, microsecond=0)
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=7)
    elif precision is Precision.MONTH:
        start = _month_start(a.year, a.month)
        end = _add_months(start, 1)
    elif precision is Precision.QUARTER:
        start = _month_start(a.year, (a.month - 1) // 3 * 3 + 1)
        end = _add_months(start, 3)
    elif precision is Precision.HALF:
        start = _month_start(a.year, 1 if a.month <= 6 else 7)
        end = _add_months(start, 6)
    else:  # YEAR
        start = _month_start(a.year, 1)
        end = _month_start(a.year + 1, 1)
    return TimeSpec(start, end, precision, net, utc(t0) if t0 else a)


def between(start: datetime, end: datetime, precision: Precision, *, net: bool = False) -> TimeSpec:
    """An explicit interval such as "12–27 November" (end exclusive)."""
    return TimeSpec(utc(start), utc(end), precision, net, utc(start))


# LL2 net_precision abbreviations (2.2.0+) and names (the object form's "name").
_LL2_ABBREV: dict[str, Precision] = {
    "SEC": Precision.SECOND,
    "MIN": Precision.MINUTE,
    "HR": Precision.HOUR,
    "AM": Precision.DAY,  # "Morning (local)": the local half-day, kept as its day
    "PM": Precision.DAY,
    "DAY": Precision.DAY,
    "W": Precision.WEEK,
    "M": Precision.MONTH,
    "Q1": Precision.QUARTER,
    "Q2": Precision.QUARTER,
    "Q3": Precision.QUARTER,
    "Q4": Precision.QUARTER,
    "H1": Precision.HALF,
    "H2": Precision.HALF,
    "Y": Precision.YEAR,
    "NET": Precision.YEAR,  # LL2 id 14 "Year" has the abbreviation NET
    "FY": Precision.YEAR,
    "DEC": Precision.UNKNOWN,  # a decade is as good as unknown for alerts
}
_LL2_NAMES: dict[str, Precision] = {
    "second": Precision.SECOND,
    "minute": Precision.MINUTE,
    "hour": Precision.HOUR,
    "day": Precision.DAY,
    "week": Precision.WEEK,
    "month": Precision.MONTH,
    "year": Precision.YEAR,
    "fiscal year": Precision.YEAR,
    "decade": Precision.UNKNOWN,
}
# LL2's precision ids, for the object form when neither abbrev nor name helps.
_LL2_IDS = [
    Precision.SECOND, Precision.MINUTE, Precision.HOUR, Precision.DAY, Precision.DAY,
    Precision.DAY, Precision.WEEK, Precision.MONTH, Precision.QUARTER, Precision.QUARTER,
    Precision.QUARTER, Precision.QUARTER, Precision.HALF, Precision.HALF, Precision.YEAR,
    Precision.YEAR, Precision.UNKNOWN,
]  # fmt: skip


def ll2_precision(value: Any) -> Precision | None:
    """Read ``net_precision`` in any of its forms; None when absent or unreadable."""
    if value is None:
        return None
    if isinstance(value, dict):
        for key in ("abbrev", "name"):
            found = ll2_precision(value.get(key))
            if found is not None:
                return found
        ident = value.get("id")
        if isinstance(ident, int) and 0 <= ident < len(_LL2_IDS):
            return _LL2_IDS[ident]
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.upper() in _LL2_ABBREV:
            return _LL2_ABBREV[text.upper()]
        low = text.lower()
        if low in _LL2_NAMES:
            return _LL2_NAMES[low]
        if low.startswith(("quarter", "q")):
            return Precision.QUARTER
        if low.startswith(("half", "h")):
            return Precision.HALF
    return None


def _is_month_end(dt: datetime) -> bool:
    return dt.day == calendar.monthrange(dt.year, dt.month)[1]


def _is_midnight(dt: datetime) -> bool:
    return dt.hour == 0 and dt.minute == 0 and dt.second == 0


def _coarsest_closed_by(day: datetime) -> Precision:
    if day.month == 12:
        return Precision.YEAR
    if day.month == 6:
        return Precision.HALF
    if day.month in (3, 9):
        return Precision.QUARTER
    return Precision.MONTH


def from_ll2(
    net: str | None,
    precision: Any = None,
    *,
    tbddate: bool | None = None,
    tbdtime: bool | None = None,
) -> TimeSpec:
    """The schedule value of an LL2 launch (``net``) or event (``date``).

    With a precision field it is authoritative. Without one (API 2.0.0, events):
    midnight on a month's last day is a month placeholder (when ``tbddate`` is set,
    or for events, which have no flags); other midnights are a day ("no time yet");
    a real time of day is as precise as written (minute or second), and NET when
    ``tbddate`` or ``tbdtime`` says it is not confirmed.
    """
    if not net:
        return TimeSpec.unknown(net=bool(tbddate))
    t0 = parse_iso(net)
    given = ll2_precision(precision)
    if given is not None:
        return span(t0, given, net=given >= Precision.WEEK, t0=t0)
    midnight = _is_midnight(t0)
    fine = Precision.SECOND if t0.second or t0.microsecond else Precision.MINUTE
    if midnight and (tbddate or tbdtime is None) and _is_month_end(t0):
        # A month's last day at midnight is a placeholder (API 2.0.0 launches with
        # tbddate; events and compact 2.2.0 records, which carry no flags). Which
        # period it closes is unknown, so read the coarsest it could close: Dec 31
        # a year, Jun 30 a half, a quarter's end a quarter. A later, finer value
        # then reads as firmed, never as a false "loosened".
        return span(t0, _coarsest_closed_by(t0), net=True, t0=t0)
    if midnight:
        # Midnight is LL2's "no time yet": a day, not firm when tbddate says so.
        return span(t0, Precision.DAY, net=bool(tbddate), t0=t0)
    # A real time of day: as precise as written; not firm when a TBD flag is set.
    return span(t0, fine, net=bool(tbddate or tbdtime), t0=t0)


_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")


def parse_since(text: str, now: datetime) -> datetime:
    """``24h``, ``7d``, ``2w``, ``30m``, or an ISO date/time (UTC when no zone)."""
    match = _RELATIVE.match(text.strip().lower())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        try:
            return now - timedelta(
                **{{"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[unit]: amount}
            )
        except OverflowError as exc:
            raise UserError(f"--since {text!r} reaches back before the year 1") from exc
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise UserError(f"--since {text!r}: use 24h, 7d, 2w or an ISO date such as 2026-03-20") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
