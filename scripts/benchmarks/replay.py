"""Ingest: the recorded LL2 series replayed into a fresh store, per snapshot and per
item, beside the cost of merely ``json.loads``-ing the same files."""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from scripts.benchmarks.harness import Section, Sizes, ratio
from tests.helpers import CORPUS, PG_URL
from tracker.pipeline import replay
from tracker.sources import build_source
from tracker.store.repo import Store

SERIES = [("ll2-launches", "ll2-launch-upcoming-2020-2021"), ("ll2-events", "ll2-event-upcoming-2020-2021")]


@contextmanager
def pg_schema() -> Iterator[str | None]:
    """A throwaway schema on the test PostgreSQL server, or None when it is unreachable."""
    try:
        import psycopg
        from sqlalchemy.engine import make_url

        base = make_url(PG_URL)
        plain = base.set(drivername="postgresql").render_as_string(False)
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(plain, autocommit=True) as c:
            c.execute(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:  # the benchmark reports, it does not fail
        print(f"postgresql: not measured ({exc})")
        yield None
        return
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    finally:
        with psycopg.connect(plain, autocommit=True) as c:
            c.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _series(url: str, kind: str, series: str, limit: int | None) -> list[str]:
    files = sorted((CORPUS / series).glob("*.json"))[:limit]
    started = time.perf_counter()
    for path in files:
        json.loads(path.read_bytes())
    parse_only = time.perf_counter() - started
    store = Store.open(url)
    try:
        started = time.perf_counter()
        results = [r for _, r in replay(store, build_source(kind, kind), files, alerts="off")]
        took = time.perf_counter() - started
    finally:
        store.close()
    items = sum(r.items for r in results)
    changes = sum(len(r.changes) for r in results)
    return [
        series,
        url.split(":", 1)[0].split("+")[0],
        str(len(files)),
        f"{len(files) / took:.1f}",
        f"{items / took:.0f}",
        f"{1000 * took / len(files):.1f} ms",
        ratio(took, parse_only),
        str(changes),
    ]


def run(sizes: Sizes) -> list[Section]:
    limit = None if sizes.name == "full" else 20
    section = Section(
        "Ingest: replaying recorded series into a fresh store",
        [
            "series",
            "backend",
            "snapshots",
            "snapshots/s",
            "items/s",
            "per snapshot",
            "× json.loads",
            "changes",
        ],
    )
    with tempfile.TemporaryDirectory() as tmp:
        for n, (kind, series) in enumerate(SERIES):
            section.rows.append(_series(f"sqlite:///{tmp}/replay{n}.db", kind, series, limit))
    with pg_schema() as pg:
        if pg is not None:
            section.rows.append(_series(pg, *SERIES[0], limit))
    section.notes.append(
        "“× json.loads” is the replay's time over the time to read and `json.loads` the same files: "
        "what the tracker adds to merely reading its input (parsing, normalising, diffing, one transaction per snapshot)."
    )
    return [section]
