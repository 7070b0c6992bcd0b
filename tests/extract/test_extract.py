"""Prose extraction: every shared corpus excerpt, hand-written forms, negatives, hostile input, CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner

from tests.helpers import HR, MIN, MON, D, H, Q, W, Y, corpus_dir
from tracker.cli.extract import extract_command
from tracker.extract import Finding, extract
from tracker.extract.times import expressions, read
from tracker.models import Precision, TimeSpec

PUB = datetime(2026, 3, 20, 12, tzinfo=UTC)  # a Friday


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def same_time(spec: TimeSpec | None, expected: tuple[Any, ...] | None) -> bool:
    """``expected`` is (earliest ISO, precision) or (earliest ISO, precision, net)."""
    if expected is None or spec is None:
        return expected is None and spec is None
    earliest, precision, *net = expected
    return spec.earliest == at(earliest) and spec.precision is precision and (not net or spec.net is net[0])


def check(
    f: Finding, name: str, event: str, change: str, new: Any, old: Any = None, delta: Any = None
) -> None:
    assert name in (f.vehicle, f.mission), f
    assert name in f.subject and (event in f.subject)
    assert f.event_type == event, f
    assert f.change == change, f
    assert same_time(f.new, new), f"new: {f.new} != {new}"
    assert same_time(f.old, old), f"old: {f.old} != {old}"
    assert f.delta == delta, f
    assert 0 <= f.confidence <= 1 and f.sentence


# ---- the shared corpus excerpts ------------------------------------------------------
# id -> (publication time used, expected findings in text order). Rows whose "published"
# is only a month get a day inside it (noted). Each expectation restates the row's
# `change` summary as far as the excerpt itself states it.

H24, DAY2 = timedelta(hours=24), timedelta(days=2)
EXPECTED: dict[str, tuple[str, list[tuple[Any, ...]]]] = {
    # "NET moved by 24 hours to 8 p.m. EDT Sept. 15" (= 00:00 UTC Sept. 16); no old date in the text.
    "inspiration4-spacecom-2021-09-10": (
        "2021-09-10",
        [("Inspiration4", "launch", "slip", ("2021-09-16T00:00", MIN, True), None, H24)],
    ),
    # "2021-09-15 UTC -> 2021-09-16 00:00 UTC (+24 h)"; published only "2021-09".
    "inspiration4-digitaltrends-2021-09": (
        "2021-09-11",
        [("Inspiration4", "launch", "slip", ("2021-09-16T00:00", MIN), ("2021-09-15", D), H24)],
    ),
    # "flight pushed past original NET of Thursday": a slip from NET Thursday, no new date.
    "sn10-staticfire-arketyp-2021-02": (
        "2021-02-24",  # a Wednesday in the week of the SN10 static fires
        [("Starship SN10", "launch", "slip", None, ("2021-02-25", D, True))],
    ),
    # "next static fire expected Thu 2021-02-25, flight attempt maybe Fri 2021-02-26".
    "sn10-spacenewslu-2021-02-24": (
        "2021-02-24",
        [
            ("Starship SN10", "static fire", "target", ("2021-02-25", D)),
            ("Starship SN10", "launch", "target", ("2021-02-26", D)),
        ],
    ),
    # "Friday 2021-03-26 -> Monday 2021-03-29".
    "sn11-teslarati-2021-03-28": (
        "2021-03-28",
        [("Starship SN11", "launch", "slip", ("2021-03-29", D), ("2021-03-26", D))],
    ),
    # "Saturday 2021-03-20 -> Sunday 2021-03-21 06:07 GMT".
    "soyuz-cas500-upnewsinfo-2021-03-20": (
        "2021-03-20",
        [("Soyuz-2.1a", "launch", "slip", ("2021-03-21T06:07", MIN), ("2021-03-20", D))],
    ),
    # "April 14 -> April 16 ET": April 14 is "by two days" before April 16.
    "newglenn-ng3-elbalad-2026-04": (
        "2026-04-12",
        [("New Glenn", "launch", "slip", ("2026-04-16", D), ("2026-04-14", D), DAY2)],
    ),
    # "rollout to pad 39B on 2026-03-20; launch NET April 1 2026".
    "artemis2-newssummedup-2026-03-20": (
        "2026-03-20",
        [
            ("Artemis II", "rollout", "occurred", ("2026-03-20", D)),
            ("Artemis II", "launch", "target", ("2026-04-01", D, True)),
        ],
    ),
    # "Artemis II September 2025 -> April 2026 (month precision); Artemis III -> mid-2027".
    "artemis2-internationalnews-2024-12": (
        "2024-12-06",
        [
            ("Artemis II", "launch", "slip", ("2026-04-01", MON), ("2025-09-01", MON)),
            ("Artemis III", "launch", "slip", ("2027-04-01", H)),
        ],
    ),
    # "2025 -> 2026 (year precision)".
    "soyuz5-tass-2024-10-02": (
        "2024-10-02",
        [("Soyuz-5", "launch", "slip", ("2026-01-01", Y), ("2025-01-01", Y))],
    ),
    # "end of 2025 -> Q1 2026": the excerpt states only the new plan, not the old date.
    "soyuz5-tass-2025-12-26": (
        "2025-12-26",
        [("Soyuz-5", "launch", "target", ("2026-01-01", Q))],
    ),
    # "'by the end of the year' (2025) -> TBD": end of year read as Sep-Dec (HALF).
    "soyuz5-unn-2025-12": (
        "2025-12-15",
        [("Soyuz-5", "launch", "tbd", ("", Precision.UNKNOWN), ("2025-09-01", H))],
    ),
}
# The row's change ("second SN10 static fire needed after engine swap; flight slips
# accordingly") is an inference: the excerpt states no date, amount or delay word.
NOT_STATED = {"sn10-staticfire-spaceexplored-2021-02-25"}


@pytest.fixture(scope="module")
def rows() -> dict[str, dict[str, Any]]:
    path = corpus_dir("news-prose-excerpts") / "news-excerpts-shared.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    return {row["id"]: row for row in (json.loads(line) for line in lines if line.strip())}


def test_every_corpus_row_has_an_expectation(rows: dict[str, dict[str, Any]]) -> None:
    assert set(rows) == set(EXPECTED) | NOT_STATED


def _check_row(f: Finding, want: tuple[Any, ...]) -> None:
    name, event, change, new, *rest = want
    old = rest[0] if rest else None
    delta = rest[1] if len(rest) > 1 else None
    if new is not None and new[1] is Precision.UNKNOWN:
        assert f.new is not None and not f.new.known
        new = None
        assert f.old is not None and same_time(f.old, old), f
        assert (f.vehicle, f.event_type, f.change) == (name, event, change)
        return
    check(f, name, event, change, new, old, delta)


@pytest.mark.parametrize("row_id", sorted(EXPECTED))
def test_corpus_excerpt(rows: dict[str, dict[str, Any]], row_id: str) -> None:
    published, wanted = EXPECTED[row_id]
    found = extract(rows[row_id]["excerpt"], at(published))
    assert len(found) == len(wanted), found
    for f, want in zip(found, wanted, strict=True):
        _check_row(f, want)


@pytest.mark.parametrize("row_id", sorted(NOT_STATED))
def test_corpus_excerpt_implied_slip(rows: dict[str, dict[str, Any]], row_id: str) -> None:
    """An engine swap after a static fire: another static fire, the flight slips. The text
    gives the date of the static fire that happened (Tuesday) and no new date."""
    (f,) = extract(rows[row_id]["excerpt"], at("2021-02-25"))
    assert f.change == "slip" and "SN10" in f.subject and f.event_type == "static fire"
    assert f.new is None and f.delta is None and f.confidence < 0.5
    assert f.old is not None and f.old.earliest == at("2021-02-23") and f.old.precision is Precision.DAY
    assert "switch that one out" in f.sentence


def test_an_engine_swap_needs_a_vehicle():
    assert extract("They will be needing to switch one of the engines out.", at("2021-02-25")) == []


# ---- hand-written forms ------------------------------------------------------------------

SOYUZ5 = (
    "The transport of the Soyuz-5 launch vehicle to the launch complex, initially scheduled for "
    "March 24, has been postponed to March 26"
)

FORMS: list[tuple[str, tuple[Any, ...]]] = [
    (SOYUZ5, ("Soyuz-5", "rollout", "slip", ("2026-03-26", D), ("2026-03-24", D))),
    (
        "Launch of SpaceX's private Inspiration4 mission slips by 24 hours",
        ("Inspiration4", "launch", "slip", None, None, H24),
    ),
    (
        "Blue Origin pushed the New Glenn launch back by two days to April 16.",
        ("New Glenn", "launch", "slip", ("2026-04-16", D), ("2026-04-14", D), DAY2),
    ),
    (
        "The Vulcan launch was delayed from Friday to Monday.",  # published on a Friday
        ("Vulcan", "launch", "slip", ("2026-03-23", D), ("2026-03-20", D)),
    ),
    ("ULA postponed the Atlas V launch to Sunday.", ("Atlas V", "launch", "slip", ("2026-03-22", D))),
    (
        "The Falcon 9 launch of Crew-12 is now scheduled for no earlier than Saturday at 11:36 p.m.",
        ("Crew-12", "launch", "target", ("2026-03-21T23:36", MIN, True)),
    ),
    (
        "The Crew-12 launch will now take place no earlier than 8 p.m. EDT Wednesday, March 25.",
        ("Crew-12", "launch", "target", ("2026-03-26T00:00", MIN, True)),
    ),
    (
        "The Vulcan launch is now set for 9:00 p.m. ET on December 10.",  # EST in December
        ("Vulcan", "launch", "target", ("2026-12-11T02:00", MIN)),
    ),
    (
        "The Space Launch System could blast off as early as April 1.",
        ("SLS", "launch", "target", ("2026-04-01", D, True)),
    ),
    (
        "NASA postponed the Artemis II flight to April 2026 (from its original date in September 2025).",
        ("Artemis II", "launch", "slip", ("2026-04-01", MON), ("2025-09-01", MON)),
    ),
    ("The NG-3 launch is set for Q1 2026.", ("NG-3", "launch", "target", ("2026-01-01", Q))),
    (
        "SpaceX moved up the Falcon 9 launch of Transporter-14 by one day to March 25.",
        ("Transporter-14", "launch", "advance", ("2026-03-25", D), ("2026-03-26", D), -timedelta(days=1)),
    ),
    (
        "The static fire of Booster 19 slipped to March 28 at 14:00 UTC.",
        ("Super Heavy Booster 19", "static fire", "slip", ("2026-03-28T14:00", MIN)),
    ),
    (
        "Rocket Lab scrubbed the Electron launch; the next attempt is Sunday.",
        ("Electron", "launch", "scrub", ("2026-03-22", D)),
    ),
    (
        "The Soyuz-5 debut is planned for the first quarter of next year.",
        ("Soyuz-5", "launch", "target", ("2027-01-01", Q)),
    ),
    # "<weekday>'s launch" is the planned day when the sentence moves it; the nearest such day.
    (
        "Due to Friday's scrub, NASA now targets Sunday for the Artemis II launch.",
        ("Artemis II", "launch", "scrub", ("2026-03-22", D), ("2026-03-20", D)),
    ),
    (
        "Blue Origin has not announced a new date for the New Glenn launch, which was scrubbed on Tuesday.",
        ("New Glenn", "launch", "scrub", None, ("2026-03-17", D)),  # the Tuesday before, not after
    ),
    # A plan named in passing is the old time when a verb moves it.
    (
        "A Falcon 9 launch scheduled for Saturday night was scrubbed at T-30 seconds; SpaceX will try "
        "again Sunday at 9:14 p.m. EDT.",
        ("Falcon 9", "launch", "scrub", ("2026-03-23T01:14", MIN), ("2026-03-21", D)),
    ),
    (
        "The H3 F6 launch, set for 10:52 a.m. JST on March 25, has been postponed indefinitely.",
        ("H3", "launch", "tbd", ("", Precision.UNKNOWN), ("2026-03-25T01:52", MIN)),
    ),
    # The date of a statement is neither a plan nor history.
    (
        "In a statement on March 18, Roscosmos said the Progress MS-34 launch was moved to March 29.",
        ("Progress MS-34", "launch", "slip", ("2026-03-29", D)),
    ),
    (
        "Roscosmos said in a statement that the Soyuz MS-29 launch is postponed to March 29.",
        ("Soyuz MS-29", "launch", "slip", ("2026-03-29", D)),
    ),
    (
        "The Crew-12 launch is set for March 27, two days later than the March 25 date NASA announced.",
        ("Crew-12", "launch", "slip", ("2026-03-27", D), ("2026-03-25", D), DAY2),
    ),
    (
        "The Crew-12 launch moved 24 hours earlier to Thursday.",
        ("Crew-12", "launch", "advance", ("2026-03-26", D), ("2026-03-27", D), -H24),
    ),
    (
        "The state commission decided to shift the launch of the Soyuz-2.1b to March 28.",
        ("Soyuz-2.1b", "launch", "slip", ("2026-03-28", D)),
    ),
    (  # history in one clause does not silence the next
        "Starship Flight 11 launched on Oct. 13, 2025; Flight 12 is expected no earlier than April.",
        ("Starship Flight 12", "launch", "target", ("2026-04-01", MON, True)),
    ),
]


@pytest.mark.parametrize(("text", "want"), FORMS, ids=[t[:40] for t, _ in FORMS])
def test_forms(text: str, want: tuple[Any, ...]) -> None:
    found = extract(text, PUB)
    assert len(found) == 1, found
    _check_row(found[0], want)


@pytest.mark.parametrize(
    "text",
    [
        "The Starlink 10-5 mission has been postponed to TBD.",
        "Russia postponed the Angara launch indefinitely.",
    ],
)
def test_postponed_without_a_date_is_tbd(text: str) -> None:
    (f,) = extract(text, PUB)
    assert f.change == "tbd" and f.new is not None and not f.new.known and f.old is None


def test_sentence_and_confidence() -> None:
    (f,) = extract("Intro line.\n" + SOYUZ5 + ". Nothing else.", PUB)
    assert f.sentence == SOYUZ5 + "."
    hedged = extract("The Electron launch might slip to Sunday.", PUB)[0]
    assert hedged.confidence < f.confidence and f.confidence >= 0.9


@pytest.mark.parametrize(
    "text",
    [
        "The rocket first flew on March 24, 2020.",
        "SpaceX launched Falcon 9 on March 24, 2020 from Florida.",
        "Falcon 9 has flown 400 times since 2010.",
        "Katalyst Space Technologies will launch a servicing spacecraft on an Ariane 6 in 2027.",
        "Seraphim Space CEO Mark Boggett said March 23 that funds are looking at the sector.",
        "Following the early departure of Crew-11 in mid-January, the station hosted new crew.",
        "Starship SN10's wait for a launch date, following weather-related delays, could soon be over.",
        "NASA announced on December 5 that it is delaying its Artemis Moon mission programs.",
        "The postponement was discussed at a press conference on March 3.",  # nothing named
        "The Artemis II launch window runs from April 1 to April 6.",  # a window, not a move
        "Falcon 9 will launch at 10:12 p.m. EDT, and the booster will attempt a landing 8 minutes later.",
        "Arianespace plans to launch Ariane 6 ten times in 2026.",  # a launch rate
        "Electron launches are planned roughly every two weeks through 2026.",
        "Weather is 80% go for Saturday's Falcon 9 launch of Starlink 10-40.",  # nothing moved
        "NASA will hold a media teleconference at 2 p.m. EDT Monday, March 23, about the Crew-12 launch.",
    ],
)
def test_no_schedule_change_no_finding(text: str) -> None:
    assert extract(text, PUB) == []


ROUNDUP = """Launch Roundup: Starship Flight 12 nears as Falcon 9 keeps up its cadence

SpaceX continues its busy March with three Falcon 9 launches planned this week. The first, Starlink \
10-40, is set to launch from SLC-40 at 5:30 p.m. EDT on Saturday. That mission was originally scheduled \
for Thursday but was pushed back due to recovery weather.

Falcon 9 has now launched 45 times in 2026. The booster supporting this mission, B1080, first flew in \
May 2023 and has flown 22 times.

In Texas, SpaceX completed a static fire of Ship 39 on Tuesday. Starship Flight 12 is expected no \
earlier than April 14, pending FAA approval.

Rocket Lab will close out the week with an Electron launch from Launch Complex 1 in New Zealand, with \
the launch window opening at 02:00 UTC on Sunday."""
RETURN_TO_FLIGHT = """ULA's Vulcan returns to flight

ULA's Vulcan rocket is set to return to flight on April 7 with the USSF-106 mission, nearly five \
months after its last launch on Nov. 4. The mission had been scheduled for March but slipped after an \
anomaly investigation into its solid rocket boosters. Tory Bruno said in 2024 that Vulcan would fly 20 \
times in 2025."""
RESULTS = """Rocket Lab reports record revenue, Neutron on track

Rocket Lab reported fourth-quarter revenue of $180 million on Thursday, up 36% from a year earlier. \
The company said Neutron remains on track for its first launch in the second half of 2026 from \
Wallops Island, Virginia. Electron launched 21 times in 2025. The company was founded in 2006."""


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        (
            ROUNDUP,  # "That mission" is the Starlink mission of the sentence before
            [
                ("Starlink 10-40", "launch", "slip", ("2026-03-21T21:30", MIN), ("2026-03-19", D)),
                ("Starship Flight 12", "launch", "target", ("2026-04-14", D, True)),
                ("Electron", "launch", "target", ("2026-03-22T02:00", MIN)),
            ],
        ),
        (
            RETURN_TO_FLIGHT,  # "its last launch on Nov. 4" is history, not the new date
            [("USSF-106", "launch", "slip", ("2026-04-07", D), ("2026-03-01", MON))],
        ),
        (RESULTS, []),
    ],
    ids=["roundup", "return-to-flight", "results"],
)
def test_articles(text: str, wanted: list[tuple[Any, ...]]) -> None:
    found = extract(text, PUB)
    assert len(found) == len(wanted), found
    for f, want in zip(found, wanted, strict=True):
        _check_row(f, want)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n ",
        "((((((((((",
        "postponed to " * 2000,
        "Falcon 9 postponed to February 30 and 99:99 p.m. ET on 13-45-21 by 99999 days",
        "Falcon 9 launch postponed from Monday to Q9 9999 (from 0000 GMT",
        "SN10 \x00\u202e\ufffd slipped to Sept. 31 " + "\u2013" * 100,
        "Falcon 9 delayed by 9999 weeks to December 31, 2199 at 11:59 p.m. PT",
        "x" * 300_000,
    ],
)
@pytest.mark.parametrize("published", [PUB, datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31)])
def test_hostile_input_never_raises(text: str, published: datetime) -> None:
    found = extract(text, published)
    assert isinstance(found, list)
    assert all(isinstance(f, Finding) for f in found)


# ---- prose time forms ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "earliest", "latest", "precision"),
    [
        ("slipped to late spring 2027", "2027-05-01", "2027-06-01", MON),
        ("is targeting this summer", "2026-06-01", "2026-09-01", Q),
        ("delayed to autumn", "2026-09-01", "2026-12-01", Q),
        ("moved into the fall of 2026", "2026-09-01", "2026-12-01", Q),
        ("slips to early fall", "2026-09-01", "2026-10-01", MON),
        ("postponed to between April 8 and April 10", "2026-04-08", "2026-04-11", W),
        ("set for between 8 and 10 April", "2026-04-08", "2026-04-11", W),
        ("on March 24 between 10:00 and 12:00 UTC", "2026-03-24T10:00", "2026-03-24T12:01", HR),
        ("no earlier than the week of March 30", "2026-03-30", "2026-04-06", W),
        ("the next opportunity is 48 hours from now", "2026-03-22", "2026-03-23", D),
        ("a couple of days from now", "2026-03-22", "2026-03-23", D),
    ],
)
def test_prose_time_forms(text: str, earliest: str, latest: str, precision: Precision) -> None:
    (group,) = expressions(text)
    found = read(group, PUB)
    assert found is not None
    assert (found.spec.earliest, found.spec.latest, found.spec.precision) == (
        at(earliest),
        at(latest),
        precision,
    )


@pytest.mark.parametrize(
    "text",
    [
        "slipped to this winter",  # which year a winter is named after varies
        "slipped to next summer",  # written in March: this year's summer or next year's?
    ],
)
def test_prose_time_forms_refused(text: str) -> None:
    (group,) = expressions(text)
    assert read(group, PUB) is None


@pytest.mark.parametrize("text", ["Launch prices may fall in 2027.", "Falcon 9 flies in the spring rain."])
def test_season_words_that_are_not_seasons(text: str) -> None:
    assert all(g[0].kind != "season" for g in expressions(text))


def test_a_weekday_something_was_done_on_is_the_one_before() -> None:
    """Written on a Monday, "scrubbed on Tuesday" is six days back, not tomorrow."""
    monday = datetime(2026, 3, 16, 12, tzinfo=UTC)
    text = "Blue Origin has not announced a new date for the New Glenn launch, which was scrubbed on Tuesday."
    (f,) = extract(text, monday)
    assert f.change == "scrub" and same_time(f.old, ("2026-03-10", D))
    (group,) = expressions("rolled out on Tuesday")
    found = read(group, monday, past=True)
    assert found is not None and found.spec.earliest == at("2026-03-10")


def test_month_amounts_count_calendar_months() -> None:
    (f,) = extract("Blue Origin pushed the New Glenn launch back by two months to May 31.", PUB)
    assert f.change == "slip" and f.delta == timedelta(days=60)
    assert same_time(f.new, ("2026-05-31", D)) and same_time(f.old, ("2026-03-31", D))


# ---- the command ------------------------------------------------------------------


def test_cli_prints_findings_as_json() -> None:
    result = CliRunner().invoke(extract_command, ["--published", "2026-03-20", SOYUZ5])
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.output)
    assert item["subject"] == "Soyuz-5 rollout" and item["change"] == "slip"
    assert item["new"]["earliest"] == "2026-03-26T00:00:00Z" and item["new"]["precision"] == "day"
    assert item["old"]["earliest"] == "2026-03-24T00:00:00Z"
    assert item["sentence"] == SOYUZ5 and item["confidence"] > 0.5 and item["delta_seconds"] is None


@pytest.mark.parametrize("args", [["--published", "2021-09-10T12:00Z", "-"], ["--published", "2021-09-10"]])
def test_cli_reads_stdin(args: list[str]) -> None:
    text = "Launch of SpaceX's private Inspiration4 mission slips by 24 hours"
    result = CliRunner().invoke(extract_command, args, input=text)
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.output)
    assert item["delta_seconds"] == 86400 and item["new"] is None


def test_cli_bad_published_is_a_usage_error() -> None:
    result = CliRunner().invoke(extract_command, ["--published", "next tuesday", "x"])
    assert result.exit_code == 2
    assert "--published" in result.output and "Traceback" not in result.output


def test_cli_default_published_is_now() -> None:
    result = CliRunner().invoke(extract_command, ["The Electron launch is postponed to December 31."])
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.stdout)
    assert item["new"]["earliest"].endswith("-12-31T00:00:00Z")
    assert "no --published" in result.stderr and "(now)" in result.stderr


def test_cli_with_published_says_nothing_on_stderr() -> None:
    result = CliRunner().invoke(extract_command, ["--published", "2026-03-20", SOYUZ5])
    assert result.exit_code == 0 and result.stderr == ""


@pytest.mark.parametrize(
    ("text", "published", "new"),
    [
        (  # a dateline without a year: the most recent December 25 on or before "now"
            "VOSTOCHNY, December 25. /TASS/. The launch of the Angara-A5 rocket has been postponed to "
            "December 27 due to a technical issue.",
            "2025-12-25T00:00:00Z",
            "2025-12-27T00:00:00Z",
        ),
        (  # "Friday" after a Wednesday in 2021, not after "now"
            "Starlink 17 slips again\nPublished: March 3, 2021\nSpaceX has delayed the Falcon 9 launch "
            "of Starlink 17 to Friday.",
            "2021-03-03T00:00:00Z",
            "2021-03-05T00:00:00Z",
        ),
    ],
    ids=["dateline", "published-line"],
)
def test_cli_reads_the_publication_date_from_the_text(
    monkeypatch: pytest.MonkeyPatch, text: str, published: str, new: str
) -> None:
    monkeypatch.setattr("tracker.cli.extract._now", lambda: datetime(2026, 3, 20, 12, tzinfo=UTC))
    result = CliRunner().invoke(extract_command, [text])
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.stdout)
    assert item["new"]["earliest"] == new
    assert published in result.stderr and "the text's" in result.stderr


def test_cli_an_old_article_without_a_date_keeps_nothing_past(monkeypatch: pytest.MonkeyPatch) -> None:
    """Why --published matters: read against now, a plan for a day gone by is an old quote."""
    monkeypatch.setattr("tracker.cli.extract._now", lambda: datetime(2026, 3, 20, 12, tzinfo=UTC))
    text = "The Crew-2 launch is scheduled for April 22, 2021."
    assert json.loads(CliRunner().invoke(extract_command, [text]).stdout) == []
    result = CliRunner().invoke(extract_command, ["--published", "2021-04-20", text])
    (item,) = json.loads(result.stdout)
    assert item["change"] == "target" and item["new"]["earliest"] == "2021-04-22T00:00:00Z"
