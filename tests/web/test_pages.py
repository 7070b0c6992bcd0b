"""The web view in a real headless browser, against the real server on loopback, over the
replayed Space Coast series: the list, an event page with its timeline and slip chart, and
the changes page load with everything they link (CSS, chart) answered without error."""

from __future__ import annotations

import re
from datetime import timedelta

import requests

from tests.web.conftest import MID_SERIES, Clock
from tracker.changes import slip_summary


def artemis(store):
    [event] = [e for e in store.find_events("Artemis II") if e.title == "SLS Block 1 | Artemis II"]
    return event


def test_the_upcoming_list_loads_in_a_browser(spacecoast, serve, browse):
    live = serve(spacecoast)
    dom = browse(f"{live.url}/", "upcoming")
    assert live.errors() == []
    assert ("GET", "/static/style.css", 200) in live.answers
    # Soonest first, none already past at the server's clock.
    expected = spacecoast.upcoming(MID_SERIES, limit=100)
    titles = re.findall(r'<a class="title" href="/events/(\d+)">', dom)
    assert titles and [int(t) for t in titles] == [e.id for e in expected]


def test_an_event_page_shows_its_timeline_and_chart(spacecoast, serve, browse):
    event = artemis(spacecoast)
    live = serve(spacecoast)
    dom = browse(f"{live.url}/events/{event.id}", "event-artemis-ii")
    assert live.errors() == []
    assert ("GET", f"/events/{event.id}/chart.png", 200) in live.answers
    slips, _total = slip_summary(spacecoast.changes(event_id=event.id))
    assert slips == 5
    assert f"Slips: <strong>{slips}</strong>" in dom
    assert "+54 d 21 h" in dom  # 2026-02-06 01:09 → 2026-04-01 22:35:12
    rows = re.findall(r"<tr class=\"[^\"]*\">\s*<td class=\"at\">", dom)
    assert len(rows) == len(spacecoast.history(event.id)) + sum(
        1 for c in spacecoast.changes(event_id=event.id) if c.kind.value == "dropped"
    )
    assert dom.count('<tr class="slip') == len({c.observed_at for c in spacecoast.changes(event_id=event.id)
                                                 if c.kind.value == "slip"})  # fmt: skip
    assert "spacecoast" in dom and "Last good fetch" in dom


def test_the_changes_page_loads_in_a_browser(spacecoast, serve, browse):
    live = serve(spacecoast, clock=Clock(MID_SERIES))
    dom = browse(f"{live.url}/changes?since=7d", "changes")
    assert live.errors() == []
    week = [
        c for c in spacecoast.changes(since=MID_SERIES - timedelta(days=7)) if c.observed_at <= MID_SERIES
    ]
    shown = re.findall(r'<li class="change-(\w+)">', dom)
    assert shown and len(shown) == min(len(week), 100)
    assert "→" in dom


def test_pages_are_phone_sized_and_carry_no_script(spacecoast, serve):
    live = serve(spacecoast)
    page = requests.get(f"{live.url}/", timeout=10)
    assert page.status_code == 200
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none';")
    assert "<script" not in page.text
