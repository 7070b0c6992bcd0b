"""The calendar and Atom feeds over the real server: parsed with icalendar and feedparser,
entries moved in place after a replayed slip, honest precision, private URLs, conditional GET."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import feedparser
import pytest
import requests
from icalendar import Calendar

from tests.helpers import apply, corpus_dir, snap
from tests.web.conftest import MID_SERIES, SECRET, SPACECOAST, Clock, spacecoast_source
from tracker.follows import parse_filter
from tracker.models import ChangeKind, ChannelKind, EventKind, Precision
from tracker.pipeline import replay
from tracker.store.repo import Store
from tracker.timespec import span
from tracker.web.tokens import Purpose, make_token

ARTEMIS = "SLS Block 1 | Artemis II"


def vevents(body: bytes) -> dict[str, object]:
    cal = Calendar.from_ical(body)
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def test_a_replayed_slip_moves_the_calendar_entry_in_place(sqlite_url, serve):
    """Artemis II at 2026-02-06 01:09, then (2026-01-02 snapshot) 2026-02-07 02:45."""
    store = Store.open(sqlite_url)
    folder = corpus_dir(SPACECOAST)
    source = spacecoast_source()
    clock = Clock(datetime(2025, 12, 3, tzinfo=UTC))
    live = serve(store, clock=clock)
    url = f"{live.url}/feeds/calendar.ics?q=Artemis"
    list(replay(store, source, [folder / "spacecoast-launches-2025-12-02T142607Z.json"]))
    before = vevents(requests.get(url, timeout=10).content)
    [(uid, first)] = before.items()
    assert str(first["summary"]) == f"{ARTEMIS} [To be confirmed]"
    assert first.decoded("dtstart") == datetime(2026, 2, 6, 1, 9, tzinfo=UTC)
    list(replay(store, source, [folder / "spacecoast-launches-2026-01-02T221412Z.json"]))
    clock.now = datetime(2026, 1, 3, tzinfo=UTC)
    after = vevents(requests.get(url, timeout=10).content)
    assert list(after) == [uid]  # the same entry, not a second one
    moved = after[uid]
    assert moved.decoded("dtstart") == datetime(2026, 2, 7, 2, 45, tzinfo=UTC)
    assert int(moved["sequence"]) > int(first["sequence"])
    event_id = int(uid.split("@")[0].removeprefix("event-"))
    assert [c.kind for c in store.changes(event_id=event_id)] == [ChangeKind.SLIP]
    store.close()


def test_precision_is_honest_in_the_calendar(spacecoast, serve):
    """Timed entries for known times; all-day entries spanning the day, month or quarter
    otherwise; never a made-up time of day."""
    live = serve(spacecoast, clock=Clock(datetime(2025, 12, 1, tzinfo=UTC)))
    body = requests.get(f"{live.url}/feeds/calendar.ics", timeout=10).content
    entries = vevents(body)
    events = {e.id: e for e in spacecoast.upcoming(datetime(2025, 11, 1, tzinfo=UTC), limit=500)}
    seen_month = 0
    for uid, entry in entries.items():
        event = events[int(uid.split("@")[0].removeprefix("event-"))]
        start, end = entry.decoded("dtstart"), entry.decoded("dtend")
        if event.when.precision <= Precision.HOUR:
            assert isinstance(start, datetime) and start == (event.when.t0 or event.when.earliest)
        else:
            assert type(start) is date and type(end) is date, (event.title, event.when)
            assert start == event.when.earliest.date() and end > start
            if event.when.precision is Precision.MONTH:
                seen_month += 1
                assert (end - start).days >= 28
    assert seen_month, "the series ends with month-precision events (Globalstar 2-R M1: June 2026)"


def test_the_atom_feed_has_one_entry_per_change_newest_first(spacecoast, serve):
    live = serve(spacecoast, clock=Clock(MID_SERIES))
    feed = feedparser.parse(requests.get(f"{live.url}/feeds/changes.atom?vehicle=SLS", timeout=10).content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    [artemis] = [e for e in spacecoast.find_events("Artemis II") if e.title == ARTEMIS]
    expected = [c for c in spacecoast.changes(event_id=artemis.id) if c.observed_at <= MID_SERIES][::-1]
    assert [e.id.rpartition("/")[2] for e in feed.entries] == [str(c.id) for c in expected]
    slips = [e for e in feed.entries if e.tags[0].term == "slip"]
    assert len(slips) == 5  # by 2026-03-01, see the corpus README: 01-02, 01-30, 02-03, 02-16, 02-21
    first_slip = slips[-1]
    assert first_slip.title == f"Delayed: {ARTEMIS}"
    assert "2026-02-06 01:09 UTC → 2026-02-07 02:45 UTC (+1 d 1 h)" in first_slip.summary
    assert first_slip.link.endswith(f"/events/{artemis.id}")


def test_feeds_answer_conditional_requests(spacecoast, serve):
    live = serve(spacecoast)
    for path in ("/feeds/calendar.ics", "/feeds/changes.atom"):
        first = requests.get(live.url + path, timeout=10)
        assert first.status_code == 200 and first.headers["ETag"] and first.headers["Last-Modified"]
        again = requests.get(live.url + path, headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
        assert again.status_code == 304 and again.content == b""
        dated = requests.get(live.url + path, headers={"If-Modified-Since": first.headers["Last-Modified"]},
                             timeout=10)  # fmt: skip
        assert dated.status_code == 304
        stale = requests.get(live.url + path, headers={"If-None-Match": '"something else"'}, timeout=10)
        assert stale.status_code == 200 and stale.content == first.content


def test_a_subscribers_private_feeds_follow_what_they_follow(sqlite_url, serve):
    store = Store.open(sqlite_url)
    t = datetime(2026, 3, 20, tzinfo=UTC)
    rollout = snap("r1", span(datetime(2026, 3, 24, tzinfo=UTC), Precision.DAY))
    other = snap("l1", span(datetime(2026, 3, 25, 10, 30, tzinfo=UTC), Precision.MINUTE), title="Falcon 9 | X",
                 kind=EventKind.LAUNCH, type_="launch", vehicle="Falcon 9", site="SLC-40")  # fmt: skip
    apply(store, [rollout, other], t)
    apply(
        store,
        [snap("r1", span(datetime(2026, 3, 26, tzinfo=UTC), Precision.DAY)), other],
        t + timedelta(hours=3),
    )
    sub = store.subscriptions.add("zoe", "UTC", [(ChannelKind.CONSOLE, "-")], {})
    store.subscriptions.follow("zoe", parse_filter(["vehicle:Soyuz-5"]))
    live = serve(store, clock=Clock(t + timedelta(hours=4)))
    token = make_token(sub.id, SECRET, Purpose.FEED)
    assert "zoe" not in token
    cal = vevents(requests.get(f"{live.url}/feeds/s/{token}/calendar.ics", timeout=10).content)
    [entry] = cal.values()
    assert str(entry["summary"]) == "Soyuz-5 rollout [Go]"
    assert entry.decoded("dtstart") == date(2026, 3, 26) and entry.decoded("dtend") == date(2026, 3, 27)
    feed = feedparser.parse(requests.get(f"{live.url}/feeds/s/{token}/changes.atom", timeout=10).content)
    assert [e.title for e in feed.entries] == [
        "Delayed: Soyuz-5 rollout"
    ]  # the first run is a silent baseline
    private = requests.get(f"{live.url}/feeds/s/{token}/changes.atom", timeout=10)
    assert private.headers["Cache-Control"].startswith("private")
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), make_token(sub.id, b"other", Purpose.FEED),
                make_token(sub.id, SECRET, Purpose.UNSUBSCRIBE), "x" * 500):  # fmt: skip
        answer = requests.get(f"{live.url}/feeds/s/{bad}/calendar.ics", timeout=10)
        assert answer.status_code == 404 and "no feed at this address" in answer.text
    store.close()


@pytest.mark.parametrize("path", ["/feeds/calendar.ics", "/feeds/changes.atom"])
def test_public_feeds_take_the_lists_filters(spacecoast, serve, path):
    live = serve(spacecoast, clock=Clock(datetime(2025, 12, 1, tzinfo=UTC)))
    everything = requests.get(live.url + path, timeout=10).content
    falcon = requests.get(live.url + path, params={"vehicle": "Falcon 9"}, timeout=10).content
    if path.endswith(".ics"):
        titles = [str(e["summary"]) for e in vevents(falcon).values()]
        assert len(vevents(everything)) > len(titles) > 0
    else:
        titles = [e.title for e in feedparser.parse(falcon).entries]
        assert len(feedparser.parse(everything).entries) >= len(titles) > 0
    assert all("Falcon 9" in t for t in titles)


def test_tracker_serve_prints_a_subscribers_feed_urls(sqlite_url, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from tracker.cli import main
    from tracker.web.tokens import check_token

    store = Store.open(sqlite_url)
    sub = store.subscriptions.add("zoe", "UTC", [(ChannelKind.CONSOLE, "-")], {})
    store.close()
    config = tmp_path / "tracker.toml"
    config.write_text(
        f'sources = []\n[database]\nurl = "{sqlite_url}"\n[serve]\nbase_url = "https://l.example.org"\n'
    )
    runner = CliRunner()
    monkeypatch.delenv("TRACKER_TOKEN_SECRET", raising=False)
    missing = runner.invoke(main, ["--config", str(config), "serve", "--feed-urls", "zoe"])
    assert missing.exit_code == 2 and "$TRACKER_TOKEN_SECRET is empty" in missing.output
    monkeypatch.setenv("TRACKER_TOKEN_SECRET", SECRET.decode())
    result = runner.invoke(main, ["--config", str(config), "serve", "--feed-urls", "zoe"])
    assert result.exit_code == 0, result.output
    calendar, atom = result.output.split()
    assert calendar.startswith("https://l.example.org/feeds/s/") and calendar.endswith("/calendar.ics")
    assert atom == calendar.replace("calendar.ics", "changes.atom")
    assert check_token(calendar.split("/")[-2], SECRET, Purpose.FEED) == sub.id
