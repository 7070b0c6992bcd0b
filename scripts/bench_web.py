"""Benchmark of the web view on a large store: N synthetic events (default 100 000) written
as the pipeline stores them, a slip for one in twenty, then each page timed over real HTTP on
loopback, beside the same pages on a store a hundredth the size. Prints figures; asserts nothing.

    python scripts/bench_web.py [N]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracker.config import ServeSection
from tracker.models import EventKind, EventSnapshot, Precision
from tracker.store.repo import Store
from tracker.timespec import span
from tracker.web.app import create_app
from tracker.web.server import BackgroundServer

START = datetime(2030, 1, 1, tzinfo=UTC)
VEHICLES = ["Falcon 9", "Electron", "Soyuz-2.1b", "Long March 2D", "Vulcan", "New Glenn", "Ariane 6", "H3"]
SITES = ["SLC-40", "LC-39A", "Mahia LC-1", "Baikonur 31/6", "Jiuquan", "Kourou ELA-4", "Tanegashima"]


def snapshot(n: int, shift: timedelta = timedelta(0)) -> EventSnapshot:
    vehicle = VEHICLES[n % len(VEHICLES)]
    when = span(START + timedelta(minutes=37 * n) + shift, Precision.MINUTE if n % 3 else Precision.DAY)
    return EventSnapshot(f"e{n}", EventKind.LAUNCH, f"{vehicle} | Mission {n}", when, "go", "launch",
                         f"Provider {n % 40}", vehicle, f"Mission {n}", SITES[n % len(SITES)])  # fmt: skip


def fill(store: Store, count: int) -> float:
    """Rows as the pipeline writes them, inserted in bulk (the pipeline's own speed is what
    ``scripts/bench.py`` measures; here only the reads matter)."""
    from sqlalchemy import insert

    from tracker.store.convert import snapshot_columns, when_columns
    from tracker.store.tables import ChangeRow, EventRow, FetchRunRow, IdentityRow, RevisionRow, SourceRow

    started = time.perf_counter()
    seen, moved_at = START - timedelta(days=400), START - timedelta(days=399)
    events, identities, revisions, changes = [], [], [], []
    for n in range(count):
        first = snapshot(n)
        last = snapshot(n, timedelta(days=2)) if n % 20 == 0 else first
        columns = snapshot_columns(last)
        events.append({"id": n + 1, **{k: v for k, v in columns.items() if k not in ("window_start", "window_end", "url")},
                       "is_net": False, "listed": True, "created_at": seen, "updated_at": moved_at if last is not first else seen,
                       "owner_identity_id": n + 1})  # fmt: skip
        identities.append({"id": n + 1, "source_id": 1, "source_ref": first.source_ref, "event_id": n + 1,
                           "first_seen": seen, "last_seen": moved_at, "listed": True})  # fmt: skip
        revisions.append({"event_id": n + 1, "identity_id": n + 1, "fetch_run_id": 1, "observed_at": seen,
                          **snapshot_columns(first)})  # fmt: skip
        if last is not first:
            revisions.append({"event_id": n + 1, "identity_id": n + 1, "fetch_run_id": 2, "observed_at": moved_at,
                              **columns})  # fmt: skip
            changes.append({"event_id": n + 1, "identity_id": n + 1, "fetch_run_id": 2, "observed_at": moved_at,
                            "kind": "slip", "detail": "+2 d", **when_columns(first.when, "old_"),
                            **when_columns(last.when, "new_"), "old_status": "go", "new_status": "go"})  # fmt: skip
    with store.engine.begin() as db:
        db.execute(insert(SourceRow), [{"id": 1, "name": "bench", "kind": "fake", "url": "", "created_at": seen,
                                        "suspicious_streak": 0}])  # fmt: skip
        db.execute(insert(FetchRunRow), [{"id": i, "source_id": 1, "observed_at": at, "started_at": at,
                                          "outcome": "ok", "items": count} for i, at in ((1, seen), (2, moved_at))])  # fmt: skip
        for table, rows in ((EventRow, events), (IdentityRow, identities), (RevisionRow, revisions),
                            (ChangeRow, changes)):  # fmt: skip
            for at in range(0, len(rows), 5000):
                db.execute(insert(table), rows[at : at + 5000])
    return time.perf_counter() - started


def timed(url: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = requests.get(url, timeout=120)
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200, (url, answer.status_code, answer.text[:200])
    return statistics.median(times)


PAGES = ["/", "/?vehicle=Falcon+9&page=3", "/?q=Mission+4242", "/?site=Jiuquan&kind=launch", "/events/{mid}", "/events/{mid}/chart.png",
         "/changes?since=800d", "/changes?since=800d&vehicle=Electron", "/feeds/calendar.ics?vehicle=H3",
         "/feeds/changes.atom", "/api/upcoming?limit=1000", "/api/changes?since=800d&limit=1000",
         "/sources", "/stats?by=vehicle"]  # fmt: skip


def measure(count: int, folder: Path) -> dict[str, float]:
    store = Store.open(f"sqlite:///{folder / f'bench-{count}.db'}")
    seconds = fill(store, count)
    print(f"{count} events written in {seconds:.1f} s", flush=True)
    app = create_app(store, ServeSection(), UTC, clock=lambda: START - timedelta(days=390))
    server = BackgroundServer(app, "127.0.0.1", 0)
    server.start()
    try:
        cold = {"/stats?by=kind (cold: reads every event)": timed(server.url + "/stats?by=kind", runs=1)}
        mid = str((count // 2) // 20 * 20 + 1)  # event n has id n + 1; every 20th slipped
        return cold | {page: timed(server.url + page.replace("{mid}", mid), runs=3 if "stats" in page else 5)
                for page in PAGES}  # fmt: skip
    finally:
        server.stop()
        store.close()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        small = measure(max(1, count // 100), Path(tmp))
        large = measure(count, Path(tmp))
    print(f"{'page':<42} {count // 100:>8} ev  {count:>8} ev   ratio")
    for page in large:
        print(
            f"{page:<42} {small[page] * 1000:8.1f} ms {large[page] * 1000:8.1f} ms  {large[page] / small[page]:6.1f}x"
        )


if __name__ == "__main__":
    main()
