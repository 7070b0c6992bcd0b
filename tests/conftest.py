"""Shared fixtures: the corpus (read in place), and a fresh database on each backend."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tracker.models import ChangeKind

ROOT = Path(__file__).resolve().parents[1]


def _find_corpus() -> Path:
    """``$TRACKER_CORPUS``, else ``../shared/corpus`` beside the checkout, else the
    workplace's ``/work/shared/corpus`` (for clones made elsewhere, as in CI)."""
    if os.environ.get("TRACKER_CORPUS"):
        return Path(os.environ["TRACKER_CORPUS"])
    for candidate in (ROOT.parent / "shared" / "corpus", Path("/work/shared/corpus")):
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "corpus"


CORPUS = _find_corpus()
PG_URL = os.environ.get("TRACKER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def corpus_dir(series: str) -> Path:
    """A corpus series folder. Missing corpus is a failure, never a skip."""
    path = CORPUS / series
    if not path.is_dir():
        pytest.fail(f"corpus series {series!r} not found at {path}; set TRACKER_CORPUS to ../shared/corpus")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema in the test PostgreSQL database, dropped afterwards.

    An unreachable server fails the test: the store must be shown to work on both.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(PG_URL)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = psycopg.connect(dsn, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
                hide_password=False
            )
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Run a test once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[object]:
    from tracker.store.repo import Store

    opened = Store.open(db_url)
    yield opened
    opened.close()


def assert_sane_moves(changes: Iterable[Any]) -> None:
    """Every value's instant lies in its interval, and a slip's new interval starts after the old one."""
    for c in changes:
        for spec in (c.old_when, c.new_when):
            assert spec.earliest <= spec.t0 < spec.latest
        if c.kind is ChangeKind.SLIP:
            assert c.new_when.earliest >= c.old_when.latest
