"""`from_ll2` and `ll2_precision` on real Launch Library 2 values from the shared corpus.

Every table row names the corpus file and the launch/event it was taken from; the test
first checks that the raw value really is there (so the table cannot drift from the
data), then checks the interval the tracker makes of it. Expected intervals are
written out by hand as ``[earliest, latest)`` in UTC.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import CORPUS
from tracker.models import Precision, TimeSpec
from tracker.timespec import from_ll2, ll2_precision

SPACECOAST = "ll2-spacecoast-2025-2026"
LAUNCHES = "ll2-launch-upcoming-2020-2021"
EVENTS = "ll2-event-upcoming-2020-2021"
FIRST_SPACECOAST = "spacecoast-launches-2025-11-23T004439Z.json"


def series_dir(series: str) -> Path:
    path = CORPUS / series
    if not path.is_dir():
        pytest.fail(f"corpus series {series!r} not found at {path} (expected ../shared/corpus)")
    return path


@cache
def load(series: str, filename: str) -> list[dict[str, Any]]:
    path = series_dir(series) / filename
    if not path.is_file():
        pytest.fail(f"corpus file {path} not found")
    doc = json.loads(path.read_bytes())
    items: list[dict[str, Any]] = doc["launches"] if series == SPACECOAST else doc["results"]
    return items


def item(series: str, filename: str, name: str) -> dict[str, Any]:
    found = [x for x in load(series, filename) if x["name"] == name]
    assert len(found) == 1, f"{name!r} occurs {len(found)} times in {series}/{filename}"
    return found[0]


def t(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def raw_instant(text: str) -> datetime:
    """Independent of tracker.timespec.parse_iso: LL2 instants always end in Z."""
    assert text.endswith("Z"), text
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def spec_of(series: str, raw: dict[str, Any]) -> TimeSpec:
    """How the LL2 sources call from_ll2 for each payload version."""
    if series == SPACECOAST:
        return from_ll2(raw["net"], raw.get("net_precision"))
    if series == LAUNCHES:
        return from_ll2(raw["net"], tbddate=raw.get("tbddate"), tbdtime=raw.get("tbdtime"))
    return from_ll2(raw["date"])


S, MI, H, D, M, Q, HA, Y = (
    Precision.SECOND,
    Precision.MINUTE,
    Precision.HOUR,
    Precision.DAY,
    Precision.MONTH,
    Precision.QUARTER,
    Precision.HALF,
    Precision.YEAR,
)

# (series, file, name, raw value, raw precision/flags, earliest, latest, precision, net)
# The raw precision column is the net_precision abbreviation (or "obj:ABBR" for the
# object form, None for null) for v2.2.0, the (tbddate, tbdtime) pair for v2.0.0
# launches, and "-" for events (which carry neither).
CASES = [
    # --- v2.2.0 spacecoast, first file: net_precision is an object
    pytest.param(
        SPACECOAST, FIRST_SPACECOAST, "Falcon 9 Block 5 | Starlink Group 6-79",
        "2025-11-22T07:53:50Z", "obj:SEC",
        t(2025, 11, 22, 7, 53, 50), t(2025, 11, 22, 7, 53, 51), S, False,
        id="object-SEC-starlink-6-79",
    ),
    pytest.param(
        SPACECOAST, FIRST_SPACECOAST, "Falcon 9 Block 5 | Starlink Group 6-86",
        "2025-11-30T20:11:00Z", "obj:MIN",
        t(2025, 11, 30, 20, 11), t(2025, 11, 30, 20, 12), MI, False,
        id="object-MIN-starlink-6-86",
    ),
    # --- v2.2.0 compact form with net_precision null (2025-11-23 .. 2025-12-01)
    pytest.param(
        SPACECOAST, "spacecoast-launches-2025-11-23T010235Z.json", "Falcon 9 Block 5 | Starlink Group 6-79",
        "2025-11-22T07:53:50Z", None,
        t(2025, 11, 22, 7, 53, 50), t(2025, 11, 22, 7, 53, 51), S, False,
        id="null-precision-seconds",
    ),
    pytest.param(
        SPACECOAST, "spacecoast-launches-2025-11-23T010235Z.json", "Falcon 9 Block 5 | BlueBird Block 2 #2",
        "2025-12-31T00:00:00Z", None,
        t(2025, 1, 1), t(2026, 1, 1), Precision.YEAR, True,  # Dec 31: the coarsest period it closes
        id="null-precision-month-end-midnight-NG3",
    ),
    # --- v2.2.0 abbreviations
    pytest.param(
        SPACECOAST, "spacecoast-launches-2026-04-01T223824Z.json", "SLS Block 1 | Artemis II",
        "2026-04-01T22:35:12Z", "SEC",
        t(2026, 4, 1, 22, 35, 12), t(2026, 4, 1, 22, 35, 13), S, False,
        id="SEC-artemis-ii-launched",
    ),
    pytest.param(
        SPACECOAST, "spacecoast-launches-2025-12-02T142607Z.json", "Falcon 9 Block 5 | Starlink Group 6-95",
        "2025-12-02T20:16:00Z", "SEC",
        t(2025, 12, 2, 20, 16), t(2025, 12, 2, 20, 16, 1), S, False,
        id="SEC-on-a-whole-minute",
    ),
    pytest.param(
        SPACECOAST, "spacecoast-launches-2025-12-02T142607Z.json", "SLS Block 1 | Artemis II",
        "2026-02-06T01:09:00Z", "MIN",
        t(2026, 2, 6, 1, 9), t(2026, 2, 6, 1, 10), MI, False,
        id="MIN-artemis-ii",
    ),
    pytest.param(
        SPACECOAST, "spacecoast-launches-2025-12-22T160252Z.json", "Falcon 9 Block 5 | Starlink Group 6-88",
        "2026-01-03T05:00:00Z", "HR",
        t(2026, 1, 3, 5), t(2026, 1, 3, 6), H, False,
        id="HR-starlink-6-88",
    ),
    pytest.param(
        SPACECOAST, "spacecoast-launches-2026-03-06T230943Z.json", "Falcon 9 Block 5 | Cygnus CRS-2 NG-24",
        "2026-04-08T12:30:00Z", "HR",
        t(2026, 4, 8, 12), t(2026, 4, 8, 13), H, False,
        id="HR-on-a-half-hour-NG-24",
    ),
    pytest.param(
        SPACECOAST, "spacecoast-launches-2025-12-19T192527Z.json", "Falcon 9 Block 5 | Starlink Group 6-88",
        "2026-01-03T00:00:00Z", "DAY",
        t(2026, 1, 3), t(2026, 1, 4), D, False,
        id="DAY-starlink-6-88",
    ),
    pytest.param(
        SPACECOAST, "spacecoast-launches-2025-12-22T010646Z.json", "Falcon 9 Block 5 | BlueBird Block 2 #2",
        "2026-01-31T00:00:00Z", "M",
        t(2026, 1, 1), t(2026, 2, 1), M, True,
        id="M-NG3-january",
    ),
    pytest.param(
        SPACECOAST, "spacecoast-launches-2026-01-22T123952Z.json", "New Glenn | BlueBird Block 2 #2",
        "2026-02-28T00:00:00Z", "M",
        t(2026, 2, 1), t(2026, 3, 1), M, True,
        id="M-NG3-february",
    ),
    pytest.param(
        SPACECOAST, "spacecoast-launches-2025-12-18T234829Z.json", "Falcon 9 Block 5 | BlueBird Block 2 #2",
        "2026-03-31T00:00:00Z", "Q1",
        t(2026, 1, 1), t(2026, 4, 1), Q, True,
        id="Q1-NG3",
    ),
    pytest.param(
        SPACECOAST, "spacecoast-launches-2026-03-17T140914Z.json", "Falcon 9 Block 5 | MRV-1",
        "2026-06-30T00:00:00Z", "Q2",
        t(2026, 4, 1), t(2026, 7, 1), Q, True,
        id="Q2-MRV-1",
    ),
    pytest.param(
        SPACECOAST, "spacecoast-launches-2026-05-03T011022Z.json", "New Glenn | Blue Moon Pathfinder",
        "2026-09-30T00:00:00Z", "Q3",
        t(2026, 7, 1), t(2026, 10, 1), Q, True,
        id="Q3-blue-moon-pathfinder",
    ),
    pytest.param(
        SPACECOAST, "spacecoast-launches-2026-03-20T142641Z.json", "Falcon 9 Block 5 | 9 x Globalstar-3",
        "2026-06-30T00:00:00Z", "H1",
        t(2026, 1, 1), t(2026, 7, 1), HA, True,
        id="H1-globalstar",
    ),
    pytest.param(
        SPACECOAST, "spacecoast-launches-2025-12-02T142607Z.json", "Falcon 9 Block 5 | BlueBird Block 2 #2",
        "2025-12-31T00:00:00Z", "Y",
        t(2025, 1, 1), t(2026, 1, 1), Y, True,
        id="Y-NG3-end-of-2025",
    ),
    # --- v2.0.0 launches: no precision, tbddate/tbdtime flags
    pytest.param(
        LAUNCHES, "ll2-launch-upcoming-2021-01-29T1132Z.json", "Falcon 9 Block 5 | Starlink 17",
        "2021-01-31T12:02:00Z", (False, False),
        t(2021, 1, 31, 12, 2), t(2021, 1, 31, 12, 3), MI, False,
        id="v2.0-firm-minute-on-month-end",
    ),
    pytest.param(
        LAUNCHES, "ll2-launch-upcoming-2021-09-15T1120Z.json", "Falcon 9 Block 5 | Inspiration4",
        "2021-09-16T00:02:56Z", (False, False),
        t(2021, 9, 16, 0, 2, 56), t(2021, 9, 16, 0, 2, 57), S, False,
        id="v2.0-firm-second-inspiration4",
    ),
    pytest.param(
        LAUNCHES, "ll2-launch-upcoming-2021-09-04T1120Z.json", "Falcon 9 Block 5 | Inspiration4",
        "2021-09-15T00:00:00Z", (False, False),
        t(2021, 9, 15), t(2021, 9, 16), D, False,
        id="v2.0-midnight-is-a-day-inspiration4",
    ),
    pytest.param(
        LAUNCHES, "ll2-launch-upcoming-2020-12-01T1122Z.json", "LauncherOne | Launch Demo 2",
        "2020-12-19T18:00:00Z", (True, True),
        t(2020, 12, 19, 18), t(2020, 12, 19, 18, 1), MI, True,
        id="v2.0-tbd-with-time-of-day-launcherone",
    ),
    pytest.param(
        LAUNCHES, "ll2-launch-upcoming-2020-12-11T1126Z.json", "Electron | StriX-α (The Owl's Night Begins)",
        "2020-12-15T10:09:30Z", (True, True),
        t(2020, 12, 15, 10, 9, 30), t(2020, 12, 15, 10, 9, 31), S, True,
        id="v2.0-tbd-with-seconds-electron",
    ),
    pytest.param(
        LAUNCHES, "ll2-launch-upcoming-2020-12-15T1127Z.json", "Falcon 9 Block 5 | NROL-108",
        "2020-12-17T14:00:00Z", (False, True),
        t(2020, 12, 17, 14), t(2020, 12, 17, 14, 1), MI, True,
        id="v2.0-tbdtime-only-NROL-108",
    ),
    pytest.param(
        LAUNCHES, "ll2-launch-upcoming-2021-02-01T1131Z.json", "Soyuz 2.1b | Lotos-S1",
        "2021-02-02T20:45:28Z", (False, True),
        t(2021, 2, 2, 20, 45, 28), t(2021, 2, 2, 20, 45, 29), S, True,
        id="v2.0-tbdtime-only-seconds-lotos",
    ),
    pytest.param(
        LAUNCHES, "ll2-launch-upcoming-2021-02-27T1125Z.json", "Soyuz 2.1b/Fregat-M | Arktika-M No.1",
        "2021-02-28T06:55:00Z", (True, True),
        t(2021, 2, 28, 6, 55), t(2021, 2, 28, 6, 56), MI, True,
        id="v2.0-tbd-month-end-with-time-is-not-a-month",
    ),
    # --- v2.0.0 events: a bare date, no flags
    pytest.param(
        EVENTS, "ll2-event-upcoming-2020-11-12T0806Z.json", "SLS Green Run Hot Fire",
        "2020-12-31T00:00:00Z", "-",
        t(2020, 1, 1), t(2021, 1, 1), Precision.YEAR, True,
        id="event-month-end-placeholder-sls-green-run",
    ),
    pytest.param(
        EVENTS, "ll2-event-upcoming-2021-01-05T1140Z.json", "SLS Green Run Hot Fire",
        "2021-01-31T00:00:00Z", "-",
        t(2021, 1, 1), t(2021, 2, 1), M, True,
        id="event-month-end-placeholder-sls-green-run-jan",
    ),
    pytest.param(
        EVENTS, "ll2-event-upcoming-2021-01-08T1143Z.json", "SLS Green Run Hot Fire",
        "2021-01-17T00:00:00Z", "-",
        t(2021, 1, 17), t(2021, 1, 18), D, False,
        id="event-midnight-day-sls-green-run",
    ),
    pytest.param(
        EVENTS, "ll2-event-upcoming-2020-11-23T1120Z.json", "Chang'e 5 Sample Returns to Earth",
        "2020-12-15T00:00:00Z", "-",
        t(2020, 12, 15), t(2020, 12, 16), D, False,
        id="event-midnight-day-change-5",
    ),
    pytest.param(
        EVENTS, "ll2-event-upcoming-2021-01-27T1130Z.json", "NASA Mars 2020 Perseverance Rover Landing",
        "2021-02-18T21:15:00Z", "-",
        t(2021, 2, 18, 21, 15), t(2021, 2, 18, 21, 16), MI, False,
        id="event-time-of-day-perseverance",
    ),
    pytest.param(
        EVENTS, "ll2-event-upcoming-2021-02-24T1131Z.json", "Starship SN10 Static Fire",
        "2021-02-23T23:00:00Z", "-",
        t(2021, 2, 23, 23), t(2021, 2, 23, 23, 1), MI, False,
        id="event-time-of-day-sn10",
    ),
]  # fmt: skip


def raw_precision_of(series: str, raw: dict[str, Any]) -> object:
    if series == SPACECOAST:
        p = raw.get("net_precision")
        return f"obj:{p['abbrev']}" if isinstance(p, dict) else p
    if series == LAUNCHES:
        return (raw["tbddate"], raw["tbdtime"])
    assert "net_precision" not in raw and "tbddate" not in raw
    return "-"


@pytest.mark.parametrize(
    ("series", "filename", "name", "value", "raw_prec", "earliest", "latest", "precision", "net"), CASES
)
def test_from_ll2_real_values(series, filename, name, value, raw_prec, earliest, latest, precision, net):
    raw = item(series, filename, name)
    assert raw["date" if series == EVENTS else "net"] == value
    assert raw_precision_of(series, raw) == raw_prec

    spec = spec_of(series, raw)

    assert (spec.earliest, spec.latest, spec.precision, spec.net) == (earliest, latest, precision, net)
    assert spec.t0 == raw_instant(value)  # the written instant is kept, placeholder or not


def test_from_ll2_null_net_is_unknown():
    # Not in this corpus (every net is set), but LL2 documents a nullable net.
    spec = from_ll2(None, tbddate=True, tbdtime=True)
    assert spec.precision is Precision.UNKNOWN
    assert (spec.earliest, spec.latest, spec.t0) == (None, None, None)
    assert spec.net is True


# --- ll2_precision ----------------------------------------------------------------------

FIRST_FILE_OBJECTS = [
    pytest.param("Falcon 9 Block 5 | Starlink Group 6-79", S, id="obj-Second"),
    pytest.param("Falcon 9 Block 5 | Starlink Group 6-86", MI, id="obj-Minute"),
    pytest.param("Atlas V 551 | Amazon Leo (LA-04)", MI, id="obj-Minute-LA-04"),
]


@pytest.mark.parametrize(("name", "expected"), FIRST_FILE_OBJECTS)
def test_ll2_precision_object_form(name, expected):
    obj = item(SPACECOAST, FIRST_SPACECOAST, name)["net_precision"]
    assert isinstance(obj, dict) and {"id", "name", "abbrev"} <= obj.keys()
    assert ll2_precision(obj) is expected
    # The same object read through each of its keys alone.
    assert ll2_precision({"name": obj["name"]}) is expected
    assert ll2_precision({"id": obj["id"]}) is expected
    assert ll2_precision({"abbrev": obj["abbrev"]}) is expected


# Abbreviations that occur in ll2-spacecoast-2025-2026 (Q4 and H2 do not).
ABBREVIATIONS = [
    pytest.param("SEC", S, id="SEC"),
    pytest.param("MIN", MI, id="MIN"),
    pytest.param("HR", H, id="HR"),
    pytest.param("DAY", D, id="DAY"),
    pytest.param("M", M, id="M"),
    pytest.param("Q1", Q, id="Q1"),
    pytest.param("Q2", Q, id="Q2"),
    pytest.param("Q3", Q, id="Q3"),
    pytest.param("H1", HA, id="H1"),
    pytest.param("Y", Y, id="Y"),
]


@cache
def spacecoast_abbreviations() -> frozenset[str]:
    found = set()
    for path in sorted(series_dir(SPACECOAST).glob("*.json")):
        for raw in json.loads(path.read_bytes())["launches"]:
            if isinstance(raw.get("net_precision"), str):
                found.add(raw["net_precision"])
    return frozenset(found)


@pytest.mark.parametrize(("abbrev", "expected"), ABBREVIATIONS)
def test_ll2_precision_abbreviation(abbrev, expected):
    assert abbrev in spacecoast_abbreviations()
    assert ll2_precision(abbrev) is expected


def test_abbreviation_table_covers_the_corpus():
    listed = {p.values[0] for p in ABBREVIATIONS}
    assert spacecoast_abbreviations() == listed


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("Q4", Q, id="Q4"),
        pytest.param("H2", HA, id="H2"),
        pytest.param("Month", M, id="name-Month"),
        pytest.param("Quarter 1", Q, id="name-Quarter-1"),
        pytest.param(None, None, id="null"),
        pytest.param("", None, id="empty"),
        pytest.param("soon", None, id="garbage"),
    ],
)
def test_ll2_precision_other_values(value, expected):
    assert ll2_precision(value) is expected


# --- every value in the three series ------------------------------------------------------

QUARTER_START = {"Q1": 1, "Q2": 4, "Q3": 7, "Q4": 10, "H1": 1, "H2": 7}


@pytest.mark.parametrize(
    ("series", "field", "files"),
    [
        pytest.param(SPACECOAST, "net", 439, id="spacecoast"),
        pytest.param(LAUNCHES, "net", 154, id="launch-upcoming"),
        pytest.param(EVENTS, "date", 79, id="event-upcoming"),
    ],
)
def test_every_corpus_value_is_a_sane_interval(series, field, files):
    paths = sorted(series_dir(series).glob("*.json"))
    assert len(paths) == files
    checked = 0
    problems: list[str] = []
    for path in paths:
        for raw in load(series, path.name):
            value = raw[field]
            where = f"{path.name} {raw['name']!r} {value!r}"
            prec = raw.get("net_precision")
            if prec is not None and ll2_precision(prec) is None:
                problems.append(f"{where}: net_precision {prec!r} not understood")
            spec = spec_of(series, raw)
            checked += 1
            if value is None:
                if spec.precision is not Precision.UNKNOWN:
                    problems.append(f"{where}: null value is not UNKNOWN")
                continue
            instant = raw_instant(value)
            if spec.precision is Precision.UNKNOWN or not spec.known:
                problems.append(f"{where}: UNKNOWN for a real value")
                continue
            assert spec.earliest is not None and spec.latest is not None
            if spec.t0 != instant:
                problems.append(f"{where}: t0 {spec.t0} != raw")
            if not (spec.earliest <= instant < spec.latest):
                problems.append(f"{where}: [{spec.earliest}, {spec.latest}) misses the raw instant")
            abbrev = prec["abbrev"] if isinstance(prec, dict) else prec
            if abbrev in QUARTER_START and spec.earliest.month != QUARTER_START[abbrev]:
                problems.append(f"{where}: {abbrev} interval starts in month {spec.earliest.month}")
    assert checked > 0
    assert not problems, "\n".join(problems[:20])
