"""Read schedule values written for people: "Late October (TBD)", "13 December20:30", "Q4 2026".

Wikipedia launch lists, news copy and pages built from Launch Library 2 write dates as
text. `parse_text` turns one such value into a `TimeSpec` interval ``[earliest, latest)``.
It recognises the *whole* text or raises `ValueError`: a wrong date that looks right is
worse for slip detection than a value the caller knows it could not read.

Rules a caller must know (all results are UTC):

* Times without a zone are UTC (Wikipedia launch lists are in UTC). EDT/EST, CDT/CST,
  MDT/MST, PDT/PST, UTC/GMT/Z are converted, and so are the zones of the other launch
  countries' own announcements: MSK (Moscow, +3), IST (India, +5:30), BJT (Beijing, +8)
  and JST (+9). Any other zone word is refused ("IST" is read as India's: launch news
  has no use for Irish or Israel time).
* A date without a year gets the reference's year, or the next year when it would have
  ended more than ~2 months (`_PAST_GRACE`) before the reference. Pass ``year=`` when the
  context fixes the year (a Wikipedia "launches in 2022" list) so nothing is guessed.
* "early/mid/late Month" are days 1-10, 11-20 and 21-end, precision MONTH.
  "early/mid/late 2026" are Jan-Apr, Apr-Sep and Sep-Dec, precision HALF.
* An explicit day range "12-27 November" is its whole days; precision by its length:
  1 day DAY, up to 7 WEEK, up to 31 MONTH, up to 92 QUARTER, up to 184 HALF, else YEAR.
  A time written after a range or a month part ("Late September22:00") narrows the ends
  (first day at that time to last day at that time) but keeps that coarse precision.
* "~08:00" (approximate) is 07:00-09:00 and a window "06:00-09:00" is 06:00-09:01, both
  precision HOUR, with ``t0`` at the written time.
* A leading "NET"/"No earlier than", a "(TBD)" suffix, and LL2's "exact launch time TBD"
  sentences set ``net=True``; the precision stays that of what is written.
"""

from __future__ import annotations

import calendar
import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from tracker.models import Precision, TimeSpec
from tracker.timespec import between, parse_iso, span, utc

__all__ = ["parse_text", "strip_citations"]

# A date without a year that ended longer ago than this means next year's date.
_PAST_GRACE = timedelta(days=61)
# Half-width of an approximate time such as "~08:00".
_APPROX = timedelta(hours=1)

_CITATION = re.compile(
    r"\[\s*(?:\d+|[a-z]{1,2}|(?:note|nb|n)\s*\d+|(?:lower|upper)-(?:alpha|roman|greek)\s*\d+"
    r"|citation needed|needs update)\s*\]",
    re.IGNORECASE,
)
_SPACES = str.maketrans(
    {"\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " "}
)

_MONTHS = [name.lower() for name in calendar.month_name[1:]]
_WEEKDAYS = [name.lower() for name in calendar.day_name]
_ZONES: dict[str, float] = {
    "utc": 0, "gmt": 0, "z": 0,
    "edt": -4, "est": -5, "cdt": -5, "cst": -6, "mdt": -6, "mst": -7, "pdt": -7, "pst": -8,
    "msk": 3, "ist": 5.5, "bjt": 8, "jst": 9,
}  # fmt: skip
_UNKNOWN = {"", "tbd", "tba", "tbc", "unknown", "to be determined", "to be announced", "to be confirmed"}
_ORDINAL = {"1": 1, "2": 2, "3": 3, "4": 4, "first": 1, "second": 2, "third": 3, "fourth": 4}
_ORDINAL_WORD = r"first|second|third|fourth|1st|2nd|3rd|4th"
_EARLY = ("early", "beginning of", "start of")

_NET_PREFIX = re.compile(r"^(?:net|no earlier than|not earlier than)\b[\s:]*", re.IGNORECASE)
_TBD_SUFFIX = re.compile(r"(?:\s*\(\s*(?:tbd|tba|tbc|to be determined)\s*\)|\s+(?:tbd|tbc))$", re.IGNORECASE)
# LL2-derived pages: "Currently scheduled for June 29, 2027; exact launch time TBD (month-level estimate)".
_LL2_SENTENCE = re.compile(
    r"^currently scheduled for (?P<date>[^;]+); exact launch time tbd"
    r" \((?P<level>[a-z0-9 ]+)-level estimate\)$",
    re.IGNORECASE,
)
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?P<s>:\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE
)


def _clock(p: str) -> str:
    """One clock reading ("08:00", "22:25:30", "1:49 AM", "11 p.m."), group names prefixed by ``p``."""
    return (
        rf"(?=\d{{1,2}}(?::\d{{2}}|\s*[ap]\.?\s?m\b))(?P<{p}h>\d{{1,2}})"
        rf"(?::(?P<{p}m>\d{{2}})(?::(?P<{p}s>\d{{2}}))?)?(?:\s*(?P<{p}ap>[ap])\.?\s?m\b\.?)?"
    )


# The time of day at the end of a value; the date part is what precedes it.
_TIME_TAIL = re.compile(
    r"(?<![\d:])(?:\s*,)?\s*(?:at\s+)?(?P<approx>~\s*|(?:approx(?:imately)?\.?|about|around)\s+)?"
    + _clock("a")
    + r"(?:\s*-\s*"
    + _clock("b")
    + r")?(?:\s*\(?(?P<zone>utc|gmt|z|[ecmp][sd]t|msk|ist|bjt|jst)\)?)?\s*$",
    re.IGNORECASE,
)

_WD = r"(?:(?P<wd>[a-z]{3,9})\.?,?\s+)?"
_MON = r"(?P<{}>[a-z]{{3,9}})\.?"
_DAYN = r"(?P<{}>\d{{1,2}})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<y>\d{4}))?"
_QUAL = r"(?P<q>early|mid|late|end of|beginning of|start of)"

_DATE_FORMS: list[tuple[str, re.Pattern[str]]] = [
    (kind, re.compile("^" + pattern + "$", re.IGNORECASE))
    for kind, pattern in [
        ("iso", r"(?P<iso>\d{4}-\d{2}-\d{2})"),
        ("year", r"(?P<y>\d{4})"),
        ("half", r"(?:h(?P<n1>[12])|(?P<n2>[12])h)" + _YEAR),
        ("half", r"(?P<w>first|second|1st|2nd) half(?: of)?" + _YEAR),
        ("quarter", r"(?:q(?P<n1>[1-4])|(?P<n2>[1-4])q)" + _YEAR),
        ("quarter", rf"(?P<w>{_ORDINAL_WORD}) quarter(?: of)?" + _YEAR),
        ("part-year", _QUAL + r"[\s-]*(?P<y>\d{4})"),
        ("weekday", r"(?P<wd>[a-z]{3,9})\.?"),
        ("range", _DAYN.format("d1") + r"\s*-\s*" + _DAYN.format("d2") + r"\s+" + _MON.format("m1") + _YEAR),
        ("range", _MON.format("m1") + r"\s+" + _DAYN.format("d1") + r"\s*-\s*" + _DAYN.format("d2") + _YEAR),
        (
            "range",
            _DAYN.format("d1") + r"\s+" + _MON.format("m1") + r"\s*-\s*"
            + _DAYN.format("d2") + r"\s+" + _MON.format("m2") + _YEAR,
        ),
        (
            "range",
            _MON.format("m1") + r"\s+" + _DAYN.format("d1") + r"\s*-\s*"
            + _MON.format("m2") + r"\s+" + _DAYN.format("d2") + _YEAR,
        ),
        ("day", _WD + _DAYN.format("d1") + r"\s+" + _MON.format("m1") + _YEAR),
        ("day", _WD + _MON.format("m1") + r"\s+" + _DAYN.format("d1") + _YEAR),
        ("month", rf"(?:{_QUAL}[\s-]*)?" + _MON.format("m1") + _YEAR),
    ]
]  # fmt: skip


@dataclass(frozen=True)
class _Days:
    """Calendar days ``[first, last]`` as written: month/day pairs, a year only if written.

    A day of None means the month's first (for ``d1``) or last (for ``d2``) day, which
    depends on the year and so is filled in by `resolve`.
    """

    m1: int
    d1: int | None
    m2: int
    d2: int | None
    year: int | None
    precision: Precision | None  # None: judged from the number of days
    weekday: int | None = None

    def resolve(self, year: int) -> tuple[date, date]:
        """The first and last day when the value's (first) year is ``year``."""
        wraps = (self.m2, self.d2 or 31) < (self.m1, self.d1 or 1)
        if self.year is not None and wraps:
            year -= 1  # "30 December - 2 January 2023": the written year is the end's
        y2 = year + 1 if wraps else year
        first = date(year, self.m1, self.d1 or 1)
        last = date(y2, self.m2, self.d2 or calendar.monthrange(y2, self.m2)[1])
        if last < first:
            raise ValueError("the range ends before it starts")
        return first, last


@dataclass(frozen=True)
class _NextWeekday:
    """A bare weekday ("Saturday"): the next such day on or after the reference day."""

    weekday: int

    def after(self, today: date) -> date:
        return today + timedelta(days=(self.weekday - today.weekday()) % 7)


@dataclass(frozen=True)
class _Clock:
    """A written time of day, possibly approximate or a window, in a fixed zone."""

    start: time
    precision: Precision
    end: time | None
    end_precision: Precision
    approx: bool
    zone: tzinfo


def strip_citations(text: str) -> str:
    """Remove Wikipedia reference markers ("[1]", "[253]", "[a]", "[citation needed]") anywhere."""
    return _CITATION.sub("", text).strip()


def _normalise(text: str) -> str:
    """Drop citations, unify dashes and spaces: pages mix en dashes, nbsp and thin spaces."""
    return re.sub(r"\s+", " ", strip_citations(text).translate(_SPACES)).strip()


def _month(word: str | None) -> int | None:
    """A month number from a name, an abbreviation ("Sept") or a name missing letters ("Deceber")."""
    if not word:
        return None
    w = word.lower().rstrip(".")
    if len(w) < 3:
        return None
    for number, name in enumerate(_MONTHS, start=1):
        if name.startswith(w):
            return number
        if len(w) >= 4 and w[:3] == name[:3] and _is_subsequence(w, name):
            return number
    return None


def _is_subsequence(short: str, long: str) -> bool:
    letters = iter(long)
    return all(ch in letters for ch in short)


def _weekday(word: str | None) -> int | None:
    if not word:
        return None
    w = word.lower().rstrip(".")
    for number, name in enumerate(_WEEKDAYS):
        if len(w) >= 3 and name.startswith(w):
            return number
    return None


def _unit(precision: Precision) -> timedelta:
    return timedelta(seconds=1) if precision is Precision.SECOND else timedelta(minutes=1)


def _range_precision(days: int) -> Precision:
    """How coarse an explicit span of ``days`` whole days is."""
    for limit, precision in (
        (1, Precision.DAY),
        (7, Precision.WEEK),
        (31, Precision.MONTH),
        (92, Precision.QUARTER),
    ):
        if days <= limit:
            return precision
    return Precision.HALF if days <= 184 else Precision.YEAR


def _read_clock(m: re.Match[str], p: str, ampm_default: str | None = None) -> tuple[time, Precision]:
    """The time of one `_clock` match, converting 12-hour readings ("6:00-9:00 PM": both PM)."""
    hour, minute, second = int(m[p + "h"]), int(m[p + "m"] or 0), int(m[p + "s"] or 0)
    ampm = (m[p + "ap"] or ampm_default or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            raise ValueError(f"{hour} is not a 12-hour clock hour")
        hour = hour % 12 + (12 if ampm == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{m[0].strip()!r} is not a time of day")
    return time(hour, minute, second), Precision.SECOND if m[p + "s"] else Precision.MINUTE


def _split_time(text: str) -> tuple[str, _Clock | None]:
    """Split off a trailing time of day; return the date text and the clock (if any)."""
    m = _TIME_TAIL.search(text)
    if m is None:
        return text, None
    if m["bh"] and m["bap"] is None and m["aap"] is not None:
        raise ValueError("a time window with am/pm on its start only is ambiguous")
    start, precision = _read_clock(m, "a", m["bap"] if m["bh"] and int(m["ah"]) <= 12 else None)
    end: time | None = None
    end_precision = precision
    if m["bh"]:
        end, end_precision = _read_clock(m, "b")
    zone = timezone(timedelta(hours=_ZONES[(m["zone"] or "utc").lower()]))
    clock = _Clock(start, precision, end, end_precision, bool(m["approx"]), zone)
    return text[: m.start()].strip().rstrip(",").strip(), clock


def _match_days(text: str) -> _Days | _NextWeekday | date | None:
    """The days a date text names (a fixed `date` for ISO dates), or None if no form fits."""
    for kind, pattern in _DATE_FORMS:
        m = pattern.match(text)
        if m is None:
            continue
        found = _days_from(kind, m)
        if found is not None:
            return found
    return None


def _days_from(kind: str, m: re.Match[str]) -> _Days | _NextWeekday | date | None:
    """Turn one matched date form into days; None when its words are not month/weekday names."""
    groups = m.groupdict()
    year = int(groups["y"]) if groups.get("y") else None
    if year is not None and not 1900 <= year <= 2199:
        return None  # "1230" is a time without a colon, not a year
    if kind == "iso":
        return date.fromisoformat(m["iso"])
    if kind == "year":
        return _Days(1, None, 12, None, year, Precision.YEAR)
    if kind in ("half", "quarter"):
        word = (groups.get("n1") or groups.get("n2") or groups.get("w") or "").lower()
        n = _ORDINAL[word[0] if word[0].isdigit() else word]
        months = 6 if kind == "half" else 3
        precision = Precision.HALF if kind == "half" else Precision.QUARTER
        return _Days(months * (n - 1) + 1, None, months * n, None, year, precision)
    if kind == "part-year":
        q = m["q"].lower()
        first, last = (1, 4) if q in _EARLY else (4, 9) if q == "mid" else (9, 12)
        return _Days(first, None, last, None, year, Precision.HALF)
    if kind == "weekday":
        wd = _weekday(m["wd"])
        return None if wd is None else _NextWeekday(wd)
    m1 = _month(groups.get("m1"))
    if m1 is None:
        return None
    if kind == "month":
        d1, d2 = _month_part(groups.get("q"))
        return _Days(m1, d1, m1, d2, year, Precision.MONTH)
    weekday = _weekday(groups.get("wd")) if groups.get("wd") else None
    if groups.get("wd") and weekday is None:
        return None
    d1 = int(m["d1"])
    if kind == "day":
        return _Days(m1, d1, m1, d1, year, Precision.DAY, weekday)
    m2 = _month(groups.get("m2")) if groups.get("m2") else m1
    if m2 is None:
        return None
    d2 = int(m["d2"])
    if m2 == m1 and d2 <= d1:
        raise ValueError(f"day range {d1}-{d2} does not run forwards")
    return _Days(m1, d1, m2, d2, year, None)


def _month_part(qualifier: str | None) -> tuple[int | None, int | None]:
    """Days of "early/mid/late" a month: 1-10, 11-20, 21-end (None: month start/end)."""
    q = (qualifier or "").lower()
    if q in _EARLY:
        return 1, 10
    if q == "mid":
        return 11, 20
    if q in ("late", "end of"):
        return 21, None
    return None, None


def _resolve(days: _Days, today: date, year: int | None) -> tuple[date, date]:
    """Pick the year of a date written without one (see the module docstring)."""
    if days.year is not None:
        first, last = days.resolve(days.year)
    elif year is not None:
        first, last = days.resolve(year)
    else:
        first, last = days.resolve(today.year)
        if last + timedelta(days=1) <= today - _PAST_GRACE:
            first, last = days.resolve(today.year + 1)
    if days.weekday is not None and first.weekday() != days.weekday:
        raise ValueError(f"{first.isoformat()} is a {_WEEKDAYS[first.weekday()].title()}, not as written")
    return first, last


def _spec(first: date, last: date, precision: Precision, clock: _Clock | None, net: bool) -> TimeSpec:
    """The interval of days ``first..last`` (inclusive), narrowed by a time of day if one is written."""
    multi = first != last
    if clock is None:
        start = datetime.combine(first, time(), UTC)
        if not multi:
            return span(start, Precision.DAY, net=net)
        return between(start, datetime.combine(last + timedelta(days=1), time(), UTC), precision, net=net)
    at_first = datetime.combine(first, clock.start, clock.zone)
    at_last = datetime.combine(last, clock.start, clock.zone)
    if clock.end is not None:
        end = datetime.combine(last, clock.end, clock.zone) + _unit(clock.end_precision)
        if clock.end <= clock.start:
            end += timedelta(days=1)
        lo, hi, fine = at_first, end, Precision.HOUR
    elif clock.approx:
        lo, hi, fine = at_first - _APPROX, at_last + _APPROX, Precision.HOUR
    else:
        lo, hi, fine = at_first, at_last + _unit(clock.precision), clock.precision
    return dataclasses.replace(between(lo, hi, precision if multi else fine, net=net), t0=utc(at_first))


def _ll2_sentence(m: re.Match[str], reference: datetime, year: int | None) -> TimeSpec:
    """LL2's placeholder sentence: a day widened to the stated estimate level, always NET."""
    inner = parse_text(m["date"], reference, year=year)
    if inner.precision is not Precision.DAY or inner.earliest is None:
        raise ValueError(f"expected a day in {m['date']!r}")
    level = m["level"].lower().strip()
    levels = {"day": Precision.DAY, "week": Precision.WEEK, "month": Precision.MONTH, "year": Precision.YEAR}
    levels["fiscal year"] = Precision.YEAR  # as tracker.timespec reads LL2's "FY"
    if level in levels:
        precision = levels[level]
    elif re.fullmatch(r"quarter [1-4]", level):
        precision = Precision.QUARTER
    elif re.fullmatch(r"year half [12]", level):
        precision = Precision.HALF
    else:
        raise ValueError(f"unknown estimate level {level!r}")
    result = span(inner.earliest, precision, net=True)
    number = level.rsplit(" ", 1)[-1]
    if number.isdigit() and result.earliest is not None:
        month = result.earliest.month
        if (precision is Precision.QUARTER and (month - 1) // 3 + 1 != int(number)) or (
            precision is Precision.HALF and (month - 1) // 6 + 1 != int(number)
        ):
            raise ValueError(f"{m['date']!r} does not fall in the stated {level}")
    return result


def parse_text(text: str, reference: datetime, *, year: int | None = None) -> TimeSpec:
    """Parse a schedule value written as text into a UTC `TimeSpec`.

    ``reference`` (when the text was observed or published) supplies the year of a date
    written without one and the week of a bare weekday ("Saturday": the next one on or
    after the reference). ``year`` overrides the year guess where the context states it.
    Raises `ValueError` for text not recognised in full.
    """
    original = text
    cleaned = _normalise(text)
    ll2 = _LL2_SENTENCE.match(cleaned)
    if ll2:
        return _ll2_sentence(ll2, reference, year)
    net = False
    prefix = _NET_PREFIX.match(cleaned)
    if prefix:
        net, cleaned = True, cleaned[prefix.end() :]
    suffix = _TBD_SUFFIX.search(cleaned)
    if suffix and suffix.start() > 0:
        net, cleaned = True, cleaned[: suffix.start()].strip()
    if cleaned.strip("() .").lower() in _UNKNOWN:
        return TimeSpec.unknown(net)
    iso = _ISO.match(cleaned)
    if iso:
        try:
            instant = parse_iso(cleaned)
        except ValueError as exc:
            raise ValueError(f"cannot read schedule text {original!r}: {exc}") from exc
        return span(instant, Precision.SECOND if iso["s"] else Precision.MINUTE, net=net)
    try:
        date_text, clock = _split_time(cleaned)
        days = _match_days(date_text)
    except ValueError as exc:
        raise ValueError(f"cannot read schedule text {original!r}: {exc}") from exc
    if days is None:
        raise ValueError(f"cannot read schedule text {original!r}: no known date form")
    if isinstance(days, date | _NextWeekday):
        today = utc(reference).astimezone(clock.zone if clock else UTC).date()
        first = last = days if isinstance(days, date) else days.after(today)
        precision = Precision.DAY
    else:
        if clock is not None and days.precision not in (None, Precision.DAY, Precision.MONTH):
            raise ValueError(f"cannot read schedule text {original!r}: a time of day after a coarse period")
        today = utc(reference).astimezone(clock.zone if clock else UTC).date()
        try:
            first, last = _resolve(days, today, year)
        except ValueError as exc:
            raise ValueError(f"cannot read schedule text {original!r}: {exc}") from exc
        precision = days.precision or _range_precision((last - first).days + 1)
    return _spec(first, last, precision, clock, net)
