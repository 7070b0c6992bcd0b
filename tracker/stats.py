"""Slip statistics: how late events of a provider, vehicle, site or kind usually are. Pure.

The store hands over one ``EventFacts`` per event (its current value, its changes and the
first day-precise value it was given); ``slip_stats`` groups them. The figures reuse the
detector's own summary (``changes.slip_summary``), so ``tracker stats`` agrees with
``tracker history`` and the alerts about every event.

- *slipped*: events with at least one slip;
- *median / total delay*: over the group's events, of each event's total move (an event
  that never moved counts as 0);
- *flew within a day*: of the events that flew (in flight, success, failure, partial
  failure, payload deployed) and once had a day-precise date, those that flew on the
  UTC day of the first such date, or the day before or after;
- *longest streak*: the most slips in a row of one event, broken only by a move earlier.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from tracker.changes import format_duration, slip_summary
from tracker.display import counted
from tracker.models import ChangeKind, ChangeRecord, EventKind, Precision, TimeSpec

GroupBy = Literal["all", "provider", "vehicle", "site", "kind"]
GROUPINGS: tuple[GroupBy, ...] = ("all", "provider", "vehicle", "site", "kind")
FLOWN = frozenset({"in_flight", "success", "failure", "partial_failure", "deployed"})
UNSET = "(not given)"


@dataclass(frozen=True)
class EventFacts:
    """What the statistics need of one event."""

    event_id: int
    title: str
    kind: EventKind
    type: str | None
    provider: str | None
    vehicle: str | None
    site: str | None
    status: str | None
    when: TimeSpec
    changes: list[ChangeRecord]  # its time changes, oldest first
    first_day_precise: TimeSpec | None  # the first value it had of day precision or finer


@dataclass(frozen=True)
class GroupStats:
    group: str
    events: int
    slipped: int
    slips: int
    median_delay: timedelta | None
    total_delay: timedelta
    flown: int  # events that flew and once had a day-precise date
    flew_within_a_day: int
    longest_streak: int
    longest_streak_event: int | None  # the event id with that streak

    @property
    def within_a_day_share(self) -> float | None:
        return self.flew_within_a_day / self.flown if self.flown else None


def group_of(facts: EventFacts, by: GroupBy) -> str:
    if by == "all":
        return "all events"
    if by == "kind":
        return (facts.type or facts.kind.value) if facts.kind is EventKind.EVENT else facts.kind.value
    value = {"provider": facts.provider, "vehicle": facts.vehicle, "site": facts.site}[by]
    return value or UNSET


def slip_streak(changes: Iterable[ChangeRecord]) -> int:
    """The most slips in a row; an advance ends a streak, other changes leave it be."""
    best = run = 0
    for change in changes:
        if change.kind is ChangeKind.SLIP:
            run += 1
            best = max(best, run)
        elif change.kind is ChangeKind.ADVANCE:
            run = 0
    return best


def flew_within_a_day(facts: EventFacts) -> bool | None:
    """None when the event has not flown or never had a day-precise date."""
    first = facts.first_day_precise
    if facts.status not in FLOWN or first is None or first.earliest is None:
        return None
    flew = facts.when.t0 or facts.when.earliest
    if flew is None or facts.when.precision > Precision.DAY:
        return None
    return abs((flew.date() - (first.t0 or first.earliest).date()).days) <= 1


def _stats(group: str, members: list[EventFacts]) -> GroupStats:
    delays: list[timedelta] = []
    slipped = slips = flown = within = 0
    streak, streak_event = 0, None
    for facts in members:
        count, moved = slip_summary(facts.changes)
        slips += count
        slipped += 1 if count else 0
        delays.append(moved or timedelta(0))
        run = slip_streak(facts.changes)
        if run > streak:
            streak, streak_event = run, facts.event_id
        flew = flew_within_a_day(facts)
        if flew is not None:
            flown += 1
            within += 1 if flew else 0
    median = statistics.median(d.total_seconds() for d in delays) if delays else None
    return GroupStats(
        group=group,
        events=len(members),
        slipped=slipped,
        slips=slips,
        median_delay=timedelta(seconds=median) if median is not None else None,
        total_delay=sum(delays, timedelta(0)),
        flown=flown,
        flew_within_a_day=within,
        longest_streak=streak,
        longest_streak_event=streak_event,
    )


def slip_stats(facts: Iterable[EventFacts], by: GroupBy = "all") -> list[GroupStats]:
    """One line per group, the groups with most events first (then by name)."""
    groups: dict[str, list[EventFacts]] = {}
    for item in facts:
        groups.setdefault(group_of(item, by), []).append(item)
    rows = [_stats(name, members) for name, members in groups.items()]
    return sorted(rows, key=lambda g: (-g.events, g.group.lower()))


@dataclass(frozen=True)
class StatPhrases:
    """A group's figures in words, shared by ``tracker stats``, the web view and the digest."""

    events: str  # "12 events"
    slipped: str  # "7 slipped (31 slips)"
    median: str  # "+2 d", or "none"
    total: str
    within: str  # "3 of 5 (60%)", or "-" when none flew
    streak: str  # "4 slips (#12)", or "none"


def stat_phrases(group: GroupStats) -> StatPhrases:
    def moved(value: timedelta | None) -> str:
        return format_duration(value) if value else "none"

    share = group.within_a_day_share
    return StatPhrases(
        events=counted(group.events, "event"),
        slipped=f"{group.slipped} slipped ({counted(group.slips, 'slip')})",
        median=moved(group.median_delay),
        total=moved(group.total_delay),
        within=f"{group.flew_within_a_day} of {group.flown} ({share:.0%})" if share is not None else "-",
        streak=(
            f"{counted(group.longest_streak, 'slip')} (#{group.longest_streak_event})"
            if group.longest_streak
            else "none"
        ),
    )
