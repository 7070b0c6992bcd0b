"""One event across sources: decide whether a snapshot from one source is an event
another source already knows. Pure; every decision comes with its reason.

Rules, in order: a shared globally unique id (LL2's UUIDs travel between trackers
built on LL2) is the same event. Otherwise the kind and event type must agree,
the vehicles must be compatible, the numbers in the mission names must be equal
("Starlink 10-6" is not "Starlink Group 10-5", although a fuzzy ratio says 90 %),
the remaining mission words must mostly agree, and the dates must be near. An
ambiguous best match is no match: a separate event is better than a wrong merge.
Names written in Cyrillic are compared in the Latin spelling the English-language
press uses ("Союз МС-25" is "Soyuz MS-25").

A snapshot read from prose (one with a `Claim`, from the news source) names less: often
a vehicle and an event type only ("the Soyuz-5 rollout"). `claim_similarity` matches it
on the event type (a spacewalk is an EVA), every name it gives being named by the event,
the mission's numbers being the event's, and the old or new date it states being near
the event's value. The same module says when a claim may make an event of its own and
when it may alert (`claim_may_create`, `claim_alert_blocker`): one place for the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from tracker.models import Claim, EventKind, EventRecord, EventSnapshot, TimeSpec

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z0-9]+(?:[-./][a-z0-9]+)*")
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9"}
_STOP = frozenset(
    {
        "the",
        "a",
        "of",
        "and",
        "mission",
        "flight",
        "group",
        "launch",
        "to",
        "for",
        "on",
        "block",
        "demo",
        "test",
    }
)
NEAR = timedelta(days=10)
RENAME_NEAR = timedelta(days=120)  # a re-keyed item may also have slipped, by months


@dataclass(frozen=True)
class Candidate:
    """An event some other source knows, with the ids its sources use for it."""

    event: EventRecord
    refs: frozenset[str]


@dataclass(frozen=True)
class Names:
    words: frozenset[str]
    numbers: frozenset[str]


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def latin(text: str | None) -> str:
    """``text`` with any Cyrillic spelled the way the English-language press writes Russian
    names (iuliia's Wikipedia schema: "Союз-5" → "Soyuz-5", "Восточный" → "Vostochny")."""
    if not text:
        return ""
    if not _CYRILLIC.search(text):
        return text
    import iuliia  # type: ignore[import-untyped]

    translated: str = iuliia.WIKIPEDIA.translate(text)
    return translated


def names(text: str | None) -> Names:
    """Mission-name tokens split into plain words and numbers (roman numerals read as numbers)."""
    words: set[str] = set()
    numbers: set[str] = set()
    for token in _TOKEN.findall(latin(text).lower()):
        token = _ROMAN.get(token, token)
        if any(ch.isdigit() for ch in token):
            numbers.add(token.lstrip("0") or "0")
        elif token not in _STOP and len(token) > 1:
            words.add(token)
    return Names(frozenset(words), frozenset(numbers))


def mission_part(title: str, mission: str | None) -> str:
    """The mission name: the part after "Vehicle |" in a title, or the mission field."""
    if "|" in title:
        return title.split("|", 1)[1]
    return mission or title


_PART = re.compile(r"[a-z0-9]+")


def vehicles_compatible(a: str | None, b: str | None) -> bool:
    """One name's parts run inside the other's: "Falcon 9" fits "Falcon 9 Block 5",
    "PSLV-XL" fits "PSLV XL", "Rocket 3.2" fits "Astra Rocket 3.2"; "Falcon 9" does
    not fit "Falcon Heavy"."""
    if not a or not b:
        return True
    ta, tb = _PART.findall(latin(a).lower()), _PART.findall(latin(b).lower())
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return any(long_[i : i + len(short)] == short for i in range(len(long_) - len(short) + 1))


def near(a: TimeSpec, b: TimeSpec, slack: timedelta = NEAR) -> bool:
    if not (a.known and b.known):
        return True
    assert a.earliest and a.latest and b.earliest and b.latest
    return a.earliest - slack < b.latest and b.earliest - slack < a.latest


def similarity(snap: EventSnapshot, event: EventRecord) -> tuple[float, str] | None:
    """A score above 0 with the reason, or None when they cannot be the same event."""
    if snap.kind is not event.kind:
        return None
    if snap.kind is EventKind.EVENT and snap.type and event.type and snap.type != event.type:
        return None
    if not vehicles_compatible(snap.vehicle, event.vehicle):
        return None
    a = names(mission_part(snap.title, snap.mission))
    b = names(mission_part(event.title, event.mission))
    if a.numbers != b.numbers:
        return None
    if a.words or b.words:
        overlap = len(a.words & b.words) / len(a.words | b.words)
        contained = bool(a.words and b.words) and (a.words <= b.words or b.words <= a.words)
        if overlap < 0.5 and not contained:
            return None
    elif a.numbers:  # names that are only designators ("NROL-101", "JDRS-1")
        overlap, contained = 1.0, True
    else:
        return None
    if not near(snap.when, event.when):
        return None
    score = overlap + (0.5 if contained else 0.0) + (0.25 if snap.vehicle and event.vehicle else 0.0)
    same = " ".join([*sorted(a.words & b.words), *sorted(a.numbers)])
    reason = f"same mission name ({same}), compatible vehicle, date within {NEAR.days} days"
    return score, reason


def best_match(snap: EventSnapshot, candidates: list[Candidate]) -> tuple[EventRecord, str] | None:
    """The event ``snap`` belongs to, with the reason; None for a new event."""
    if _UUID.match(snap.source_ref):
        for cand in candidates:
            if snap.source_ref in cand.refs:
                return cand.event, f"same id {snap.source_ref}"

    def rule(event: EventRecord) -> tuple[float, str] | None:
        if snap.claim is not None:
            return claim_similarity(snap, event)
        return similarity(snap, event) or _named_event(snap, event)

    scored = [(s, c.event) for c in candidates if (s := rule(c.event)) is not None]
    if not scored:
        return None
    scored.sort(key=lambda item: item[0][0], reverse=True)
    (score, reason), event = scored[0]
    if len(scored) > 1 and scored[1][0][0] == score:
        return None  # two equally good events: do not guess
    return event, reason


# Event types that are one thing under two names (LL2 says "EVA", the press "spacewalk").
_TYPE_ALIASES = {
    "eva": "spacewalk",
    "extravehicular activity": "spacewalk",
    "space walk": "spacewalk",
    "berthing": "docking",
    "hot fire": "static fire",
    "roll out": "rollout",
    "roll-out": "rollout",
}


def type_key(kind: EventKind, type_: str | None) -> str:
    """The event type compared across sources: "launch" for every launch, aliases folded."""
    if kind is EventKind.LAUNCH:
        return "launch"
    text = " ".join((type_ or "").lower().split())
    return _TYPE_ALIASES.get(text, text)


def _parts(text: str | None) -> Names:
    """Letters and digits apart ("MS-25" is ms + 25, "EVA-90" eva + 90), Cyrillic in Latin."""
    words: set[str] = set()
    numbers: set[str] = set()
    for token in _PART.findall(latin(text).lower()):
        token = _ROMAN.get(token, token)
        if token.isdigit():
            numbers.add(token.lstrip("0") or "0")
        elif token not in _STOP:
            words.add(token)
    return Names(frozenset(words), frozenset(numbers))


def claim_windows(snap: EventSnapshot) -> list[TimeSpec]:
    """The values an event must be near to be the one a claim is about: the new value it
    states and the old one (the event may not have moved yet)."""
    old = snap.claim.old if snap.claim is not None else None
    return [w for w in (snap.when, old) if w is not None and w.known]


class _Described(Protocol):
    """What both an event and a snapshot say about themselves (the fields matching reads)."""

    @property
    def kind(self) -> EventKind: ...
    @property
    def type(self) -> str | None: ...
    @property
    def title(self) -> str: ...
    @property
    def vehicle(self) -> str | None: ...
    @property
    def mission(self) -> str | None: ...
    @property
    def when(self) -> TimeSpec: ...


def _named_by(
    small: _Described, windows: list[TimeSpec], old: TimeSpec | None, big: _Described
) -> tuple[float, list[str]] | None:
    """Does ``big`` describe the event ``small`` names? Same event type; every name ``small``
    gives named by ``big`` (mission numbers equal); one of ``windows`` near ``big``'s value."""
    if small.kind is not big.kind or type_key(small.kind, small.type) != type_key(big.kind, big.type):
        return None
    if not (small.vehicle or small.mission) or not vehicles_compatible(small.vehicle, big.vehicle):
        return None
    named = _parts(" ".join(x for x in (big.title, big.vehicle, big.mission) if x))
    said: list[str] = []
    score = 1.0
    if small.vehicle:
        v = _parts(small.vehicle)
        if not (v.words <= named.words and v.numbers <= named.numbers):
            return None
        said.append(latin(small.vehicle))
        score += 0.5
    if small.mission:
        m = _parts(small.mission)
        own = _parts(" ".join(x for x in (mission_part(big.title, big.mission), big.mission) if x))
        if m.numbers != own.numbers or not (
            m.words <= own.words or len(m.words & own.words) * 2 > len(m.words)
        ):
            return None
        said.append(latin(small.mission))
        score += 1.0
    if windows and not any(near(w, big.when) for w in windows):
        return None
    if old is not None and near(old, big.when):
        score += 0.5  # the event still holds (or held) the value the text says it moved from
    return score, said


def claim_similarity(snap: EventSnapshot, event: EventRecord) -> tuple[float, str] | None:
    """A score with the reason when the event is what a claim read from prose is about."""
    found = _named_by(snap, claim_windows(snap), snap.claim.old if snap.claim else None, event)
    if found is None:
        return None
    kind = type_key(snap.kind, snap.type)
    return found[
        0
    ], f"news names {' / '.join(found[1])} ({kind}), a date within {NEAR.days} days of the event's"


def _named_event(snap: EventSnapshot, event: EventRecord) -> tuple[float, str] | None:
    """The other way round: an event that names only a vehicle (as one made from news does,
    "Soyuz-5 | rollout") is the schedule item of that type, near its date, that names the vehicle."""
    if event.mission is not None or not event.vehicle:
        return None
    found = _named_by(event, [event.when] if event.when.known else [], None, snap)
    if found is None:
        return None
    kind = type_key(event.kind, event.type)
    return found[0], f"the event names only {' / '.join(found[1])} ({kind}), a date within {NEAR.days} days"


def claim_may_create(claim: Claim) -> bool:
    """An unmatched claim makes an event of its own only when the reader is sure enough."""
    return claim.confidence >= claim.new_event_confidence


def claim_alert_blocker(claim: Claim, contradicted_by: str | None) -> str | None:
    """Why a claim's changes are recorded without alerting anyone, or None when they may alert:
    a claim alerts only when it is confident and no more trusted source says otherwise."""
    if contradicted_by is not None:
        return f"not alerted: {contradicted_by}, a more trusted source, says otherwise"
    if claim.confidence < claim.alert_confidence:
        return f"not alerted: read from news with confidence {claim.confidence:.2f} (alerts from {claim.alert_confidence:.2f})"
    return None


def _nested(a: frozenset[str], b: frozenset[str]) -> bool:
    return a <= b or b <= a


def _renamed(new: EventSnapshot, old: EventSnapshot, new_ref: Names, old_ref: Names) -> bool:
    """Could ``old`` be ``new`` under a new id? Only when the new id fills in or drops parts of
    the old one and never contradicts it ("Atlas V 531 |  | SES-20" → "Atlas V 531 | AV-099 |
    SES-20", but not "Starlink Group 4-36" → "Starlink Group 4-20")."""
    if new.kind is not old.kind or (new.type and old.type and new.type != old.type):
        return False
    if not vehicles_compatible(new.vehicle, old.vehicle):
        return False
    a, b = new_ref.words | new_ref.numbers, old_ref.words | old_ref.numbers
    if not (a & b and _nested(a, b)):
        return False
    return near(new.when, old.when, RENAME_NEAR)


def renames(new: list[EventSnapshot], gone: list[EventSnapshot]) -> dict[str, tuple[str, str]]:
    """Items a source re-keyed between two complete fetches: new ref → (old ref, reason).

    Sources without ids build one from fields that fill in over time (Wikipedia's flight
    number appears near launch), so an item can vanish under one id while the same item
    appears under another in the same fetch. Only a one-to-one fit counts: an old id that
    two new items could be, or a new item that could be two old ids, stays new and dropped."""
    new_names = {snap.source_ref: names(snap.source_ref) for snap in new}
    gone_names = {snap.source_ref: names(snap.source_ref) for snap in gone}
    fits: dict[str, list[str]] = {}
    claimed: dict[str, int] = {}
    for snap in new:
        fits[snap.source_ref] = [
            old.source_ref
            for old in gone
            if _renamed(snap, old, new_names[snap.source_ref], gone_names[old.source_ref])
        ]
        for ref in fits[snap.source_ref]:
            claimed[ref] = claimed.get(ref, 0) + 1
    return {
        new_ref: (
            olds[0],
            "the same item under a new id (the new id only fills in or drops parts of the old)",
        )
        for new_ref, olds in fits.items()
        if len(olds) == 1 and claimed[olds[0]] == 1
    }
