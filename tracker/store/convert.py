"""Rows to domain types and back. The only place that knows both shapes."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from tracker.models import (
    Briefing,
    ChangeKind,
    ChangeRecord,
    EventKind,
    EventRecord,
    EventSnapshot,
    Precision,
    TimeSpec,
)
from tracker.store.tables import ChangeRow, EventRow, RevisionRow


def when_columns(when: TimeSpec, prefix: str = "") -> dict[str, Any]:
    return {
        f"{prefix}earliest": when.earliest,
        f"{prefix}latest": when.latest,
        f"{prefix}precision": when.precision.name.lower(),
        f"{prefix}is_net": when.net,
        f"{prefix}t0": when.t0,
    }


def when_from(row: Any, prefix: str = "") -> TimeSpec | None:
    precision = getattr(row, f"{prefix}precision")
    if precision is None:
        return None
    return TimeSpec(
        getattr(row, f"{prefix}earliest"),
        getattr(row, f"{prefix}latest"),
        Precision[precision.upper()],
        bool(getattr(row, f"{prefix}is_net")),
        getattr(row, f"{prefix}t0"),
    )


def snapshot_columns(snap: EventSnapshot) -> dict[str, Any]:
    return {
        "kind": snap.kind.value,
        "title": snap.title,
        "type": snap.type,
        "status": snap.status,
        "provider": snap.provider,
        "vehicle": snap.vehicle,
        "mission": snap.mission,
        "site": snap.site,
        "window_start": snap.window_start,
        "window_end": snap.window_end,
        "url": snap.url,
        "briefing": briefing_json(snap.briefing),
        **when_columns(snap.when),
    }


def briefing_json(briefing: Briefing | None) -> str | None:
    if briefing is None or briefing.empty:
        return None
    return json.dumps({k: v for k, v in dataclasses.asdict(briefing).items() if v not in (None, False)})


def briefing_from(text: str | None) -> Briefing | None:
    """A stored briefing; keys a newer version wrote and this one does not know are ignored."""
    if not text:
        return None
    known = {f.name for f in dataclasses.fields(Briefing)}
    return Briefing(**{k: v for k, v in json.loads(text).items() if k in known})


def snapshot_from(row: RevisionRow, source_ref: str) -> EventSnapshot:
    when = when_from(row)
    assert when is not None
    return EventSnapshot(
        source_ref=source_ref,
        kind=EventKind(row.kind),
        title=row.title,
        when=when,
        status=row.status,
        type=row.type,
        provider=row.provider,
        vehicle=row.vehicle,
        mission=row.mission,
        site=row.site,
        window_start=row.window_start,
        window_end=row.window_end,
        url=row.url,
        briefing=briefing_from(row.briefing),
    )


def event_from(row: EventRow) -> EventRecord:
    when = when_from(row)
    assert when is not None
    return EventRecord(
        id=row.id,
        kind=EventKind(row.kind),
        type=row.type,
        title=row.title,
        when=when,
        status=row.status,
        provider=row.provider,
        vehicle=row.vehicle,
        mission=row.mission,
        site=row.site,
        listed=row.listed,
        updated_at=row.updated_at,
    )


def change_from(row: ChangeRow, title: str, source: str, source_ref: str) -> ChangeRecord:
    return ChangeRecord(
        id=row.id,
        event_id=row.event_id,
        title=title,
        kind=ChangeKind(row.kind),
        observed_at=row.observed_at,
        source=source,
        source_ref=source_ref,
        old_when=when_from(row, "old_"),
        new_when=when_from(row, "new_"),
        old_status=row.old_status,
        new_status=row.new_status,
        detail=row.detail,
        old_window=_window(row, "old_"),
        new_window=_window(row, "new_"),
    )


def _window(row: ChangeRow, prefix: str) -> tuple[Any, Any] | None:
    start, end = getattr(row, f"{prefix}window_start"), getattr(row, f"{prefix}window_end")
    return None if start is None and end is None else (start, end)
