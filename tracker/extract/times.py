"""Time expressions in a news sentence, for `tracker.extract`: found, grouped, read as TimeSpecs.

A sentence writes one time in pieces ("8 p.m. EDT Wednesday, Sept. 15"); each piece is an
atom, adjacent atoms of different kinds form one expression, and the expression is read
with `tracker.timetext.parse_text` against the publication time. What is not safely
readable is dropped: a time of day alone (which day is a guess), a clock in "local time"
with no zone (only its day is kept), a day and a "tomorrow" that disagree.

Prose forms that `parse_text` does not take are rewritten into ones it does: "between
April 8 and April 10" is the range "April 8 - April 10", "between 10:00 and 12:00 UTC" the
window "10:00-12:00 UTC", "48 hours from now" the day it lands on, "the week of April 20"
that day and the six after it (WEEK). Seasons are the northern hemisphere's, where the
agencies that announce in them are: spring March-May, summer June-August, autumn/fall
September-November (QUARTER), "early/mid/late" one month of it (MONTH). Winter is refused:
it straddles two years and writers differ on which one it is named after.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tracker.extract.cues import NUMBER, amount
from tracker.models import Precision, TimeSpec
from tracker.timespec import between
from tracker.timetext import parse_text

__all__ = ["Atom", "Time", "expressions", "grouped", "possessive_days", "read"]

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)(?![a-z])\.?"
)
_YEAR = r"(?:19|20)\d{2}(?![\d-])"
_RELYEAR = r"(?:(?:this|next|the) year)"
_ORD = r"(?:first|second|third|fourth|1st|2nd|3rd|4th)"
_QUAL = r"(?:early|mid|late|(?:the )?end of|(?:the )?beginning of|(?:the )?start of)"
_DAYNUM = r"\d{1,2}(?:st|nd|rd|th)?"
_MDAY = rf"(?:{_MONTH}\s+{_DAYNUM}(?![\d:])|{_DAYNUM}\s+(?:of\s+)?{_MONTH})"
_SEASON = r"(?:spring|summer|autumn|fall|winter)"
_SEASON_MONTHS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9}
_CLOCK = r"\d{1,2}(?::\d{2}){0,2}\s*[ap]\.?\s?m\b\.?|\d{1,2}:\d{2}(?::\d{2})?(?:\s*[Hh]rs?\b\.?)?"
_ZONES = r"EDT|EST|ET|CDT|CST|CT|MDT|MST|MT|PDT|PST|PT|UTC|GMT|MSK|IST|JST|BJT"
_US_ZONES = {
    "ET": "America/New_York",
    "CT": "America/Chicago",
    "MT": "America/Denver",
    "PT": "America/Los_Angeles",
}
# Zones written out, as translated Russian, Chinese, Indian and Japanese releases do.
_ZONE_WORDS = {
    "eastern": "ET",  # "12:05 p.m. Eastern": US Eastern, daylight or standard by the date
    "pacific": "PT",
    "moscow time": "MSK",
    "beijing time": "BJT",
    "india standard time": "IST",
    "japan standard time": "JST",
}
# A day of the month alone ("set for the 12th") only after a word that makes it a date.
_ORDINAL_DAY = (
    r"(?:(?<=\bfor )|(?<=\bon )|(?<=\bto )|(?<=\buntil )|(?<=\bthan )|(?<=\bfrom )|(?<=\bNET )|(?<=\bby ))"
    r"the\s+(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)\b"
    r"(?=\s*(?:[,.;:)]|$)|\s+(?:at|and|or|instead|but|with|because|due|after|before)\b)"
)

# (kind, category, pattern); earlier kinds win a tie at the same place and length.
_ATOMS: list[tuple[str, str, re.Pattern[str]]] = [
    (kind, cat, re.compile(p))
    for kind, cat, p in [
        ("iso", "date", r"\b\d{4}-\d{2}-\d{2}\b"),
        ("between", "date", rf"(?i:\bbetween)\s+{_MONTH}\s+{_DAYNUM}\s+(?i:and)\s+(?:{_MONTH}\s+)?{_DAYNUM}(?![\d:])(?:,?\s+{_YEAR})?"),
        ("between", "date", rf"(?i:\bbetween)\s+{_DAYNUM}(?:\s+(?:of\s+)?{_MONTH})?\s+(?i:and)\s+{_DAYNUM}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?"),
        ("weekof", "date", rf"(?i:\b(?:the\s+)?week\s+of)\s+{_MDAY}(?:,?\s+{_YEAR})?"),
        ("season", "date", rf"(?i:(?:\b(?:{_QUAL}|this|next)[\s-]+)?\b{_SEASON}\b)(?:,?\s+(?:of\s+)?{_YEAR})?"),
        ("fromnow", "date", rf"(?i:\b{NUMBER}[\s-](?:hour|day)s?\s+from\s+now\b)"),
        ("num", "date", r"(?<![\d/-])\d{1,2}[-/]\d{1,2}[-/](?:\d{4}|\d{2})(?![\d/-])"),
        ("quarter", "date", rf"(?i:\bQ[1-4]|(?:the\s+)?{_ORD}\s+quarter)(?:\s+of)?(?:,?\s+(?:{_YEAR}|(?i:{_RELYEAR})))?"),
        ("half", "date", rf"(?i:\bH[12]|(?:the\s+)?(?:first|second|1st|2nd)\s+half)(?:\s+of)?(?:,?\s+(?:{_YEAR}|(?i:{_RELYEAR})))?"),
        ("part", "date", rf"(?i:\b{_QUAL})[\s-]+(?:{_YEAR}|(?i:{_RELYEAR}))"),
        ("range", "date", rf"\b{_MONTH}\s+{_DAYNUM}\s*[-–]\s*{_DAYNUM}(?![\d:])(?:,?\s+{_YEAR})?"),
        ("range", "date", rf"\b{_DAYNUM}\s*[-–]\s*{_DAYNUM}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?"),
        ("mday", "date", rf"\b{_MONTH}\s+{_DAYNUM}(?![\d:])(?:,?\s+{_YEAR})?"),
        ("dmon", "date", rf"\b{_DAYNUM}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?"),
        ("ordinal", "date", _ORDINAL_DAY),
        ("month", "date", rf"(?:(?i:\b(?:{_QUAL}|next))[\s-]+)?\b{_MONTH}(?:,?\s+{_YEAR}|\s+of\s+['’]\d{{2}}\b)?"),
        ("mil", "time", r"(?<![\d:])(?:[01]\d|2[0-3])[0-5]\d(?=\s*(?:GMT|UTC|Z)\b)"),
        ("year", "date", rf"(?<![\w-]){_YEAR}|(?i:\b(?:next|this) year\b)"),
        ("weekday", "weekday", r"\b(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b(?!['’]s)|(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.)"),
        ("rel", "rel", r"(?i:\b(?:today|tomorrow|tonight)\b)(?!['’]s)"),
        ("window", "time", rf"(?i:\bbetween\s+(?:{_CLOCK})\s+and\s+(?:{_CLOCK}))"),
        ("clock", "time", rf"(?i:(?<![\d:])(?:{_CLOCK}))"),
        ("midnight", "time", r"(?i:\b(?:midnight|noon)\b)"),
        ("zone", "zone", rf"\b(?:{_ZONES})\b|(?i:\b(?:{'|'.join(_ZONE_WORDS)})\b(?:\s+time\b)?)(?!\s+Range)"),
        ("local", "zone", r"(?i:\blocal time\b)"),
    ]
]  # fmt: skip
_JOIN = re.compile(r"^[\s,]*(?:(?:at|on|the|in the|morning|afternoon|evening|night)\b[\s,]*)*$", re.I)
_BARE_MONTH_BEFORE = re.compile(
    r"\b(?:in|to|for|until|till|through|by|from|of|since|into|than|before|after|around|as soon as|NET)"
    r"\s+(?:the\s+)?$",
    re.I,
)
_BARE_SEASON_AFTER = re.compile(
    r"\s*(?:[,.;:)!?]|$)|\s+(?:and|or|but|with|when|if|at|from|for|after|before|as|pending|instead|because"
    r"|due|following)\b",
    re.I,
)


@dataclass(frozen=True)
class Atom:
    """One piece of a time expression: a date, a weekday, a clock reading, a zone."""

    kind: str
    category: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Time:
    """A read time expression; ``weekday_only`` when only a weekday names its day."""

    start: int
    end: int
    spec: TimeSpec
    weekday_only: bool


def _atoms(masked: str) -> list[Atom]:
    found = sorted(
        (m.start(), -(m.end() - m.start()), order, kind, cat, m.end(), m[0])
        for order, (kind, cat, p) in enumerate(_ATOMS)
        for m in p.finditer(masked)
    )
    out: list[Atom] = []
    last_end = -1
    for start, _neg, _order, kind, cat, end, text in found:
        if start < last_end:
            continue
        qualified = re.search(r"\d|\b(?:early|mid|late|end|beginning|start|this|next)\b", text, re.I)
        bare = kind in ("month", "season") and not qualified  # "May", "fall": words, unless "in May"
        if bare and not _BARE_MONTH_BEFORE.search(masked[max(0, start - 16) : start]):
            continue
        if bare and kind == "season" and not _BARE_SEASON_AFTER.match(masked, end):
            continue  # "in the spring rain": a season as an adjective
        out.append(Atom(kind, cat, start, end, text))
        last_end = end
    return out


def expressions(masked: str) -> list[list[Atom]]:
    """Adjacent atoms ("8 p.m. EDT Wednesday, Sept. 15") form one expression."""
    return grouped(_atoms(masked), masked, _JOIN)


def grouped(atoms: list[Atom], text: str, join: re.Pattern[str]) -> list[list[Atom]]:
    """Atoms of different kinds with only ``join`` words between them, as one expression each."""
    groups: list[list[Atom]] = []
    for atom in atoms:
        if groups:
            last = groups[-1]
            gap = text[last[-1].end : atom.start]
            if join.match(gap) and atom.category not in {a.category for a in last}:
                last.append(atom)
                continue
        groups.append([atom])
    return groups


def _year_words(text: str, year: int) -> str:
    text = re.sub(r"(?i)\bnext year\b", str(year + 1), text)
    text = re.sub(r"(?i)\b(?:this|the) year\b", str(year), text)
    return re.sub(r"(?i)^the\s+", "", text)


def _day_text(day: date) -> str:
    return f"{calendar.month_name[day.month]} {day.day} {day.year}"


def _nearest_day_of_month(n: int, published: datetime) -> date | None:
    """Day ``n`` of the month before, of or after publication, whichever is nearest to it."""
    today = published.date()
    candidates = []
    for shift in (-1, 0, 1):
        month0 = today.month - 1 + shift
        year, month = today.year + month0 // 12, month0 % 12 + 1
        if n <= calendar.monthrange(year, month)[1]:
            candidates.append(date(year, month, n))
    return min(candidates, key=lambda d: abs((d - today).days), default=None)


def _date_text(atom: Atom, published: datetime) -> str | None:
    text = " ".join(atom.text.split())
    if atom.kind == "num":
        a, b, c = (int(x) for x in re.split(r"[-/]", text))
        if not (1 <= a <= 12 and 1 <= b <= 31):
            return None
        return f"{calendar.month_name[a]} {b} {c + 2000 if c < 100 else c}"
    if atom.kind == "rel":
        return _day_text(published.date() + timedelta(days=1 if text.lower() == "tomorrow" else 0))
    if atom.kind == "ordinal":
        day = _nearest_day_of_month(int(re.sub(r"\D", "", text)), published)
        return None if day is None else _day_text(day)
    if atom.kind == "fromnow":
        m = re.match(rf"(?i)({NUMBER})[\s-]((?:hour|day)s?)", text)
        return None if m is None else _day_text((published + amount(m[1], m[2]).delta).date())
    if atom.kind == "season":
        return _season_text(text, published)
    if atom.kind in ("range", "between", "weekof"):
        text = re.sub(r"(?i)^(?:between|(?:the\s+)?week\s+of)\s+", "", text)
        text = re.sub(r"\s+of\s+", " ", re.sub(r"(?i)\s+and\s+", " - ", text))
    if atom.kind in ("quarter", "half", "part"):
        text = _year_words(text, published.year)
        if not re.search(r"\d{4}", text):
            text += f" {published.year}"
        return re.sub(r"(?i)^the\s+", "", text)
    short = re.search(r"\s+of\s+['’](\d{2})$", text)
    if short:  # "April of ’21"
        text = f"{text[: short.start()]} 20{short[1]}"
    if atom.kind == "month" and text.lower().startswith("next "):
        month_text = text[5:]  # "next March": the first March after publication
        for year in (published.year, published.year + 1):
            spec = _parse(f"{month_text} {year}", published)
            if spec is not None and spec.earliest is not None and spec.earliest > published:
                return f"{month_text} {year}"
        return None
    return _year_words(text, published.year)


def _season_text(text: str, published: datetime) -> str | None:
    """ "late spring 2027" as "May 2027", "this summer" as "1 June - 31 August 2026" (see the module doc)."""
    words = re.findall(r"[a-z]+|\d{4}", text.lower())
    season = next(w for w in words if re.fullmatch(_SEASON, w))
    if season == "winter":
        return None
    first = _SEASON_MONTHS[season]
    year = next((w for w in words if w.isdigit()), None)
    if "this" in words:
        year = str(published.year)
    elif "next" in words:  # in February, "next summer" may be this year's or the year after
        if published.month < first:
            return None
        year = str(published.year + 1)
    suffix = f" {year}" if year else ""
    qualifier = next((w for w in words if w in ("early", "mid", "late", "end", "beginning", "start")), None)
    if qualifier is None:
        last = first + 2  # May, August, November: no leap day, so any year will do
        days = calendar.monthrange(2001, last)[1]
        return f"1 {calendar.month_name[first]} - {days} {calendar.month_name[last]}{suffix}"
    month = first + {"early": 0, "beginning": 0, "start": 0, "mid": 1}.get(qualifier, 2)
    return f"{calendar.month_name[month]}{suffix}"


def _clock_text(atom: Atom) -> str:
    if atom.kind == "window":
        ends = re.split(r"(?i)\s+and\s+", re.sub(r"(?i)^between\s+", "", atom.text))
        return "-".join(re.sub(r"(?i)\s*hrs?\.?$", "", end) for end in ends)
    if atom.kind == "mil":
        return f"{atom.text[:2]}:{atom.text[2:]}"
    if atom.kind == "midnight":
        return "00:00" if atom.text.lower() == "midnight" else "12:00"
    return re.sub(r"(?i)\s*hrs?\.?$", "", atom.text)


def read(group: list[Atom], published: datetime, *, past: bool = False) -> Time | None:
    """A TimeSpec for one expression, or None when it is not a usable date.

    A bare weekday is the next such day on or after publication, or with ``past`` (a report
    of something done: "rolled out on Tuesday") the most recent one on or before it.
    """
    parts = {a.category: a for a in group}
    date_atom, rel, weekday = parts.get("date"), parts.get("rel"), parts.get("weekday")
    clock, zone = parts.get("time"), parts.get("zone")
    if zone is not None and zone.kind == "local":
        clock = zone = None  # "21:02 local time in Kourou": the zone is not written, the day is
    if date_atom is not None and date_atom.kind in ("weekof", "season", "fromnow"):
        clock = zone = None  # a clock narrows a day, not a week or a season
    weekday_only = False
    if date_atom is None and rel is not None:
        date_atom, rel = rel, None
    if date_atom is not None:
        text = _date_text(date_atom, published)
        if text is None or (rel is not None and not _same_day(text, rel, published)):
            return None
    elif weekday is not None:
        wd = _weekday(weekday.text)
        ahead = (wd - published.weekday()) % 7
        day = published.date() + timedelta(days=-((7 - ahead) % 7) if past else ahead)
        text, weekday, weekday_only = _day_text(day), None, True
    else:
        return None  # a time of day alone: which day is a guess
    zone_text = "" if zone is None else _ZONE_WORDS.get(zone.text.lower(), zone.text)
    attempts = []
    if weekday is not None:
        attempts.append(f"{calendar.day_name[_weekday(weekday.text)]}, {text}")
    attempts.append(text)
    for base in attempts:
        for full in ([f"{base} {_clock_text(clock)} {zone_text}".strip()] if clock else []) + [base]:
            spec = _parse(full, published)
            if spec is not None and date_atom is not None and date_atom.kind == "weekof" and spec.earliest:
                spec = between(spec.earliest, spec.earliest + timedelta(days=7), Precision.WEEK, net=spec.net)
            if spec is not None:
                return Time(group[0].start, group[-1].end, spec, weekday_only)
    return None


def _weekday(text: str) -> int:
    """Monday is 0: "Sun." and "Sunday" alike."""
    return [d[:3] for d in calendar.day_name].index(text[:3].title())


def _same_day(text: str, rel: Atom, published: datetime) -> bool:
    """Whether a date agrees with the "tomorrow" written next to it; if not, one of them is wrong."""
    spec, rel_text = _parse(text, published), _date_text(rel, published)
    rel_spec = None if rel_text is None else _parse(rel_text, published)
    return spec is not None and rel_spec is not None and spec.earliest == rel_spec.earliest


def _parse(text: str, published: datetime) -> TimeSpec | None:
    """`parse_text`, with US "ET"/"PT"/... read as daylight or standard time for the date."""
    m = re.search(rf"\s({'|'.join(_US_ZONES)})$", text)
    try:
        if m is None:
            return parse_text(text, published)
        letter = m[1][0]
        spec = parse_text(text[: m.start()] + f" {letter}DT", published)
        if spec.t0 is not None and spec.t0.astimezone(ZoneInfo(_US_ZONES[m[1]])).dst() == timedelta(0):
            spec = parse_text(text[: m.start()] + f" {letter}ST", published)
        return spec
    except (ValueError, OverflowError, KeyError):
        return None


_POSSESSIVE = re.compile(
    r"\b(?:(?P<wd>(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)|(?P<rel>today|tonight|yesterday))['’]s\s+"
    r"(?:[\w.-]+\s+){0,3}?(?:launch|flight|attempt|test|static fire|hot fire|countdown|scrub|lift-?off"
    r"|mission|spacewalk|docking|undocking|landing|splashdown|roll-?out|wet dress|window|try)\b",
    re.I,
)


def possessive_days(masked: str, published: datetime) -> list[Time]:
    """The days of "Thursday's launch", "today's attempt": the time that was planned.

    A weekday is the one nearest to publication (within three days either way), since the
    planned day may have passed ("scrubbed Tuesday's launch") or not ("Thursday's launch
    was pushed to Saturday", written on a Wednesday).
    """
    out = []
    today = published.date()
    for m in _POSSESSIVE.finditer(masked):
        if m["wd"]:
            wd = [d.lower() for d in calendar.day_name].index(m["wd"].lower())
            ahead = (wd - today.weekday()) % 7
            day = today + timedelta(days=ahead if ahead <= 3 else ahead - 7)
        else:
            day = today - timedelta(days=1 if m["rel"].lower() == "yesterday" else 0)
        spec = _parse(_day_text(day), published)
        if spec is not None:
            out.append(Time(m.start(), m.start() + len(m["wd"] or m["rel"]), spec, bool(m["wd"])))
    return out
