"""Find schedule changes in news prose, with hand-written rules (no network, no ML).

"The transport of the Soyuz-5 launch vehicle to the launch complex, initially scheduled
for March 24, has been postponed to March 26" becomes a `Finding`: Soyuz-5 rollout,
old March 24 (DAY), new March 26 (DAY), a slip. News is where slips are announced
first, often before any schedule API changes, so it is worth reading, but prose is
ambiguous: every rule here prefers saying nothing over saying something wrong.

How a text is read:

1. Split into sentences (titles and paragraphs are lines; "Sept." and "p.m." do not
   end a sentence). Datelines ("SAMARA, October 2. /TASS/.") are dropped.
2. Parenthesised text is blanked out (it is mostly an alternate rendering of a time,
   "(1200 GMT Thursday, Sept. 16)", or an expansion, "(No Earlier Than)"), except when
   it gives an old time: "(from its original date in September 2025)".
3. Time expressions are found and read with `tracker.timetext.parse_text`, resolved
   against the publication time. The words just before each give its role: old
   ("from", "initially scheduled for", "instead of", "was supposed to ... by"), ignored
   ("said on", "first flew on", "conducted on") or new (anything else). A bare weekday
   is the next such day on or after publication; an old weekday that would fall after
   the new time is moved a week back ("delayed from Friday to Monday").
4. Vehicles and missions come from a table of name patterns; event types from keywords
   ("transport"/"rollout", "static fire", "launch", "flight", "debut"...). A time
   belongs to the nearest vehicle/mission and event named before it. A sentence that
   names none ("The delay, now pointing to April 16") uses the article's topic: the
   name mentioned most often (ties: first mentioned).
5. Cue words decide whether there is a change at all: a move ("postponed", "delayed",
   "pushed back", "slips"), an advance ("moved up"), a scrub, "indefinitely"/"TBD", or
   a stated target ("scheduled for", "no earlier than", "as early as", "plans for").
   Dates without such cues yield nothing ("The rocket first flew on March 24, 2020.").
6. The findings of one article about the same subject and event are merged into one:
   the title's "slips by 24 hours" and the body's "no earlier than 8 p.m. EDT" are one
   change with both the amount and the new time.
"""

from __future__ import annotations

import calendar
import dataclasses
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tracker.extract_names import EVENTS, MISSIONS, VEHICLES, Namer
from tracker.models import Precision, TimeSpec
from tracker.timespec import utc
from tracker.timetext import parse_text

__all__ = ["Finding", "extract"]

_MAX_TEXT = 200_000  # characters read from one text; the rest is ignored
_MAX_SENTENCE = 2_000


@dataclass(frozen=True)
class Finding:
    """One schedule statement found in prose.

    ``change`` is "slip", "advance", "scrub", "tbd" (postponed with no new date, or
    indefinitely: ``new`` is then an UNKNOWN TimeSpec), "target" (a date stated as the
    plan, with no move stated: "as early as April 1") or "occurred" (a rollout reported
    as happening on a date). ``delta`` is a stated amount ("by 24 hours"), negative for
    an advance; ``old`` is derived from ``new`` and ``delta`` only when both are in the
    same sentence ("pushed back by two days to April 16" gives April 14).

    ``confidence`` is a sum, clamped to 0..1: the cue (a move, scrub or explicit TBD
    0.6; a stated target 0.5; a postponement with no date 0.45; an occurrence 0.4; a
    bare future "will have ... on Thursday" 0.3), +0.15 when a new time is known, +0.1
    when an old time or an amount is, +0.1 when the vehicle or mission is named in the
    sentence itself (not taken from the article's topic), -0.2 for hedges ("could",
    "maybe", "if all goes well"). Merged findings keep the highest.
    """

    subject: str
    vehicle: str | None
    mission: str | None
    event_type: str | None
    old: TimeSpec | None
    new: TimeSpec | None
    change: str
    confidence: float
    sentence: str
    delta: timedelta | None = None


# ---- sentences -----------------------------------------------------------------

_DATELINE = re.compile(
    r"^[A-Z][A-Z .'-]{2,}(?:,\s+[A-Z][a-z]+\.?\s+\d{1,2})?\.?\s*(?:/[A-Z]+/\.?|\([A-Za-z ]+\)\s*[-–—])\s*"
)
_ABBREV = {
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "fla", "calif",
    "mr", "mrs", "ms", "dr", "st", "no", "jr", "sr", "vs", "inc", "corp", "co", "lt", "gen", "col", "gov",
    "sen", "rep", "u.s", "p.m", "a.m", "d.c", "approx", "est", "e.g", "i.e",
}  # fmt: skip
_SPLIT = re.compile(r"[.!?][\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])|(?<=[a-z]{3}[.!?])(?=[A-Z][a-z])")


def _sentences(text: str) -> list[str]:
    """Sentences of a text; every line (a title, a paragraph) starts a new one."""
    out: list[str] = []
    for raw_line in text.splitlines():
        line = _DATELINE.sub("", " ".join(raw_line.split()))
        start = 0
        for m in _SPLIT.finditer(line):
            word = re.search(r"(\S+)$", line[start : m.start()])
            if word and (word[1].lower().rstrip(".") in _ABBREV or re.fullmatch(r"[A-Z]", word[1])):
                continue
            out.append(line[start : m.start() + 1].strip())
            start = m.end()
        out.append(line[start:].strip())
    return [s[:_MAX_SENTENCE] for s in out if len(s) > 2]


_PAREN = re.compile(r"\(([^()]*)\)")
_PAREN_KEEP = re.compile(r"\b(?:from|original(?:ly)?|initial(?:ly)?|previous(?:ly)?|instead of)\b", re.I)


def _mask_parens(sentence: str) -> str:
    """Blank parenthesised asides, keeping positions; keep the text of those that give an old time."""

    def blank(m: re.Match[str]) -> str:
        if _PAREN_KEEP.search(m[1]):
            return " " + m[1] + " "
        return " " * len(m[0])

    return _PAREN.sub(blank, sentence)


# ---- names -------------------------------------------------------------------


@dataclass(frozen=True)
class _Mention:
    start: int
    name: str


def _names(sentence: str, table: list[tuple[re.Pattern[str], Namer]]) -> list[_Mention]:
    """Non-overlapping name mentions, longest first at each place."""
    found = sorted(
        ((m.start(), -len(m[0]), m.end(), namer(m)) for p, namer in table for m in p.finditer(sentence)),
    )
    out: list[_Mention] = []
    last_end = -1
    for start, _neg, end, name in found:
        if start >= last_end:
            out.append(_Mention(start, name))
            last_end = end
    return out


def _events(masked: str) -> list[_Mention]:
    return sorted(
        (_Mention(m.start(), kind) for kind, p in EVENTS for m in p.finditer(masked)), key=lambda m: m.start
    )


def _nearest(mentions: list[_Mention], pos: int) -> str | None:
    """The last mention before ``pos``, else the first in the sentence."""
    before = [m for m in mentions if m.start < pos]
    if before:
        return before[-1].name
    return mentions[0].name if mentions else None


# ---- time expressions ----------------------------------------------------------

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)(?![a-z])\.?"
)
_YEAR = r"(?:19|20)\d{2}(?![\d-])"
_RELYEAR = r"(?:(?:this|next|the) year)"
_ORD = r"(?:first|second|third|fourth|1st|2nd|3rd|4th)"
_QUAL = r"(?:early|mid|late|(?:the )?end of|(?:the )?beginning of|(?:the )?start of)"
_CLOCK = r"\d{1,2}(?::\d{2}){0,2}\s*[ap]\.?\s?m\b\.?|\d{1,2}:\d{2}(?::\d{2})?"
_ZONES = r"EDT|EST|ET|CDT|CST|CT|MDT|MST|MT|PDT|PST|PT|UTC|GMT"
_US_ZONES = {
    "ET": "America/New_York",
    "CT": "America/Chicago",
    "MT": "America/Denver",
    "PT": "America/Los_Angeles",
}

# (kind, category, pattern); earlier kinds win a tie at the same place and length.
_ATOMS: list[tuple[str, str, re.Pattern[str]]] = [
    (kind, cat, re.compile(p))
    for kind, cat, p in [
        ("iso", "date", r"\b\d{4}-\d{2}-\d{2}\b"),
        ("num", "date", r"(?<![\d/-])\d{1,2}[-/]\d{1,2}[-/](?:\d{4}|\d{2})(?![\d/-])"),
        ("quarter", "date", rf"(?i:\bQ[1-4]|(?:the\s+)?{_ORD}\s+quarter)(?:\s+of)?(?:,?\s+(?:{_YEAR}|(?i:{_RELYEAR})))?"),
        ("half", "date", rf"(?i:\bH[12]|(?:the\s+)?(?:first|second|1st|2nd)\s+half)(?:\s+of)?(?:,?\s+(?:{_YEAR}|(?i:{_RELYEAR})))?"),
        ("part", "date", rf"(?i:\b{_QUAL})[\s-]+(?:{_YEAR}|(?i:{_RELYEAR}))"),
        ("mday", "date", rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?![\d:])(?:,?\s+{_YEAR})?"),
        ("dmon", "date", rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?"),
        ("month", "date", rf"(?:(?i:\b{_QUAL})[\s-]+)?\b{_MONTH}(?:,?\s+{_YEAR})?"),
        ("mil", "time", r"(?<![\d:])(?:[01]\d|2[0-3])[0-5]\d(?=\s*(?:GMT|UTC|Z)\b)"),
        ("year", "date", rf"(?<![\w-]){_YEAR}"),
        ("weekday", "weekday", r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b(?!['’]s)"),
        ("rel", "date", r"(?i:\b(?:today|tomorrow|tonight)\b)"),
        ("clock", "time", rf"(?i:(?<![\d:])(?:{_CLOCK}))"),
        ("midnight", "time", r"(?i:\b(?:midnight|noon)\b)"),
        ("zone", "zone", rf"\b(?:{_ZONES})\b"),
    ]
]  # fmt: skip
_JOIN = re.compile(
    r"^[\s,]*(?:(?:at|on|the|in the|local time|morning|afternoon|evening|night)\b[\s,]*)*$", re.I
)
_BARE_MONTH_BEFORE = re.compile(r"\b(?:in|to|for|until|by|from|of|since|into)\s+$", re.I)


@dataclass(frozen=True)
class _Atom:
    kind: str
    category: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _Time:
    start: int
    end: int
    spec: TimeSpec
    weekday_only: bool


def _atoms(masked: str) -> list[_Atom]:
    found = sorted(
        (m.start(), -(m.end() - m.start()), order, kind, cat, m.end(), m[0])
        for order, (kind, cat, p) in enumerate(_ATOMS)
        for m in p.finditer(masked)
    )
    out: list[_Atom] = []
    last_end = -1
    for start, _neg, _order, kind, cat, end, text in found:
        if start < last_end:
            continue
        bare_month = kind == "month" and not re.search(r"\d|\b(?:early|mid|late|end|beginning|start)\b", text)
        if bare_month and not _BARE_MONTH_BEFORE.search(masked[max(0, start - 12) : start]):
            continue
        out.append(_Atom(kind, cat, start, end, text))
        last_end = end
    return out


def _groups(masked: str, atoms: list[_Atom]) -> list[list[_Atom]]:
    """Adjacent atoms ("8 p.m. EDT Wednesday, Sept. 15") form one expression."""
    groups: list[list[_Atom]] = []
    for atom in atoms:
        if groups:
            last = groups[-1]
            gap = masked[last[-1].end : atom.start]
            if _JOIN.match(gap) and atom.category not in {a.category for a in last}:
                last.append(atom)
                continue
        groups.append([atom])
    return groups


def _year_words(text: str, year: int) -> str:
    text = re.sub(r"(?i)\bnext year\b", str(year + 1), text)
    text = re.sub(r"(?i)\b(?:this|the) year\b", str(year), text)
    return re.sub(r"(?i)^the\s+", "", text)


def _date_text(atom: _Atom, published: datetime) -> str | None:
    text = " ".join(atom.text.split())
    if atom.kind == "num":
        a, b, c = (int(x) for x in re.split(r"[-/]", text))
        if not (1 <= a <= 12 and 1 <= b <= 31):
            return None
        return f"{calendar.month_name[a]} {b} {c + 2000 if c < 100 else c}"
    if atom.kind == "rel":
        day = published.date() + timedelta(days=1 if text.lower() == "tomorrow" else 0)
        return f"{calendar.month_name[day.month]} {day.day} {day.year}"
    if atom.kind in ("quarter", "half", "part"):
        text = _year_words(text, published.year)
        if not re.search(r"\d{4}", text):
            text += f" {published.year}"
        return re.sub(r"(?i)^the\s+", "", text)
    return _year_words(text, published.year)


def _clock_text(atom: _Atom) -> str:
    if atom.kind == "mil":
        return f"{atom.text[:2]}:{atom.text[2:]}"
    if atom.kind == "midnight":
        return "00:00" if atom.text.lower() == "midnight" else "12:00"
    return atom.text


def _read_group(group: list[_Atom], published: datetime) -> _Time | None:
    """A TimeSpec for one expression, or None when it is not a usable date."""
    parts = {a.category: a for a in group}
    date_atom, weekday, clock, zone = (parts.get(k) for k in ("date", "weekday", "time", "zone"))
    weekday_only = False
    if date_atom is not None:
        text = _date_text(date_atom, published)
        if text is None:
            return None
    elif weekday is not None:
        wd = [d.lower() for d in calendar.day_name].index(weekday.text.lower())
        day = published.date() + timedelta(days=(wd - published.weekday()) % 7)
        text, weekday, weekday_only = f"{calendar.month_name[day.month]} {day.day} {day.year}", None, True
    else:
        return None  # a time of day alone: which day is a guess
    zone_text = zone.text if zone is not None else ""
    attempts = []
    if weekday is not None:
        attempts.append(f"{weekday.text}, {text}")
    attempts.append(text)
    for base in attempts:
        for full in ([f"{base} {_clock_text(clock)} {zone_text}".strip()] if clock else []) + [base]:
            spec = _parse(full, published)
            if spec is not None:
                return _Time(group[0].start, group[-1].end, spec, weekday_only)
    return None


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


# ---- cues ----------------------------------------------------------------------

_NUM_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty-four": 24, "forty-eight": 48,
}  # fmt: skip
_NUM = r"(?:\d{1,4}|" + "|".join(sorted(_NUM_WORDS, key=len, reverse=True)) + ")"
_UNIT = r"(?:minute|hour|day|week)s?"
_DELTA = re.compile(
    rf"\bby\s+(?:about\s+|roughly\s+|around\s+|at least\s+|another\s+|up to\s+|nearly\s+|some\s+)?"
    rf"(?P<n>{_NUM})[\s-](?P<u>{_UNIT})\b"
    rf"|\b(?P<n2>{_NUM})[\s-](?P<u2>{_UNIT})\s+(?:late|later|delay|slip)\b",
    re.I,
)
_SLIP = re.compile(
    r"\b(?:postpon(?:e|ed|es|ing|ement)|delay(?:s|ed|ing)?|slip(?:s|ped|ping)?|reschedul(?:e|ed|es|ing)"
    r"|push(?:ed|es|ing)?\b(?:\s+[\w'’-]+){0,6}?\s+(?:back|out|past|beyond)"
    r"|mov(?:e|ed|es|ing) (?:back )?(?:to|from)\s+(?=[A-Z0-9]|(?:the )?(?:end|first|second|third|fourth|early|mid|late|next))"
    r"|stood down|stand(?:s|ing)? down|set back|instead of)\b",
    re.I,
)  # fmt: skip
_SLIP_VERB = re.compile(
    r"\b(?:postpon(?:e|ed|es|ing)|delay(?:ed|ing)|pushed back|slipped|reschedul(?:ed|ing))\b", re.I
)
_ADVANCE = re.compile(
    r"\b(?:mov(?:ed|es|ing|e) (?:up|forward)|pull(?:ed|s|ing)? (?:in|forward|up|ahead)|brought forward"
    r"|bring(?:s|ing)? forward|advanced|earlier than (?:planned|expected|scheduled))\b",
    re.I,
)
_SCRUB = re.compile(r"\b(?:scrub(?:s|bed|bing)?|called off|aborted)\b", re.I)
_TBD = re.compile(
    r"\b(?:indefinitely|until further notice|to be determined|no new (?:launch )?date)\b|\bTB[DA]\b"
)
_TARGET = re.compile(
    r"\b(?:scheduled|set (?:for|to)|slated|target(?:s|ed|ing)?|no earlier than|not earlier than"
    r"|as early as|planned|plans? (?:for|to)|expected to|aims? (?:for|to)|aiming"
    r"|due to (?:launch|lift|fly|blast|roll|dock|undock|land))\b|\bNET\b",
    re.I,
)
_WEAK = re.compile(
    r"\bwill (?:now )?(?:launch|fly|lift off|blast off|roll out|have|attempt|dock|undock|land|conduct"
    r"|perform|try)\b|\battempt on\b",
    re.I,
)
_HEDGE = re.compile(
    r"\b(?:could|might|maybe|possibly|perhaps|if all goes well|hopes? to|tentative(?:ly)?|rumou?red)\b"
    r"|\bmay\b(?!\s+\d)",
    re.I,
)
_IGNORE_BEFORE = re.compile(
    r"\b(?:said|says|saying|announced|announces|told(?: \w+)?|reported|reports|stated|wrote|tweeted"
    r"|posted|confirmed|(?<!be )launched|flew|landed|conducted|performed|completed|happened"
    r"|took place|occurred|published|since)\b[\s,]*(?:on|in|at|last|this)?[\s,]*$",
    re.I,
)
_OLD_BEFORE = re.compile(
    r"\b(?:from|instead of|original(?:ly)?|initial(?:ly)?|previous(?:ly)?|(?<!no )(?<!not )earlier"
    r"|supposed to|was (?:scheduled|set|planned|expected|due|targeted|slated)|had been|past|beyond)\b",
    re.I,
)
_NEW_BEFORE = re.compile(
    r"(?<!supposed )(?<!expected )(?<!scheduled )(?<!planned )(?<!set )(?<!due )(?<!going )(?<!have )"
    r"\bto\b|\b(?:now|until|till|into|no earlier than|not earlier than|not before|as early as)\b|(?<!original )\bNET\b",
    re.I,
)
_NET_BEFORE = re.compile(
    r"(?:\b(?:no|not) earlier than|\bnot before|\bas early as)[\s,]*(?:on|at)?\s*$", re.I
)


def _role(pre: str) -> str:
    """ "old", "new" or "ignore" for a time, from the words just before it."""
    if _IGNORE_BEFORE.search(pre):
        return "ignore"
    old = max((m.end() for m in _OLD_BEFORE.finditer(pre)), default=-1)
    new = max((m.end() for m in _NEW_BEFORE.finditer(pre)), default=-1)
    return "old" if old > new else "new"


def _delta(m: re.Match[str]) -> timedelta:
    n_text, unit = (m["n"], m["u"]) if m["n"] else (m["n2"], m["u2"])
    n = int(n_text) if n_text.isdigit() else _NUM_WORDS[n_text.lower()]
    return timedelta(**{unit.lower().rstrip("s") + "s": n})


# ---- one sentence ---------------------------------------------------------------


@dataclass
class _Draft:
    """A finding under construction; ``change`` None means it only lends its old time."""

    vehicle: str | None
    mission: str | None
    event_type: str | None
    sentence: str
    index: int
    old: _Time | None = None
    new: _Time | None = None
    delta: timedelta | None = None
    change: str | None = None
    base: float = 0.0
    named: bool = False
    hedged: bool = False
    old_derived: bool = False

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.mission or self.vehicle or "", self.event_type)


@dataclass
class _Context:
    vehicle: str | None = None
    mission: str | None = None
    event: str | None = None


def _subject(
    vehicles: list[_Mention], missions: list[_Mention], pos: int, topic: _Context
) -> tuple[str | None, str | None, bool]:
    """Vehicle, mission and whether either was named in the sentence; the topic fills gaps."""
    vehicle, mission = _nearest(vehicles, pos), _nearest(missions, pos)
    named = bool(vehicle or mission)
    if vehicle is None and mission is None:
        return topic.vehicle, topic.mission, False
    if mission is None and topic.mission and topic.vehicle in (None, vehicle):
        mission = topic.mission
    if vehicle is None and topic.vehicle and topic.mission in (None, mission):
        vehicle = topic.vehicle
    return vehicle, mission, named


def _sentence_drafts(sentence: str, index: int, published: datetime, topic: _Context) -> list[_Draft]:
    masked = _mask_parens(sentence)
    vehicles, missions = _names(sentence, VEHICLES), _names(sentence, MISSIONS)
    events = _events(masked)
    drafts: dict[tuple[str | None, str | None, str | None], _Draft] = {}

    def draft_at(pos: int) -> _Draft:
        vehicle, mission, named = _subject(vehicles, missions, pos, topic)
        event = _nearest(events, pos) or topic.event
        key = (vehicle, mission, event)
        if key not in drafts:
            drafts[key] = _Draft(vehicle, mission, event, sentence, index, named=named)
        return drafts[key]

    prev_end = 0
    for group in _groups(masked, _atoms(masked)):
        start = group[0].start
        pre = masked[max(prev_end, start - 100) : start]
        prev_end = group[-1].end
        role = _role(pre)
        if role == "ignore":
            continue
        found = _read_group(group, published)
        if found is None:
            continue
        if _NET_BEFORE.search(pre) or re.search(r"\bNET\b[^.;]{0,40}$", pre):
            found = dataclasses.replace(found, spec=dataclasses.replace(found.spec, net=True))
        d = draft_at(start)
        d.hedged = d.hedged or bool(_HEDGE.search(pre))
        if role == "old":
            d.old = d.old or found
        else:
            d.new = found
    for m in _DELTA.finditer(masked):
        d = draft_at(m.start())
        d.delta = d.delta or _delta(m)
    cue = next((c for c in (_TBD, _SCRUB, _SLIP_VERB, _SLIP) if c.search(masked)), None)
    if not drafts and cue is not None:
        draft_at(cue.search(masked).start())  # type: ignore[union-attr]
    out = [d for d in drafts.values() if d.vehicle or d.mission]
    for d in out:
        _classify(d, masked, published)
    return out


def _classify(d: _Draft, masked: str, published: datetime) -> None:
    """Set the draft's change and base confidence from the sentence's cue words."""
    new = d.new.spec if d.new else None
    old = d.old.spec if d.old else None
    advance = bool(_ADVANCE.search(masked))
    if d.delta is not None and advance:
        d.delta = -d.delta
    if new is not None and d.delta is not None and old is None and new.precision <= Precision.DAY:
        d.old = _Time(d.new.start, d.new.end, _shift(new, -d.delta), False)  # type: ignore[union-attr]
        d.old_derived = True
    d.hedged = d.hedged or (new is None and bool(_HEDGE.search(masked)))
    if _TBD.search(masked) and new is None:
        d.change, d.base = "tbd", 0.6
    elif _SCRUB.search(masked):
        d.change, d.base = "scrub", 0.6
    elif (
        new is not None and old is not None and new.earliest and old.earliest and new.earliest != old.earliest
    ):
        d.change, d.base = ("slip" if new.earliest > old.earliest else "advance"), 0.6
    elif advance:
        d.change, d.base = "advance", 0.6
    elif _SLIP.search(masked) or d.delta is not None:
        if new is not None or old is not None or d.delta is not None:
            d.change, d.base = "slip", 0.6
        elif _SLIP_VERB.search(masked):
            d.change, d.base = "tbd", 0.45
    elif new is not None and _TARGET.search(masked):
        d.change, d.base = "target", 0.5
    elif new is not None and new.precision <= Precision.DAY and _WEAK.search(masked):
        d.change, d.base = "target", 0.3
    elif new is not None and d.event_type == "rollout" and _occurred(new, published, masked):
        d.change, d.base = "occurred", 0.4
    if d.change is None and d.new is not None:
        d.new = None  # a date with no cue is not a schedule statement; keep only an old time


def _occurred(new: TimeSpec, published: datetime, masked: str) -> bool:
    """A rollout reported as happening: a day within two days of publication, no future tense."""
    if new.precision is not Precision.DAY or new.earliest is None or re.search(r"\bwill\b", masked, re.I):
        return False
    return abs(new.earliest - published) <= timedelta(days=2)


def _shift(spec: TimeSpec, by: timedelta) -> TimeSpec:
    def move(dt: datetime | None) -> datetime | None:
        return None if dt is None else dt + by

    return TimeSpec(move(spec.earliest), move(spec.latest), spec.precision, spec.net, move(spec.t0))


# ---- the article ------------------------------------------------------------------


def _topic(sentences: list[str]) -> _Context:
    """The article's subject: the most mentioned vehicle or mission (ties: the first mentioned)."""
    counts: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], int] = {}
    for sentence in sentences:
        for kind, table in (("vehicle", VEHICLES), ("mission", MISSIONS)):
            for mention in _names(sentence, table):
                key = (kind, mention.name)
                counts[key] += 1
                first.setdefault(key, len(first))
    if not counts:
        return _Context()
    kind, name = min(counts, key=lambda k: (-counts[k], first[k]))
    return _Context(name, None) if kind == "vehicle" else _Context(None, name)


def _merge(drafts: list[_Draft]) -> Finding | None:
    """One finding from every draft of an article about the same subject and event."""
    full = [d for d in drafts if d.change is not None]
    if not full:
        return None
    with_new = [d for d in full if d.new is not None]
    primary = (
        min(with_new, key=lambda d: (d.new.spec.precision, -d.index))  # type: ignore[union-attr]
        if with_new
        else max(full, key=lambda d: (d.base, -d.index))
    )
    new = primary.new.spec if primary.new else None
    olds = sorted(
        (d for d in drafts if d.old is not None), key=lambda d: (d.old_derived, d is not primary, d.index)
    )
    old_time = olds[0].old if olds else None
    delta = primary.delta or next((d.delta for d in sorted(drafts, key=lambda d: d.index) if d.delta), None)
    change = primary.change
    moves = [d.change for d in full if d.change in ("slip", "advance", "scrub")]
    if change == "target" and moves:
        change = moves[0]
    if change == "tbd" and new is None:
        new = TimeSpec.unknown()
    old = old_time.spec if old_time else None
    weekday_old = old is not None and old_time is not None and old_time.weekday_only
    if weekday_old and old and new and old.earliest and new.earliest and old.earliest >= new.earliest:
        old = _shift(old, -timedelta(days=7))  # "from Friday to Monday": the Friday before
    moved = old and new and old.earliest and new.earliest and old.earliest != new.earliest
    if moved and old and new and old.earliest and new.earliest and change in ("slip", "advance", "target"):
        change = "slip" if new.earliest > old.earliest else "advance"
    score = max(_score(d) for d in full)
    vehicle = primary.vehicle or next((d.vehicle for d in drafts if d.vehicle), None)
    mission = primary.mission or next((d.mission for d in drafts if d.mission), None)
    name = mission or vehicle or ""
    subject = f"{name} {primary.event_type}" if primary.event_type else name
    assert change is not None
    return Finding(
        subject, vehicle, mission, primary.event_type, old, new, change, score, primary.sentence, delta
    )


def _score(d: _Draft) -> float:
    score = d.base
    score += 0.15 if d.new is not None else 0.0
    score += 0.1 if d.old is not None or d.delta is not None else 0.0
    score += 0.1 if d.named else 0.0
    score -= 0.2 if d.hedged else 0.0
    return round(min(1.0, max(0.0, score)), 2)


_REDO = re.compile(
    r"\bengines?\b[^.]{0,60}\b(?:swap(?:ped|ping)?|switch(?:ed|ing)?\s+(?:\w+\s+){0,2}out|replac(?:e|ed|ing))\b"
    r"|\b(?:swap(?:ped|ping)?|replac(?:e|ed|ing))\b[^.]{0,40}\bengines?\b"
    r"|\b(?:another|second|new) static fire\b",
    re.I,
)
_DONE_FIRE = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)[’']s static fire\b", re.I
)
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _redo(sentences: list[str], published: datetime, topic: _Context) -> list[Finding]:
    """An engine swap after a static fire means another static fire before flight: an
    implied slip with no new date ("one of the engines looks suspicious and they will be
    needing to switch that one out"). Low confidence: the text states no date or delay."""
    name = topic.vehicle or topic.mission
    if name is None:
        return []
    for sentence in sentences:
        if not _REDO.search(sentence):
            continue
        old = None
        done = _DONE_FIRE.search(sentence)
        if done:
            back = (published.weekday() - _WEEKDAYS.index(done.group(1).lower())) % 7
            day = (published - timedelta(days=back)).replace(hour=0, minute=0, second=0, microsecond=0)
            old = TimeSpec(day, day + timedelta(days=1), Precision.DAY, False, day)
        return [
            Finding(
                subject=f"{name} static fire",
                vehicle=topic.vehicle,
                mission=topic.mission,
                event_type="static fire",
                old=old,
                new=None,
                change="slip",
                confidence=0.35,
                sentence=sentence.strip(),
                delta=None,
            )
        ]
    return []


def extract(text: str, published: datetime) -> list[Finding]:
    """Schedule changes stated in ``text``, with relative dates read against ``published``.

    Never raises on odd input: text that cannot be read yields no finding.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    published = utc(published)
    sentences = _sentences(text[:_MAX_TEXT])
    topic = _topic(sentences)
    drafts: list[_Draft] = []
    for index, sentence in enumerate(sentences):
        try:
            found = _sentence_drafts(sentence, index, published, topic)
        except (ValueError, OverflowError, IndexError):
            continue
        drafts.extend(found)
        events = _events(_mask_parens(sentence))
        if events:
            topic = dataclasses.replace(topic, event=events[-1].name)
    by_key: dict[tuple[str, str | None], list[_Draft]] = {}
    for d in drafts:
        by_key.setdefault(d.key, []).append(d)
    merged: list[tuple[int, Finding | None]] = []
    for group in by_key.values():
        try:
            merged.append((min(d.index for d in group), _merge(group)))
        except (ValueError, OverflowError):
            continue
    findings = [f for _, f in sorted(merged, key=lambda pair: pair[0]) if f is not None]
    if not findings:  # only when nothing is stated outright: an implied slip
        findings.extend(_redo(sentences, published, _topic(sentences)))
    return findings
