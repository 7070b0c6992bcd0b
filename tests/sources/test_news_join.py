"""News joined to the events other sources know: a recorded LL2 snapshot and a recorded article
served from a loopback server, through the polite HTTP layer; alerts only from confident,
uncontradicted findings; Russian feeds read like English ones."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from tests.fakes.recorded_server import RecordedServer, Reply, recorded_server
from tests.helpers import ROOT, corpus_dir
from tracker.follows import parse_filter
from tracker.matching import (
    Candidate,
    best_match,
    claim_alert_blocker,
    claim_may_create,
    claim_similarity,
    latin,
)
from tracker.models import (
    ChangeKind,
    ChannelKind,
    Claim,
    EventKind,
    EventRecord,
    EventSnapshot,
    Precision,
    RawDocument,
)
from tracker.pipeline import DropGuard, poll, replay
from tracker.sources import build_source
from tracker.sources.http import Http, HttpSettings
from tracker.sources.news import NewsFeed, article_text
from tracker.store.repo import Store
from tracker.timespec import span

FIXTURES = ROOT / "tests" / "fixtures"
INSPIRATION4 = "621d64e6-0513-45dc-8ffa-c9fd56518398"  # its LL2 id


def rss(items: list[tuple[str, str, str, str]], encoding: str = "utf-8") -> bytes:
    """An RSS 2.0 feed of (link, pubDate, title, teaser) items."""
    body = "".join(
        f"<item><guid>{escape(g)}</guid><link>{escape(g)}</link><pubDate>{p}</pubDate>"
        f"<title>{escape(t)}</title><description>{escape(d)}</description></item>"
        for g, p, t, d in items
    )
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>t</title>'
        f"<link>https://example.org/</link><description>d</description>{body}</channel></rss>"
    ).encode(encoding)


@pytest.fixture
def server() -> Iterator[RecordedServer]:
    with recorded_server() as srv:
        yield srv


@pytest.fixture
def http() -> Iterator[Http]:
    client = Http(HttpSettings(host_interval_seconds=0, retries=0), sleep=lambda _: None)
    yield client
    client.close()


def ll2_files(*days: str) -> list[Path]:
    folder = corpus_dir("ll2-launch-upcoming-2020-2021")
    return [folder / f"ll2-launch-upcoming-2021-09-{day}T1120Z.json" for day in days]


def news_source(server: RecordedServer, **options: Any) -> NewsFeed:
    source = build_source("news", "news", f"{server.url}/feed.xml", options, trust=20)
    assert isinstance(source, NewsFeed)
    return source


def test_a_news_finding_about_an_ll2_launch_joins_its_timeline(
    db_url: str, server: RecordedServer, http: Http, tmp_path: Path
) -> None:
    store = Store.open(db_url)
    try:
        store.subscriptions.add("fan", "UTC", [(ChannelKind.CONSOLE, str(tmp_path / "sink.txt"))], {})
        store.subscriptions.follow("fan", parse_filter(["all"]))
        ll2 = build_source("ll2-launches", "ll2-launches", trust=50)
        list(replay(store, ll2, ll2_files("09", "10")))  # NET 2021-09-15 00:00 UTC
        article = f"{server.url}/space/spacex-inspiration4-launch-delay/"
        server.routes["/space/spacex-inspiration4-launch-delay/"] = Reply(
            (FIXTURES / "news-article-digitaltrends-inspiration4.html").read_bytes(), content_type="text/html"
        )
        teaser = "The crew of SpaceX’s first all-civilian mission will have to wait just a little longer."
        feed = rss([(article, "Fri, 10 Sep 2021 20:00:00 +0000",
                     "Launch of SpaceX Inspiration4 mission pushed back by a day", teaser)])  # fmt: skip
        server.routes["/feed.xml"] = Reply(feed, content_type="application/rss+xml")
        news = news_source(server)
        news_run = poll(store, news, http, DropGuard(0.0))
        assert news_run.outcome.value == "ok" and news_run.items >= 1, news_run.error
        assert [p for p, _ in server.requests] == ["/feed.xml", "/space/spacex-inspiration4-launch-delay/"]

        (event,) = store.find_events("Inspiration4")
        idents = {i.source: i for i in store.identities(event.id)}
        assert set(idents) == {"ll2-launches", "news"}  # one timeline, not two
        assert idents["ll2-launches"].decides and idents["ll2-launches"].source_ref == INSPIRATION4
        assert "Inspiration4 (launch)" in (idents["news"].match_reason or "")
        assert "read from “But this has now been pushed back by 24 hours" in (
            idents["news"].match_reason or ""
        )
        (said,) = [r for r in store.history(event.id) if r.source == "news"]
        assert said.disagrees and said.snapshot.when.t0 == datetime(2021, 9, 16, tzinfo=UTC)
        assert event.when.t0 == datetime(2021, 9, 15, tzinfo=UTC)  # LL2, more trusted, still decides
        assert store.changes(event_id=event.id, kinds={ChangeKind.SLIP}) == []  # news alone moves nothing

        later = next(
            r for _, r in replay(store, ll2, ll2_files("11"), alerts="recorded")
        )  # LL2 moves it: the alert is LL2's
        (slip,) = store.changes(event_id=event.id, kinds={ChangeKind.SLIP})
        assert (
            slip.source == "ll2-launches"
            and slip.new_when
            and slip.new_when.t0 == datetime(2021, 9, 16, 0, 1, tzinfo=UTC)
        )
        assert later.deliveries >= 1

        news_again = poll(store, news, http, DropGuard(0.0))  # the same item: the page is not fetched again
        assert news_again.outcome.value == "ok"
        assert [p for p, _ in server.requests].count("/space/spacex-inspiration4-launch-delay/") == 1
    finally:
        store.close()


def test_the_history_shows_the_disagreement(
    db_url: str, server: RecordedServer, http: Http, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from tracker.cli import main

    db = f"sqlite:///{tmp_path / 'h.db'}" if db_url.startswith("sqlite") else db_url
    store = Store.open(db)
    try:
        list(replay(store, build_source("ll2-launches", "ll2-launches"), ll2_files("10")))
        server.routes["/a"] = Reply((FIXTURES / "news-article-digitaltrends-inspiration4.html").read_bytes(),
                                    content_type="text/html")  # fmt: skip
        server.routes["/feed.xml"] = Reply(
            rss([(f"{server.url}/a", "Fri, 10 Sep 2021 20:00:00 +0000", "x", "y")])
        )
        poll(store, news_source(server), http, DropGuard(0.0))
    finally:
        store.close()
    out = CliRunner().invoke(main, ["--database", db, "--tz", "UTC", "history", "Inspiration4"]).output
    assert "news (trust 20)" in out and "disagrees with the decided value" in out, out
    assert "2021-09-16 00:00 UTC" in out and "now: 2021-09-15 (time TBD)" in out, out


# ---- alerts: confident and not contradicted ----------------------------------------------------

T = datetime(2030, 5, 1, tzinfo=UTC)


def day(d: int) -> Any:
    return span(T + timedelta(days=d), Precision.DAY)


def claim_snap(ref: str, new: int, old: int | None, confidence: float, **kw: Any) -> EventSnapshot:
    claim = Claim(confidence, day(old) if old is not None else None, "slip", 0.8, 0.7)
    return EventSnapshot(ref, EventKind.EVENT, "Soyuz-5 | rollout", day(new), type="rollout",
                         vehicle=kw.pop("vehicle", "Soyuz-5"), claim=claim, **kw)  # fmt: skip


def schedule_snap(ref: str, d: int, vehicle: str = "Союз-5") -> EventSnapshot:
    return EventSnapshot(ref, EventKind.EVENT, f"{vehicle} rollout to the launch pad", day(d), status="go",
                         type="rollout", vehicle=vehicle)  # fmt: skip


class Fixed:
    """A source that serves the snapshots it is given (the pipeline's part is what is tested)."""

    def __init__(self, name: str, trust: int, complete: bool = True) -> None:
        self.name, self.kind, self.trust, self.url = name, "fixed", trust, ""
        self.items: list[EventSnapshot] = []
        self.complete = complete

    def fetch(self, http: Any, **_: Any) -> RawDocument:
        return RawDocument(b"x", datetime.now(UTC), status=200)

    def parse(self, doc: RawDocument) -> Any:
        from tracker.models import Parsed

        return Parsed(list(self.items), self.complete)


def run(store: Store, source: Fixed, *items: EventSnapshot) -> Any:
    source.items = list(items)
    return poll(store, source, None, DropGuard(0.0))  # type: ignore[arg-type]


@pytest.fixture
def alerting(sqlite_url: str, tmp_path: Path) -> Iterator[Store]:
    store = Store.open(sqlite_url)
    store.subscriptions.add("fan", "UTC", [(ChannelKind.CONSOLE, str(tmp_path / "sink.txt"))], {})
    store.subscriptions.follow("fan", parse_filter(["all"]))
    yield store
    store.close()


def test_contradicted_or_unsure_findings_send_no_alert(alerting: Store) -> None:
    store = alerting
    schedule, news = Fixed("roscosmos", 60), Fixed("news", 20, complete=False)
    run(store, schedule, schedule_snap("r1", 24))
    run(store, news, claim_snap("seed", 40, None, 0.9, vehicle="Angara-A5"))  # baseline run of news
    run(store, schedule, schedule_snap("r1", 24))  # listed, unchanged: it decides

    confident = run(store, news, claim_snap("a1#soyuz-5", 26, 24, 0.95))
    assert confident.deliveries == 0 and confident.changes == []  # contradicted: roscosmos says the 24th
    (event,) = [e for e in store.find_events("rollout") if e.vehicle == "Союз-5"]
    assert {i.source for i in store.identities(event.id)} == {"roscosmos", "news"}

    run(
        store, schedule, schedule_snap("r2", 90)
    )  # the schedule no longer lists it: news may now say what moved
    unsure = run(store, news, claim_snap("a2#soyuz-5", 27, 26, 0.6))
    (quiet,) = unsure.changes
    assert unsure.deliveries == 0 and quiet.kind is ChangeKind.SLIP
    assert "not alerted: read from news with confidence 0.60" in quiet.detail
    sure = run(store, news, claim_snap("a3#soyuz-5", 28, 27, 0.9))
    assert [c.kind for c in sure.changes] == [ChangeKind.SLIP] and sure.deliveries == 1
    assert [i.source for i in store.identities(event.id)].count("news") == 3  # three articles, one event


def test_an_unmatched_finding_makes_an_event_only_when_sure(alerting: Store) -> None:
    store = alerting
    news = Fixed("news", 20, complete=False)
    run(store, news, claim_snap("seed", 40, None, 0.9, vehicle="Angara-A5"))  # baseline
    unsure = run(store, news, claim_snap("b1#proton", 5, 3, 0.7, vehicle="Proton-M"))
    assert unsure.revisions == 0 and store.find_events("Proton") == []
    sure = run(store, news, claim_snap("b2#proton", 5, 3, 0.85, vehicle="Proton-M"))
    assert [c.kind for c in sure.changes] == [ChangeKind.NEW] and sure.deliveries == 1


# ---- the matching rule ---------------------------------------------------------------------------


def record(title: str, d: int, *, kind: EventKind = EventKind.LAUNCH, type_: str = "launch",
           vehicle: str | None = None, mission: str | None = None, id_: int = 1) -> EventRecord:  # fmt: skip
    return EventRecord(id_, kind, type_, title, day(d), "go", None, vehicle, mission, None, True, T)


@pytest.mark.parametrize(
    ("snap", "event", "joins"),
    [
        # Cyrillic names in the spelling of the English-language press
        (
            claim_snap("x", 2, 0, 0.9, vehicle="Союз-5"),
            record("Soyuz-5 rollout", 0, kind=EventKind.EVENT, type_="rollout", vehicle="Soyuz-5"),
            True,
        ),
        (
            EventSnapshot(
                "x",
                EventKind.LAUNCH,
                "Союз МС-25",
                day(1),
                type="launch",
                mission="Союз МС-25",
                claim=Claim(0.9),
            ),
            record("Soyuz 2.1a | Soyuz MS-25", 0, mission="Soyuz MS-25"),
            True,
        ),
        (
            EventSnapshot(
                "x",
                EventKind.LAUNCH,
                "Союз МС-26",
                day(1),
                type="launch",
                mission="Союз МС-26",
                claim=Claim(0.9),
            ),
            record("Soyuz 2.1a | Soyuz MS-25", 0, mission="Soyuz MS-25"),
            False,
        ),
        # a spacewalk is an EVA; the numbers must agree
        (
            EventSnapshot(
                "x",
                EventKind.EVENT,
                "US EVA 90",
                day(0),
                type="spacewalk",
                mission="US EVA 90",
                claim=Claim(0.9),
            ),
            record("US EVA-90", 1, kind=EventKind.EVENT, type_="EVA"),
            True,
        ),
        (
            EventSnapshot(
                "x",
                EventKind.EVENT,
                "US EVA 91",
                day(0),
                type="spacewalk",
                mission="US EVA 91",
                claim=Claim(0.9),
            ),
            record("US EVA-90", 1, kind=EventKind.EVENT, type_="EVA"),
            False,
        ),
        # a rollout is not the launch; a date far from the event's is another event
        (claim_snap("x", 2, 0, 0.9), record("Soyuz-5 | Maiden flight", 0, vehicle="Soyuz-5"), False),
        (
            claim_snap("x", 60, 50, 0.9, vehicle="Союз-5"),
            record("Soyuz-5 rollout", 0, kind=EventKind.EVENT, type_="rollout", vehicle="Soyuz-5"),
            False,
        ),
        # the old date the text states is near the event's value: the event has not moved yet
        (
            claim_snap("x", 30, 1, 0.9),
            record("Soyuz-5 rollout", 0, kind=EventKind.EVENT, type_="rollout", vehicle="Soyuz-5"),
            True,
        ),
        # a vehicle the event does not name
        (
            claim_snap("x", 2, 0, 0.9, vehicle="Angara-A5"),
            record("Soyuz-5 rollout", 0, kind=EventKind.EVENT, type_="rollout", vehicle="Soyuz-5"),
            False,
        ),
    ],
)
def test_claim_matching(snap: EventSnapshot, event: EventRecord, joins: bool) -> None:
    assert (claim_similarity(snap, event) is not None) is joins


def test_two_candidates_equally_good_is_no_match() -> None:
    a = record("Falcon 9 | Starlink A", 0, vehicle="Falcon 9", id_=1)
    b = record("Falcon 9 | Starlink B", 1, vehicle="Falcon 9", id_=2)
    snap = EventSnapshot("x", EventKind.LAUNCH, "Falcon 9 | launch", day(2), type="launch", vehicle="Falcon 9",
                         claim=Claim(0.9))  # fmt: skip
    assert best_match(snap, [Candidate(a, frozenset()), Candidate(b, frozenset())]) is None


def test_the_bars_for_new_events_and_alerts() -> None:
    assert latin("Союз МС-25 с Восточного") == "Soyuz MS-25 s Vostochnogo"
    assert claim_may_create(Claim(0.8)) and not claim_may_create(Claim(0.79))
    assert claim_alert_blocker(Claim(0.9), None) is None
    assert "confidence 0.50" in (claim_alert_blocker(Claim(0.5), None) or "")
    assert "ll2, a more trusted source" in (claim_alert_blocker(Claim(0.9), "ll2") or "")


# ---- Russian feeds -------------------------------------------------------------------------------


def test_a_russian_feed_and_article_in_windows_1251(server: RecordedServer, http: Http) -> None:
    """Encoding, dates with a +0300 offset, and the article's main text (no menu, no related
    headline) read from a Russian page served in windows-1251, as RIA and many regional sites do."""
    page = (FIXTURES / "news-article-aif-vkd48.html").read_text(encoding="utf-8")
    page = page.replace('<meta charset="utf-8">', '<meta charset="windows-1251">')
    server.routes["/society/science/vkd48"] = Reply(
        page.encode("cp1251"), content_type="text/html; charset=windows-1251"
    )
    title = "Следующий выход с МКС в открытый космос могут отложить"
    feed = rss([(f"{server.url}/society/science/vkd48", "Sat, 20 Feb 2021 13:05:00 +0300", title, "Тизер.")],
               encoding="windows-1251")  # fmt: skip
    server.routes["/feed.xml"] = Reply(feed, content_type="application/rss+xml; charset=windows-1251")
    source = news_source(server, follow_if="(?i)космо|ракет|пуск")
    doc = source.fetch(http)
    (link,) = doc.linked
    import feedparser  # type: ignore[import-untyped]

    (entry,) = feedparser.parse(doc.body).entries
    text = article_text(entry, doc.linked[link])
    lines = text.splitlines()
    assert lines[0] == title
    assert "ВКД-48, ранее намеченный на март 2021 года, может быть перенесен на июнь" in text
    assert "Ангара" not in text and "Главная" not in text and "права защищены" not in text
    assert entry.published_parsed[:5] == (2021, 2, 20, 10, 5)  # 13:05 Moscow time is 10:05 UTC
    source.parse(doc)  # reads without error, whatever the prose reader finds in it


def test_items_the_filter_passes_over_and_the_budget_are_read_from_their_teaser(
    server: RecordedServer, http: Http
) -> None:
    items = [
        (f"{server.url}/p{n}", "Sat, 20 Feb 2021 13:05:00 +0300", f"Rocket story {n}", "t") for n in range(4)
    ]
    items.append((f"{server.url}/other", "Sat, 20 Feb 2021 13:05:00 +0300", "Football scores", "t"))
    for n in range(4):
        server.routes[f"/p{n}"] = Reply(b"<html><body><article><p>Text.</p></article></body></html>",
                                        content_type="text/html")  # fmt: skip
    server.routes["/feed.xml"] = Reply(rss(items))
    source = news_source(server, follow_if="(?i)rocket", max_articles=2)
    assert len(source.fetch(http).linked) == 2
    assert len(source.fetch(http).linked) == 4  # the two kept ones cost nothing: two more fit the budget
    assert "/other" not in [p for p, _ in server.requests]
    server.routes["/p0"] = Reply(b"gone", status=404)
    assert len(source.fetch(http).linked) == 4  # still kept under the same item date


def test_a_feed_whose_articles_state_no_change_is_a_good_fetch(
    sqlite_url: str, server: RecordedServer, http: Http
) -> None:
    """Most polls of a news feed find nothing: that is not an empty document (nor a failing source)."""
    server.routes["/feed.xml"] = Reply(
        rss([(f"{server.url}/q", "Sat, 20 Feb 2021 13:05:00 +0300", "Quiet day", "t")])
    )
    server.routes["/q"] = Reply(b"<html><body><article><p>Nothing moved.</p></article></body></html>")
    store = Store.open(sqlite_url)
    try:
        result = poll(store, news_source(server), http, DropGuard(0.0))
        assert (result.outcome.value, result.items) == ("ok", 0)
        server.routes["/feed.xml"] = Reply(rss([]))
        assert poll(store, news_source(server), http, DropGuard(0.0)).outcome.value == "empty"
    finally:
        store.close()


def test_a_schedule_listing_an_event_news_made_first_joins_it_and_decides(alerting: Store) -> None:
    store = alerting
    news, schedule = Fixed("news", 20, complete=False), Fixed("roscosmos", 60)
    run(store, news, claim_snap("seed", 40, None, 0.9, vehicle="Angara-A5"))  # baseline
    run(store, news, claim_snap("a1#soyuz-5", 26, 24, 0.9))  # news first: an event of its own
    run(store, schedule, schedule_snap("other", 70, "Ангара-А5"))  # the schedule's baseline
    listed = run(store, schedule, schedule_snap("r1", 26), schedule_snap("other", 70, "Ангара-А5"))
    (event,) = [e for e in store.find_events("rollout") if e.vehicle in ("Союз-5", "Soyuz-5")]
    idents = {i.source: i for i in store.identities(event.id)}
    assert set(idents) == {"news", "roscosmos"} and idents["roscosmos"].decides
    assert "the event names only Soyuz-5 (rollout)" in (idents["roscosmos"].match_reason or "")
    assert [c.kind for c in listed.changes] == []  # same value as the news said: nothing moved


def test_without_the_news_extra_no_page_is_fetched_and_the_teaser_is_read(
    server: RecordedServer, http: Http, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "trafilatura", None)  # as if the [news] extra were not installed
    link = f"{server.url}/soyuz-5"
    teaser = "The rollout of Soyuz-5, initially scheduled for March 24, has been postponed to March 26."
    server.routes["/soyuz-5"] = Reply(b"<html><body><p>Page.</p></body></html>", content_type="text/html")
    server.routes["/feed.xml"] = Reply(
        rss([(link, "Fri, 20 Mar 2026 09:00:00 +0000", "Soyuz-5 news", teaser)])
    )
    source = news_source(server, follow_if="(?i)soyuz")
    doc = source.fetch(http)
    assert doc.linked == {} and "/soyuz-5" not in [p for p, _ in server.requests]
    (snap,) = source.parse(doc).items
    assert snap.vehicle == "Soyuz-5" and snap.when.earliest is not None and snap.when.earliest.day == 26


def test_kept_pages_outlive_the_process_so_cron_polls_ask_no_page_twice(
    server: RecordedServer, tmp_path: Path
) -> None:
    items = [
        (f"{server.url}/p{n}", "Sat, 20 Feb 2021 13:05:00 +0300", f"Rocket story {n}", "t") for n in range(3)
    ]
    for n in range(3):
        server.routes[f"/p{n}"] = Reply(f"<html><body><p>Story {n}.</p></body></html>".encode(),
                                        content_type="text/html")  # fmt: skip
    server.routes["/feed.xml"] = Reply(rss(items))
    source = news_source(server, follow_if="(?i)rocket")

    def poll_in_a_new_process(keep: int = 500) -> dict[str, bytes]:
        client = Http(
            HttpSettings(host_interval_seconds=0, retries=0), sleep=lambda _: None, pages=tmp_path / "pages"
        )
        client.keep_pages = keep
        try:
            return source.fetch(client).linked
        finally:
            client.close()

    def page_requests() -> int:
        return sum(1 for path, _ in server.requests if path.startswith("/p"))

    assert len(poll_in_a_new_process()) == 3 and page_requests() == 3
    again = poll_in_a_new_process()  # a new process: the pages come from the disk
    assert len(again) == 3 and page_requests() == 3
    assert b"Story 2." in again[f"{server.url}/p2"]
    server.routes["/feed.xml"] = Reply(
        rss([(f"{server.url}/p2", "Sun, 21 Feb 2021 09:00:00 +0300", "Rocket story 2", "t")])
    )
    poll_in_a_new_process(keep=2)  # the item was updated: its page is asked again
    assert page_requests() == 4
    assert len(list((tmp_path / "pages").glob("*.page"))) == 2  # the oldest forgotten past keep_pages
