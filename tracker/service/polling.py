"""When to poll a source: slowly far from T-0, faster near it, within a request budget.

Pure: the scheduler asks ``next_poll`` every tick with what the store knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tracker.models import EventRecord, Precision


@dataclass(frozen=True)
class Cadence:
    far: timedelta = timedelta(hours=1)  # the source's own interval
    near_within: timedelta = timedelta(hours=24)
    near: timedelta = timedelta(minutes=15)
    imminent_within: timedelta = timedelta(hours=1)
    imminent: timedelta = timedelta(minutes=3)
    budget_per_hour: int = 0  # requests an hour; 0: no budget
    pages_per_poll: int = 1
    refresh_before: timedelta = timedelta(minutes=10)  # refresh this long before a reminder fires


def interval_for(events: list[EventRecord], now: datetime, cadence: Cadence) -> timedelta:
    """The poll interval that the followed events of a source call for right now.

    An event on hold, or with a T-0 (known to the hour or better) within the
    imminent window, calls for the fastest cadence; within the near window the
    near cadence; otherwise the source's own interval.
    """
    interval = cadence.far
    for event in events:
        if event.status == "hold" and (event.when.t0 is None or event.when.t0 > now - timedelta(hours=6)):
            return min(interval, cadence.imminent)
        t0 = event.when.t0
        if t0 is None or t0 < now - timedelta(hours=1) or event.when.precision > Precision.DAY:
            continue
        ahead = t0 - now
        if ahead <= cadence.imminent_within and event.when.precision <= Precision.HOUR:
            interval = min(interval, cadence.imminent)
        elif ahead <= cadence.near_within:
            interval = min(interval, cadence.near)
    return interval


def budget_interval(cadence: Cadence) -> timedelta:
    """The shortest interval the budget allows (each poll costs ``pages_per_poll`` requests)."""
    if cadence.budget_per_hour <= 0:
        return timedelta(0)
    polls = max(1, cadence.budget_per_hour // max(1, cadence.pages_per_poll))
    return timedelta(hours=1) / polls


def reminder_refresh(
    last_poll: datetime, events: list[EventRecord], leads: list[timedelta], now: datetime, cadence: Cadence
) -> datetime | None:
    """``now`` when a reminder fires soon and the data is older than the refresh window,
    so that the reminder carries the latest time; otherwise None."""
    for event in events:
        t0 = event.when.t0
        if t0 is None or event.when.precision > Precision.HOUR:
            continue
        for lead in leads:
            fire_at = t0 - lead
            if (
                now <= fire_at <= now + cadence.refresh_before
                and last_poll < fire_at - cadence.refresh_before
            ):
                return now
    return None


def next_poll(
    last_poll: datetime | None,
    polls_last_hour: int,
    events: list[EventRecord],
    now: datetime,
    cadence: Cadence,
    leads: list[timedelta] | None = None,
) -> datetime:
    """When the source should next be polled (``now`` or earlier means: poll now)."""
    if last_poll is None:
        return now
    wanted = max(interval_for(events, now, cadence), budget_interval(cadence))
    due = last_poll + wanted
    refresh = reminder_refresh(last_poll, events, leads or [], now, cadence)
    if refresh is not None and last_poll + budget_interval(cadence) <= now:
        due = min(due, refresh)
    if cadence.budget_per_hour and polls_last_hour * cadence.pages_per_poll >= cadence.budget_per_hour:
        due = max(due, last_poll + timedelta(hours=1) / max(1, cadence.budget_per_hour))
        due = max(due, now + timedelta(minutes=5))  # spent: wait for the hour to roll on
    return due


def backoff(failures_in_row: int, base: timedelta) -> timedelta:
    """After failures, wait longer (×2 each, at most 1 h or the normal interval if longer)."""
    if failures_in_row <= 0:
        return timedelta(0)
    grown: timedelta = min(timedelta(seconds=30), base) * 2 ** min(failures_in_row - 1, 10)
    return min(max(base, timedelta(hours=1)), grown)
