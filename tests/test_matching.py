"""One event across sources: the matching rules on real names, and the LL2 JSON and
RSS series replayed together into one timeline per launch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import corpus_dir
from tracker.matching import Candidate, best_match, names, renames, similarity, vehicles_compatible
from tracker.models import ChangeKind, EventKind, EventRecord, EventSnapshot, Precision
from tracker.pipeline import replay, stamp_of
from tracker.sources import build_source
from tracker.store.repo import Store
from tracker.timespec import span

T = datetime(2022, 10, 31, 10, 44, tzinfo=UTC)


def snap(title, *, vehicle=None, when=None, kind=EventKind.LAUNCH, type_="launch", ref="x"):
    return EventSnapshot(ref, kind, title, when or span(T, Precision.MINUTE), type=type_, vehicle=vehicle)


def record(title, *, vehicle=None, when=None, kind=EventKind.LAUNCH, type_="launch", id_=1):
    return EventRecord(id_, kind, type_, title, when or span(T, Precision.MINUTE), "go", None, vehicle,
                       None, None, True, T)  # fmt: skip


@pytest.mark.parametrize(
    ("new", "known", "same"),
    [
        # Wikipedia and LL2 write the same launch differently.
        (snap("Falcon 9 Block 5 | Starlink Group 4-5", vehicle="Falcon 9 Block 5"),
         record("Falcon 9 Block 5 | Starlink Group 4-5", vehicle="Falcon 9"), True),
        # Equal words, different numbers: a fuzzy ratio would say ~90 %.
        (snap("Falcon 9 | Starlink 10-6", vehicle="Falcon 9"),
         record("Falcon 9 Block 5 | Starlink Group 10-5", vehicle="Falcon 9 Block 5"), False),
        (snap("SLS Block 1 | Artemis I", vehicle="SLS Block 1"),
         record("SLS Block 1 | Artemis 1", vehicle="SLS Block 1"), True),
        (snap("SLS Block 1 | Artemis II"), record("SLS Block 1 | Artemis I"), False),
        (snap("Falcon Heavy | USSF-44", vehicle="Falcon Heavy"),
         record("Falcon 9 Block 5 | USSF-44", vehicle="Falcon 9 Block 5"), False),
        (snap("Atlas V 531 | NROL-101", vehicle="Atlas V 531"),
         record("Atlas V 531 | NROL-101", vehicle="Atlas V 531"), True),  # designators only
        (snap("PSLV-XL | CMS-01 (GSAT-12R)", vehicle="PSLV-XL"),
         record("PSLV-XL | CMS-01 (GSAT-12R)", vehicle="PSLV XL"), True),
        # Same name, months apart: another launch of a series.
        (snap("Electron | Return to Sender", when=span(T + timedelta(days=60), Precision.DAY)),
         record("Electron | Return to Sender"), False),
        # A coarse value that contains the other is near.
        (snap("Falcon Heavy | USSF-44", when=span(T, Precision.MONTH)), record("Falcon Heavy | USSF-44"), True),
        # A static fire is not the launch.
        (snap("Starship SN10 Static Fire", kind=EventKind.EVENT, type_="static fire"),
         record("Starship SN10 Static Fire", kind=EventKind.EVENT, type_="hop"), False),
    ],
)  # fmt: skip
def test_matching_rules(new, known, same):
    assert (similarity(new, known) is not None) is same


def wiki(ref: str, *, when=None, vehicle="Falcon 9 Block 5"):
    return snap(ref.split(" | ")[0] + " | " + ref.split(" | ")[-1], vehicle=vehicle, when=when, ref=ref)


@pytest.mark.parametrize(
    ("new", "gone", "expected"),
    [
        # The flight number fills in, and the date slipped by two months: one item.
        (["Ariane 5 ECA | VA259 | Galaxy 35"], ["Ariane 5 ECA |  | Galaxy 35"],
         {"Ariane 5 ECA | VA259 | Galaxy 35": "Ariane 5 ECA |  | Galaxy 35"}),
        # The payload count becomes known.
        (["Falcon 9 Block 5 | Starlink Group 4-20 | Starlink × 51"],
         ["Falcon 9 Block 5 | Starlink Group 4-20 | Starlink × ?"],
         {"Falcon 9 Block 5 | Starlink Group 4-20 | Starlink × 51": "Falcon 9 Block 5 | Starlink Group 4-20 | Starlink × ?"}),
        # A field is emptied again.
        (["PSLV |  | TDS-01"], ["PSLV | C54 | TDS-01"], {"PSLV |  | TDS-01": "PSLV | C54 | TDS-01"}),
        # Contradicting ids: another Starlink group, not a rename.
        (["Falcon 9 Block 5 | Starlink Group 4-20 | Starlink × ?"],
         ["Falcon 9 Block 5 | Starlink Group 4-36 | Starlink × ?"], {}),
        # One part filled in, another taken away: not nested, not a rename.
        (["Long March 2D | 2D-Y75 | Beijing-3B"], ["Long March 2D |  | ASO-S"], {}),
        # Two new items could be the one that left: ambiguous, so neither.
        (["Long March 4C | 4C-Y52 | Yaogan 33-02", "Long March 4C | 4C-Y53 | Yaogan 36"], ["Long March 4C |  | "], {}),
        # Another vehicle took the payload: a different launch for the tracker.
        (["Falcon 9 Block 5 | F9-181 | Hotbird 13F"], ["Ariane 5 ECA |  | Hotbird 13F"], {}),
    ],
)  # fmt: skip
def test_renames_within_one_source(new, gone, expected):
    def item(ref):
        return wiki(ref, vehicle=ref.split(" | ")[0], when=span(T, Precision.MONTH))

    got = renames([item(r) for r in new], [item(r) for r in gone])
    assert {n: old for n, (old, _) in got.items()} == expected


def test_renames_keep_to_nearby_dates():
    near_ = wiki("F | X1 | Sat", when=span(T + timedelta(days=100), Precision.DAY))
    far = wiki("F | X1 | Sat", when=span(T + timedelta(days=200), Precision.DAY))
    assert renames([near_], [wiki("F |  | Sat")]) and not renames([far], [wiki("F |  | Sat")])


def test_shared_uuid_wins_and_ties_are_not_guessed():
    uuid = "3d0a75ba-674a-4424-9554-21ef7933421d"
    event = record("Anything | At all")
    assert best_match(snap("Other | Name", ref=uuid), [Candidate(event, frozenset({uuid}))]) == (
        event,
        f"same id {uuid}",
    )
    twins = [Candidate(record("Falcon 9 | Starlink 4-5", id_=i), frozenset()) for i in (1, 2)]
    assert best_match(snap("Falcon 9 | Starlink 4-5"), twins) is None


def test_name_helpers():
    assert names("Starlink Group 10-5").numbers == {"10-5"}
    assert names("Artemis II").numbers == {"2"}
    assert vehicles_compatible("Rocket 3.2", "Astra Rocket 3.2")
    assert not vehicles_compatible("Falcon 9", "Falcon Heavy")


def replay_both(url: str) -> Store:
    store = Store.open(url)
    ll2 = build_source("ll2-launches", "ll2-launches", trust=80)
    rss = build_source("rss", "ll2-rss", options={"kind": "launch"}, trust=40)
    files = [
        (stamp_of(p), ll2, p) for p in sorted(corpus_dir("ll2-launch-upcoming-2020-2021").glob("*.json"))
    ]
    files += [
        (stamp_of(p), rss, p) for p in sorted(corpus_dir("ll2-rss-feeds-2020-2021").glob("ll2-launch-feed-*"))
    ]
    for _, source, path in sorted(files, key=lambda f: f[0]):
        list(replay(store, source, [Path(path)]))
    return store


def test_two_sources_one_timeline(sqlite_url):
    alone = Store.open(sqlite_url.replace("tracker.db", "alone.db"))
    list(
        replay(
            alone, build_source("ll2-launches", "ll2-launches"), [corpus_dir("ll2-launch-upcoming-2020-2021")]
        )
    )
    store = replay_both(sqlite_url)
    try:
        events_alone = {e.title for e in alone.upcoming(datetime(2000, 1, 1, tzinfo=UTC))}
        both = store.upcoming(datetime(2000, 1, 1, tzinfo=UTC))
        # Nearly every RSS item joined the LL2 event it is a copy of.
        rss_only = [e for e in both if not any(r.source == "ll2-launches" for r in store.history(e.id))]
        assert len(rss_only) <= 2, [e.title for e in rss_only]
        # The more trusted LL2 decides: its slips are the event's slips, the feed adds none.
        time_kinds = {ChangeKind.SLIP, ChangeKind.ADVANCE, ChangeKind.RETIMED, ChangeKind.FIRMED}
        by_source = {c.source for c in store.changes(kinds=time_kinds) if c.title in events_alone}
        assert by_source == {"ll2-launches"}
        slips_alone = len(alone.changes(kinds={ChangeKind.SLIP}))
        slips_both = len([c for c in store.changes(kinds={ChangeKind.SLIP}) if c.source == "ll2-launches"])
        assert slips_both == slips_alone
        # History shows which source said what, and where the feed disagreed.
        (transporter,) = [e for e in store.find_events("Transporter 1") if e.kind is EventKind.LAUNCH]
        sources = {r.source for r in store.history(transporter.id)}
        assert sources == {"ll2-launches", "ll2-rss"}
    finally:
        store.close()
        alone.close()


def test_history_explains_matches_and_disagreements(sqlite_url):
    from click.testing import CliRunner

    from tracker.cli import main

    replay_both(sqlite_url).close()
    out = CliRunner().invoke(main, ["--database", sqlite_url, "history", "Transporter 1"]).output
    assert "ll2-rss" in out and "matched:" in out and "same mission name" in out
