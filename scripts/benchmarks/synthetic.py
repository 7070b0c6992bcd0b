"""A year-scale store made in seconds: past events with revisions, changes and fetch
runs in proportion, written with bulk inserts and kept in a cache folder so each
benchmark starts from a copy instead of rebuilding it.

The shape follows a daemon that has polled LL2 for years: every past event is an
identity of ``ll2-launches`` that is no longer listed, with ``REVISIONS`` revisions and
``CHANGES`` changes; one fetch run per ``EVENTS_PER_RUN`` events; a few future events of
a second source are listed (so ``tracker upcoming`` has something to show)."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from tracker.store.repo import Store
from tracker.store.tables import ChangeRow, EventRow, FetchRunRow, IdentityRow, RevisionRow, SourceRow

REVISIONS = 10  # per past event: 100k events make 1 M revisions
CHANGES = 3
EVENTS_PER_RUN = 3  # fetch runs in proportion: 100k events, ~33k runs (a year of 15-minute polls)
UPCOMING = 60
RECORDING = 10
GENERATION = 2  # bump when the shape changes: the cache is keyed by it
CACHE = Path(os.environ.get("TRACKER_BENCH_CACHE", Path(tempfile.gettempdir()) / "tracker-bench-cache"))
CHUNK = 20_000

_PROVIDERS = ["SpaceX", "Rocket Lab", "ULA", "Roscosmos", "CASC", "Arianespace", "ISRO", "Blue Origin"]
_VEHICLES = [
    "Falcon 9",
    "Electron",
    "Atlas V",
    "Soyuz 2.1b",
    "Long March 2D",
    "Ariane 6",
    "PSLV",
    "New Glenn",
]


def store_file(events: int, now: datetime, upcoming: int = UPCOMING) -> Path:
    """A SQLite file holding ``events`` past and ``upcoming`` listed future events (made
    once, then copied from the cache)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    shape = f"{events}" if upcoming == UPCOMING else f"{events}-{upcoming}"
    cached = CACHE / f"store-v{GENERATION}-{shape}-{now:%Y%m%d}.db"
    if not cached.exists():
        building = cached.with_suffix(".building")
        building.unlink(missing_ok=True)
        fill(f"sqlite:///{building}", events, now, upcoming)
        building.rename(cached)
    return cached


def copy_of(events: int, now: datetime, into: Path, upcoming: int = UPCOMING) -> str:
    """A fresh copy of the cached store, as a database URL."""
    target = into / f"store-{events}-{upcoming}.db"
    shutil.copyfile(store_file(events, now, upcoming), target)
    return f"sqlite:///{target}"


def _sqlite_value(value: Any) -> Any:
    """What SQLAlchemy's SQLite DateTime stores: naive UTC text."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


def _bulk(session: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``; on SQLite straight through the driver (ten times faster than the ORM's
    type processing, which a million rows would otherwise spend minutes in)."""
    if not rows:
        return
    if session.bind.dialect.name != "sqlite":
        for start in range(0, len(rows), CHUNK):
            session.execute(insert(table.__table__), rows[start : start + CHUNK])
        return
    columns = list(rows[0])
    sql = f"INSERT INTO {table.__tablename__} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    raw = session.connection().connection.driver_connection
    raw.executemany(sql, ([_sqlite_value(row[c]) for c in columns] for row in rows))


def fill(url: str, events: int, now: datetime, upcoming: int = UPCOMING, seed: int = 16) -> None:
    """Write the synthetic history into the (new) store at ``url``."""
    rng = random.Random(seed)
    store = Store.open(url)
    try:
        with store._session() as s:  # the generator writes tables directly, by design
            begun = now - timedelta(days=365 * 3)
            s.execute(insert(SourceRow), [
                {"id": 1, "name": "ll2-launches", "kind": "ll2-launches", "url": "", "created_at": begun,
                 "suspicious_streak": 0, "trust": 80, "health_state": "ok"},
                {"id": 2, "name": "archive", "kind": "rss", "url": "", "created_at": begun,
                 "suspicious_streak": 0, "trust": 40, "health_state": "ok"},
            ])  # fmt: skip
            runs = max(1, events // EVENTS_PER_RUN)
            step = (now - begun) / max(runs, 1)
            _bulk(s, FetchRunRow, [
                {"id": n + 1, "source_id": 1, "observed_at": begun + step * n, "started_at": begun + step * n,
                 "duration_ms": 40, "outcome": "ok", "http_status": 200, "items": 100, "revisions": 3,
                 "changes": 1, "baseline": n == 0}
                for n in range(runs)
            ])  # fmt: skip
            spacing = (now - timedelta(days=1) - begun) / max(events, 1)
            ahead = timedelta(hours=12) if upcoming <= 1_000 else timedelta(minutes=37)
            ev, ident, rev, chg = [], [], [], []
            rev_id = chg_id = 0
            for n in range(events + upcoming):
                future = n >= events
                t = now + ahead * (n - events + 1) if future else begun + spacing * n
                seen = min(t, now - timedelta(hours=REVISIONS + 1))  # what is observed is in the past
                # one run in RECORDING recorded something; the others found nothing new
                run_id = (
                    1 + RECORDING * (min(runs - 1, int((t - begun) / step)) // RECORDING)
                    if not future
                    else runs
                )
                provider = rng.randrange(len(_PROVIDERS))
                title = f"{_VEHICLES[provider]} | Synthetic-{n}"
                base = {"kind": "launch", "title": title, "type": "Launch", "provider": _PROVIDERS[provider],
                        "vehicle": _VEHICLES[provider], "mission": f"Synthetic-{n}", "site": "LC-39A",
                        "status": "Go" if future else "Launch Successful", "precision": "minute",
                        "is_net": False, "t0": t, "earliest": t, "latest": t}  # fmt: skip
                ev.append({**base, "id": n + 1, "listed": future, "created_at": t - timedelta(days=60),
                           "updated_at": t, "owner_identity_id": n + 1})  # fmt: skip
                for k in range(REVISIONS):
                    rev_id += 1
                    moved = t - timedelta(days=REVISIONS - k)
                    rev.append({**base, "id": rev_id, "event_id": n + 1, "identity_id": n + 1, "fetch_run_id": run_id,
                                "observed_at": min(moved - timedelta(days=30), seen - timedelta(hours=REVISIONS - k)), "t0": moved, "earliest": moved,
                                "latest": moved, "disagrees": False,
                                "status": base["status"] if k == REVISIONS - 1 else "Go"})  # fmt: skip
                ident.append({"id": n + 1, "source_id": 2 if future else 1, "source_ref": f"synthetic-{n}",
                              "event_id": n + 1, "first_seen": t - timedelta(days=60), "last_seen": t,
                              "listed": future, "last_revision_id": rev_id})  # fmt: skip
                for k in range(CHANGES):
                    chg_id += 1
                    old, new = t - timedelta(days=k + 2), t - timedelta(days=k + 1)
                    chg.append({"id": chg_id, "event_id": n + 1, "identity_id": n + 1, "revision_id": rev_id - k,
                                "fetch_run_id": run_id, "observed_at": min(old - timedelta(days=10), seen - timedelta(hours=k + 1)), "kind": "slip",
                                "detail": "", "old_earliest": old, "old_latest": old, "old_precision": "minute",
                                "old_is_net": False, "old_t0": old, "new_earliest": new, "new_latest": new,
                                "new_precision": "minute", "new_is_net": False, "new_t0": new})  # fmt: skip
                if len(rev) >= CHUNK * 5:
                    for table, rows in (
                        (EventRow, ev),
                        (IdentityRow, ident),
                        (RevisionRow, rev),
                        (ChangeRow, chg),
                    ):
                        _bulk(s, table, rows)
                        rows.clear()
            for table, rows in ((EventRow, ev), (IdentityRow, ident), (RevisionRow, rev), (ChangeRow, chg)):
                _bulk(s, table, rows)
            s.execute(SourceRow.__table__.update().where(SourceRow.id == 1).values(last_ok_count=100))
    finally:
        store.close()


if __name__ == "__main__":  # build the cache ahead: python -m scripts.benchmarks.synthetic 100000
    import sys
    import time

    started = time.perf_counter()
    print(store_file(int(sys.argv[1]), datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)))
    print(f"{time.perf_counter() - started:.1f} s")
