"""The RSS source replays the real LL2 RSS feeds and reports exactly the real date moves.

The expected moves are computed here from the raw XML with ElementTree, independently of
feedparser and of the tracker: for each guid, every pubDate that differs from the one in
the previous snapshot listing that guid is a stored time change with that old and new t0.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from tests.helpers import EXAMPLES, assert_sane_moves, corpus_dir
from tracker.config.load import load_config
from tracker.errors import ParseError
from tracker.models import TIME_CHANGES, ChangeKind, EventKind, FetchOutcome, Precision, RawDocument
from tracker.pipeline import replay, stamp_of
from tracker.sources import SOURCE_KINDS, build_source
from tracker.sources.rss import RssFeed
from tracker.store.repo import Store

SERIES = "ll2-rss-feeds-2020-2021"
FEEDS = [("launch", "ll2-launch-feed-*.rss.xml"), ("event", "ll2-event-feed-*.rss.xml")]
AT = datetime(2021, 1, 1, tzinfo=UTC)


def files(pattern: str) -> list[Path]:
    found = sorted(corpus_dir(SERIES).glob(pattern))
    assert found, f"no {pattern} in the corpus"
    return found


def iso_z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def raw_items(path: Path) -> list[tuple[str, str, str]]:
    """(guid, title, pubDate as ISO) of every item, read with ElementTree."""
    root = ET.parse(path).getroot()
    return [
        (item.findtext("guid") or "", item.findtext("title") or "",
         iso_z(parsedate_to_datetime(item.findtext("pubDate") or "").astimezone(UTC)))
        for item in root.iter("item")
    ]  # fmt: skip


def expected_moves(paths: list[Path]) -> tuple[set[tuple[str, datetime, str, str]], int]:
    last: dict[str, str] = {}
    moves: set[tuple[str, datetime, str, str]] = set()
    accepted = 0
    for path in paths:
        items = raw_items(path)
        if not items:
            continue
        accepted += 1
        for guid, _, when in items:
            if guid in last and last[guid] != when:
                moves.add((guid, stamp_of(path), last[guid], when))
            last[guid] = when
    return moves, accepted


def replay_feed(url: str, kind: str, pattern: str) -> tuple[Store, list]:
    store = Store.open(url)
    source = build_source("rss", f"ll2-rss-{kind}s", options={"kind": kind})
    return store, [result for _, result in replay(store, source, files(pattern))]


def doc(body: bytes, content_type: str | None = None) -> RawDocument:
    return RawDocument(body, AT, content_type=content_type)


# --------------------------------------------------------------------------- real series


@pytest.mark.parametrize(("kind", "pattern"), FEEDS, ids=[k for k, _ in FEEDS])
def test_every_pubdate_move_is_a_time_change_and_nothing_else(sqlite_url, kind, pattern):
    moves, accepted = expected_moves(files(pattern))
    store, results = replay_feed(sqlite_url, kind, pattern)
    try:
        assert [r.outcome for r in results] == [FetchOutcome.OK] * accepted
        changes = store.changes(kinds=set(TIME_CHANGES))
        reported = {(c.source_ref, c.observed_at, iso_z(c.old_when.t0), iso_z(c.new_when.t0)) for c in changes}  # fmt: skip
        assert reported == moves
        assert len(moves) >= (3 if kind == "launch" else 25)
        assert_sane_moves(changes)
    finally:
        store.close()


def _timeline(store: Store, title: str) -> list[str]:
    (event,) = [e for e in store.find_events(title) if e.title == title]
    return list(dict.fromkeys(iso_z(r.snapshot.when.t0) for r in store.history(event.id)))


def test_real_launch_slips_seen_through_the_feed(sqlite_url):
    """Corpus README §1: LauncherOne Launch Demo 2 and Astra Rocket 3.2 Flight 2."""
    store, _ = replay_feed(sqlite_url, "launch", "ll2-launch-feed-*.rss.xml")
    try:
        demo2, astra = "LauncherOne | Launch Demo 2", "Astra Rocket 3.2 | Flight 2"
        assert _timeline(store, demo2) == ["2020-12-19T18:00:00Z", "2021-01-13T15:00:00Z"]
        assert _timeline(store, astra) == ["2020-12-07T19:00:00Z", "2020-12-11T19:00:00Z"]
        slips = {c.title for c in store.changes(kinds={ChangeKind.SLIP})}
        assert {"LauncherOne | Launch Demo 2", "Astra Rocket 3.2 | Flight 2"} <= slips
        # The feeds are two weeks apart: Starlink 17 (13 NETs in the daily JSON) is in one snapshot only.
        assert _timeline(store, "Falcon 9 Block 5 | Starlink 17") == ["2021-02-07T09:31:00Z"]
        (event,) = store.find_events("Starlink 17")
        assert event.vehicle == "Falcon 9 Block 5" and event.type == "launch"
    finally:
        store.close()


def test_real_event_slips_seen_through_the_feed(sqlite_url):
    """Corpus README §2: SLS hot fires, NG-15 berthing, US EVA-77; SN10 appears once only."""
    store, _ = replay_feed(sqlite_url, "event", "ll2-event-feed-*.rss.xml")
    try:
        assert _timeline(store, "SLS 2nd Hot Fire Test") == [
            "2021-02-22T00:00:00Z", "2021-02-25T00:00:00Z", "2021-03-07T00:00:00Z", "2021-03-18T20:37:00Z",
        ]  # fmt: skip
        assert _timeline(store, "SLS Green Run Hot Fire") == ["2020-12-31T00:00:00Z", "2021-01-17T00:00:00Z"]
        assert _timeline(store, "NG-15 Cygnus Berthing") == ["2021-01-22T09:30:00Z", "2021-02-22T09:40:00Z"]
        assert _timeline(store, "US EVA-77") == [
            "2021-08-15T00:00:00Z", "2021-08-31T12:30:00Z", "2021-09-12T12:30:00Z",
        ]  # fmt: skip
        assert _timeline(store, "Starship SN10 Static Fire") == ["2021-02-20T00:00:00Z"]
        (hot_fire,) = store.find_events("SLS 2nd Hot Fire")
        kinds = [c.kind for c in store.changes(event_id=hot_fire.id)]
        assert kinds.count(ChangeKind.SLIP) == 3
        # The Dec 31 midnight placeholder reads as the whole year, as LL2's own reader does.
        (green,) = store.find_events("Green Run")
        first = store.history(green.id)[0].snapshot.when
        assert first.precision is Precision.YEAR and first.net
    finally:
        store.close()


@pytest.mark.parametrize(
    ("pattern", "series", "field"),
    [
        ("ll2-launch-feed-*.rss.xml", "ll2-launch-upcoming-2020-2021", "window_start"),
        ("ll2-event-feed-*.rss.xml", "ll2-event-upcoming-2020-2021", "date"),
    ],
)
def test_feed_dates_agree_with_the_json_of_the_same_day(pattern, series, field):
    """The feeds are built from LL2: each item's date is the JSON's value that day.

    (For launches that is ``window_start``, not ``net``: six items differ from ``net``.)
    """
    source = build_source("rss", "x", options={"kind": "launch" if "launch" in pattern else "event"})
    compared = 0
    for path in files(pattern):
        twins = list(corpus_dir(series).glob(f"*{path.name.split('feed-')[1][:15]}*.json"))
        if not twins:
            continue
        results = {str(r["id"]): r for r in json.loads(twins[0].read_bytes())["results"]}
        for snap in source.parse(RawDocument(path.read_bytes(), stamp_of(path))).items:
            assert iso_z(snap.when.t0) == results[snap.source_ref.rsplit("~", 1)[1]][field]
            compared += 1
    assert compared >= 30


def test_parses_one_real_file_in_full():
    path = files("ll2-launch-feed-2020-11-12T0806Z.rss.xml")[0]
    parsed = build_source("rss", "x").parse(RawDocument(path.read_bytes(), stamp_of(path)))
    assert parsed.complete and len(parsed.items) == 6
    first = parsed.items[0]
    assert first.source_ref.endswith("3f8dd709-4231-49ca-aa9f-694a2c0c107f")
    assert (first.title, first.vehicle, first.mission) == ("H-IIA | JDRS-1", "H-IIA", "JDRS-1")
    assert first.kind is EventKind.LAUNCH
    assert iso_z(first.when.t0) == "2020-11-29T07:15:00Z" and first.when.precision is Precision.MINUTE
    assert first.url == "https://ll.thespacedevs.com/2.0.0/launch/3f8dd709-4231-49ca-aa9f-694a2c0c107f.json"
    vega = parsed.items[1]
    assert vega.title == "Vega | Ingenio (SEOSat) & Taranis"
    assert vega.when.precision is Precision.SECOND  # 01:52:20


# --------------------------------------------------------------------------- options and Atom

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Events</title><id>urn:x</id>
<updated>2026-03-20T10:00:00Z</updated>
<entry><id>urn:event:1</id><title>[EVENT] Soyuz-5 rollout</title>
<published>2026-03-01T00:00:00Z</published><updated>2026-03-26T00:00:00Z</updated>
<link href="https://example.org/e/1"/></entry>
<entry><title>no id, no link, no date</title></entry>
</feed>"""


def test_atom_updated_field_title_strip_and_precision_override():
    options = {"kind": "event", "time_field": "updated", "precision": "day", "title_strip": r"^\[EVENT\]"}
    source = build_source("rss", "x", options=options)
    parsed = source.parse(doc(ATOM))
    (snap,) = parsed.items
    assert not parsed.complete  # an unreadable item may still be listed: nothing may be dropped
    assert (snap.source_ref, snap.title, snap.kind) == ("urn:event:1", "Soyuz-5 rollout", EventKind.EVENT)
    assert snap.type is None
    assert snap.when.precision is Precision.DAY and iso_z(snap.when.earliest) == "2026-03-26T00:00:00Z"
    assert snap.url == "https://example.org/e/1"


def test_options_are_validated():
    with pytest.raises(ValueError, match="regular expression"):
        RssFeed("x", options={"title_strip": "("})
    with pytest.raises(ValueError):
        RssFeed("x", options={"time_field": "created"})
    with pytest.raises(ValueError):
        RssFeed("x", options={"kinds": "launch"})


# --------------------------------------------------------------------------- broken input

REAL = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>A | B</title><guid>g1</guid><pubDate>Sun, 29 Nov 2020 07:15:00 GMT</pubDate></item>
<item><title>C | D</title><guid>g2</guid><pubDate>Mon, 30 Nov 2020 07:15:00 GMT</pubDate></item>
</channel></rss>"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", "HTML"),
        (b"<html><head><title>Just a moment...</title></head><body>checking</body></html>", "HTML"),
        (REAL[: len(REAL) // 2 + 40], "not well-formed"),
        (REAL[:-20], "not well-formed"),
        (b'{"results": []}', "not well-formed"),
        (b"\x00\xff\xfe garbage", "not well-formed"),
        (b"<?xml version='1.0'?><note><to>x</to></note>", "not an RSS or Atom"),
        (b"<?xml version='1.0'?><rss version='2.0'><channel><item><title>no date</title></item></channel></rss>",
         "none with"),
    ],
    ids=["empty", "blank", "html-error", "html-challenge", "truncated-mid", "truncated-end", "json", "binary",
         "other-xml", "no-dates"],
)  # fmt: skip
def test_broken_input_is_a_parse_error(body, message):
    with pytest.raises(ParseError, match=message):
        build_source("rss", "x").parse(doc(body, "text/html"))


def test_well_formed_feed_served_as_text_html_is_still_read():
    parsed = build_source("rss", "x").parse(doc(REAL, "text/html; charset=utf-8"))
    assert [s.source_ref for s in parsed.items] == ["g1", "g2"]


def test_an_empty_but_valid_feed_is_empty_not_an_error():
    body = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"
    assert build_source("rss", "x").parse(doc(body)).items == []


def test_parse_never_fetches(monkeypatch):
    """feedparser fetches when given a URL string; the source only ever hands it bytes."""
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError("network access from parse")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
    with pytest.raises(ParseError):
        build_source("rss", "x").parse(doc(b"https://example.org/feed.xml"))


# --------------------------------------------------------------------------- config


def test_registered_and_example_config_is_valid():
    assert SOURCE_KINDS["rss"] == "tracker.sources.rss:RssFeed"
    cfg = load_config(EXAMPLES / "ll2-rss.toml", env={})
    by_name = {s.name: s for s in cfg.sources}
    assert set(by_name) == {"ll2-rss-launches", "ll2-rss-events"}
    assert by_name["ll2-rss-launches"].options.kind is EventKind.LAUNCH
    assert by_name["ll2-rss-events"].options.kind is EventKind.EVENT
    assert all(s.kind == "rss" for s in cfg.sources)


def test_example_config_replays_with_the_cli(tmp_path):
    from click.testing import CliRunner

    from tracker.cli import main

    database = f"sqlite:///{tmp_path / 'rss.db'}"
    paths = [str(p) for p in files("ll2-event-feed-*.rss.xml")]
    args = ["--config", str(EXAMPLES / "ll2-rss.toml"), "--database", database]
    result = CliRunner().invoke(main, [*args, "replay", "ll2-rss-events", *paths])
    assert result.exit_code == 0, result.output
    assert f"replayed {len(paths)} files into ll2-rss-events" in result.output
    assert "slip" in result.output
