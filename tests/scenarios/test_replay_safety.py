"""Replaying old recordings into a live database: no alert about what is long over, an
explicit backfill mode, history never rewritten by an older file, and a look back at a
digest with the values of that time."""

from __future__ import annotations

from datetime import UTC

import pytest
from click.testing import CliRunner

from tests.helpers import corpus_dir, isolate_cli
from tracker.cli import main
from tracker.display import instant_text, when_text
from tracker.errors import UserError
from tracker.follows import parse_filter
from tracker.models import ChannelKind
from tracker.notify.digest import build_digest
from tracker.pipeline import replay, stamp_of
from tracker.sources import build_source
from tracker.store.repo import Store

SERIES = "ll2-launch-upcoming-2020-2021"


def subscribed(url: str, sink) -> Store:
    store = Store.open(url)
    store.subscriptions.add("everything", "UTC", [(ChannelKind.CONSOLE, str(sink))], {})
    store.subscriptions.follow("everything", parse_filter(["all"]))
    return store


def test_replaying_the_2020_2021_series_alerts_nothing_about_past_launches(tmp_path):
    store = subscribed(f"sqlite:///{tmp_path / 'live.db'}", tmp_path / "a.txt")
    source = build_source("ll2-launches", "ll2-launches")
    results = [r for _, r in replay(store, source, [corpus_dir(SERIES)])]
    assert sum(len(r.changes) for r in results) > 100  # the history is all recorded ...
    assert sum(r.deliveries for r in results) == 0 and store.outbox.counts() == {}  # ... and nobody is told
    store.close()
    # The same replay judged as it was lived (a simulation) would have alerted: the rule is what held them.
    again = subscribed(f"sqlite:///{tmp_path / 'sim.db'}", tmp_path / "b.txt")
    lived = [r for _, r in replay(again, source, [corpus_dir(SERIES)], alerts="recorded")]
    assert sum(r.deliveries for r in lived) > 100
    again.close()


def test_no_alerts_is_a_pure_backfill(tmp_path):
    store = subscribed(f"sqlite:///{tmp_path / 'b.db'}", tmp_path / "a.txt")
    files = sorted(corpus_dir(SERIES).glob("*.json"))[:6]
    source = build_source("ll2-launches", "ll2-launches")
    results = [r for _, r in replay(store, source, files, alerts="recorded")]
    assert sum(r.deliveries for r in results) > 0
    store.close()
    backfill = subscribed(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "b.txt")
    results = [r for _, r in replay(backfill, source, files, alerts="off")]
    assert sum(len(r.changes) for r in results) > 0 and backfill.outbox.counts() == {}
    backfill.close()


def test_a_snapshot_older_than_the_newest_is_refused(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'o.db'}")
    files = sorted(corpus_dir(SERIES).glob("*.json"))
    source = build_source("ll2-launches", "ll2-launches")
    list(replay(store, source, files[3:5]))
    with pytest.raises(UserError, match="older than the newest snapshot source 'll2-launches' already holds"):
        list(replay(store, source, [files[2]]))
    with pytest.raises(UserError, match="older than"):  # nor out of order within one call
        list(replay(store, source, [files[6], files[5]]))
    assert store.last_ok("ll2-launches") == stamp_of(files[4])  # nothing of the refused files landed
    store.close()


def test_the_cli_refuses_with_one_line_and_offers_no_alerts(tmp_path, monkeypatch):
    isolate_cli(tmp_path, monkeypatch)
    files = sorted(corpus_dir(SERIES).glob("*.json"))
    runner = CliRunner()
    done = runner.invoke(main, ["replay", "ll2-launches", "--no-alerts", str(files[3]), str(files[4])])
    assert done.exit_code == 0 and "alerts queued: none (--no-alerts)" in done.output
    refused = runner.invoke(main, ["replay", "ll2-launches", str(files[1])])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "older than the newest snapshot" in refused.output


def test_digest_preview_at_shows_the_values_of_that_time(tmp_path):
    store = subscribed(f"sqlite:///{tmp_path / 'd.db'}", tmp_path / "a.txt")
    files = sorted(corpus_dir(SERIES).glob("*.json"))
    source = build_source("ll2-launches", "ll2-launches")
    list(replay(store, source, files[:25], alerts="off"))
    end = store.last_ok("ll2-launches")
    assert end is not None
    list(replay(store, source, files[25:85], alerts="off"))
    sub = store.subscriptions.get("everything")
    known_then = store.events_as_of(end)
    assert len(known_then) >= 10
    differs = 0
    for event in known_then.values():
        # Independently of the look-back query: the newest deciding revision seen by `end`.
        seen = [r for r in store.history(event.id) if r.observed_at <= end and not r.disagrees]
        assert event.when == seen[-1].snapshot.when and event.status == seen[-1].snapshot.status
        current = store.event(event.id)
        assert current is not None
        differs += current.when != event.when
    assert differs >= 3, "hardly anything known then has moved since: the test shows nothing"
    upcoming_then = store.upcoming_as_of(end)
    expected = {e.id for e in known_then.values() if e.listed and e.when.latest and e.when.latest > end}
    assert {e.id for e in upcoming_then} == expected and len(expected) >= 3
    assert [e.when.earliest for e in upcoming_then] == sorted(e.when.earliest for e in upcoming_then)
    then = build_digest(store, sub, end, as_of=True)
    today = build_digest(store, sub, end)
    assert then.coming and [c.when for c in then.coming] != [c.when for c in today.coming]
    for coming in then.coming:
        assert coming.when == when_text(next(e for e in upcoming_then if e.id == coming.event.id).when, UTC)
    assert {s.checked for s in then.sources} == {instant_text(end, UTC)}
    store.close()
