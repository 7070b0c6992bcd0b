"""The JSON that other tools read (``--json`` output). Keep it stable.

All instants are UTC ISO-8601 with a ``Z``. Fields are only ever added, never
renamed or removed; the README documents each one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tracker.changes import delay
from tracker.models import ChangeRecord, EventRecord, RevisionRecord, TimeSpec


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
