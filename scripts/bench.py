"""Benchmarks: replay speed per series and backend, cross-source matching, outbox
throughput, peak memory. Prints figures; asserts nothing."""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import CORPUS, PG_URL
from tracker.config.load import load_config
from tracker.pipeline import replay, stamp_of
from tracker.sources import build_source
from tracker.store.repo import Store

ROOT = Path(__file__).resolve().parents[1]
SERIES = [("ll2-launches", "ll2-launch-upcoming-2020-2021"), ("ll2-events", "ll2-event-upcoming-2020-2021")]


def pg_schema_url() -> tuple[str, str] | None:
    try:
        import psycopg
        from sqlalchemy.engine import make_url

        base = make_url(PG_URL)
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(base.set(drivername="postgresql").render_as_string(False), autocommit=True) as c:
            c.execute(f'CREATE SCHEMA "{schema}"')
        return base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False), schema
    except Exception as exc:  # the benchmark reports, it does not fail
        print(f"postgresql: skipped ({exc})")
        return None


def drop_schema(schema: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    with psycopg.connect(
        make_url(PG_URL).set(drivername="postgresql").render_as_string(False), autocommit=True
    ) as c:
        c.execute(f'DROP SCHEMA "{schema}" CASCADE')


def line(label: str, what: str, files: int, seconds: float, extra: str) -> None:
    print(
        f"{label:<10} {what:<34} {files:>5} files {seconds:6.2f} s {1000 * seconds / max(files, 1):7.1f} ms/file  {extra}"
    )


def replays(label: str, url: str) -> None:
    for kind, series in SERIES:
        store = Store.open(url)
        files = sorted((CORPUS / series).glob("*.json"))
        started = time.perf_counter()
        results = [r for _, r in replay(store, build_source(kind, kind), files)]
        line(
            label,
            series,
            len(files),
            time.perf_counter() - started,
            f"{sum(len(r.changes) for r in results)} changes",
        )
        store.close()


def json_mapped(label: str, url: str) -> None:
    cfg = load_config(ROOT / "config" / "examples" / "ll2-spacecoast.toml", env={})
    (scfg,) = cfg.sources
    store = Store.open(url)
    files = sorted((CORPUS / "ll2-spacecoast-2025-2026").glob("*.json"))
    started = time.perf_counter()
    source = build_source(scfg.kind, scfg.name, scfg.url, scfg.options)
    results = [r for _, r in replay(store, source, files)]
    changes = sum(len(r.changes) for r in results)
    line(
        label,
        "ll2-spacecoast (json mapping)",
        len(files),
        time.perf_counter() - started,
        f"{changes} changes",
    )
    store.close()


def two_sources(label: str, url: str) -> None:
    store = Store.open(url)
    ll2 = build_source("ll2-launches", "ll2-launches", trust=80)
    rss = build_source("rss", "ll2-rss", options={"kind": "launch"}, trust=40)
    files = [(stamp_of(p), ll2, p) for p in sorted((CORPUS / SERIES[0][1]).glob("*.json"))]
    files += [
        (stamp_of(p), rss, p) for p in sorted((CORPUS / "ll2-rss-feeds-2020-2021").glob("ll2-launch-feed-*"))
    ]
    started = time.perf_counter()
    for _, source, path in sorted(files, key=lambda f: f[0]):
        list(replay(store, source, [path]))
    line(label, "ll2 launches + rss, matched", len(files), time.perf_counter() - started, "")
    store.close()


def outbox(label: str, url: str, alerts: int = 2000) -> None:
    from tests.snapshots import apply, snap
    from tracker.dispatch import Dispatcher
    from tracker.follows import parse_filter
    from tracker.models import ChannelKind, EventKind, Precision
    from tracker.notify.console import ConsoleChannel
    from tracker.timespec import span

    store = Store.open(url)
    with tempfile.TemporaryDirectory() as tmp:
        store.subscriptions.add("bench", "UTC", [(ChannelKind.CONSOLE, f"{tmp}/alerts.txt")], {})
        store.subscriptions.follow("bench", parse_filter(["all"]))
        now = datetime.now(UTC)
        t0 = now + timedelta(days=30)
        items = [snap(f"b{n}", span(t0 + timedelta(hours=n), Precision.MINUTE), title=f"Launch {n}",
                      kind=EventKind.LAUNCH, type_="launch") for n in range(alerts)]  # fmt: skip
        apply(store, items, now - timedelta(hours=2))
        moved = [snap(s.source_ref, span(s.when.earliest + timedelta(days=1), Precision.MINUTE), title=s.title,
                      kind=EventKind.LAUNCH, type_="launch") for s in items]  # fmt: skip
        started = time.perf_counter()
        apply(store, moved, now - timedelta(hours=1))
        enqueue = time.perf_counter() - started
        started = time.perf_counter()
        stats = Dispatcher(store, {ChannelKind.CONSOLE: ConsoleChannel()}).run_once(limit=200)
        took = time.perf_counter() - started
        print(f"{label:<10} outbox: {alerts} slips detected and queued in {enqueue:.2f} s; "
              f"{stats.sent} alerts delivered (fsync each) in {took:.2f} s = {stats.sent / took:.0f}/s")  # fmt: skip
    store.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        replays("sqlite", f"sqlite:///{tmp}/a.db")
        json_mapped("sqlite", f"sqlite:///{tmp}/b.db")
        two_sources("sqlite", f"sqlite:///{tmp}/c.db")
        outbox("sqlite", f"sqlite:///{tmp}/d.db")
    pg = pg_schema_url()
    if pg:
        try:
            replays("postgresql", pg[0])
            outbox("postgresql", pg[0])
        finally:
            drop_schema(pg[1])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
