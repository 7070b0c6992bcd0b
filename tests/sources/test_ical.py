"""The iCalendar source on synthetic calendars (the corpus has no real .ics recording)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import EXAMPLES, FIXTURES
from tracker.config.load import load_config
from tracker.errors import ParseError
from tracker.models import ChangeKind, EventKind, FetchOutcome, Precision, RawDocument
from tracker.pipeline import replay, stamp_of
from tracker.sources import SOURCE_KINDS, build_source
from tracker.sources.ical import ICalendar
from tracker.store.repo import Store

DAY1 = FIXTURES / "ical-schedule-2026-03-20T1200Z.ics"
DAY2 = FIXTURES / "ical-schedule-2026-03-21T1200Z.ics"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def parse(body: bytes, **options):
    return build_source("ical", "cal", options=options or None).parse(RawDocument(body, utc(2026, 3, 20, 12)))


def by_uid(path: Path = DAY1, **options):
    parsed = parse(path.read_bytes(), **options)
    assert parsed.complete
    return {s.source_ref: s for s in parsed.items}


def test_date_only_event_is_a_day():
    rollout = by_uid()["artemis-2-rollout@example.org"]
    assert rollout.kind is EventKind.EVENT and rollout.type is None
    assert rollout.title == "Artemis II rollout to pad 39B"
    assert rollout.when.precision is Precision.DAY
    assert (rollout.when.earliest, rollout.when.latest) == (utc(2026, 3, 20), utc(2026, 3, 21))
    assert rollout.site == "Kennedy Space Center LC-39B"
    assert rollout.status == "go"  # CONFIRMED
    assert (rollout.window_start, rollout.window_end) == (utc(2026, 3, 20), utc(2026, 3, 21))


def test_tzid_is_converted_to_utc():
    launch = by_uid()["artemis-2-launch@example.org"]
    assert launch.when.t0 == utc(2026, 4, 1, 22, 24)  # 18:24 EDT
    assert launch.when.t0.tzinfo is UTC
    assert launch.when.precision is Precision.MINUTE
    assert launch.window_end == utc(2026, 4, 2, 0, 24)
    assert launch.status == "tbc"  # TENTATIVE
    assert launch.url == "https://www.nasa.gov/artemis-ii/"


def test_utc_with_duration_and_floating_time():
    items = by_uid()
    transport = items["soyuz-5-transport@example.org"]
    assert transport.when.t0 == utc(2026, 3, 24, 9)
    assert transport.window_end == utc(2026, 3, 24, 15)  # DURATION:PT6H
    floating = items["floating-press@example.org"]
    assert floating.when.t0 == utc(2026, 3, 25, 14, 30)  # floating: read as UTC
    assert floating.status is None and floating.window_end is None


def test_cancelled_and_seconds():
    items = by_uid()
    assert items["cancelled-eva@example.org"].status == "cancelled"
    hostile = items["hostile@example.org"]
    assert hostile.when.precision is Precision.SECOND


def test_hostile_text_is_kept_verbatim_for_the_renderers_to_escape():
    hostile = by_uid()["hostile@example.org"]
    assert hostile.title == "<b>&</a> static fire"
    assert hostile.site == "<script>alert(1)</script>"


def test_kind_launch_option():
    launch = by_uid(kind="launch")["artemis-2-launch@example.org"]
    assert launch.kind is EventKind.LAUNCH and launch.type == "launch"
    with pytest.raises(ValueError):
        ICalendar("x", options={"kind": "rocket"})
    with pytest.raises(ValueError):
        ICalendar("x", options={"calendar": "x"})


def test_moved_dtstart_replays_as_a_slip(sqlite_url):
    assert stamp_of(DAY1) < stamp_of(DAY2)
    store = Store.open(sqlite_url)
    try:
        results = [r for _, r in replay(store, build_source("ical", "cal"), [DAY1, DAY2])]
        assert [r.outcome for r in results] == [FetchOutcome.OK, FetchOutcome.OK]
        assert results[0].baseline and results[1].revisions == 1
        (change,) = store.changes()
        assert change.kind is ChangeKind.SLIP
        assert change.source_ref == "soyuz-5-transport@example.org"
        assert (change.old_when.t0, change.new_when.t0) == (utc(2026, 3, 24, 9), utc(2026, 3, 26, 9))
        assert change.new_when.t0 - change.old_when.t0 == timedelta(days=2)
    finally:
        store.close()


CAL = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n%s\r\nEND:VCALENDAR\r\n"


def event(*lines: bytes) -> bytes:
    return b"\r\n".join([b"BEGIN:VEVENT", *lines, b"END:VEVENT"])


GOOD = event(b"UID:ok", b"SUMMARY:ok", b"DTSTART:20260401T000000Z")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"\r\n  \r\n", "empty"),
        (b"<!DOCTYPE html><html><body>503 Service Unavailable</body></html>", "HTML"),
        (b"<?xml version='1.0'?><rss version='2.0'/>", "HTML or XML"),
        (b'{"events": []}', "BEGIN:VCALENDAR"),
        ((FIXTURES / "ical-truncated.ics").read_bytes(), "malformed or truncated"),
        (CAL % GOOD.replace(b"END:VEVENT", b""), "malformed or truncated"),
        (CAL % event(b"UID:a", b"SUMMARY:x", b"DTSTART:2026032"), "not a date"),
        (CAL % event(b"UID:a", b"SUMMARY:x", b"DTSTART;TZID=Mars/Olympus:20260324T103000"), "unknown time zone"),
        (CAL % event(b"SUMMARY:x", b"DTSTART:20260324T103000Z"), "no UID"),
        (CAL % event(b"UID:a", b"DTSTART:20260324T103000Z"), "no SUMMARY"),
        (CAL % event(b"UID:a", b"SUMMARY:x"), "no DTSTART"),
    ],
    ids=["empty", "blank", "html", "xml", "json", "truncated", "unclosed", "bad-date", "bad-tz", "no-uid",
         "no-summary", "no-dtstart"],
)  # fmt: skip
def test_broken_input_is_a_parse_error(body, message):
    with pytest.raises(ParseError, match=message):
        parse(body)


def test_one_unreadable_event_keeps_the_others_but_drops_nothing():
    bad = event(b"UID:bad", b"SUMMARY:x", b"DTSTART;TZID=Mars/Olympus:20260324T103000")
    parsed = parse(CAL % b"\r\n".join([GOOD, bad]))
    assert [s.source_ref for s in parsed.items] == ["ok"]
    assert not parsed.complete


def test_empty_calendar_is_empty_not_an_error():
    assert parse(CAL % b"X-WR-CALNAME:nothing yet").items == []


def test_byte_order_mark_is_accepted():
    assert [s.source_ref for s in parse(b"\xef\xbb\xbf" + CAL % GOOD).items] == ["ok"]


def test_registered_and_example_config_is_valid():
    assert SOURCE_KINDS["ical"] == "tracker.sources.ical:ICalendar"
    cfg = load_config(EXAMPLES / "icalendar.toml", env={})
    (source,) = cfg.sources
    assert (source.name, source.kind, source.options.kind) == ("launch-calendar", "ical", EventKind.EVENT)


def test_example_config_replays_with_the_cli(tmp_path):
    from click.testing import CliRunner

    from tracker.cli import main

    args = ["--config", str(EXAMPLES / "icalendar.toml"), "--database", f"sqlite:///{tmp_path / 'c.db'}"]
    result = CliRunner().invoke(main, [*args, "replay", "launch-calendar", str(DAY1), str(DAY2)])
    assert result.exit_code == 0, result.output
    assert "replayed 2 files into launch-calendar" in result.output and "1 slip" in result.output
