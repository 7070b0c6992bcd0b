"""Hand-made snapshots applied through the real pipeline and store."""

from __future__ import annotations

from datetime import UTC, datetime

from tracker.models import EventKind, EventSnapshot, Parsed, Precision, RawDocument, TimeSpec
from tracker.pipeline import DropGuard, ingest
from tracker.policy import AlertPolicy
from tracker.store.repo import Store
from tracker.store.run import RunResult
from tracker.timespec import span

T0 = datetime(2026, 3, 24, tzinfo=UTC)


def snap(
    ref: str = "soyuz5-rollout",
    when: TimeSpec | None = None,
    status: str | None = "go",
    title: str = "Soyuz-5 rollout",
    *,
    kind: EventKind = EventKind.EVENT,
    type_: str = "rollout",
    vehicle: str | None = "Soyuz-5",
    site: str | None = "Baikonur",
) -> EventSnapshot:
    return EventSnapshot(
        source_ref=ref,
        kind=kind,
        title=title,
        when=when or span(T0, Precision.DAY),
        status=status,
        type=type_,
        vehicle=vehicle,
        site=site,
    )


class ListSource:
    """A source whose parse returns what the test says (the pipeline needs only parse)."""

    def __init__(self, items: list[EventSnapshot], complete: bool = True) -> None:
        self.name, self.kind, self.url = "fake", "fake", ""
        self.parsed = Parsed(items, complete)

    def parse(self, doc: RawDocument) -> Parsed:
        return self.parsed


def apply(
    store: Store,
    items: list[EventSnapshot],
    at: datetime,
    complete: bool = True,
    policy: AlertPolicy | None = None,
) -> RunResult:
    source = ListSource(items, complete)
    with store.source_run("fake", "fake", "", at, policy=policy) as run:
        return ingest(run, source, RawDocument(b"", at), DropGuard())  # type: ignore[arg-type]
