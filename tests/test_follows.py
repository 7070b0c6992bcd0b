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
