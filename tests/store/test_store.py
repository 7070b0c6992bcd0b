"""The store on SQLite and PostgreSQL: migrations, aware datetimes, append-only
revisions written only when a normalised field changed, one transaction per run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.helpers import T0, apply, snap
from tracker.models import ChangeKind, EventKind, FetchOutcome, Precision
from tracker.pipeline import DropGuard, ingest
from tracker.sources import build_source
from tracker.store.db import SCHEMA_HEAD, current_revision, head_revision, make_engine
from tracker.store.repo import Store
from tracker.store.tables import RevisionRow
from tracker.timespec import span


def revision_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(RevisionRow)).scalar_one()


def test_schema_head_constant_matches_migrations(store):
    assert head_revision(store.engine) == SCHEMA_HEAD == current_revision(store.engine)


def test_revisions_only_when_a_field_changes(store):
    day = timedelta(days=1)
    first = apply(store, [snap()], T0 - 3 * day)
    assert first.baseline and first.revisions == 1 and first.changes == []
    same = apply(store, [snap()], T0 - 2 * day)
    assert same.revisions == 0 and same.changes == []
    moved = apply(store, [snap(when=span(T0 + 2 * day, Precision.DAY))], T0 - day)
    assert [c.kind for c in moved.changes] == [ChangeKind.SLIP]
    assert revision_count(store) == 2

    (event,) = store.find_events("Soyuz-5")
    history = store.history(event.id)
    assert [r.snapshot.when.earliest for r in history] == [T0, T0 + 2 * day]
    assert all(r.observed_at.tzinfo is UTC for r in history)
    (change,) = store.changes()
    assert change.old_when.earliest == T0 and change.new_when.earliest == T0 + 2 * day
    assert change.old_when.earliest.tzinfo is UTC
    assert change.source == "fake" and change.source_ref == "soyuz5-rollout"
    assert store.slip_summary(event.id) == (1, 2 * 86400.0)


def test_aware_datetimes_round_trip_at_microsecond(store):
    moment = datetime(2026, 4, 1, 22, 35, 12, 123456, tzinfo=UTC)
    apply(store, [snap(when=span(moment, Precision.SECOND))], moment - timedelta(days=1))
    (event,) = store.upcoming(moment - timedelta(days=2))
    assert event.when.earliest == moment.replace(microsecond=0)
    assert event.when.t0 == moment and event.when.t0.tzinfo is UTC


def test_naive_datetimes_are_refused(store):
    naive = datetime(2026, 3, 24)
    with pytest.raises(Exception, match="naive"):
        apply(store, [snap()], naive)


def test_dropped_and_back_and_upcoming(store):
    day = timedelta(days=1)
    other = snap("other", title="Falcon 9 | Other", when=span(T0 + 5 * day, Precision.MINUTE))
    apply(store, [snap(), other], T0 - 10 * day)
    gone = apply(store, [other], T0 - 9 * day)
    assert [c.kind for c in gone.changes] == [ChangeKind.DROPPED]
    assert [e.title for e in store.upcoming(T0 - 9 * day)] == ["Falcon 9 | Other"]
    back = apply(store, [snap(), other], T0 - 8 * day)
    assert back.changes == [] and back.revisions == 0
    assert len(store.upcoming(T0 - 8 * day)) == 2
    assert [e.title for e in store.upcoming(T0 - 8 * day, kind=EventKind.EVENT, days=30)] == [
        "Soyuz-5 rollout",
        "Falcon 9 | Other",
    ]


def test_incomplete_list_never_drops(store):
    apply(store, [snap(), snap("b", title="B")], T0 - timedelta(days=5))
    result = apply(store, [snap()], T0 - timedelta(days=4), complete=False)
    assert result.changes == []
    assert len(store.upcoming(T0 - timedelta(days=4))) == 2


def test_failed_run_leaves_no_trace_but_its_record(store):
    from tracker.models import RawDocument

    apply(store, [snap()], T0 - timedelta(days=5))
    source = build_source("ll2-launches", "fake")
    with store.source_run("fake", "fake", "", T0 - timedelta(days=4)) as run:
        result = ingest(run, source, RawDocument(b'{"count": 3, "resu', T0), DropGuard())
    assert result.outcome is FetchOutcome.PARSE_ERROR
    assert revision_count(store) == 1
    (health,) = store.sources()
    assert health.failures_in_row == 1 and "truncated" in (health.last_error or "")
    assert health.last_ok_at == T0 - timedelta(days=5)


def test_a_crash_inside_a_run_rolls_everything_back(store):
    apply(store, [snap()], T0 - timedelta(days=5))
    with pytest.raises(RuntimeError), store.source_run("fake", "fake", "", T0 - timedelta(days=4)) as run:
        run.write(snap(when=span(T0 + timedelta(days=9), Precision.DAY)), [])
        raise RuntimeError("power cut")
    assert revision_count(store) == 1
    assert store.sources()[0].runs == 1  # the failed run itself was rolled back too


def test_first_run_creates_the_database_by_itself(tmp_path):
    url = f"sqlite:///{tmp_path / 'deep' / 'folder' / 'tracker.db'}"
    store = Store.open(url)
    try:
        assert current_revision(store.engine) == SCHEMA_HEAD
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        store.close()


def test_downgrade_and_upgrade_again(db_url):
    from tracker.store.db import upgrade

    engine = make_engine(db_url)
    try:
        upgrade(engine)
        from alembic import command

        from tracker.store.db import alembic_config

        command.downgrade(alembic_config(engine), "base")
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == SCHEMA_HEAD
    finally:
        engine.dispose()


def test_unreachable_database_is_a_clear_error():
    from tracker.errors import StoreError

    with pytest.raises(StoreError, match="cannot reach"):
        Store.open("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")


@pytest.mark.parametrize(
    ("url", "message", "error"),
    [
        ("foo://x", "unsupported database 'foo'", "StoreError"),
        ("mysql://tracker:s3cret@db/tracker", "unsupported database 'mysql'", "StoreError"),
        ("postgresql+psycopg2://tracker:s3cret@db/tracker", "use postgresql:// (psycopg 3)", "StoreError"),
        ("::not a url::", "invalid database URL", "UserError"),  # a typo of the user's: exit 2
    ],
)
def test_a_database_url_we_cannot_use_is_a_clear_error_without_its_password(url, message, error):
    from tracker import errors

    with pytest.raises(getattr(errors, error)) as err:
        Store.open(url)
    assert message in str(err.value) and "s3cret" not in str(err.value)


def test_an_unusable_sqlite_file_is_a_clear_error(tmp_path):
    from tracker.errors import StoreError

    (tmp_path / "garbage.db").write_text("not a database, some notes\n" * 100)
    (tmp_path / "a-file").write_text("")
    for url, message in (
        (f"sqlite:///{tmp_path / 'garbage.db'}", "cannot open the SQLite database"),
        (f"sqlite:///{tmp_path / 'a-file' / 'tracker.db'}", "cannot create the folder"),
    ):
        with pytest.raises(StoreError, match=message):
            Store.open(url)
    assert (tmp_path / "garbage.db").read_text().startswith("not a database")  # nothing overwritten


def test_title_words_match_whole_tokens_in_any_ascii_case(store):
    titles = ["Falcon 9 | Starlink Group 10-1", "Falcon 9 | Starlink Group 10-10", "Electron | 100%_Done"]
    apply(store, [snap(f"t{n}", title=t) for n, t in enumerate(titles)], T0 - timedelta(days=30))
    assert [e.title for e in store.find_events("starlink GROUP 10-1")] == [titles[0]]
    assert [e.title for e in store.find_events("100%_done")] == [titles[2]]
