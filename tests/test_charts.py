"""The slip chart: which values it draws, and that any title renders (no math text, no
control characters) into a PNG."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracker.charts import slip_chart, steps
from tracker.models import EventKind, EventSnapshot, Precision, RevisionRecord, TimeSpec
from tracker.timespec import span

T = datetime(2027, 3, 1, tzinfo=UTC)


def rev(n: int, when: TimeSpec, *, disagrees: bool = False) -> RevisionRecord:
    snap = EventSnapshot("r", EventKind.LAUNCH, "x", when)
    return RevisionRecord(n, T + timedelta(days=n), "src", "r", snap, disagrees)


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_steps_keep_the_values_that_set_the_event() -> None:
    march = span(T, Precision.MONTH, net=True)
    day = span(T + timedelta(days=24), Precision.DAY)
    later = span(T + timedelta(days=26), Precision.DAY)
    other_source = span(T + timedelta(days=40), Precision.DAY)
    revisions = [rev(0, march), rev(1, march), rev(2, TimeSpec.unknown()), rev(3, day),
                 rev(4, other_source, disagrees=True), rev(5, later)]  # fmt: skip
    got = steps(revisions)
    assert [s.when for s in got] == [march, day, later]  # repeats, TBD and disagreements left out
    assert [s.observed_at.day for s in got] == [1, 4, 6]


def test_a_chart_needs_two_values_and_draws_any_title() -> None:
    one = [rev(0, span(T, Precision.DAY))]
    assert slip_chart("x", one, UTC, T + timedelta(days=30)) is None
    moving = [rev(i, span(T + timedelta(days=20 + 3 * i), Precision.MINUTE)) for i in range(4)]
    for title in ("Falcon 9 | $x^2$ \\frac{1}{2} $", "Союз-5 | 首飞 \x1b[31m <b>&", "x" * 500):
        png = slip_chart(title, moving, UTC, T + timedelta(days=10), "3 slips, +9 d in total")
        assert png is not None and png_size(png) == (880, 495)
