"""The JSON that other tools read (``--json`` output). Keep it stable.

All instants are UTC ISO-8601 with a ``Z``. Fields are only ever added, never
renamed or removed; the README documents each one.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from tracker.changes import delay
from tracker.models import ChangeRecord, EventRecord, RevisionRecord, SourceHealth, TimeSpec

if TYPE_CHECKING:
    from tracker.stats import GroupStats


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat().replace("+00:00", "Z")


def _when(prefix: str, spec: TimeSpec | None) -> dict[str, Any]:
    return {
        f"{prefix}start": iso(spec.earliest) if spec else None,
        f"{prefix}end": iso(spec.latest) if spec else None,
        f"{prefix}precision": spec.precision.name.lower() if spec else None,
        f"{prefix}net": spec.net if spec else None,
        f"{prefix}t0": iso(spec.t0) if spec else None,
    }


def change_json(change: ChangeRecord) -> dict[str, Any]:
    moved = delay(change.old_when, change.new_when) if change.old_when and change.new_when else None
    return {
        "id": change.id,
        "event_id": change.event_id,
        "title": change.title,
        "change": change.kind.value,
        **_when("old_", change.old_when),
        **_when("new_", change.new_when),
        "old_status": change.old_status,
        "new_status": change.new_status,
        "delay_seconds": int(moved.total_seconds()) if moved is not None else None,
        "source": change.source,
        "source_ref": change.source_ref,
        "observed_at": iso(change.observed_at),
    }


def event_json(event: EventRecord) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "kind": event.kind.value,
        "type": event.type,
        "title": event.title,
        **_when("", event.when),
        "status": event.status,
        "provider": event.provider,
        "vehicle": event.vehicle,
        "mission": event.mission,
        "site": event.site,
        "listed": event.listed,
        "updated_at": iso(event.updated_at),
    }


def revision_json(revision: RevisionRecord) -> dict[str, Any]:
    snap = revision.snapshot
    return {
        "observed_at": iso(revision.observed_at),
        "source": revision.source,
        "source_ref": revision.source_ref,
        "title": snap.title,
        **_when("", snap.when),
        "status": snap.status,
        "window_start": iso(snap.window_start),
        "window_end": iso(snap.window_end),
        "disagrees": revision.disagrees,
    }


def history_json(
    event: EventRecord, revisions: list[RevisionRecord], changes: list[ChangeRecord]
) -> dict[str, Any]:
    """``tracker history --json``: the event, its slip summary, every revision and change."""
    from tracker.changes import slip_summary

    slips, moved = slip_summary(changes)
    return {
        **event_json(event),
        "slips": slips,
        "total_delay_seconds": int(moved.total_seconds()) if moved is not None else None,
        "revisions": [revision_json(r) for r in revisions],
        "changes": [change_json(c) for c in changes],
    }


def source_json(health: SourceHealth) -> dict[str, Any]:
    """One source in ``tracker status --json``."""
    return {
        "name": health.name,
        "kind": health.kind,
        "last_outcome": health.last_outcome,
        "last_run": iso(health.last_run_at),
        "last_ok": iso(health.last_ok_at),
        "failures_in_row": health.failures_in_row,
        "events": health.events,
        "runs": health.runs,
    }


def stats_json(group: GroupStats, by: str) -> dict[str, Any]:
    """One group of ``tracker stats --json``; delays in seconds."""
    median = group.median_delay
    share = group.within_a_day_share
    return {
        "by": by,
        "group": group.group,
        "events": group.events,
        "slipped": group.slipped,
        "slips": group.slips,
        "median_delay_seconds": int(median.total_seconds()) if median is not None else None,
        "total_delay_seconds": int(group.total_delay.total_seconds()),
        "flown": group.flown,
        "flew_within_a_day": group.flew_within_a_day,
        "flew_within_a_day_share": round(share, 4) if share is not None else None,
        "longest_slip_streak": group.longest_streak,
        "longest_slip_streak_event_id": group.longest_streak_event,
    }
