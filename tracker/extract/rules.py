"""Find schedule changes in news prose, with hand-written rules (no network, no ML).

"The transport of the Soyuz-5 launch vehicle to the launch complex, initially scheduled
for March 24, has been postponed to March 26" becomes a `Finding`: Soyuz-5 rollout,
old March 24 (DAY), new March 26 (DAY), a slip. News is where slips are announced
first, often before any schedule API changes, so it is worth reading, but prose is
ambiguous: every rule here prefers saying nothing over saying something wrong.

How a text is read:

1. Split into sentences (`tracker.extract.sentences`: titles and paragraphs are lines;
   "Sept." and "p.m." do not end a sentence). Datelines ("SAMARA, October 2. /TASS/.",
   "CAPE CANAVERAL, Fla., March 24 (Reuters) -") are dropped.
2. Parenthesised text is blanked out (it is mostly an alternate rendering of a time,
   "(1200 GMT Thursday, Sept. 16)", or an expansion, "(No Earlier Than)"), except when
   it gives an old time: "(from its original date in September 2025)".
3. Time expressions are found and read (`tracker.extract.times`, then
   `tracker.timetext.parse_text`), resolved against the publication time: ranges
   ("Nov. 9-12", "between April 8 and April 10", "between 10:00 and 12:00 UTC"), "the
   15th", "the week of April 20", "tomorrow, Tuesday, Aug. 26", "48 hours from now",
   seasons ("late spring 2027"), Moscow/Beijing/IST/JST times; a clock in "local time"
   keeps only its day. The words just before each give its role
   (`tracker.extract.cues`): old ("from", "initially scheduled for", "instead of",
   "later than"), planned ("the launch, scheduled for June 5, has been postponed": old
   when a verb or a later new time moves it, else new), ignored ("said on", "a news
   conference at", "ten times in 2026"), history ("launched on", "flew for the first
   time on"), something done that day ("rolled out on Tuesday") or new. A subject whose
   event already happened, or that is given only a plan for a day already past, yields
   nothing from that sentence (clause, for history); a clause that only narrates what
   was done ("On Wednesday, SpaceX rolled out the Falcon 9") and a retrospective one
   ("marked ten years since", "two years ago") yield nothing at all. "Thursday's
   launch" is the old time when the sentence moves it. A bare weekday is the next such
   day on or after publication, but the most recent one when it is when something was
   done ("scrubbed on Tuesday"); an old weekday that would fall after the new time is
   moved a week back ("delayed from Friday to Monday").
4. Vehicles and missions come from a table of name patterns; event types from keywords
   ("transport"/"rollout", "static fire", "launch", "flight", "debut"...). A time
   belongs to the nearest vehicle/mission and event named before it. A sentence that
   names none ("The delay, now pointing to April 16") uses the article's topic: the
   name mentioned most often (ties: first mentioned), or the subject of the sentence
   before when it opens with "That mission"/"It". A name in a phrase about another
   event ("into conflict with the Crew-13 launch in August", "ahead of Thursday's launch
   of Crew-12", `tracker.extract.scope`) is no subject: that phrase, its times and its
   cue words are set aside.
5. Cue words decide whether there is a change at all: a move ("postponed", "delayed",
   "pushed back", "pushed ... to Saturday", "slips"), an advance ("moved up"), a scrub,
   "indefinitely"/"TBD", or a stated target ("scheduled for", "no earlier than", "as
   early as", "as soon as", "won't launch before", "plans for", "will try again", "the
   new launch date is"); amounts may be in months or years ("a three-month delay").
   Dates without such cues yield nothing ("The rocket first
   flew on March 24, 2020."), and so does "from April 1 to April 6" (a window). In a
   sentence about two subjects each reads the cues of its own clause. A move with only an
   old time long past and no present-tense verb ("had originally planned to fly in 2024,
   but problems forced delays") is history, not news.
6. The findings of one article about the same subject and event are merged into one
   (`tracker.extract.article`): the title's "slips by 24 hours" and the body's "no
   earlier than 8 p.m. EDT" are one change with both the amount and the new time.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracker.extract.article import (
    Draft,
    Finding,
    day_start,
    join_topic_drafts,
    merge,
    redo,
    shift,
    shift_months,
)
from tracker.extract.cues import (
    ADVANCE,
    CURRENT_MOVE,
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
    TBD_OUTRIGHT,
    WEAK,
    deltas,
    explicit_new,
    moved_on,
    reported,
    role,
    said_on,
)
from tracker.extract.morph import is_russian
from tracker.extract.names import EVENTS, MISSIONS, VEHICLES, Namer
from tracker.extract.russian import russian_drafts
from tracker.extract.scope import Aside, asides, blank, clauses, past_narration, retrospectives
from tracker.extract.sentences import dateline, mask_parens, sentences
from tracker.extract.times import Time, expressions, possessive_days, read
from tracker.extract.trace import collecting, note
from tracker.models import Precision, TimeSpec
from tracker.timespec import utc

__all__ = ["Finding", "explain", "extract"]

_MAX_TEXT = 200_000  # characters read from one text; the rest is ignored
_LONG_PAST = timedelta(days=61)  # an old time that ended this long before publication is history


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


@dataclass(frozen=True)
class _Scoped:
    """A sentence with the phrases about other events and the clauses looking back set aside:
    the text left to read (blanked there, positions kept), the vehicles and missions that are
    its subjects, those the article is about (which include the ones looked back on: "Two
    years ago, NASA said Artemis II would fly in 2024; it has since been delayed"), and the
    phrases of the subject's own sequence ("after a scrub on Saturday")."""

    masked: str
    vehicles: list[_Mention]
    missions: list[_Mention]
    about: list[tuple[str, _Mention]]
    sequence: list[Aside]


@functools.lru_cache(maxsize=1024)  # an article's sentences are scoped for its topic and then read
def _scoped(sentence: str) -> _Scoped:
    masked = mask_parens(sentence)
    vehicles, missions = _names(sentence, VEHICLES), _names(sentence, MISSIONS)
    starts = {g[0].start for g in expressions(masked)}
    found = asides(masked, starts, [(m.start, m.name) for m in vehicles + missions])
    other = [a for a in found if a.other]
    history = retrospectives(masked)

    def outside(mentions: list[_Mention], spans: list[Aside]) -> list[_Mention]:
        return [m for m in mentions if not any(a.start <= m.start < a.end for a in spans)]

    about = [("vehicle", m) for m in outside(vehicles, other)] + [
        ("mission", m) for m in outside(missions, other)
    ]
    return _Scoped(
        blank(masked, other + history),
        outside(vehicles, other + history),
        outside(missions, other + history),
        about,
        [a for a in found if not a.other],
    )


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
class _Context:
    vehicle: str | None = None
    mission: str | None = None
    event: str | None = None
    source: str = "the article's topic"  # where the subject came from, for --explain


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


def _sentence_drafts(sentence: str, index: int, published: datetime, topic: _Context) -> list[Draft]:
    """The changes one sentence states, as drafts (see :class:`_SentenceReader`)."""
    return _SentenceReader(sentence, index, published, topic).drafts()


class _SentenceReader:
    """Reads one sentence in steps: its times given a role (old, new, planned; set aside
    when done, said or another event's), each attached to the subject it is nearest,
    then each subject's draft classified and weeded (history, stale plans, no subject)."""

    def __init__(self, sentence: str, index: int, published: datetime, topic: _Context) -> None:
        self.sentence, self.index, self.published, self.topic = sentence, index, published, topic
        self.scoped = _scoped(sentence)
        self.masked = self.scoped.masked
        self.events = _events(self.masked)
        self.spans = clauses(self.masked)
        self.by_subject: dict[_Key, Draft] = {}
        self.history: dict[_Key, set[int]] = {}  # subject -> clauses that tell of an event that happened
        self.stale: set[_Key] = set()  # subjects given a plan for a day already past: a quote of an old plan

    def drafts(self) -> list[Draft]:
        masked = self.masked
        if any(c.search(masked) for c in (SLIP, SCRUB, ADVANCE, TBD)):
            for planned in possessive_days(
                masked, self.published
            ):  # "Thursday's launch was pushed to Saturday"
                d = self.draft_at(planned.start)
                d.old = d.old or planned
        self.attach(self.read_times())
        for pos, amount in deltas(masked):
            d = self.draft_at(pos)
            if d.delta is None:
                d.delta, d.months = amount.delta, amount.months
        cue = next((c for c in (TBD, SCRUB, SLIP_VERB, SLIP) if c.search(masked)), None)
        if not self.by_subject and cue is not None:
            self.draft_at(cue.search(masked).start())  # type: ignore[union-attr]
        return self.settle()

    def clause_of(self, pos: int) -> int:
        return next(i for i, (a, b) in enumerate(self.spans) if a <= pos < b)

    def key_at(self, pos: int) -> tuple[_Key, bool]:
        vehicle, mission, named = _subject(self.scoped.vehicles, self.scoped.missions, pos, self.topic)
        event = _event_at(self.events, self.spans, pos, self.masked) or self.topic.event
        if event == "spacewalk" and mission is None:
            vehicle = "ISS"  # a spacewalk with no EVA number: the station's
        return (vehicle, mission, event), named

    def draft_at(self, pos: int) -> Draft:
        key, named = self.key_at(pos)
        if key not in self.by_subject:
            self.by_subject[key] = Draft(*key, self.sentence, self.index, named=named)
            source = "named in the sentence" if named else f"from {self.topic.source}"
            if key[0] == "ISS" and not named:
                source = "an unnumbered spacewalk: the station's"
            self.by_subject[key].reasons.append(f"subject {key[1] or key[0]!r} {source}")
        self.by_subject[key].positions.append(pos)
        return self.by_subject[key]

    def read_times(self) -> list[tuple[str, str, Time, bool]]:
        """Every time expression with its role, the text before it and whether it sits in
        an "after/before ..." aside; those that are no plan are noted and set aside."""
        masked, sentence = self.masked, self.sentence
        found_times: list[tuple[str, str, Time, bool]] = []
        prev_end = 0
        for group in expressions(masked):
            start = group[0].start
            pre = masked[max(prev_end, start - 100) : start]
            prev_end = group[-1].end
            text = masked[start : group[-1].end]
            what = role(pre)
            if what in ("new", "planned") and past_narration(
                masked[slice(*self.spans[self.clause_of(start)])]
            ):
                what = "acted"  # "On Wednesday, SpaceX rolled out the Falcon 9": when it was done
            if what == "done":
                self.history.setdefault(self.key_at(start)[0], set()).add(self.clause_of(start))
            if what in ("done", "ignore", "acted"):
                note(f"{text!r} in {sentence!r}: {_SET_ASIDE[what]}")
                continue
            found = read(group, self.published, past=reported(pre))
            post = masked[group[-1].end : group[-1].end + 20]
            if found is None or (found.weekday_only and moved_on(pre)) or said_on(post):
                if found is not None:
                    note(f"{text!r} in {sentence!r}: the day it was decided or said")
                continue
            latest = found.spec.latest
            if what == "new" and latest is not None and latest <= day_start(self.published):
                self.stale.add(self.key_at(start)[0])  # "On March 18, Roscosmos said ...": not a plan either
                note(f"{text!r} in {sentence!r}: a day already past, no plan")
                continue
            if NET_BEFORE.search(pre) or re.search(r"\bNET\b[^.;]{0,40}$", pre):
                found = dataclasses.replace(found, spec=dataclasses.replace(found.spec, net=True))
            aside = next((a for a in self.scoped.sequence if a.start <= start < a.end), None)
            if aside is not None and _event_at(self.events, self.spans, start, masked) != _event_at(
                self.events, self.spans, aside.start, masked
            ):
                note(f"{text!r} in {sentence!r}: another event's date (after/before ...)")
                continue  # "postponed to March 28 after a static fire test on March 22": the test's date
            found_times.append((what, pre, found, aside is not None))
        return found_times

    def attach(self, found_times: list[tuple[str, str, Time, bool]]) -> None:
        """Each time to its subject's draft. The times of the clause itself first: a time in
        "ahead of ..." or "after ..." only fills a gap."""
        for what, pre, found, sequence in sorted(found_times, key=lambda t: t[3]):
            d = self.draft_at(found.start)
            d.reasons.append(
                f"{what} time {self.masked[found.start : found.end]!r}"
                + (f" after {_tail(pre)!r}" if pre.strip() else "")
            )
            d.hedged = d.hedged or bool(HEDGE.search(pre))
            if what == "old":
                d.old = d.old or found
            elif what == "planned":
                d.planned.append(found)
            elif not (sequence and d.new is not None):
                d.new, d.new_explicit = found, explicit_new(pre)

    def settle(self) -> list[Draft]:
        """The drafts that state a change: with a subject, not history, not a stale plan,
        classified, and not a move told only by an old date."""
        masked, sentence, published = self.masked, self.sentence, self.published
        out = [
            d
            for key, d in self.by_subject.items()
            if (d.vehicle or d.mission)
            and any(self.clause_of(p) not in self.history.get(key, ()) for p in d.positions)
        ]
        for d in self.by_subject.values():
            if d not in out and (d.new or d.old):
                why = (
                    "it names no vehicle or mission"
                    if not (d.vehicle or d.mission)
                    else "it tells of an event that happened"
                )
                note(f"{sentence!r}: {why}")
        for d in out:
            _settle_planned(d, masked)
        out = [d for d in out if d.new is not None or (d.vehicle, d.mission, d.event_type) not in self.stale]
        several = len({(d.vehicle, d.mission) for d in out}) > 1
        for d in out:
            had_new = d.new is not None
            _classify(d, _cue_text(d, masked) if several else masked, masked, published)
            if had_new and d.change is None:
                note(f"{sentence!r}: a date but no word that states a plan or a move")
        kept = [d for d in out if not _old_news(d, published, _cue_text(d, masked))]
        for d in out:
            if d not in kept:
                note(f"{sentence!r}: a move told only by an old date long past (history)")
        return kept


_SET_ASIDE = {
    "done": "the date of something that already happened",
    "ignore": "the date of something else (a statement, a briefing, a backup)",
    "acted": "the day something was done",
}


def _tail(pre: str) -> str:
    """The last few words before a time, which gave it its role."""
    return " ".join(pre.split()[-4:])


# "late spring for Moon mission debut", "March 26 for the launch of AEHF-6": a time tied to the event after it.
_FOR_EVENT = re.compile(r"^[^,;]{0,40}?\bfor\s+(?:the\s+|its\s+|a\s+|an\s+)?(?:[\w'’-]+\s+){0,3}$", re.I)


def _event_at(events: list[_Mention], spans: list[tuple[int, int]], pos: int, masked: str) -> str | None:
    """The event a time at ``pos`` belongs to: the one named last before it, unless its own
    clause names none before it and the time is tied by "for" to one after ("delays SLS roll
    out to March, sets up late spring for Moon mission debut": late spring is the debut's)."""
    if not events:
        return None
    a, b = next(((a, b) for a, b in spans if a <= pos < b), (0, pos))
    in_clause_before = [m for m in events if a <= m.start < pos]
    tied = [m for m in events if pos < m.start < b and _FOR_EVENT.match(masked[pos : m.start])]
    if not in_clause_before and tied:
        return tied[0].name
    before = [m for m in events if m.start < pos]
    return (before[-1] if before else events[0]).name


def _old_news(d: Draft, published: datetime, text: str) -> bool:
    """A move told only by an old time long past, with no present-tense verb: "NASA had originally
    planned to fly Artemis II in 2024, but problems forced delays" is history."""
    if d.change is None or d.new is not None or d.delta is not None or d.old is None:
        return False
    latest = d.old.spec.latest
    return latest is not None and latest < published - _LONG_PAST and not CURRENT_MOVE.search(text)


def _settle_planned(d: Draft, masked: str) -> None:
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


def _cue_text(d: Draft, masked: str) -> str:
    """The clauses holding a draft's times, when they have cue words of their own: in a
    sentence about two vehicles, one's slip is not the other's."""
    spans = clauses(masked)
    mine = [(a, b) for a, b in spans if any(a <= p < b for p in d.positions)]
    text = " ".join(masked[a:b] for a, b in mine)
    cues = (TBD, SCRUB, SLIP, ADVANCE, TARGET, WEAK)
    return text if any(c.search(text) for c in cues) else masked


def _is_span(d: Draft, masked: str) -> bool:
    """ "runs from April 1 to April 6": the two ends of a window, when no word says anything moved."""
    if d.old is None or d.new is None or d.old.start > d.new.start:
        return False
    between = masked[d.old.end : d.new.start]
    return bool(SPAN.match(between) and SPAN_START.search(masked[: d.old.start]))


def _classify(d: Draft, masked: str, sentence: str, published: datetime) -> None:
    """Set the draft's change and base confidence from the cue words of its sentence (or of
    its clause, ``masked``; ``sentence`` is the whole masked sentence the times point into)."""
    if _is_span(d, sentence) and not any(c.search(masked) for c in (SLIP, ADVANCE, SCRUB, TBD)):
        d.old = d.new = None
        return
    new = d.new.spec if d.new else None
    old = d.old.spec if d.old else None
    advance = bool(ADVANCE.search(masked))
    if d.delta is not None and advance:
        d.delta, d.months = -d.delta, -d.months
    derivable = new is not None and (new.precision <= Precision.DAY or d.months)
    if new is not None and d.delta is not None and old is None and derivable:
        back = shift_months(new, -d.months) if d.months else shift(new, -d.delta)
        d.old = Time(d.new.start, d.new.end, back, False)  # type: ignore[union-attr]
        d.old_derived = True
    d.hedged = d.hedged or (new is None and bool(HEDGE.search(masked)))
    before = len(d.reasons)
    _cue_reason(d, masked)
    if TBD_OUTRIGHT.search(masked) and new is None:
        d.change, d.base = "tbd", 0.6
    elif SCRUB.search(masked):
        d.change, d.base = "scrub", 0.6
    elif TBD.search(masked) and new is None:
        d.change, d.base = "tbd", 0.6
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
    if d.change is None:
        del d.reasons[before:]
    if d.change is None and d.new is not None:
        d.new = None  # a date with no cue is not a schedule statement; keep only an old time


_CUE_KINDS = [
    (TBD_OUTRIGHT, "no new date"),
    (SCRUB, "a scrub"),
    (TBD, "no new date yet"),
    (ADVANCE, "a move earlier"),
    (SLIP, "a move"),
    (TARGET, "a stated plan"),
    (WEAK, "a plan in the future tense"),
]


def _cue_reason(d: Draft, masked: str) -> None:
    found = [(m.start(), m[0], label) for pattern, label in _CUE_KINDS if (m := pattern.search(masked))]
    if found:
        _start, text, label = min(found)
        d.reasons.append(f"cue {text.strip()!r} ({label})")
    if d.hedged:
        d.reasons.append("hedged ('could', 'may', 'if all goes well'): lower confidence")


def _occurred(new: TimeSpec, published: datetime, masked: str) -> bool:
    """A rollout reported as happening: a day within two days of publication, no future tense."""
    if new.precision is not Precision.DAY or new.earliest is None or re.search(r"\bwill\b", masked, re.I):
        return False
    return abs(new.earliest - published) <= timedelta(days=2)


# ---- the article ------------------------------------------------------------------


def _topic(sentences: list[str]) -> _Context:
    """The article's subject: the most mentioned vehicle or mission (ties: the first mentioned).
    Names in phrases about other events ("ahead of the Crew-12 launch") do not count."""
    counts: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], int] = {}
    for sentence in sentences:
        for kind, mention in _scoped(sentence).about:  # vehicles first, as they are listed
            key = (kind, mention.name)
            counts[key] += 1
            first.setdefault(key, len(first))
    if not counts:
        return _Context()
    kind, name = min(counts, key=lambda k: (-counts[k], first[k]))
    headline = sentences[0] if sentences else ""
    source = (
        "the headline"
        if any(m.name == name for _k, m in _scoped(headline).about)
        else ("the article's most named subject")
    )
    vehicle, mission = (name, None) if kind == "vehicle" else (None, name)
    return _Context(vehicle, mission, source=source)


# "That mission was originally scheduled for Thursday": the subject of the sentence before.
_ANAPHOR = re.compile(
    r"^(?:(?:But|However|Now|And),?\s+)?(?:(?:That|This|The same)\s+(?:mission|launch|flight|attempt|rocket"
    r"|vehicle|booster|spacecraft|test)\b|It\s)"
)


# A sentence turning to something else: "United Launch Alliance, meanwhile, is targeting ...".
_ELSEWHERE = re.compile(r"^(?:Meanwhile,|[^,.;]{1,60},\s+meanwhile,|Elsewhere,|In other news,)", re.I)


def _last(mentions: list[_Mention]) -> str | None:
    return mentions[-1].name if mentions else None


def explain(text: str, published: datetime) -> tuple[list[Finding], list[str]]:
    """`extract`, and why notable candidates were dropped (each finding carries its own reasons)."""
    with collecting() as notes:
        for line in text[:_MAX_TEXT].splitlines()[:5]:
            found = dateline(line)
            if found:
                note(f"{found!r}: a dateline, the place and date of publication, not a new date")
        findings = extract(text, published)
    return findings, notes


def extract(text: str, published: datetime) -> list[Finding]:
    """Schedule changes stated in ``text``, with relative dates read against ``published``.

    Never raises on odd input: text that cannot be read yields no finding.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    published = utc(published)
    lines = sentences(text[:_MAX_TEXT])
    if is_russian(text):
        return _merged(russian_drafts(lines, published), published)
    topic = _topic(lines)
    drafts: list[Draft] = []
    previous = _Context()
    previous_sole = False  # the sentence before named exactly one vehicle or mission
    for index, sentence in enumerate(lines):
        scoped = _scoped(sentence)
        named = _Context(_last(scoped.vehicles), _last(scoped.missions), topic.event)
        context = topic
        unnamed = not (named.vehicle or named.mission)
        if unnamed and _ELSEWHERE.match(sentence):
            context = _Context(event=topic.event)  # "ULA, meanwhile, is targeting ...": not the topic
        if unnamed and (previous.vehicle or previous.mission) and (_ANAPHOR.match(sentence) or previous_sole):
            source = "the headline" if index == 1 else "the previous sentence"
            context = dataclasses.replace(previous, event=topic.event, source=source)
        try:
            found = _sentence_drafts(sentence, index, published, context)
        except (ValueError, OverflowError, IndexError):
            continue
        drafts.extend(found)
        events = _events(scoped.masked)
        if events:
            topic = dataclasses.replace(topic, event=events[-1].name)
        previous_sole = len({m.name for m in scoped.vehicles + scoped.missions}) == 1
        if named.mission or named.vehicle:
            keep = named.mission is None and named.vehicle == previous.vehicle
            previous = _Context(
                named.vehicle or previous.vehicle, previous.mission if keep else named.mission
            )
    join_topic_drafts(drafts)
    findings = _merged(drafts, published)
    if not findings:  # only when nothing is stated outright: an implied slip
        first = _topic(lines)
        findings.extend(redo(lines, published, first.vehicle, first.mission))
    return findings


def _merged(drafts: list[Draft], published: datetime) -> list[Finding]:
    """One finding per subject and event, in the order the article first tells of them."""
    by_key: dict[tuple[str, str | None], list[Draft]] = {}
    for d in drafts:
        by_key.setdefault(d.key, []).append(d)
    merged: list[tuple[int, Finding | None]] = []
    for group in by_key.values():
        try:
            merged.append((min(d.index for d in group), merge(group, published)))
        except (ValueError, OverflowError):
            continue
    return [f for _, f in sorted(merged, key=lambda pair: pair[0]) if f is not None]
