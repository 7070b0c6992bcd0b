"""Rendered alerts against a golden file reviewed by eye: the words, the honest precision
and the escaping of every kind of alert, as text (console, plain mail) and as Telegram HTML.

Set UPDATE_GOLDEN=1 to rewrite tests/fixtures/alerts-golden.txt after a deliberate change,
then read the diff before committing it."""

from __future__ import annotations

import dataclasses
import itertools
import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.helpers import FIXTURES
from tracker.models import Briefing, ChangeKind, ChangeRecord, EventKind, EventRecord, Precision, TimeSpec
from tracker.notify.render import Alert, render_html, render_text
from tracker.timespec import between, span

GOLDEN = FIXTURES / "alerts-golden.txt"
SEEN = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)
MSK, NY, PARIS = ZoneInfo("Europe/Moscow"), ZoneInfo("America/New_York"), ZoneInfo("Europe/Paris")
HOSTILE = 'Falcon 9 <b>Block 5</b> & </a> "Türksat 5A"\x1b[31m red'


def t(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=UTC)


def event(title: str, when: TimeSpec, *, kind: EventKind = EventKind.LAUNCH, type_: str = "launch",
          vehicle: str = "Soyuz-5", site: str = "Baikonur Cosmodrome, Site 45") -> EventRecord:  # fmt: skip
    return EventRecord(1, kind, type_, title, when, "go", "RKK Progress", vehicle, None, site, True, SEEN)


def change(n: int, kind: ChangeKind, old: TimeSpec | None, new: TimeSpec | None, title: str = "x",
           old_status: str | None = None, new_status: str | None = None) -> ChangeRecord:  # fmt: skip
    return ChangeRecord(n, 1, title, kind, SEEN, "ll2-events", "9001", old, new, old_status, new_status)


def cases() -> list[tuple[str, Alert]]:
    rollout = event("Soyuz-5 rollout to the launch pad", span(t(3, 26), Precision.DAY), kind=EventKind.EVENT,
                    type_="rollout")  # fmt: skip
    slip = change(1, ChangeKind.SLIP, span(t(3, 24), Precision.DAY), span(t(3, 26), Precision.DAY))
    night = event("Falcon 9 Block 5 | Starlink Group 10-40", span(t(3, 10, 16, 20), Precision.MINUTE),
                  vehicle="Falcon 9 Block 5", site="SLC-40, Cape Canaveral SFS")  # fmt: skip
    path = [span(t(3, 10, 15, 30), Precision.MINUTE), span(t(3, 10, 16, 5), Precision.MINUTE),
            span(t(3, 10, 16, 20), Precision.MINUTE)]  # fmt: skip
    retimes = tuple(
        change(i + 2, ChangeKind.RETIMED, a, b) for i, (a, b) in enumerate(itertools.pairwise(path))
    )
    maiden = event("Soyuz-5 | Maiden flight", span(t(4, 4, 9, 15), Precision.MINUTE))
    firmed = change(5, ChangeKind.FIRMED, span(t(4, 1), Precision.MONTH, net=True), maiden.when)
    hold = change(6, ChangeKind.STATUS, None, None, old_status="go", new_status="hold")
    loosened = change(7, ChangeKind.LOOSENED, maiden.when, between(t(4, 1), t(7, 1), Precision.QUARTER))
    new = change(8, ChangeKind.NEW, None, span(t(5, 1), Precision.MONTH, net=True))
    dropped = change(9, ChangeKind.DROPPED, maiden.when, None)
    hostile = event(HOSTILE, span(t(3, 12, 1, 2), Precision.MINUTE), vehicle="Falcon 9 <script>",
                    site="LC-39A & <Pad>")  # fmt: skip
    hostile_slip = change(10, ChangeKind.SLIP, span(t(3, 11, 1, 2), Precision.MINUTE), hostile.when)
    link = "https://spacelaunchnow.me/launch/soyuz-5-maiden-flight/"
    window = change(11, ChangeKind.WINDOW, night.when, night.when)
    window = dataclasses.replace(window, old_window=(t(3, 10, 16, 20), t(3, 10, 16, 20)),
                                 new_window=(t(3, 10, 16, 20), t(3, 10, 18, 5)))  # fmt: skip
    on_hold = change(12, ChangeKind.STATUS, None, None, old_status="go", new_status="hold")
    liftoff = change(13, ChangeKind.STATUS, None, None, old_status="go", new_status="in_flight")
    failed = change(14, ChangeKind.STATUS, None, None, old_status="in_flight", new_status="failure")
    held = dataclasses.replace(night, status="hold")
    briefing = Briefing(webcast="https://www.youtube.com/watch?v=abc&t=<1>", probability=70,
                        weather="Cumulus <clouds> & winds", hold_reason="Ground <b>system</b> issue",
                        fail_reason="Stage 2 & <engine>", note="Scrubbed for weather; next attempt \x1b[31m")  # fmt: skip
    return [
        ("slip of a day-precision rollout, in Moscow time",
         Alert((1,), "change", rollout, (slip,), MSK, slips=1, total_delay=timedelta(days=2), source="ll2-events",
               checked_at=SEEN, link=link)),
        ("three launch-night retimes coalesced into one path, in New York",
         Alert((2, 3), "change", night, retimes, NY, source="ll2-launches", checked_at=SEEN)),
        ("NET month firmed to a minute, with a status change to hold",
         Alert((4,), "change", maiden, (firmed, hold), PARIS, source="ll2-launches", link=link)),
        ("a minute loosened to a quarter",
         Alert((5,), "change", maiden, (loosened,), PARIS, slips=3, total_delay=timedelta(days=12, hours=5))),
        ("a new event, NET a month", Alert((6,), "change", maiden, (new,), PARIS)),
        ("dropped from a list", Alert((7,), "change", maiden, (dropped,), PARIS, source="ll2-launches")),
        ("a reminder an hour before T-0", Alert((8,), "reminder", maiden, (), PARIS, lead=timedelta(hours=1))),
        ("a window change shows both windows",
         Alert((10,), "change", night, (window,), NY, source="ll2-launches")),
        ("a hold at T-3 min with the source's reason, odds, weather and note (all hostile)",
         Alert((11,), "change", night, (on_hold,), NY, briefing=briefing)),
        ("a reminder at T-1 h shows the current status and the webcast",
         Alert((12,), "reminder", held, (), NY, lead=timedelta(hours=1), briefing=briefing)),
        ("a T-24 h reminder has no webcast yet",
         Alert((13,), "reminder", night, (), NY, lead=timedelta(hours=24), briefing=briefing)),
        ("liftoff carries the webcast",
         Alert((14,), "change", night, (liftoff,), NY, briefing=briefing)),
        ("a failure with its reason",
         Alert((15,), "change", night, (failed,), NY, briefing=briefing)),
        ("a hostile title, vehicle, site and link",
         Alert((9,), "change", hostile, (hostile_slip,), UTC, slips=1, total_delay=timedelta(days=1),
               source="rss <feed>", link='https://example.org/?a=1&b="<2>"')),
    ]  # fmt: skip


def render_all() -> str:
    out = []
    for name, alert in cases():
        out += [f"=== {name}", "--- text", render_text(alert), "--- html", render_html(alert), ""]
    return "\n".join(out)


def test_rendered_alerts_match_the_golden_file() -> None:
    got = render_all()
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(got, encoding="utf-8")
    assert got == GOLDEN.read_text(encoding="utf-8")


def test_golden_file_escapes_every_hostile_value() -> None:
    html_parts = [
        part.split("--- html\n", 1)[1] for part in GOLDEN.read_text(encoding="utf-8").split("=== ")[1:]
    ]
    for part in html_parts:
        assert "<script>" not in part and "<Pad>" not in part and "\x1b" not in part
        for tag in ("<b>", "</b>", "<a href", "</a>"):
            part = part.replace(tag, "")
        assert "<" not in part.replace("&lt;", "")
