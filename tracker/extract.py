"""Find schedule changes in news prose, with hand-written rules (no network, no ML).

"The transport of the Soyuz-5 launch vehicle to the launch complex, initially scheduled
for March 24, has been postponed to March 26" becomes a `Finding`: Soyuz-5 rollout,
old March 24 (DAY), new March 26 (DAY), a slip. News is where slips are announced
first, often before any schedule API changes, so it is worth reading, but prose is
ambiguous: every rule here prefers saying nothing over saying something wrong.

How a text is read:

1. Split into sentences (`tracker.extract_sentences`: titles and paragraphs are lines;
   "Sept." and "p.m." do not end a sentence). Datelines ("SAMARA, October 2. /TASS/.",
   "CAPE CANAVERAL, Fla., March 24 (Reuters) -") are dropped.
2. Parenthesised text is blanked out (it is mostly an alternate rendering of a time,
   "(1200 GMT Thursday, Sept. 16)", or an expansion, "(No Earlier Than)"), except when
   it gives an old time: "(from its original date in September 2025)".
3. Time expressions are found and read (`tracker.extract_times`, then
   `tracker.timetext.parse_text`), resolved against the publication time: ranges
   ("Nov. 9-12"), "the 15th", "tomorrow, Tuesday, Aug. 26", Moscow/Beijing/IST/JST
   times; a clock in "local time" keeps only its day. The words just before each give
   its role (`tracker.extract_cues`): old ("from", "initially scheduled for", "instead
   of", "later than"), planned ("the launch, scheduled for June 5, has been postponed":
   old when a verb or a later new time moves it, else new), ignored ("said on", "a news
   conference at", "ten times in 2026"), history ("launched on", "flew for the first
   time on") or new. A subject whose event already happened, or that is given only a
   plan for a day already past, yields nothing from that sentence (clause, for
   history). "Thursday's launch" is the old time when the sentence moves it. A bare
   weekday is the next such day on or after publication; an old weekday that would
   fall after the new time is moved a week back ("delayed from Friday to Monday").
4. Vehicles and missions come from a table of name patterns; event types from keywords
   ("transport"/"rollout", "static fire", "launch", "flight", "debut"...). A time
   belongs to the nearest vehicle/mission and event named before it. A sentence that
   names none ("The delay, now pointing to April 16") uses the article's topic: the
   name mentioned most often (ties: first mentioned), or the subject of the sentence
   before when it opens with "That mission"/"It".
5. Cue words decide whether there is a change at all: a move ("postponed", "delayed",
   "pushed back", "pushed ... to Saturday", "slips"), an advance ("moved up"), a scrub,
   "indefinitely"/"TBD", or a stated target ("scheduled for", "no earlier than", "as
   early as", "plans for"). Dates without such cues yield nothing ("The rocket first
   flew on March 24, 2020."), and so does "from April 1 to April 6" (a window). In a
   sentence about two subjects each reads the cues of its own clause.
6. The findings of one article about the same subject and event are merged into one:
   the title's "slips by 24 hours" and the body's "no earlier than 8 p.m. EDT" are one
   change with both the amount and the new time.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracker.extract_cues import (
    ADVANCE,
    FINITE_MOVE,
    HEDGE,
    NET_BEFORE,
    SCRUB,
    SLIP,
    SLIP_VERB,
    SPAN,
    SPAN_START,
    TARGET,
    TBD,
    WEAK,
    clauses,
    deltas,
    explicit_new,
    role,
)
from tracker.extract_names import EVENTS, MISSIONS, VEHICLES, Namer
from tracker.extract_sentences import mask_parens, sentences
from tracker.extract_times import Time, expressions, possessive_days, read
from tracker.models import Precision, TimeSpec
from tracker.timespec import utc

__all__ = ["Finding", "extract"]

_MAX_TEXT = 200_000  # characters read from one text; the rest is ignored


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


def _before(mentions: list[_Mention], pos: int) -> str | None:
    before = [m for m in mentions if m.start < pos]
    return before[-1].name if before else None


def _after(mentions: list[_Mention], pos: int, rivals: list[_Mention], partner: str | None) -> str | None:
    """The first mention in the sentence (none comes before ``pos``), unless a rival of the
    partner is named in between: in "Electron is set for Thursday, while Vulcan slipped with
    USSF-87" the mission after Thursday is Vulcan's, not Electron's."""
    if not mentions:
        return None
    first = mentions[0]
    if partner is not None and any(pos < r.start < first.start and r.name != partner for r in rivals):
        return None
    return first.name


@dataclass
class _Draft:
    """A finding under construction; ``change`` None means it only lends its old time."""

    vehicle: str | None
    mission: str | None
    event_type: str | None
    sentence: str
    index: int
    old: Time | None = None
    new: Time | None = None
    delta: timedelta | None = None
    change: str | None = None
    base: float = 0.0
    named: bool = False
    hedged: bool = False
    old_derived: bool = False
    new_explicit: bool = False  # the new time follows "to", "now", "no earlier than"...
    planned: list[Time] = dataclasses.field(default_factory=list)
    positions: list[int] = dataclasses.field(default_factory=list)

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
    vehicle, mission = _before(vehicles, pos), _before(missions, pos)
    vehicle = vehicle or _after(vehicles, pos, missions, mission)
    mission = mission or _after(missions, pos, vehicles, vehicle)
    named = bool(vehicle or mission)
    if vehicle is None and mission is None:
        return topic.vehicle, topic.mission, False
    if mission is None and topic.mission and topic.vehicle in (None, vehicle):
        mission = topic.mission
    if vehicle is None and topic.vehicle and topic.mission in (None, mission):
        vehicle = topic.vehicle
    return vehicle, mission, named


_Key = tuple[str | None, str | None, str | None]


def _sentence_drafts(sentence: str, index: int, published: datetime, topic: _Context) -> list[_Draft]:
    masked = mask_parens(sentence)
    vehicles, missions = _names(sentence, VEHICLES), _names(sentence, MISSIONS)
    events = _events(masked)
    drafts: dict[_Key, _Draft] = {}
    spans = clauses(masked)
    history: dict[_Key, set[int]] = {}  # subject -> clauses that tell of an event that happened
    stale: set[_Key] = set()  # subjects given a plan for a day already past: a quote of an old plan

    def clause_of(pos: int) -> int:
        return next(i for i, (a, b) in enumerate(spans) if a <= pos < b)

    def key_at(pos: int) -> tuple[_Key, bool]:
        vehicle, mission, named = _subject(vehicles, missions, pos, topic)
        before = [m for m in events if m.start < pos]
        event = (before[-1] if before else events[0]).name if events else topic.event
        return (vehicle, mission, event), named

    def draft_at(pos: int) -> _Draft:
        key, named = key_at(pos)
        if key not in drafts:
            drafts[key] = _Draft(*key, sentence, index, named=named)
        drafts[key].positions.append(pos)
        return drafts[key]

    if any(c.search(masked) for c in (SLIP, SCRUB, ADVANCE, TBD)):
        for planned in possessive_days(masked, published):  # "Thursday's launch was pushed to Saturday"
            d = draft_at(planned.start)
            d.old = d.old or planned
    prev_end = 0
    for group in expressions(masked):
        start = group[0].start
        pre = masked[max(prev_end, start - 100) : start]
        prev_end = group[-1].end
        what = role(pre)
        if what == "done":
            history.setdefault(key_at(start)[0], set()).add(clause_of(start))
        if what in ("done", "ignore"):
            continue
        found = read(group, published)
        if found is None:
            continue
        latest = found.spec.latest
        if what == "new" and latest is not None and latest <= published - timedelta(days=1):
            stale.add(key_at(start)[0])  # "On March 18, Roscosmos said ...": not a plan either
            continue
        if NET_BEFORE.search(pre) or re.search(r"\bNET\b[^.;]{0,40}$", pre):
            found = dataclasses.replace(found, spec=dataclasses.replace(found.spec, net=True))
        d = draft_at(start)
        d.hedged = d.hedged or bool(HEDGE.search(pre))
        if what == "old":
            d.old = d.old or found
        elif what == "planned":
            d.planned.append(found)
        else:
            d.new, d.new_explicit = found, explicit_new(pre)
    for pos, amount in deltas(masked):
        d = draft_at(pos)
        d.delta = d.delta or amount
    cue = next((c for c in (TBD, SCRUB, SLIP_VERB, SLIP) if c.search(masked)), None)
    if not drafts and cue is not None:
        draft_at(cue.search(masked).start())  # type: ignore[union-attr]
    out = [
        d
        for key, d in drafts.items()
        if (d.vehicle or d.mission) and any(clause_of(p) not in history.get(key, ()) for p in d.positions)
    ]
    for d in out:
        _settle_planned(d, masked)
    out = [d for d in out if d.new is not None or (d.vehicle, d.mission, d.event_type) not in stale]
    several = len({(d.vehicle, d.mission) for d in out}) > 1
    for d in out:
        _classify(d, _cue_text(d, masked) if several else masked, masked, published)
    return out


def _settle_planned(d: _Draft, masked: str) -> None:
    """A plan named in passing ("the launch, scheduled for June 5, ...") is the old time when
    the sentence goes on to a new one ("... has been rescheduled to June 7") or a verb moves
    it ("... was scrubbed", "... has been postponed indefinitely"); otherwise it is the plan
    stated, a new time."""
    for planned in d.planned:
        later_new = d.new is not None and d.new_explicit and d.new.start > planned.start
        moved = FINITE_MOVE.search(masked, planned.end) or (d.new is None and TBD.search(masked))
        if d.old is None and (later_new or moved):
            d.old = planned
        elif d.new is None:
            d.new = planned


def _cue_text(d: _Draft, masked: str) -> str:
    """The clauses holding a draft's times, when they have cue words of their own: in a
    sentence about two vehicles, one's slip is not the other's."""
    spans = clauses(masked)
    mine = [(a, b) for a, b in spans if any(a <= p < b for p in d.positions)]
    text = " ".join(masked[a:b] for a, b in mine)
    cues = (TBD, SCRUB, SLIP, ADVANCE, TARGET, WEAK)
    return text if any(c.search(text) for c in cues) else masked


def _is_span(d: _Draft, masked: str) -> bool:
    """ "runs from April 1 to April 6": the two ends of a window, when no word says anything moved."""
    if d.old is None or d.new is None or d.old.start > d.new.start:
        return False
    between = masked[d.old.end : d.new.start]
    return bool(SPAN.match(between) and SPAN_START.search(masked[: d.old.start]))


def _classify(d: _Draft, masked: str, sentence: str, published: datetime) -> None:
    """Set the draft's change and base confidence from the cue words of its sentence (or of
    its clause, ``masked``; ``sentence`` is the whole masked sentence the times point into)."""
    if _is_span(d, sentence) and not any(c.search(masked) for c in (SLIP, ADVANCE, SCRUB, TBD)):
        d.old = d.new = None
        return
    new = d.new.spec if d.new else None
    old = d.old.spec if d.old else None
    advance = bool(ADVANCE.search(masked))
    if d.delta is not None and advance:
        d.delta = -d.delta
    if new is not None and d.delta is not None and old is None and new.precision <= Precision.DAY:
        d.old = Time(d.new.start, d.new.end, _shift(new, -d.delta), False)  # type: ignore[union-attr]
        d.old_derived = True
    d.hedged = d.hedged or (new is None and bool(HEDGE.search(masked)))
    if TBD.search(masked) and new is None:
        d.change, d.base = "tbd", 0.6
    elif SCRUB.search(masked):
        d.change, d.base = "scrub", 0.6
    elif (
        new is not None and old is not None and new.earliest and old.earliest and new.earliest != old.earliest
    ):
        d.change, d.base = ("slip" if new.earliest > old.earliest else "advance"), 0.6
    elif advance:
        d.change, d.base = "advance", 0.6
    elif SLIP.search(masked) or d.delta is not None:
        if new is None and d.delta is None and SLIP_VERB.search(masked):
            d.change, d.base = "tbd", 0.45  # "postponed", with no new date or amount
        elif new is not None or old is not None or d.delta is not None:
            d.change, d.base = "slip", 0.6
    elif new is not None and TARGET.search(masked):
        d.change, d.base = "target", 0.5
    elif new is not None and new.precision <= Precision.DAY and WEAK.search(masked):
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


def _merge(drafts: list[_Draft], published: datetime) -> Finding | None:
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
    elif weekday_old and old and old.earliest and old.earliest > published + timedelta(days=3):
        old = _shift(old, -timedelta(days=7))  # no new time: "scrubbed on Tuesday", written on Friday
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


# "That mission was originally scheduled for Thursday": the subject of the sentence before.
_ANAPHOR = re.compile(
    r"^(?:(?:But|However|Now|And),?\s+)?(?:(?:That|This|The same)\s+(?:mission|launch|flight|attempt|rocket"
    r"|vehicle|booster|spacecraft|test)\b|It\s)"
)


def _last(mentions: list[_Mention]) -> str | None:
    return mentions[-1].name if mentions else None


def _join_topic_drafts(drafts: list[_Draft]) -> None:
    """A sentence that names nothing ("Now targeting Monday") falls back on the article's topic,
    a vehicle; when the article names exactly one mission for that vehicle and event, the
    sentence is about that mission ("Standing down from today's Falcon 9 launch of Starlink 6-81")."""
    for d in drafts:
        if d.named or d.mission is not None or d.vehicle is None:
            continue
        found = {
            x.mission
            for x in drafts
            if x.named and x.mission and (x.vehicle, x.event_type) == (d.vehicle, d.event_type)
        }
        if len(found) == 1:
            d.mission = found.pop()


def extract(text: str, published: datetime) -> list[Finding]:
    """Schedule changes stated in ``text``, with relative dates read against ``published``.

    Never raises on odd input: text that cannot be read yields no finding.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    published = utc(published)
    lines = sentences(text[:_MAX_TEXT])
    topic = _topic(lines)
    drafts: list[_Draft] = []
    previous = _Context()
    for index, sentence in enumerate(lines):
        named = _Context(_last(_names(sentence, VEHICLES)), _last(_names(sentence, MISSIONS)), topic.event)
        context = topic
        unnamed = not (named.vehicle or named.mission)
        if unnamed and (previous.vehicle or previous.mission) and _ANAPHOR.match(sentence):
            context = dataclasses.replace(previous, event=topic.event)
        try:
            found = _sentence_drafts(sentence, index, published, context)
        except (ValueError, OverflowError, IndexError):
            continue
        drafts.extend(found)
        events = _events(mask_parens(sentence))
        if events:
            topic = dataclasses.replace(topic, event=events[-1].name)
        if named.mission or named.vehicle:
            keep = named.mission is None and named.vehicle == previous.vehicle
            previous = _Context(
                named.vehicle or previous.vehicle, previous.mission if keep else named.mission
            )
    _join_topic_drafts(drafts)
    by_key: dict[tuple[str, str | None], list[_Draft]] = {}
    for d in drafts:
        by_key.setdefault(d.key, []).append(d)
    merged: list[tuple[int, Finding | None]] = []
    for group in by_key.values():
        try:
            merged.append((min(d.index for d in group), _merge(group, published)))
        except (ValueError, OverflowError):
            continue
    findings = [f for _, f in sorted(merged, key=lambda pair: pair[0]) if f is not None]
    if not findings:  # only when nothing is stated outright: an implied slip
        findings.extend(_redo(lines, published, _topic(lines)))
    return findings
