"""What a years-long daemon keeps: old fetch runs that recorded nothing and delivered
outbox rows are deleted after a retention period, so the database stays the size of
what matters (events, revisions, changes: kept forever, they are the history), and
``tracker db stats`` shows how big each table is.

Kept whatever their age: a fetch run that a revision or change points to; each source's
latest healthy run and every run after it (health counts the failures in a row from
there); a delivery that is not final (pending, sending, retry) or dead (waiting for
``tracker outbox retry``); and each channel's newest sent delivery per event (the next
alert about it threads under that message)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, inspect, select, text
from sqlalchemy.orm import Session

from tracker.models import HEALTHY_OUTCOMES, DeliveryState
from tracker.store.db import Sessions, rowcount
from tracker.store.tables import Base, ChangeRow, DeliveryRow, FetchRunRow, RevisionRow

DEFAULT_KEEP_DAYS = 90
_BATCH = 5_000  # rows per DELETE: a daily prune after a year must not hold the write lock for long


@dataclass(frozen=True)
class Pruned:
    fetch_runs: int
    deliveries: int

    def summary(self) -> str:
        return f"pruned {self.fetch_runs} fetch runs, {self.deliveries} delivered alerts"


@dataclass(frozen=True)
class TableSize:
    name: str
    rows: int
    bytes: int | None  # None where the backend cannot tell per table


def _prunable_runs(s: Session, before: datetime) -> list[int]:
    healthy = [str(o) for o in HEALTHY_OUTCOMES]
    last_healthy = (
        select(FetchRunRow.source_id, func.max(FetchRunRow.id).label("id"))
        .where(FetchRunRow.outcome.in_(healthy))
        .group_by(FetchRunRow.source_id)
        .subquery()
    )
    query = (
        select(FetchRunRow.id)
        .join(last_healthy, last_healthy.c.source_id == FetchRunRow.source_id)
        .where(
            FetchRunRow.observed_at < before,
            FetchRunRow.id < last_healthy.c.id,
            ~select(RevisionRow.id).where(RevisionRow.fetch_run_id == FetchRunRow.id).exists(),
            ~select(ChangeRow.id).where(ChangeRow.fetch_run_id == FetchRunRow.id).exists(),
        )
        .limit(_BATCH)
    )
    return list(s.scalars(query))


def _prunable_deliveries(s: Session, before: datetime) -> list[int]:
    final = [DeliveryState.SENT.value, DeliveryState.CANCELLED.value]
    newest = (
        select(func.max(DeliveryRow.id))
        .where(DeliveryRow.state == DeliveryState.SENT.value, DeliveryRow.event_id.is_not(None))
        .group_by(DeliveryRow.channel_id, DeliveryRow.event_id)
    )
    query = (
        select(DeliveryRow.id)
        .where(DeliveryRow.state.in_(final), DeliveryRow.due_at < before, DeliveryRow.id.not_in(newest))
        .limit(_BATCH)
    )
    return list(s.scalars(query))


def prune(
    sessions: Sessions, now: datetime, *, runs_days: int, deliveries_days: int, dry_run: bool = False
) -> Pruned:
    """Delete what outlived its retention (0 days: keep forever), in batches of short transactions."""
    counts = []
    for days, find, table in (
        (runs_days, _prunable_runs, FetchRunRow),
        (deliveries_days, _prunable_deliveries, DeliveryRow),
    ):
        total = 0
        while days > 0:
            with sessions() as s:
                ids = find(s, now - timedelta(days=days))
                if not ids or dry_run:
                    total += len(ids)
                    break
                total += rowcount(s.execute(delete(table).where(table.id.in_(ids))))
            if len(ids) < _BATCH:
                break
        counts.append(total)
    return Pruned(*counts)


def table_sizes(engine: Engine) -> list[TableSize]:
    """Rows and (where the backend says) bytes on disk of each of the tracker's tables."""
    present = set(inspect(engine).get_table_names())
    names = [t for t in Base.metadata.sorted_tables if t.name in present]
    sizes = []
    with engine.connect() as conn:
        on_disk: dict[str, int] = {}
        if engine.dialect.name == "postgresql":
            for table in names:
                on_disk[table.name] = (
                    conn.scalar(text("SELECT pg_total_relation_size(:t)"), {"t": table.name}) or 0
                )
        elif engine.dialect.name == "sqlite":
            try:  # the dbstat table exists when SQLite was built with it (it usually is)
                for name, size in conn.execute(text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")):
                    on_disk[name] = int(size)
            except Exception:  # no per-table size on this build; rows still count
                on_disk = {}
        for table in names:
            rows = conn.scalar(select(func.count()).select_from(table)) or 0
            indexes = sum(
                v
                for k, v in on_disk.items()
                if k.startswith(f"ix_{table.name}_") or k.startswith(f"sqlite_autoindex_{table.name}_")
            )
            size = on_disk.get(table.name)
            sizes.append(
                TableSize(
                    table.name,
                    rows,
                    None if size is None else size + (indexes if engine.dialect.name == "sqlite" else 0),
                )
            )
    return sizes
