"""The detector: two views of one event in, classified changes out. Pure.

Time changes follow the GUIDE's table. One comparison yields at most one time
change, plus a status change and a window change when those moved too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracker.models import (
    Change,
    ChangeKind,
    ChangeRecord,
    EventSnapshot,
    Precision,
    RevisionRecord,
    TimeSpec,
)


def classify_time(old: TimeSpec, new: TimeSpec) -> ChangeKind | None:
    """The kind of move from ``old`` to ``new``, or None when nothing moved.

    Precedence: a move to a disjoint interval is a slip or an advance (retimed
    when both values are times of day on the same UTC day); overlapping values
    are firmed when the new one is finer and inside, loosened when coarser.
    """
    if old == new:
        return None
    if not old.known and not new.known:
        return None
    if not old.known:
        return ChangeKind.FIRMED
    if not new.known:
        return ChangeKind.LOOSENED
    assert old.earliest and old.latest and new.earliest and new.latest
    if new.earliest >= old.latest or new.latest <= old.earliest:
        if (
            old.precision <= Precision.HOUR
            and new.precision <= Precision.HOUR
            and old.earliest.date() == new.earliest.date()
        ):
            return ChangeKind.RETIMED
        return ChangeKind.SLIP if new.earliest >= old.latest else ChangeKind.ADVANCE
    if new.precision < old.precision and old.contains(new):
        return ChangeKind.FIRMED
    if new.precision > old.precision and new.contains(old):
        return ChangeKind.LOOSENED
    if (old.earliest, old.latest, old.precision) == (new.earliest, new.latest, new.precision):
        # Same interval: only the written instant or the NET flag changed.
        if old.t0 != new.t0:
            return ChangeKind.RETIMED  # the placeholder instant moved within the same value
        if old.net != new.net:
            return ChangeKind.LOOSENED if new.net else ChangeKind.FIRMED
        return None
    # Overlapping but neither inside the other: judge by where it now starts.
    if new.precision < old.precision:
        return ChangeKind.FIRMED
    if new.precision > old.precision:
        return ChangeKind.LOOSENED
    return ChangeKind.SLIP if new.earliest > old.earliest else ChangeKind.ADVANCE


MOVES = frozenset({ChangeKind.SLIP, ChangeKind.ADVANCE, ChangeKind.RETIMED})
"""Kinds that move a value (a refinement such as NET 2022 → October is no move)."""


def _window(snap: EventSnapshot) -> tuple[datetime | None, datetime | None]:
    return snap.window_start, snap.window_end


def detect(old: EventSnapshot | None, new: EventSnapshot) -> list[Change]:
    """Changes from ``old`` (the event's last stored view) to ``new``."""
    if old is None:
        return [Change(ChangeKind.NEW, new_when=new.when, new_status=new.status)]
    changes: list[Change] = []
    kind = classify_time(old.when, new.when)
    if kind is not None:
        moved = describe_delta(old.when, new.when) if kind in MOVES else ""
        changes.append(Change(kind, old.when, new.when, old.status, new.status, detail=moved))
    if old.status != new.status and old.status is not None and new.status is not None:
        # A source that gives no status (a feed, a calendar) says nothing about it.
        changes.append(Change(ChangeKind.STATUS, old.when, new.when, old.status, new.status))
    if kind is None and _window(old) != _window(new) and None not in (*_window(old), *_window(new)):
        changes.append(
            Change(ChangeKind.WINDOW, old.when, new.when, old.status, new.status,
                   old_window=_window(old), new_window=_window(new))
        )  # fmt: skip
    return changes


def dropped(old: EventSnapshot) -> Change:
    """The event left a source's list. Not a cancellation: only a status says that."""
    return Change(ChangeKind.DROPPED, old_when=old.when, old_status=old.status)


def delay(old: TimeSpec, new: TimeSpec) -> timedelta | None:
    """How far the value moved (positive = later); None when either is unknown.

    Measured between the instants the source wrote (LL2's month-end or quarter-end
    placeholders included), so "Q1" → "April" reads +30 d, not +90 d.
    """
    if old.t0 is not None and new.t0 is not None:
        return new.t0 - old.t0
    if old.earliest is None or new.earliest is None:
        return None
    return new.earliest - old.earliest


def total_delay(changes: Iterable[ChangeRecord]) -> timedelta | None:
    """How far an event has moved in all: its slips, advances and retimes added up; None when it
    never moved. A firmed or loosened value narrows or widens the window without moving it, so
    "NET 2022" → "October 2022" adds nothing (measured from the first value it would read +9 months)."""
    moves = [
        moved
        for c in changes
        if c.kind in MOVES and c.old_when is not None and c.new_when is not None
        if (moved := delay(c.old_when, c.new_when)) is not None
    ]
    return sum(moves, timedelta(0)) if moves else None


def slip_summary(changes: Iterable[ChangeRecord]) -> tuple[int, timedelta | None]:
    """How many times an event slipped, and how far it has moved in all (see ``total_delay``)."""
    changes = list(changes)
    return sum(1 for c in changes if c.kind is ChangeKind.SLIP), total_delay(changes)


def describe_delta(old: TimeSpec, new: TimeSpec) -> str:
    """A short human phrase for how far a value moved, e.g. ``+2 d`` or ``-35 min``."""
    moved = delay(old, new)
    if moved is None or not moved:
        return ""
    return format_duration(moved)


def format_duration(moved: timedelta) -> str:
    sign = "+" if moved >= timedelta(0) else "-"
    seconds = abs(int(moved.total_seconds()))
    days, rem = divmod(seconds, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    if days:
        return f"{sign}{days} d" + (f" {hours} h" if hours else "")
    if hours:
        return f"{sign}{hours} h" + (f" {minutes} min" if minutes else "")
    if minutes:
        return f"{sign}{minutes} min" + (f" {secs} s" if secs else "")
    return f"{sign}{secs} s"


@dataclass(frozen=True)
class Step:
    """One entry of an event's timeline: what one source said at one moment."""

    observed_at: datetime
    source: str
    when: TimeSpec | None  # None: the source stopped listing the event
    status: str | None
    noted: tuple[str, ...]  # what the detector made of it ("slip +2 d", "status"); empty: only recorded
    decided: bool  # False: a less trusted source said something else than the event's value
    order: int  # the revision id, so steps at one instant keep their order


def timeline(revisions: Iterable[RevisionRecord], changes: Iterable[ChangeRecord]) -> list[Step]:
    """The one timeline of an event, oldest first, for ``tracker history``, the bot's
    ``/history`` and the slip chart: every stored value with its source, whether it decided
    the event's value, what it changed, and the moments a source stopped listing it."""
    changes = list(changes)
    noted: dict[tuple[datetime, str], list[str]] = {}
    for c in changes:
        noted.setdefault((c.observed_at, c.source), []).append(
            c.kind.value + (f" {c.detail}" if c.detail else "")
        )
    steps = [
        Step(r.observed_at, r.source, r.snapshot.when, r.snapshot.status,
             tuple(noted.get((r.observed_at, r.source), ())), not r.disagrees, r.id)
        for r in revisions
    ]  # fmt: skip
    steps += [
        Step(c.observed_at, c.source, None, None, (c.kind.value,), True, 0)
        for c in changes
        if c.kind is ChangeKind.DROPPED
    ]
    return sorted(steps, key=lambda s: (s.observed_at, s.order))


@dataclass(frozen=True)
class Value:
    """A known value that set the event, from the moment it was seen."""

    observed_at: datetime
    when: TimeSpec


def decided_values(steps: Iterable[Step]) -> list[Value]:
    """The values that set the event, in order, without unknown dates or repeats of a value
    (what the slip chart draws as its line)."""
    out: list[Value] = []
    for step in steps:
        if not step.decided or step.when is None or not step.when.known:
            continue
        if out and out[-1].when == step.when:
            continue
        out.append(Value(step.observed_at, step.when))
    return out
