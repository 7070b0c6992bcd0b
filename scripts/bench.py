"""Replay benchmark: seconds and peak memory per recorded series and backend."""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import CORPUS, PG_URL  # noqa: E402
from tracker.pipeline import replay  # noqa: E402
from tracker.sources import build_source  # noqa: E402
from tracker.store.repo import Store  # noqa: E402

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

    with psycopg.connect(make_url(PG_URL).set(drivername="postgresql").render_as_string(False), autocommit=True) as c:
        c.execute(f'DROP SCHEMA "{schema}" CASCADE')


def run(label: str, url: str) -> None:
    for kind, series in SERIES:
        store = Store.open(url)
        files = sorted((CORPUS / series).glob("*.json"))
        started = time.perf_counter()
        results = [r for _, r in replay(store, build_source(kind, kind), files)]
        elapsed = time.perf_counter() - started
        changes = sum(len(r.changes) for r in results)
        print(
            f"{label:<10} {series:<32} {len(files):>4} files  {elapsed:6.2f} s  "
            f"{1000 * elapsed / len(files):6.1f} ms/file  {changes:>4} changes"
        )
        store.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", f"sqlite:///{tmp}/bench.db")
    pg = pg_schema_url()
    if pg:
        try:
            run("postgresql", pg[0])
        finally:
            drop_schema(pg[1])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
