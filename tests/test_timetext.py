"""Tests for `tracker.timetext`, mostly on strings recorded from real pages (the shared corpus)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import CORPUS
from tracker.models import Precision, TimeSpec
from tracker.timespec import parse_iso
from tracker.timetext import parse_text, strip_citations

WIKI = "wikipedia-launchdata-2022"
REALWATCH = "ll2-realwatch-2026"

# References: a Wikipedia snapshot (its list is "launches in 2022") and an LL2 realwatch snapshot.
WIKI_REF = datetime(2022, 9, 6, 1, 32, tzinfo=UTC)
LL2_REF = datetime(2026, 8, 16, 18, 29, 45, tzinfo=UTC)
OTHER_REF = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def d(y: int, mo: int, day: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, day, h, mi, s, tzinfo=UTC)


P = Precision

# (text, reference, year=, earliest, latest, precision, net)
CASES: list[tuple[str, datetime, int | None, datetime, datetime, Precision, bool]] = [
    # Wikipedia 2022 launch lists (TimestampRaw, citation markers kept as recorded).
    (
        "6 January21:49:10[1]",
        WIKI_REF,
        2022,
        d(2022, 1, 6, 21, 49, 10),
        d(2022, 1, 6, 21, 49, 11),
        P.SECOND,
        False,
    ),
    ("27 September15:37", WIKI_REF, None, d(2022, 9, 27, 15, 37), d(2022, 9, 27, 15, 38), P.MINUTE, False),
    ("13 December20:30", WIKI_REF, None, d(2022, 12, 13, 20, 30), d(2022, 12, 13, 20, 31), P.MINUTE, False),
    ("13 December 20:30", WIKI_REF, None, d(2022, 12, 13, 20, 30), d(2022, 12, 13, 20, 31), P.MINUTE, False),
    (
        "24 September 22:25:30",
        WIKI_REF,
        None,
        d(2022, 9, 24, 22, 25, 30),
        d(2022, 9, 24, 22, 25, 31),
        P.SECOND,
        False,
    ),
    ("31 October~08:00[147][148]", WIKI_REF, None, d(2022, 10, 31, 7), d(2022, 10, 31, 9), P.HOUR, False),
    ("31 October ~08:00", WIKI_REF, None, d(2022, 10, 31, 7), d(2022, 10, 31, 9), P.HOUR, False),
    ("4 August~16:00[32]", WIKI_REF, 2022, d(2022, 8, 4, 15), d(2022, 8, 4, 17), P.HOUR, False),
    ("2 November06:00–09:00[150]", WIKI_REF, None, d(2022, 11, 2, 6), d(2022, 11, 2, 9, 1), P.HOUR, False),
    (
        "30 September07:01–09:00[103]",
        WIKI_REF,
        None,
        d(2022, 9, 30, 7, 1),
        d(2022, 9, 30, 9, 1),
        P.HOUR,
        False,
    ),
    ("24 September[103]", WIKI_REF, None, d(2022, 9, 24), d(2022, 9, 25), P.DAY, False),
    ("20 October [162][163][164]", WIKI_REF, None, d(2022, 10, 20), d(2022, 10, 21), P.DAY, False),
    ("12–27 November[201]", WIKI_REF, None, d(2022, 11, 12), d(2022, 11, 28), P.MONTH, False),
    ("9–15 November[199]", WIKI_REF, None, d(2022, 11, 9), d(2022, 11, 16), P.WEEK, False),
    ("3–5 October[121]", WIKI_REF, None, d(2022, 10, 3), d(2022, 10, 6), P.WEEK, False),
    (
        "14–21 November22:00[169][170]",
        WIKI_REF,
        None,
        d(2022, 11, 14, 22),
        d(2022, 11, 21, 22, 1),
        P.MONTH,
        False,
    ),
    ("Late October (TBD)[188]", WIKI_REF, None, d(2022, 10, 21), d(2022, 11, 1), P.MONTH, True),
    ("Late October[149]", WIKI_REF, None, d(2022, 10, 21), d(2022, 11, 1), P.MONTH, False),
    (
        "Late September22:00[107][108]",
        WIKI_REF,
        None,
        d(2022, 9, 21, 22),
        d(2022, 9, 30, 22, 1),
        P.MONTH,
        False,
    ),
    ("Early November[173]", WIKI_REF, None, d(2022, 11, 1), d(2022, 11, 11), P.MONTH, False),
    ("Mid December[212][213]", WIKI_REF, None, d(2022, 12, 11), d(2022, 12, 21), P.MONTH, False),
    ("Mid August[77][75]", WIKI_REF, 2022, d(2022, 8, 11), d(2022, 8, 21), P.MONTH, False),
    ("Late November[89][184]", WIKI_REF, None, d(2022, 11, 21), d(2022, 12, 1), P.MONTH, False),
    ("December (TBD)[115]", WIKI_REF, None, d(2022, 12, 1), d(2023, 1, 1), P.MONTH, True),
    ("Deceber (TBD)[229][230]", WIKI_REF, None, d(2022, 12, 1), d(2023, 1, 1), P.MONTH, True),
    ("August (TBD)[75]", WIKI_REF, 2022, d(2022, 8, 1), d(2022, 9, 1), P.MONTH, True),
    ("Q4 (TBD)[109]", WIKI_REF, None, d(2022, 10, 1), d(2023, 1, 1), P.QUARTER, True),
    ("Q3 (TBD)[111][112]", WIKI_REF, None, d(2022, 7, 1), d(2022, 10, 1), P.QUARTER, True),
    ("H2 2022 (TBD)[313][314]", WIKI_REF, None, d(2022, 7, 1), d(2023, 1, 1), P.HALF, True),
    ("2022 (TBD)[407]", WIKI_REF, None, d(2022, 1, 1), d(2023, 1, 1), P.YEAR, True),
    # LL2 realwatch 2026: date_text and time_description.
    ("August 25", LL2_REF, None, d(2026, 8, 25), d(2026, 8, 26), P.DAY, False),
    ("December 30", LL2_REF, None, d(2026, 12, 30), d(2026, 12, 31), P.DAY, False),
    ("September 29, 2028", LL2_REF, None, d(2028, 9, 29), d(2028, 9, 30), P.DAY, False),
    (
        "Tuesday, August 25 at 1:49 AM EDT",
        LL2_REF,
        None,
        d(2026, 8, 25, 5, 49),
        d(2026, 8, 25, 5, 50),
        P.MINUTE,
        False,
    ),
    (
        "Tuesday, August 18 at 7:00 PM PDT",
        LL2_REF,
        None,
        d(2026, 8, 19, 2),
        d(2026, 8, 19, 2, 1),
        P.MINUTE,
        False,
    ),
    (
        "Saturday, August 22 at 12:25 AM PDT",
        LL2_REF,
        None,
        d(2026, 8, 22, 7, 25),
        d(2026, 8, 22, 7, 26),
        P.MINUTE,
        False,
    ),
    (
        "Saturday, September 12 at 6:34 PM EDT",
        LL2_REF,
        None,
        d(2026, 9, 12, 22, 34),
        d(2026, 9, 12, 22, 35),
        P.MINUTE,
        False,
    ),
    (
        "Currently scheduled for September 29; exact launch time TBD (quarter 3-level estimate)",
        LL2_REF,
        None,
        d(2026, 7, 1),
        d(2026, 10, 1),
        P.QUARTER,
        True,
    ),
    (
        "Currently scheduled for December 30, 2027; exact launch time TBD (year half 2-level estimate)",
        LL2_REF,
        None,
        d(2027, 7, 1),
        d(2028, 1, 1),
        P.HALF,
        True,
    ),
    (
        "Currently scheduled for February 27, 2027; exact launch time TBD (month-level estimate)",
        LL2_REF,
        None,
        d(2027, 2, 1),
        d(2027, 3, 1),
        P.MONTH,
        True,
    ),
    (
        "Currently scheduled for July 4, 2028; exact launch time TBD (day-level estimate)",
        LL2_REF,
        None,
        d(2028, 7, 4),
        d(2028, 7, 5),
        P.DAY,
        True,
    ),
    # Forms people write elsewhere (news copy, schedules).
    ("2026", OTHER_REF, None, d(2026, 1, 1), d(2027, 1, 1), P.YEAR, False),
    ("NET 2026", OTHER_REF, None, d(2026, 1, 1), d(2027, 1, 1), P.YEAR, True),
    ("H1 2026", OTHER_REF, None, d(2026, 1, 1), d(2026, 7, 1), P.HALF, False),
    ("1H 2026", OTHER_REF, None, d(2026, 1, 1), d(2026, 7, 1), P.HALF, False),
    ("first half of 2026", OTHER_REF, None, d(2026, 1, 1), d(2026, 7, 1), P.HALF, False),
    ("mid-2026", OTHER_REF, None, d(2026, 4, 1), d(2026, 10, 1), P.HALF, False),
    ("Q2 2026", OTHER_REF, None, d(2026, 4, 1), d(2026, 7, 1), P.QUARTER, False),
    ("2Q 2026", OTHER_REF, None, d(2026, 4, 1), d(2026, 7, 1), P.QUARTER, False),
    ("second quarter of 2026", OTHER_REF, None, d(2026, 4, 1), d(2026, 7, 1), P.QUARTER, False),
    ("March 2026", OTHER_REF, None, d(2026, 3, 1), d(2026, 4, 1), P.MONTH, False),
    ("NET March 2026", OTHER_REF, None, d(2026, 3, 1), d(2026, 4, 1), P.MONTH, True),
    ("Mid-December", OTHER_REF, None, d(2026, 12, 11), d(2026, 12, 21), P.MONTH, False),
    ("November 12–27", OTHER_REF, None, d(2026, 11, 12), d(2026, 11, 28), P.MONTH, False),
    ("30 September – 2 October", OTHER_REF, None, d(2026, 9, 30), d(2026, 10, 3), P.WEEK, False),
    ("September 24", OTHER_REF, None, d(2026, 9, 24), d(2026, 9, 25), P.DAY, False),
    ("March 26, 2026", OTHER_REF, None, d(2026, 3, 26), d(2026, 3, 27), P.DAY, False),
    ("26 March 2026", OTHER_REF, None, d(2026, 3, 26), d(2026, 3, 27), P.DAY, False),
    ("Thursday, March 26", OTHER_REF, None, d(2026, 3, 26), d(2026, 3, 27), P.DAY, False),
    # OTHER_REF is Friday 2026-03-20: "Saturday" is the 21st; 11:36 p.m. EDT is 03:36 UTC next day.
    (
        "no earlier than Saturday at 11:36 p.m. EDT",
        OTHER_REF,
        None,
        d(2026, 3, 22, 3, 36),
        d(2026, 3, 22, 3, 37),
        P.MINUTE,
        True,
    ),
    (
        "NET Saturday at 11:36 p.m.",
        OTHER_REF,
        None,
        d(2026, 3, 21, 23, 36),
        d(2026, 3, 21, 23, 37),
        P.MINUTE,
        True,
    ),
    ("Friday", OTHER_REF, None, d(2026, 3, 20), d(2026, 3, 21), P.DAY, False),
    (
        "March 26, 2026 at 10:30 PM PST",
        OTHER_REF,
        None,
        d(2026, 3, 27, 6, 30),
        d(2026, 3, 27, 6, 31),
        P.MINUTE,
        False,
    ),
    ("2026-04-01T22:24Z", OTHER_REF, None, d(2026, 4, 1, 22, 24), d(2026, 4, 1, 22, 25), P.MINUTE, False),
    (
        "2026-04-01T22:24:05Z",
        OTHER_REF,
        None,
        d(2026, 4, 1, 22, 24, 5),
        d(2026, 4, 1, 22, 24, 6),
        P.SECOND,
        False,
    ),
    (
        "March 26, 2026 6:00-9:00 PM EDT",
        OTHER_REF,
        None,
        d(2026, 3, 26, 22),
        d(2026, 3, 27, 1, 1),
        P.HOUR,
        False,
    ),
    ("2026-04-01", OTHER_REF, None, d(2026, 4, 1), d(2026, 4, 2), P.DAY, False),
    ("2026-04-01 22:24 UTC", OTHER_REF, None, d(2026, 4, 1, 22, 24), d(2026, 4, 1, 22, 25), P.MINUTE, False),
    # Year inference: a past date more than ~2 months back means next year's.
    ("5 January", d(2022, 12, 20), None, d(2023, 1, 5), d(2023, 1, 6), P.DAY, False),
    ("November (TBD)", d(2022, 12, 20), None, d(2022, 11, 1), d(2022, 12, 1), P.MONTH, True),
    ("Q1", d(2022, 11, 1), None, d(2023, 1, 1), d(2023, 4, 1), P.QUARTER, False),
]


@pytest.mark.parametrize(("text", "reference", "year", "earliest", "latest", "precision", "net"), CASES)
def test_parse_text(
    text: str,
    reference: datetime,
    year: int | None,
    earliest: datetime,
    latest: datetime,
    precision: Precision,
    net: bool,
) -> None:
    spec = parse_text(text, reference, year=year)
    assert (spec.earliest, spec.latest, spec.precision, spec.net) == (earliest, latest, precision, net)
    assert spec.t0 is not None and earliest <= spec.t0 < latest


@pytest.mark.parametrize(
    ("text", "net"),
    [
        ("TBD", False),
        ("TBA", False),
        ("", False),
        ("Unknown", False),
        ("To be determined", False),
        ("NET TBD", True),
    ],
)
def test_unknown(text: str, net: bool) -> None:
    assert parse_text(text, OTHER_REF) == TimeSpec.unknown(net)


@pytest.mark.parametrize(
    ("text", "utc_time"),
    [
        ("February 29, 2024 08:43 MSK", d(2024, 2, 29, 5, 43)),  # Roscosmos: Moscow time, +3
        ("January 15, 2026 10:17 IST", d(2026, 1, 15, 4, 47)),  # ISRO: India, +5:30
        ("October 31, 2025 11:44 p.m. BJT", d(2025, 10, 31, 15, 44)),  # CMSA: Beijing, +8
        ("Feb. 2, 2026 1:30 a.m. JST", d(2026, 2, 1, 16, 30)),  # JAXA: Japan, +9, the day before in UTC
    ],
)
def test_zones_of_other_launch_countries(text: str, utc_time: datetime) -> None:
    spec = parse_text(text, OTHER_REF)
    assert spec.earliest == spec.t0 == utc_time and spec.precision is P.MINUTE


def test_approximate_and_exact_times_keep_the_written_time_as_t0() -> None:
    assert parse_text("31 October~08:00", WIKI_REF).t0 == d(2022, 10, 31, 8)
    assert parse_text("Tuesday, August 25 at 1:49 AM EDT", LL2_REF).t0 == d(2026, 8, 25, 5, 49)


@pytest.mark.parametrize(
    "text",
    [
        "banana",
        "Summer 2026",  # seasons depend on the hemisphere
        "31 September",
        "27-12 November",  # a range that runs backwards
        "13 December 20:30 CEST",  # a zone we do not know
        "Wednesday, August 25",  # 2026-08-25 is a Tuesday
        "Q5 2026",
        "1230",
        "Q3 2026 14:00",  # a time of day after a quarter
        "13:00",  # a time with no date
        "NLT March 2026",
        "13 December 25:00",
        "March 26 at 10 PM - 11:00",  # am/pm on the start of a window only
    ],
)
def test_unreadable_text_raises(text: str) -> None:
    with pytest.raises(ValueError, match="cannot read schedule text"):
        parse_text(text, LL2_REF)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6 January21:49:10[1]", "6 January21:49:10"),
        ("2022 (TBD)[249][338]", "2022 (TBD)"),
        ("20 October [162][163][164]", "20 October"),
        ("13 December[a] 20:30[citation needed]", "13 December 20:30"),
        ("MTG-I1[lower-alpha 1]", "MTG-I1"),  # an explanatory-note marker as the wiki dump writes it
        ("Ovzon-3 [Upper-Roman 12]", "Ovzon-3"),
        ("Falcon 9 [v1.2]", "Falcon 9 [v1.2]"),  # not a marker
    ],
)
def test_strip_citations(text: str, expected: str) -> None:
    assert strip_citations(text) == expected


# ---- every value recorded in the corpus -------------------------------------------------------------


def _corpus(folder: str) -> list[Path]:
    path = CORPUS / folder
    files = sorted(path.glob("*.json")) if path.is_dir() else []
    if not files:
        pytest.fail(f"shared corpus folder {path} is missing or empty; these tests need /work/shared/corpus")
    return files


def _snapshot_time(path: Path) -> datetime:
    """Snapshot time from a corpus file name (``...-2022-08-08T1641Z.json`` or ``...T182945Z.json``)."""
    m = re.search(r"(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})(\d{2})?Z\.json$", path.name)
    assert m, path.name
    return datetime.fromisoformat(f"{m[1]}T{m[2]}:{m[3]}:{m[4] or '00'}+00:00")


def _wiki_values() -> list[tuple[str, datetime, datetime | None]]:
    """(TimestampRaw, snapshot time, recorder's own parsed instant or None), first seen of each text."""
    seen: dict[str, tuple[str, datetime, datetime | None]] = {}
    for path in _corpus(WIKI):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for section in ("OrbitalFlights", "SuborbitalFlights"):
            entry: dict[str, Any]
            for entry in doc.get(section) or []:
                stamp = entry.get("Timestamp")
                if isinstance(stamp, dict):  # later snapshots nest the raw text
                    raw, parsed = stamp.get("TimestampRaw"), stamp.get("Timestamp")
                else:
                    raw, parsed = entry.get("TimestampRaw"), stamp
                if not isinstance(raw, str) or raw in seen:
                    continue
                instant = (
                    parse_iso(parsed) if isinstance(parsed, str) and not parsed.startswith("0001") else None
                )
                seen[raw] = (raw, _snapshot_time(path), instant)
    return list(seen.values())


def _realwatch_values() -> list[tuple[str, datetime, datetime | None]]:
    seen: dict[str, tuple[str, datetime, datetime | None]] = {}
    for path in _corpus(REALWATCH):
        doc = json.loads(path.read_text(encoding="utf-8"))
        reference = parse_iso(doc["generated_at_utc"])
        for launch in doc["launches"]:
            text = launch["time_description"]
            if text not in seen:
                instant = launch.get("launch_time_utc")
                seen[text] = (text, reference, parse_iso(instant) if instant else None)
    return list(seen.values())


_HAS_TIME = re.compile(r"\d:\d\d")


def test_every_corpus_value_parses_or_raises_and_contains_the_recorded_instant() -> None:
    # The Wikipedia lists are "launches in 2022", so the year is given, not guessed.
    values: list[tuple[str, datetime, datetime | None, int | None]]
    values = [(text, ref, instant, 2022) for text, ref, instant in _wiki_values()]
    values += [(text, ref, instant, None) for text, ref, instant in _realwatch_values()]
    assert len(values) > 800, "the corpus looks incomplete"
    parsed = checked = 0
    failures: list[str] = []
    not_contained: list[str] = []
    for text, reference, instant, year in values:
        try:
            spec = parse_text(text, reference, year=year)
        except ValueError:
            failures.append(text)
            continue
        parsed += 1
        if instant is not None and _HAS_TIME.search(text):
            assert spec.earliest is not None and spec.latest is not None
            checked += 1
            if not spec.earliest <= instant < spec.latest:
                not_contained.append(f"{text!r}: {instant} not in [{spec.earliest}, {spec.latest})")
    rate = parsed / len(values)
    print(f"timetext corpus parse rate: {parsed}/{len(values)} = {rate:.1%}; unparsed: {failures}")
    assert rate > 0.97, f"parse rate {rate:.1%} is too low; unparsed: {failures}"
    assert not not_contained, not_contained
    assert checked > 250, f"only {checked} values had a recorded instant to check"


def test_realwatch_date_text_matches_the_scheduled_date() -> None:
    for path in _corpus(REALWATCH):
        doc = json.loads(path.read_text(encoding="utf-8"))
        reference = parse_iso(doc["generated_at_utc"])
        for launch in doc["launches"]:
            spec = parse_text(launch["date_text"], reference)
            assert spec.precision is Precision.DAY and spec.earliest is not None
            assert spec.earliest.date().isoformat() == launch["scheduled_date"], launch["date_text"]
