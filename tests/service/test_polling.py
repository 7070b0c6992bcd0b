"""The adaptive cadence (a table), the budget, backoff, and operator health alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracker.models import EventKind, EventRecord, Precision
from tracker.service.polling import Cadence, backoff, budget_interval, interval_for, next_poll
from tracker.timespec import span

NOW = datetime(2026, 3, 24, 12, 0, tzinfo=UTC)
CADENCE = Cadence(far=timedelta(hours=6), near=timedelta(minutes=15), imminent=timedelta(minutes=3))


def event(ahead: timedelta | None, precision=Precision.MINUTE, status="go") -> EventRecord:
    when = span(NOW + ahead, precision) if ahead is not None else span(NOW, Precision.UNKNOWN)
    return EventRecord(
        1, EventKind.LAUNCH, "launch", "X | Y", when, status, None, None, None, None, True, NOW
    )


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([], timedelta(hours=6)),
        ([event(timedelta(days=10))], timedelta(hours=6)),
        ([event(timedelta(hours=20))], timedelta(minutes=15)),
        ([event(timedelta(minutes=40))], timedelta(minutes=3)),
        ([event(timedelta(minutes=40), Precision.DAY)], timedelta(minutes=15)),  # a day is not "imminent"
        ([event(timedelta(days=2), status="hold")], timedelta(minutes=3)),
        ([event(timedelta(days=40), Precision.MONTH)], timedelta(hours=6)),
        ([event(-timedelta(hours=3))], timedelta(hours=6)),  # long past
        ([event(timedelta(days=10)), event(timedelta(hours=5))], timedelta(minutes=15)),
    ],
)
def test_cadence_table(events, expected):
    assert interval_for(events, NOW, CADENCE) == expected


def test_budget_caps_the_pace():
    ll2 = Cadence(far=timedelta(hours=1), imminent=timedelta(minutes=3), budget_per_hour=8, pages_per_poll=2)
    assert budget_interval(ll2) == timedelta(minutes=15)
    soon = [event(timedelta(minutes=30))]
    assert next_poll(NOW, 0, soon, NOW, ll2) == NOW + timedelta(minutes=15)  # not 3: the budget wins
    spent = next_poll(NOW - timedelta(minutes=20), 4, soon, NOW, ll2)
    assert spent >= NOW + timedelta(minutes=5)
    assert next_poll(None, 0, [], NOW, ll2) == NOW  # never polled: now


def test_a_source_is_refreshed_just_before_a_reminder():
    soon = [event(timedelta(hours=24, minutes=5))]  # the 24 h reminder fires in 5 min
    far = Cadence(far=timedelta(hours=6), near=timedelta(hours=2))
    last = NOW - timedelta(minutes=40)
    assert next_poll(last, 1, soon, NOW, far) == last + timedelta(hours=6)  # just outside "near"
    assert next_poll(last, 1, soon, NOW, far, [timedelta(hours=24)]) == NOW
    fresh = NOW - timedelta(minutes=1)  # polled after the refresh window opened: nothing to add
    assert next_poll(fresh, 1, soon, NOW, far, [timedelta(hours=24)]) == fresh + timedelta(hours=6)
    budget = Cadence(far=timedelta(hours=6), near=timedelta(hours=2), budget_per_hour=1)
    assert next_poll(last, 1, soon, NOW, budget, [timedelta(hours=24)]) > NOW  # the budget still holds


def test_backoff_grows_and_is_capped():
    base = timedelta(hours=1)
    assert backoff(0, base) == timedelta(0)
    assert [backoff(n, base).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(30, base) == timedelta(hours=1)
    assert backoff(1, timedelta(seconds=2)) == timedelta(seconds=2)  # a fast test source stays fast


def test_health_alerts_once_when_failing_and_once_when_recovered(tmp_path):
    from tests.helpers import forty, page
    from tracker.config.load import load_config
    from tracker.models import RawDocument
    from tracker.pipeline import DropGuard, ingest
    from tracker.service.health import HealthWatch
    from tracker.sources import build_source
    from tracker.store.repo import Store

    sink = tmp_path / "ops.txt"
    config = tmp_path / "t.toml"
    config.write_text(
        f'[scheduler]\nfailure_alert_after = 2\nhealth_notify = ["console:{sink}"]\n'
        '[[sources]]\nname = "l"\nkind = "ll2-launches"\n'
    )
    cfg = load_config(config, env={})
    store = Store.open(f"sqlite:///{tmp_path / 'h.db'}")
    source = build_source("ll2-launches", "l")
    start = datetime.now(UTC)

    def fetch(body: bytes, minutes: int) -> None:
        at = start + timedelta(minutes=minutes)
        with store.source_run("l", "ll2-launches", "", at) as run:
            ingest(run, source, RawDocument(body, at, status=200), DropGuard())

    watch = HealthWatch(store, cfg, {})
    fetch(page(forty()), 0)
    assert watch.check(start) == "all sources as before"
    fetch(b"<html>503</html>", 1)
    watch.check(start)
    assert not sink.exists()  # one failure is not worth a page
    fetch(b"<html>503</html>", 2)
    assert "l failing" in watch.check(start)
    fetch(b"<html>503</html>", 3)
    watch.check(start)
    fetch(page(forty()), 4)
    assert "l recovered" in watch.check(start + timedelta(minutes=5))
    text = sink.read_text()
    assert text.count("is failing: 2 failed fetches in a row") == 1 and text.count("has recovered") == 1
    assert "returned HTML" in text
    store.close()
