"""One article's findings for `tracker.extract`: drafts from its sentences merged per subject and event.

A title says "slips by 24 hours" and the body "no earlier than 8 p.m. EDT": one change, with
both the amount and the new time. `merge` keeps the finest new time, the old time stated
(before one derived from an amount), the strongest change word and the highest confidence.
"""

from __future__ import annotations

import calendar
import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracker.extract.times import Time
from tracker.models import Precision, TimeSpec

__all__ = ["Draft", "Finding", "day_start", "join_topic_drafts", "merge", "redo", "shift", "shift_months"]


@dataclass(frozen=True)
class Finding:
    """One schedule statement found in prose.

    ``change`` is "slip", "advance", "scrub", "tbd" (postponed with no new date, or
    indefinitely: ``new`` is then an UNKNOWN TimeSpec), "target" (a date stated as the
    plan, with no move stated: "as early as April 1") or "occurred" (a rollout reported
    as happening on a date). ``delta`` is a stated amount ("by 24 hours"), negative for
    an advance (a month counts 30 days, a year 365); ``old`` is derived from ``new`` and
    ``delta`` only when both are in the same sentence ("pushed back by two days to April 16"
    gives April 14; "a three-month delay ... now targeted for June" gives March).

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
    reasons: tuple[str, ...] = ()  # why it was made: the cue, the times and their roles, the subject's source


@dataclass
class Draft:
    """A finding under construction; ``change`` None means it only lends its old time."""

    vehicle: str | None
    mission: str | None
    event_type: str | None
    sentence: str
    index: int
    old: Time | None = None
    new: Time | None = None
    delta: timedelta | None = None
    months: int = 0  # the amount in calendar months, when it was written in months or years
    change: str | None = None
    base: float = 0.0
    named: bool = False
    hedged: bool = False
    old_derived: bool = False
    new_explicit: bool = False  # the new time follows "to", "now", "no earlier than"...
    planned: list[Time] = dataclasses.field(default_factory=list)
    positions: list[int] = dataclasses.field(default_factory=list)
    reasons: list[str] = dataclasses.field(default_factory=list)

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.mission or self.vehicle or "", self.event_type)


def day_start(dt: datetime) -> datetime:
    """Midnight starting ``dt``'s day: a "new" time that ended before it is no plan but a quote."""
    return dt.replace(hour=0, minute=0, second=0, microsecond=0)


def shift(spec: TimeSpec, by: timedelta) -> TimeSpec:
    def move(dt: datetime | None) -> datetime | None:
        return None if dt is None else dt + by

    return TimeSpec(move(spec.earliest), move(spec.latest), spec.precision, spec.net, move(spec.t0))


def shift_months(spec: TimeSpec, months: int) -> TimeSpec:
    """``spec`` moved by calendar months: June is three months after March, Q4 one quarter after Q3."""

    def move(dt: datetime | None) -> datetime | None:
        if dt is None:
            return None
        month0 = dt.month - 1 + months
        year, month = dt.year + month0 // 12, month0 % 12 + 1
        return dt.replace(year=year, month=month, day=min(dt.day, calendar.monthrange(year, month)[1]))

    return TimeSpec(move(spec.earliest), move(spec.latest), spec.precision, spec.net, move(spec.t0))


def merge(drafts: list[Draft], published: datetime) -> Finding | None:
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
    primary = _superseded(primary, full)
    new = primary.new.spec if primary.new else None
    olds = sorted(
        (d for d in drafts if d.old is not None), key=lambda d: (d.old_derived, d is not primary, d.index)
    )
    old_time = olds[0].old if olds else None
    with_delta = next((d for d in sorted(drafts, key=lambda d: d.index) if d.delta), None)
    delta = primary.delta or (with_delta.delta if with_delta else None)
    used = [primary] + [
        d for d in (olds[0] if olds else None, with_delta) if d is not None and d is not primary
    ]
    change = primary.change
    moves = [d.change for d in full if d.change in ("slip", "advance", "scrub")]
    if change == "target" and moves:
        change = moves[0]
    elif change == "target" and any(d.change == "tbd" for d in full):
        change = "slip"  # "has been postponed. The new launch date is March 14"
    if change == "tbd" and new is None:
        new = TimeSpec.unknown()
    old = old_time.spec if old_time else None
    weekday_old = old is not None and old_time is not None and old_time.weekday_only
    if weekday_old and old and new and old.earliest and new.earliest and old.earliest >= new.earliest:
        old = shift(old, -timedelta(days=7))  # "from Friday to Monday": the Friday before
    elif weekday_old and old and old.earliest and old.earliest > published + timedelta(days=3):
        old = shift(old, -timedelta(days=7))  # no new time: "scrubbed on Tuesday", written on Friday
    moved = old and new and old.earliest and new.earliest and old.earliest != new.earliest
    if moved and old and new and old.earliest and new.earliest and change in ("slip", "advance", "target"):
        change = "slip" if new.earliest > old.earliest else "advance"
    score = max(_score(d) for d in full)
    vehicle = primary.vehicle or next((d.vehicle for d in drafts if d.vehicle), None)
    mission = primary.mission or next((d.mission for d in drafts if d.mission), None)
    name = mission or vehicle or ""
    subject = f"{name} {primary.event_type}" if primary.event_type else name
    assert change is not None
    reasons = dict.fromkeys(r for d in used for r in d.reasons)
    return Finding(
        subject,
        vehicle,
        mission,
        primary.event_type,
        old,
        new,
        change,
        score,
        primary.sentence,
        delta,
        tuple(reasons),
    )


def _superseded(primary: Draft, full: list[Draft]) -> Draft:
    """A later sentence that moves the primary's new time again wins: "spacewalk moved to Dec. 21"
    then "the spacewalk that was scheduled for today (Dec. 21) has been postponed again"."""
    if primary.new is None or primary.new.spec.earliest is None:
        return primary
    later = [
        d
        for d in full
        if d.index > primary.index
        and d.old is not None
        and d.old.spec.earliest == primary.new.spec.earliest
        and d.change in ("slip", "advance", "scrub", "tbd")
    ]
    return later[-1] if later else primary


def _score(d: Draft) -> float:
    score = d.base
    score += 0.15 if d.new is not None else 0.0
    score += 0.1 if d.old is not None or d.delta is not None else 0.0
    score += 0.1 if d.named else 0.0
    score -= 0.2 if d.hedged else 0.0
    return round(min(1.0, max(0.0, score)), 2)


def join_topic_drafts(drafts: list[Draft]) -> None:
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


def redo(
    sentences: list[str], published: datetime, vehicle: str | None, mission: str | None
) -> list[Finding]:
    """An engine swap after a static fire means another static fire before flight: an
    implied slip with no new date ("one of the engines looks suspicious and they will be
    needing to switch that one out"). Low confidence: the text states no date or delay."""
    name = vehicle or mission
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
                vehicle=vehicle,
                mission=mission,
                event_type="static fire",
                old=old,
                new=None,
                change="slip",
                confidence=0.35,
                sentence=sentence.strip(),
                delta=None,
                reasons=("an engine swap after a static fire implies another static fire",),
            )
        ]
    return []
