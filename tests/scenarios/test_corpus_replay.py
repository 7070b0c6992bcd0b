"""Replaying real LL2 series reports exactly the real moves of each event's date.

The expected moves are computed here from the raw JSON files, independently of the
tracker's parser: for each id, every value of ``net`` (``date`` for events) that
differs from the one in the previous snapshot listing that id is a time change
with that old and new instant; an unchanged value is never a time change.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers import assert_sane_moves, corpus_dir
from tracker.models import TIME_CHANGES, ChangeKind, FetchOutcome
from tracker.pipeline import replay, stamp_of
from tracker.sources import build_source
from tracker.store.repo import Store

SERIES = [
    ("ll2-launches", "ll2-launch-upcoming-2020-2021", "net", ("tbddate", "tbdtime")),
    ("ll2-events", "ll2-event-upcoming-2020-2021", "date", ()),
]


def expected_moves(folder: Path, field: str, flags: tuple[str, ...]) -> tuple[set[tuple], set[tuple], int]:
    """(moves of the instant, flag-only changes, number of non-empty snapshots) from raw files."""
    last: dict[str, tuple] = {}
    moves: set[tuple] = set()
    flag_only: set[tuple] = set()
    accepted = 0
    for path in sorted(folder.glob("*.json")):
        results = json.loads(path.read_bytes())["results"]
        if not results:
            continue  # an empty list is a failed fetch: it must not count as a move
        accepted += 1
        at = stamp_of(path)
        for item in results:
            ref = str(item["id"])
            value = (item[field], *(item.get(f) for f in flags))
            before = last.get(ref)
            if before is not None and before[0] != value[0]:
                moves.add((ref, at, before[0], value[0]))
            elif before is not None and before != value:
                flag_only.add((ref, at))
            last[ref] = value
    return moves, flag_only, accepted


def iso_z(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def replay_series(url: str, kind: str, folder: Path) -> tuple[Store, list]:
    store = Store.open(url)
    results = [r for _, r in replay(store, build_source(kind, kind), [folder])]
    return store, results


@pytest.mark.parametrize(("kind", "series", "field", "flags"), SERIES, ids=[s[1] for s in SERIES])
def test_every_real_move_is_reported_and_nothing_else(sqlite_url, kind, series, field, flags):
    folder = corpus_dir(series)
    moves, flag_only, accepted = expected_moves(folder, field, flags)
    store, results = replay_series(sqlite_url, kind, folder)
    try:
        ok = [r for r in results if r.outcome is FetchOutcome.OK]
        assert len(ok) == accepted, "every non-empty snapshot is accepted"
        assert {r.outcome for r in results} <= {FetchOutcome.OK, FetchOutcome.EMPTY}

        changes = store.changes(kinds=set(TIME_CHANGES))
        reported = {(c.source_ref, c.observed_at, iso_z(c.old_when.t0), iso_z(c.new_when.t0)) for c in changes
                    if c.old_when.t0 != c.new_when.t0}  # fmt: skip
        assert reported == moves
        assert len(moves) > 40

        same_instant = [c for c in changes if c.old_when.t0 == c.new_when.t0]
        for c in same_instant:  # only the precision flags moved: never a slip
            assert c.kind in (ChangeKind.FIRMED, ChangeKind.LOOSENED)
            assert (c.source_ref, c.observed_at) in flag_only
        assert_sane_moves(changes)
    finally:
        store.close()


def test_starlink_17_has_thirteen_values(sqlite_url):
    store, _ = replay_series(sqlite_url, "ll2-launches", corpus_dir("ll2-launch-upcoming-2020-2021"))
    try:
        (event,) = [e for e in store.find_events("Starlink 17") if e.title.endswith("Starlink 17")]
        values = [r.snapshot.when.t0 for r in store.history(event.id)]
        assert len(dict.fromkeys(values)) == 13
        assert iso_z(values[-1]) == "2021-03-03T00:53:00Z"
        slips, total = store.slip_summary(event.id)
        assert slips >= 10
        assert total is not None and total > 0
    finally:
        store.close()


def test_sn10_static_fire_timeline(sqlite_url):
    store, _ = replay_series(sqlite_url, "ll2-events", corpus_dir("ll2-event-upcoming-2020-2021"))
    try:
        (event,) = [e for e in store.find_events("Starship SN10 Static Fire") if e.title.endswith("Fire")]
        assert event.type == "static fire"
        values = [iso_z(r.snapshot.when.t0) for r in store.history(event.id)]
        assert values[0] == "2021-02-08T14:00:00Z"
        assert values[-1] == "2021-02-23T23:00:00Z"
        assert len(values) == 11
        kinds = [c.kind for c in store.changes(event_id=event.id)]
        # It left the list after its date had come: that is not "dropped", let alone "cancelled".
        assert ChangeKind.DROPPED not in kinds
    finally:
        store.close()


def test_first_run_is_a_silent_baseline(sqlite_url):
    folder = corpus_dir("ll2-launch-upcoming-2020-2021")
    first = sorted(folder.glob("*.json"))[:1]
    store = Store.open(sqlite_url)
    try:
        [(_, result)] = list(replay(store, build_source("ll2-launches", "ll2-launches"), first))
        assert result.baseline and result.revisions > 0
        assert store.changes() == []
    finally:
        store.close()


@pytest.mark.postgres
def test_launch_series_on_postgres(pg_url):
    """The same replay on PostgreSQL gives the same changes as on SQLite."""
    folder = corpus_dir("ll2-launch-upcoming-2020-2021")
    moves, _, _ = expected_moves(folder, "net", ("tbddate", "tbdtime"))
    store, _ = replay_series(pg_url, "ll2-launches", folder)
    try:
        changes = store.changes(kinds=set(TIME_CHANGES))
        reported = {(c.source_ref, c.observed_at, iso_z(c.old_when.t0), iso_z(c.new_when.t0)) for c in changes
                    if c.old_when.t0 != c.new_when.t0}  # fmt: skip
        assert reported == moves
        assert all(c.observed_at.tzinfo is not None for c in changes)
    finally:
        store.close()


def test_spacecoast_format_drift_parses_with_ll2_reader():
    """2.2.0 near-raw objects, then status as string and precision as an abbreviation."""
    from tracker.models import Precision, RawDocument

    folder = corpus_dir("ll2-spacecoast-2025-2026")
    files = sorted(folder.glob("*.json"))
    source = build_source("ll2-launches", "x")
    seen_precisions = set()
    for path in [files[0], files[1], files[len(files) // 2]]:
        raw = json.loads(path.read_bytes())
        doc = RawDocument(json.dumps({"count": len(raw["launches"]), "next": None, "results": raw["launches"]})
                          .encode(), stamp_of(path))  # fmt: skip
        parsed = source.parse(doc)
        assert len(parsed.items) == len(raw["launches"])
        seen_precisions |= {s.when.precision for s in parsed.items}
        assert all(s.provider and s.vehicle and s.status for s in parsed.items)
    assert Precision.SECOND in seen_precisions


def test_ll2_list_mode_items_parse():
    """``?mode=list`` (2.2.0): status an object, pad, provider and mission flattened to strings."""
    from tracker.models import Precision, RawDocument

    item = {
        "id": "f059ee35-2c4c-4c35-8a3f-0a5ef6ae3d7b", "name": "Soyuz-5 | Maiden Flight",
        "status": {"id": 8, "name": "To Be Confirmed", "abbrev": "TBC"},
        "net": "2026-03-26T00:00:00Z", "net_precision": {"id": 2, "name": "Day", "abbrev": "DAY"},
        "window_start": "2026-03-26T00:00:00Z", "window_end": "2026-03-26T00:00:00Z",
        "lsp_name": "Russian Federal Space Agency (ROSCOSMOS)", "mission": "Maiden Flight",
        "pad": "Site 45/1", "location": "Baikonur Cosmodrome, Republic of Kazakhstan",
    }  # fmt: skip
    doc = RawDocument(
        json.dumps({"count": 1, "next": None, "results": [item]}).encode(),
        stamp_of(Path("x-2026-03-24T1200Z")),
    )
    (snap,) = build_source("ll2-launches", "x").parse(doc).items
    assert (snap.vehicle, snap.mission, snap.provider) == (
        "Soyuz-5",
        "Maiden Flight",
        "Russian Federal Space Agency (ROSCOSMOS)",
    )
    assert snap.site and "Site 45/1" in snap.site and snap.status == "tbc"
    assert snap.when.precision is Precision.DAY and snap.when.earliest == datetime(2026, 3, 26, tzinfo=UTC)


def test_alert_links_are_pages_for_people():
    """LL2's ``url`` is its API's JSON; alerts link to the launch's page on the web site instead,
    or, without a site, to a link LL2 gives (an event's video), never to JSON when another exists."""
    from tracker.models import RawDocument

    launches = corpus_dir("ll2-launch-upcoming-2020-2021")
    events = corpus_dir("ll2-event-upcoming-2020-2021")
    for kind, folder, page in (("ll2-launches", launches, "launch"), ("ll2-events", events, "event")):
        path = sorted(folder.glob("*.json"))[-1]
        raw = json.loads(path.read_bytes())
        doc = RawDocument(path.read_bytes(), stamp_of(path))
        items = build_source(kind, "x").parse(doc).items
        slugs = [r["slug"] for r in raw["results"]]
        assert [s.url for s in items] == [f"https://spacelaunchnow.me/{page}/{slug}/" for slug in slugs]
    path = sorted(events.glob("*.json"))[-1]
    raw = json.loads(path.read_bytes())
    items = (
        build_source("ll2-events", "x", options={"web_url": ""})
        .parse(RawDocument(path.read_bytes(), stamp_of(path)))
        .items
    )
    assert items[0].url == raw["results"][0]["video_url"] and items[0].url.startswith(
        "https://www.youtube.com/"
    )
