"""The detector: `classify_time` against every row of the GUIDE's change table, and `detect`.

Values are modelled on real series of the corpus (New Glenn NG-3, Artemis II,
Globalstar, Starlink 6-88, the README's 06:21:00 → 06:21:10 → 06:21:06 example), built
by hand with `span`/`between` so that each case states exactly what it compares.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tracker.changes import classify_time, describe_delta, detect, format_duration, total_delay
from tracker.models import ChangeKind, ChangeRecord, EventKind, EventSnapshot, Precision, TimeSpec
from tracker.timespec import between, span


def t(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def sec(*parts: int, net: bool = False) -> TimeSpec:
    return span(t(*parts), Precision.SECOND, net=net)


def minute(*parts: int, net: bool = False) -> TimeSpec:
    return span(t(*parts), Precision.MINUTE, net=net)


def hour(*parts: int, net: bool = False) -> TimeSpec:
    return span(t(*parts), Precision.HOUR, net=net)


def day(year: int, month: int, d: int, *, net: bool = False) -> TimeSpec:
    return span(t(year, month, d), Precision.DAY, net=net)


def month_end(year: int, month: int, last: int) -> TimeSpec:
    """LL2's month placeholder: the month's last day at midnight, precision M."""
    return span(t(year, month, last), Precision.MONTH, net=True)


def quarter_end(year: int, month: int, last: int) -> TimeSpec:
    return span(t(year, month, last), Precision.QUARTER, net=True)


def half_end(year: int, month: int, last: int) -> TimeSpec:
    return span(t(year, month, last), Precision.HALF, net=True)


TBD = TimeSpec.unknown()
TBD_NET = TimeSpec.unknown(net=True)

SLIP, ADVANCE, FIRMED, LOOSENED, RETIMED = (
    ChangeKind.SLIP,
    ChangeKind.ADVANCE,
    ChangeKind.FIRMED,
    ChangeKind.LOOSENED,
    ChangeKind.RETIMED,
)

CLASSIFY = [
    # --- slip: the new interval lies later
    pytest.param(day(2026, 3, 24), day(2026, 3, 26), SLIP, id="slip-day-march-24-to-26"),
    pytest.param(quarter_end(2026, 3, 31), month_end(2026, 4, 30), SLIP, id="slip-Q1-to-april"),
    pytest.param(month_end(2026, 3, 31), month_end(2026, 4, 30), SLIP, id="slip-NG3-march-to-april"),
    pytest.param(day(2026, 4, 14), day(2026, 4, 16), SLIP, id="slip-NG3-april-14-to-16"),
    pytest.param(minute(2026, 4, 18, 10, 45), minute(2026, 4, 19, 10, 45), SLIP, id="slip-minute-next-day"),
    pytest.param(day(2026, 1, 3), hour(2026, 1, 4, 5), SLIP, id="slip-day-to-next-day-hour-6-88"),
    pytest.param(minute(2026, 5, 20, 12, 4), month_end(2026, 6, 30), SLIP, id="slip-coarser-but-later"),
    pytest.param(sec(2026, 1, 4, 23, 59, 50), sec(2026, 1, 5, 0, 0, 10), SLIP, id="slip-across-utc-midnight"),
    pytest.param(
        between(t(2022, 10, 21), t(2022, 11, 1), Precision.WEEK),
        between(t(2022, 11, 12), t(2022, 11, 28), Precision.WEEK),
        SLIP,
        id="slip-late-october-to-12-27-november",
    ),
    # --- advance (pull-in): the new interval lies earlier
    pytest.param(minute(2026, 3, 7, 1, 29), minute(2026, 3, 3, 22, 30), ADVANCE, id="advance-artemis-ii"),
    pytest.param(day(2026, 2, 21), day(2026, 2, 20), ADVANCE, id="advance-day"),
    pytest.param(month_end(2026, 4, 30), month_end(2026, 3, 31), ADVANCE, id="advance-month"),
    pytest.param(day(2026, 2, 15), minute(2026, 2, 11, 11), ADVANCE, id="advance-crew-12-day-to-minute"),
    # --- firmed: finer and inside
    pytest.param(month_end(2026, 3, 31), day(2026, 3, 26), FIRMED, id="firmed-march-to-march-26"),
    pytest.param(day(2026, 3, 26), minute(2026, 3, 26, 10, 30), FIRMED, id="firmed-day-to-minute"),
    pytest.param(quarter_end(2026, 3, 31), month_end(2026, 1, 31), FIRMED, id="firmed-Q1-to-january"),
    pytest.param(half_end(2026, 6, 30), month_end(2026, 5, 31), FIRMED, id="firmed-H1-to-may-globalstar"),
    pytest.param(month_end(2026, 4, 30), day(2026, 4, 10), FIRMED, id="firmed-NG3-april-to-april-10"),
    pytest.param(hour(2026, 1, 3, 5), minute(2026, 1, 3, 5), FIRMED, id="firmed-hour-to-minute-same-start"),
    pytest.param(minute(2021, 1, 20, 6, 21), sec(2021, 1, 20, 6, 21, 10), FIRMED, id="firmed-062100-to-062110"),
    pytest.param(
        between(t(2022, 11, 12), t(2022, 11, 28), Precision.WEEK),
        minute(2022, 11, 14, 5, 7),
        FIRMED,
        id="firmed-12-27-november-to-14th",
    ),
    pytest.param(TBD, day(2026, 4, 10), FIRMED, id="firmed-TBD-to-day"),
    pytest.param(TBD_NET, quarter_end(2026, 6, 30), FIRMED, id="firmed-TBD-to-quarter"),
    pytest.param(TBD, sec(2026, 4, 1, 22, 35, 12), FIRMED, id="firmed-TBD-to-second"),
    # --- loosened: coarser, containing the old value
    pytest.param(minute(2026, 3, 26, 10, 30), day(2026, 3, 26), LOOSENED, id="loosened-minute-to-same-day"),
    pytest.param(day(2026, 3, 26), month_end(2026, 3, 31), LOOSENED, id="loosened-day-to-month"),
    pytest.param(minute(2026, 5, 20, 12, 4), month_end(2026, 5, 31), LOOSENED, id="loosened-globalstar-to-may"),
    pytest.param(month_end(2026, 3, 31), quarter_end(2026, 3, 31), LOOSENED, id="loosened-month-to-quarter"),
    pytest.param(minute(2026, 4, 19, 11, 25), TBD, LOOSENED, id="loosened-minute-to-TBD"),
    pytest.param(quarter_end(2026, 9, 30), TBD_NET, LOOSENED, id="loosened-quarter-to-TBD"),
    # --- retimed: same UTC day, time of day moved
    pytest.param(minute(2026, 3, 26, 10, 30), minute(2026, 3, 26, 11, 5), RETIMED, id="retimed-1030-to-1105"),
    pytest.param(minute(2026, 4, 19, 10, 45), minute(2026, 4, 19, 11, 25), RETIMED, id="retimed-NG3-launch-day"),
    pytest.param(minute(2026, 3, 26, 16, 44), minute(2026, 3, 26, 9, 42), RETIMED, id="retimed-earlier-same-day"),
    pytest.param(sec(2021, 1, 20, 6, 21, 10), sec(2021, 1, 20, 6, 21, 6), RETIMED, id="retimed-062110-to-062106"),
    pytest.param(minute(2026, 1, 4, 5, 0), sec(2026, 1, 4, 6, 48, 10), RETIMED, id="retimed-minute-to-second"),
    pytest.param(hour(2026, 4, 8, 12), minute(2026, 4, 8, 15), RETIMED, id="retimed-hour-to-minute-outside"),
    # --- nothing moved
    pytest.param(day(2026, 3, 26), day(2026, 3, 26), None, id="equal-day"),
    pytest.param(minute(2026, 3, 26, 10, 30), minute(2026, 3, 26, 10, 30), None, id="equal-minute"),
    pytest.param(month_end(2026, 3, 31), month_end(2026, 3, 31), None, id="equal-month-placeholder"),
    pytest.param(TBD, TimeSpec.unknown(), None, id="equal-TBD"),
    # --- only the NET flag changed
    pytest.param(day(2026, 2, 15), day(2026, 2, 15, net=True), LOOSENED, id="net-flag-set"),
    pytest.param(minute(2020, 12, 19, 18, net=True), minute(2020, 12, 19, 18), FIRMED, id="net-flag-cleared"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "expected"), CLASSIFY)
def test_classify_time(old: TimeSpec, new: TimeSpec, expected: ChangeKind | None):
    assert classify_time(old, new) is expected


# Reversing a move reverses its kind: each row is checked in both directions.
INVERSES = {SLIP: ADVANCE, ADVANCE: SLIP, FIRMED: LOOSENED, LOOSENED: FIRMED, RETIMED: RETIMED}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        p
        for p in CLASSIFY
        if p.values[2] in (SLIP, ADVANCE, FIRMED, LOOSENED, RETIMED) and "net-flag" not in p.id
    ],
)
def test_classify_time_reversed(old: TimeSpec, new: TimeSpec, expected: ChangeKind):
    assert classify_time(new, old) is INVERSES[expected]


# --- detail text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "detail"),
    [
        pytest.param(day(2026, 3, 24), day(2026, 3, 26), "+2 d", id="two-days"),
        pytest.param(day(2026, 4, 14), day(2026, 4, 16), "+2 d", id="NG3-14-to-16"),
        pytest.param(day(2026, 1, 3), hour(2026, 1, 4, 5), "+1 d 5 h", id="day-and-hours"),
        pytest.param(minute(2026, 3, 7, 1, 29), minute(2026, 3, 3, 22, 30), "-3 d 2 h", id="artemis-advance"),
        pytest.param(minute(2026, 3, 26, 10, 30), minute(2026, 3, 26, 11, 5), "+35 min", id="retime-35-min"),
        pytest.param(minute(2026, 4, 19, 10, 45), minute(2026, 4, 19, 11, 25), "+40 min", id="retime-40-min"),
        pytest.param(sec(2021, 1, 20, 6, 21, 10), sec(2021, 1, 20, 6, 21, 6), "-4 s", id="retime-4-s"),
        pytest.param(sec(2026, 1, 4, 5, 0, 10), sec(2026, 1, 4, 5, 14), "+13 min 50 s", id="min-and-s"),
        pytest.param(day(2026, 3, 26), day(2026, 3, 26), "", id="no-move"),
        pytest.param(TBD, day(2026, 3, 26), "", id="from-TBD"),
    ],
)
def test_describe_delta(old: TimeSpec, new: TimeSpec, detail: str):
    assert describe_delta(old, new) == detail


def test_format_duration_hours_without_minutes():

    assert format_duration(timedelta(hours=-5)) == "-5 h"
    assert format_duration(timedelta(days=10)) == "+10 d"


# --- detect --------------------------------------------------------------------------------


def snap(
    when: TimeSpec,
    status: str | None = "go",
    window: tuple[datetime | None, datetime | None] = (None, None),
    **other: object,
) -> EventSnapshot:
    base: dict[str, object] = {
        "source_ref": "ll2:9d9b0b6b-ng3",
        "kind": EventKind.LAUNCH,
        "title": "New Glenn | BlueBird Block 2 #2",
        "when": when,
        "status": status,
        "provider": "Blue Origin",
        "vehicle": "New Glenn",
        "site": "Launch Complex 36",
        "window_start": window[0],
        "window_end": window[1],
    }
    base.update(other)
    return EventSnapshot(**base)  # type: ignore[arg-type]


NG3 = minute(2026, 4, 19, 10, 45)
NG3_WINDOW = (t(2026, 4, 19, 10, 45), t(2026, 4, 19, 12, 45))


def test_detect_new():
    new = snap(NG3, "tbc")
    changes = detect(None, new)
    assert [c.kind for c in changes] == [ChangeKind.NEW]
    assert changes[0].new_when == NG3
    assert changes[0].new_status == "tbc"
    assert changes[0].old_when is None


def test_detect_identical_snapshots():
    assert detect(snap(NG3, window=NG3_WINDOW), snap(NG3, window=NG3_WINDOW)) == []


def test_detect_other_fields_only_are_not_changes():
    # Title/site edits are revisions, not alerts.
    assert detect(snap(NG3), snap(NG3, title="New Glenn | NG-3", site="LC-36")) == []


def test_detect_status_alone():
    changes = detect(snap(NG3, "tbc"), snap(NG3, "go"))
    assert [c.kind for c in changes] == [ChangeKind.STATUS]
    assert (changes[0].old_status, changes[0].new_status) == ("tbc", "go")
    assert changes[0].detail == ""


def test_detect_time_and_status_together():
    old = snap(day(2026, 4, 14), "tbc")
    new = snap(day(2026, 4, 16), "hold")
    changes = detect(old, new)
    assert [c.kind for c in changes] == [ChangeKind.SLIP, ChangeKind.STATUS]
    slip, status = changes
    assert (slip.old_when, slip.new_when) == (old.when, new.when)
    assert slip.detail == "+2 d"
    assert (status.old_status, status.new_status) == ("tbc", "hold")


@pytest.mark.parametrize(
    ("old_when", "new_when", "kind", "detail"),
    [
        pytest.param(day(2026, 3, 24), day(2026, 3, 26), SLIP, "+2 d", id="slip"),
        pytest.param(
            minute(2026, 3, 7, 1, 29), minute(2026, 3, 3, 22, 30), ADVANCE, "-3 d 2 h", id="advance"
        ),
        pytest.param(NG3, minute(2026, 4, 19, 11, 25), RETIMED, "+40 min", id="retimed"),
        pytest.param(month_end(2026, 4, 30), day(2026, 4, 10), FIRMED, "", id="firmed-no-detail"),
        pytest.param(NG3, TBD, LOOSENED, "", id="loosened-no-detail"),
    ],
)
def test_detect_time_change_detail(old_when, new_when, kind, detail):
    changes = detect(snap(old_when), snap(new_when))
    assert [(c.kind, c.detail) for c in changes] == [(kind, detail)]


def test_detect_window_change_when_t0_kept():
    later_close = (NG3_WINDOW[0], t(2026, 4, 19, 13, 15))
    changes = detect(snap(NG3, window=NG3_WINDOW), snap(NG3, window=later_close))
    assert [c.kind for c in changes] == [ChangeKind.WINDOW]
    assert changes[0].old_when == NG3 == changes[0].new_when


def test_detect_window_moving_with_t0_is_only_the_time_change():
    new_when = minute(2026, 4, 19, 11, 25)
    new_window = (t(2026, 4, 19, 11, 25), t(2026, 4, 19, 13, 25))
    changes = detect(snap(NG3, window=NG3_WINDOW), snap(new_when, window=new_window))
    assert [c.kind for c in changes] == [ChangeKind.RETIMED]


def test_detect_window_and_status_with_t0_kept():
    wider = (t(2026, 4, 19, 10, 0), NG3_WINDOW[1])
    changes = detect(snap(NG3, "tbc", window=NG3_WINDOW), snap(NG3, "go", window=wider))
    assert [c.kind for c in changes] == [ChangeKind.STATUS, ChangeKind.WINDOW]


def test_total_delay_adds_up_moves_not_refinements() -> None:
    """Falcon Heavy USSF-44 on Wikipedia: "NET 2022" → "NET October 2022" (firmed) → "late October"
    (slip) → "31 October 10:44" (firmed) → "1 November 13:40" (slip). Only the slips move it."""
    values = [
        (ChangeKind.FIRMED, span(t(2022, 1, 1), Precision.YEAR), span(t(2022, 10, 1), Precision.MONTH)),
        (ChangeKind.SLIP, span(t(2022, 10, 1), Precision.MONTH), between(t(2022, 10, 21), t(2022, 11, 1), Precision.DAY)),
        (ChangeKind.FIRMED, between(t(2022, 10, 21), t(2022, 11, 1), Precision.DAY), minute(2022, 10, 31, 10, 44)),
        (ChangeKind.SLIP, minute(2022, 10, 31, 10, 44), minute(2022, 11, 1, 13, 40)),
        (ChangeKind.STATUS, None, None),
    ]  # fmt: skip
    records = [
        ChangeRecord(
            i, 1, "Falcon Heavy | USSF-44", kind, t(2022, 9, 1), "wikipedia", "ref", old, new, None, None
        )
        for i, (kind, old, new) in enumerate(values)
    ]
    assert total_delay(records) == timedelta(days=20) + timedelta(hours=26, minutes=56)
    assert total_delay(records[:1]) is None and total_delay([]) is None
    advance = ChangeRecord(9, 1, "x", ChangeKind.ADVANCE, t(2022, 9, 1), "s", "r",
                           minute(2022, 11, 2, 0, 0), minute(2022, 11, 1, 13, 40), None, None)  # fmt: skip
    assert total_delay([records[3], advance]) == timedelta(hours=26, minutes=56) - timedelta(
        hours=10, minutes=20
    )
