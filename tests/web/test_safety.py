"""Bad input gets a clear 4xx page (JSON under /api), never a traceback; every scraped value is
escaped in pages and feeds, and a scraped link is only ever an http(s) link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser
import pytest
import requests
from icalendar import Calendar

from tests.helpers import apply, snap
from tests.web.conftest import Clock
from tracker.models import EventKind, EventSnapshot, Precision
from tracker.store.repo import Store
from tracker.timespec import span

T = datetime(2026, 3, 20, tzinfo=UTC)
HOSTILE = '<script>alert("t")</script> Türksat & <img src=x onerror=alert(1)> "q" \x1b[31mred'
EVIL_SITE = "</td></tr></table><b>pad</b>"


@pytest.fixture
def store(sqlite_url):
    opened = Store.open(sqlite_url)
    first = EventSnapshot("h1", EventKind.LAUNCH, HOSTILE, span(datetime(2026, 3, 24, 10, 0, tzinfo=UTC),
                          Precision.MINUTE), "go", "launch", "Evil <Corp>", "Rocket<1>", None, EVIL_SITE,
                          url="javascript:alert(2)")  # fmt: skip
    apply(opened, [first, snap("r1")], T)
    moved = EventSnapshot("h1", EventKind.LAUNCH, HOSTILE, span(datetime(2026, 3, 26, 11, 0, tzinfo=UTC),
                          Precision.MINUTE), "hold", "launch", "Evil <Corp>", "Rocket<1>", None, EVIL_SITE,
                          url="javascript:alert(2)")  # fmt: skip
    apply(opened, [moved, snap("r1")], T + timedelta(hours=2))
    yield opened
    opened.close()


def hostile_id(store: Store) -> int:
    [event] = [e for e in store.upcoming(T) if e.title == HOSTILE]
    return event.id


def test_every_scraped_value_is_escaped(store, serve):
    live = serve(store, clock=Clock(T + timedelta(hours=3)))
    event = hostile_id(store)
    for path in ("/", f"/events/{event}", "/changes", "/stats?by=provider", "/?q=Türksat"):
        page = requests.get(live.url + path, timeout=10)
        assert page.status_code == 200, path
        html = page.text
        assert "<script" not in html and "<img src=x" not in html and "<b>pad</b>" not in html, path
        assert "\x1b" not in html, path
        if path != "/stats?by=provider":
            assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; Türksat &amp; &lt;img" in html, path
            assert "\\x1b[31mred" in html, path  # the control character made visible
        assert "javascript:" not in html, path
    assert "Evil &lt;Corp&gt;" in requests.get(f"{live.url}/stats?by=provider", timeout=10).text
    atom = requests.get(f"{live.url}/feeds/changes.atom", timeout=10)
    feed = feedparser.parse(atom.content)
    assert not feed.bozo
    titles = [e.title for e in feed.entries]
    visible = HOSTILE.replace("\x1b", "\\x1b")
    assert f"Delayed: {visible}" in titles
    assert b"<script" not in atom.content and b"javascript:" not in atom.content
    cal = Calendar.from_ical(requests.get(f"{live.url}/feeds/calendar.ics", timeout=10).content)
    [entry] = [e for e in cal.walk("VEVENT") if str(e["uid"]) == f"event-{event}@{'127.0.0.1'}"]
    assert str(entry["summary"]).startswith('<script>alert("t")</script>')  # text, as the calendar shows it
    assert "javascript:" not in str(entry["url"]) and "javascript:" not in str(entry["description"])
    api = requests.get(f"{live.url}/api/events/{event}", timeout=10).json()
    assert api["title"] == HOSTILE  # JSON carries the value as it is; the reader escapes it


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/events/424242", 404, "There is no event #424242."),
        ("/events/99999999999999999999999", 404, "There is no event"),
        ("/events/abc", 404, "There is no such page here."),
        ("/nowhere", 404, "There is no such page here."),
        ("/?colour=red", 400, "unknown parameter &#39;colour&#39;"),
        ("/?q=bogus:x", 400, "unknown filter &#39;bogus&#39;"),
        ('/?q="unclosed', 400, "No closing quotation"),
        ("/?q=event:abc", 400, "should be an event id"),
        ("/?vehicle=Falcon&q=vehicle:Electron", 400, "vehicle is given twice"),
        ("/?page=0", 400, "page should be a number from 1 to 1000"),
        ("/?page=99999999999", 400, "page should be a number"),
        ("/?vehicle=" + "x" * 500, 400, "vehicle is too long"),
        ("/?q=" + "x" * 5000, 414, "the query is too long"),
        ("/changes?since=yesterday", 400, "since &#39;yesterday&#39;: use 24h, 7d, 2w or an ISO date"),
        ("/changes?since=99999999999999w", 400, "reaches back before the year 1"),
        ("/changes?change=explosion", 400, "change should be one or more of slip"),
        ("/stats?by=colour", 400, "by should be one of all, provider, vehicle, site, kind"),
        ("/events/1?x=1", 400, "unknown parameter"),
        ("/unsubscribe?token=forged", 400, "not valid"),
        ("/feeds/s/forged/calendar.ics", 404, "no feed at this address"),
        ("/feeds/calendar.ics?q=bogus:x", 400, "unknown filter"),
    ],
)
def test_bad_input_gets_a_clear_page(store, serve, path, status, says):
    live = serve(store)
    answer = requests.get(live.url + path, timeout=10)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert says in answer.text
    assert "Traceback" not in answer.text


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/api/events/424242", 404, "There is no event #424242."),
        ("/api/upcoming?limit=100000", 400, "limit should be a number from 1 to 1000"),
        ("/api/changes?since=soon", 400, "since 'soon'"),
        ("/api/upcoming?q=bogus:x", 400, "unknown filter 'bogus'"),
        ("/api/nothing", 404, "There is no such page here."),
    ],
)
def test_bad_input_to_the_api_gets_json(store, serve, path, status, says):
    live = serve(store)
    answer = requests.get(live.url + path, timeout=10)
    assert answer.status_code == status
    assert answer.json() == {"error": answer.json()["error"], "status": status}
    assert says in answer.json()["error"]


def test_a_huge_unsubscribe_form_is_refused(store, serve):
    live = serve(store)
    answer = requests.post(f"{live.url}/unsubscribe", data={"token": "x" * 100_000}, timeout=10)
    assert answer.status_code == 413 and "too large" in answer.text


def test_a_wrong_method_is_refused_plainly(store, serve):
    live = serve(store)
    answer = requests.post(f"{live.url}/", timeout=10)
    assert answer.status_code == 405 and "Traceback" not in answer.text


def test_without_matplotlib_the_event_page_says_so(store, serve, monkeypatch):
    """The chart is an optional extra: the page still loads, and says what is missing."""
    from tracker.web import views

    monkeypatch.setattr(views, "_charts_installed", lambda: False)
    live = serve(store, clock=Clock(T + timedelta(hours=3)))
    event = hostile_id(store)
    page = requests.get(f"{live.url}/events/{event}", timeout=10)
    assert page.status_code == 200 and "The slip chart needs matplotlib" in page.text
    assert "chart.png" not in page.text
    chart = requests.get(f"{live.url}/events/{event}/chart.png", timeout=10)
    assert chart.status_code == 501 and "pip install" in chart.text


def test_without_the_web_extra_tracker_serve_says_what_to_install(monkeypatch, tmp_path):
    import importlib.util

    from click.testing import CliRunner

    from tracker.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a)
    )
    config = tmp_path / "tracker.toml"
    config.write_text(f'sources = []\n[database]\nurl = "sqlite:///{tmp_path / "t.db"}"\n')
    result = CliRunner().invoke(main, ["--config", str(config), "serve"])
    assert result.exit_code == 2
    assert "tracker serve needs uvicorn: install the web extra" in result.output
