"""Follow filters: what a user types, and which events it covers (a table)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tracker.errors import UserError
from tracker.follows import describe, matches, parse_filter
from tracker.models import EventKind, EventRecord, Follow, Precision
from tracker.timespec import span

T = datetime(2026, 3, 24, tzinfo=UTC)


def event(
    title, *, kind="launch", type_="launch", provider=None, vehicle=None, site=None, mission=None, id_=1
):
    return EventRecord(
        id=id_, kind=EventKind(kind), type=type_, title=title, when=span(T, Precision.DAY), status="go",
        provider=provider, vehicle=vehicle, mission=mission, site=site, listed=True, updated_at=T,
    )  # fmt: skip


SOYUZ5_ROLLOUT = event("Soyuz-5 rollout to the launch pad", kind="event", type_="rollout", vehicle="Soyuz-5",
                       site="Baikonur Cosmodrome, Site 45", id_=7)  # fmt: skip
SOYUZ5_LAUNCH = event("Soyuz-5 | Maiden flight", vehicle="Soyuz-5", provider="RKK Progress",
                      site="Site 45, Baikonur Cosmodrome, Kazakhstan")  # fmt: skip
SOYUZ_21 = event("Soyuz 2.1a | Progress MS-30", vehicle="Soyuz 2.1a", provider="Roscosmos",
                 site="Site 31/6, Baikonur Cosmodrome, Kazakhstan")  # fmt: skip
F9 = event("Falcon 9 Block 5 | Starlink Group 10-1", vehicle="Falcon 9 Block 5", provider="SpaceX",
           site="Space Launch Complex 40, Cape Canaveral SFS, FL, USA", mission="Starlink Group 10-1")  # fmt: skip
FH = event(
    "Falcon Heavy | USSF-44", vehicle="Falcon Heavy", provider="SpaceX", site="LC-39A, Kennedy Space Center"
)
SN10 = event(
    "Starship SN10 Static Fire", kind="event", type_="static fire", vehicle=None, site="Boca Chica, Texas"
)


@pytest.mark.parametrize(
    ("tokens", "event", "expected"),
    [
        (["Soyuz-5"], SOYUZ5_ROLLOUT, True),  # a vehicle follow covers non-launch events
        (["Soyuz-5"], SOYUZ5_LAUNCH, True),
        (["Soyuz-5"], SOYUZ_21, False),
        (["Baikonur"], SOYUZ5_ROLLOUT, True),
        (["Baikonur"], SOYUZ_21, True),
        (["Baikonur"], F9, False),
        (["vehicle:Falcon", "9"], F9, True),
        (["vehicle:Falcon 9"], FH, False),
        (["provider:SpaceX"], FH, True),
        (["provider:SpaceX", "kind:launch"], SN10, False),
        (["kind:static", "fire"], SN10, True),
        (["kind:event"], SOYUZ5_ROLLOUT, True),
        (["kind:event"], SOYUZ5_LAUNCH, False),
        (["kind:launch", "site:Baikonur"], SOYUZ5_LAUNCH, True),
        (["kind:launch", "site:Baikonur"], SOYUZ5_ROLLOUT, False),
        (["type:rollout"], SOYUZ5_ROLLOUT, True),
        (["10-1"], F9, True),
        (["10-10"], F9, False),
        (["Starlink"], F9, True),  # words match the mission too
        (["event:7"], SOYUZ5_ROLLOUT, True),
        (["event:7"], SOYUZ5_LAUNCH, False),
        (["all"], SN10, True),
        (["rocket:Soyuz-5"], SOYUZ5_LAUNCH, True),  # alias of vehicle
        (["soyuz-5"], SOYUZ5_LAUNCH, True),  # case-insensitive
    ],
)
def test_filter_semantics(tokens, event, expected):
    assert matches(Follow(1, parse_filter(tokens)), event) is expected


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        ([], "say what to follow"),
        (["colour:red"], "unknown filter 'colour'"),
        (["event:soon"], "should be an event id"),
        (["vehicle:"], "say what to follow"),
    ],
)
def test_bad_filters(tokens, message):
    with pytest.raises(UserError, match=message):
        parse_filter(tokens)


def test_describe_round_trips():
    criteria = parse_filter(["vehicle:Falcon", "9", "kind:launch"])
    assert criteria == {"vehicle": "Falcon 9", "kind": "launch"}
    assert describe(criteria) == 'vehicle:"Falcon 9" kind:launch'
    assert describe({"all": "yes"}) == "everything"


# ---- exclusions ----

STARLINK = event("Falcon 9 Block 5 | Starlink Group 10-4", vehicle="Falcon 9 Block 5", provider="SpaceX",
                 mission="Starlink Group 10-4", site="SLC-40")  # fmt: skip
CREW = event("Falcon 9 Block 5 | Crew-12", vehicle="Falcon 9 Block 5", provider="SpaceX", mission="Crew-12")
ELECTRON = event("Electron | Kinéis 1", vehicle="Electron", provider="Rocket Lab", site="Mahia")
STATIC_FIRE = event("Starship static fire", kind="event", type_="static fire", vehicle="Starship",
                    provider="SpaceX")  # fmt: skip


@pytest.mark.parametrize(
    ("text", "criteria", "words"),
    [
        ("all launches except Starlink", {"all": "yes", "kind": "launch", "not_words": "Starlink"},
         "everything kind:launch except words:Starlink"),
        ("Falcon 9 but not Starlink", {"words": "Falcon 9", "not_words": "Starlink"},
         'words:"Falcon 9" except words:Starlink'),
        ("vehicle:Falcon 9 -Starlink", {"vehicle": "Falcon 9", "not_words": "Starlink"},
         'vehicle:"Falcon 9" except words:Starlink'),
        ("all except provider:SpaceX", {"all": "yes", "not_provider": "SpaceX"}, "everything except provider:SpaceX"),
        ("except Starlink or Transporter", {"all": "yes", "not_words": "Starlink, Transporter"},
         'everything except words:"Starlink, Transporter"'),
        ("all without kind:static fire", {"all": "yes", "not_kind": "static fire"},
         'everything except kind:"static fire"'),
    ],
)  # fmt: skip
def test_exclusions_read_as_written(text, criteria, words):
    assert parse_filter(text.split()) == criteria
    assert describe(criteria) == words


@pytest.mark.parametrize(
    ("text", "chosen"),
    [
        ("all launches except Starlink", {CREW, ELECTRON}),
        ("Falcon 9 but not Starlink", {CREW}),
        ("provider:SpaceX except kind:static fire", {STARLINK, CREW}),
        ("all except provider:SpaceX", {ELECTRON}),
        ("all except site:Mahia, SLC-40", {CREW, STATIC_FIRE}),
        ("all except vehicle:Starship", {STARLINK, CREW, ELECTRON}),
        ("SpaceX except Starlink or Crew-12", {STATIC_FIRE}),
    ],
)
def test_excluded_events_do_not_match(text, chosen):
    follow = Follow(1, parse_filter(text.split()))
    assert {e for e in (STARLINK, CREW, ELECTRON, STATIC_FIRE) if matches(follow, e)} == chosen


def test_an_empty_or_impossible_exclusion_is_a_clear_error():
    with pytest.raises(UserError, match="what to leave out"):
        parse_filter(["all", "except", "provider:"])
    with pytest.raises(UserError, match="cannot be excluded"):
        parse_filter(["Falcon", "except", "event:12"])
