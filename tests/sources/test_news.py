"""The "news" source: article feeds in, dated schedule changes out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import feedparser  # type: ignore[import-untyped]
import pytest
from pydantic import ValidationError

from tests.helpers import ROOT, corpus_dir
from tracker.errors import ParseError
from tracker.models import EventKind, Precision, RawDocument
from tracker.sources import source_class
from tracker.sources.news import NewsFeed, article_text

OBSERVED = datetime(2026, 3, 24, 17, tzinfo=UTC)
SOYUZ5 = (
    "The transport of the Soyuz-5 launch vehicle to the launch complex, initially scheduled for "
    "March 24, has been postponed to March 26."
)


def doc(body: bytes) -> RawDocument:
    return RawDocument(body, OBSERVED, "https://example.org/feed")


def feeds() -> list[Path]:
    found = sorted(corpus_dir("rss-news-2026").glob("*.rss.xml"))
    assert len(found) == 2
    return found


def rss(items: list[tuple[str, str, str, str]]) -> bytes:
    """An RSS 2.0 feed of (guid, pubDate, title, description) items."""
    body = "".join(
        f"<item><guid>{escape(g)}</guid><link>{escape(g)}</link><pubDate>{p}</pubDate>"
        f"<title>{escape(t)}</title><description>{escape(d)}</description></item>"
        for g, p, t, d in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        f"<link>https://example.org/</link><description>d</description>{body}</channel></rss>"
    ).encode()


@pytest.fixture(scope="module")
def excerpts() -> dict[str, dict[str, Any]]:
    path = corpus_dir("news-prose-excerpts") / "news-excerpts-shared.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    return {row["id"]: row for row in (json.loads(line) for line in lines if line.strip())}


def test_registered() -> None:
    assert source_class("news") is NewsFeed


@pytest.mark.parametrize("path", feeds(), ids=lambda p: p.name)
def test_corpus_feeds_state_no_dated_change(path: Path) -> None:
    """Both recorded feeds carry only teasers; none states a dated schedule change."""
    raw = path.read_bytes()
    parsed = NewsFeed("news", options={"min_confidence": 0.0}).parse(doc(raw))
    assert parsed.complete is False
    assert parsed.items == []
    entries = feedparser.parse(raw).entries
    assert len(entries) == 10 and all(article_text(e) for e in entries)  # the text was read


def _entry(title_start: str) -> Any:
    for path in feeds():
        for entry in feedparser.parse(path.read_bytes()).entries:
            if entry.title.startswith(title_start):
                return entry
    raise AssertionError(f"no item titled {title_start!r}")


@pytest.mark.parametrize(
    "title_start",
    [
        "Launch Preview: Russia to debut Soyuz-5",  # names the debut, gives no date in the teaser
        "SLS enters pad flow ahead of historic Artemis II",  # arrived at the pad: no date stated
        "Arianespace to launch Katalyst",  # "will launch ... in 2027": a contract, not a change
        "Amazon Leo targets faster deployment cadence",  # a launch rate, no date
        "NASA halts work on Gateway",  # unrelated
    ],
)
def test_specific_corpus_items_yield_nothing(title_start: str) -> None:
    from tracker.extract import extract

    entry = _entry(title_start)
    text = article_text(entry)
    assert title_start.split(":")[0] in text and " - NASASpaceFlight.com" not in text
    assert extract(text, OBSERVED) == []


def test_articles_with_changes(excerpts: dict[str, dict[str, Any]]) -> None:
    ng3 = excerpts["newglenn-ng3-elbalad-2026-04"]["excerpt"].split("\n", 1)
    unn = excerpts["soyuz5-unn-2025-12"]["excerpt"]
    body = rss(
        [
            (
                "https://example.org/soyuz-5",
                "Mon, 23 Mar 2026 09:00:00 +0000",
                "Soyuz-5 rollout delayed",
                SOYUZ5,
            ),
            ("https://example.org/ng-3", "Sun, 12 Apr 2026 15:00:00 +0000", ng3[0], ng3[1]),
            ("https://example.org/unn", "Mon, 15 Dec 2025 10:00:00 +0000", "Soyuz-5 postponed", unn),
            (
                "https://example.org/gateway",
                "Tue, 24 Mar 2026 16:09:46 +0000",
                "NASA halts work on Gateway",
                "x",
            ),
        ]
    )
    source = NewsFeed("news")
    parsed = source.parse(doc(body))
    assert parsed.complete is False
    by_ref = {s.source_ref: s for s in parsed.items}
    # The postponement with no new date (unn) has no usable time: no snapshot.
    assert set(by_ref) == {
        "https://example.org/soyuz-5#soyuz-5-rollout",
        "https://example.org/ng-3#new-glenn-launch",
    }
    rollout = by_ref["https://example.org/soyuz-5#soyuz-5-rollout"]
    assert (rollout.title, rollout.kind, rollout.type, rollout.vehicle) == (
        "Soyuz-5 | rollout",
        EventKind.EVENT,
        "rollout",
        "Soyuz-5",
    )
    assert (
        rollout.when.earliest == datetime(2026, 3, 26, tzinfo=UTC) and rollout.when.precision is Precision.DAY
    )
    assert rollout.url == "https://example.org/soyuz-5"
    launch = by_ref["https://example.org/ng-3#new-glenn-launch"]
    assert (launch.title, launch.kind, launch.vehicle) == (
        "New Glenn | launch",
        EventKind.LAUNCH,
        "New Glenn",
    )
    assert launch.when.earliest == datetime(2026, 4, 16, tzinfo=UTC)
    # Stable identities: the same document parses to the same refs.
    assert [s.source_ref for s in source.parse(doc(body)).items] == [s.source_ref for s in parsed.items]
    # min_confidence filters: no finding here scores a full 1.0.
    assert NewsFeed("news", options={"min_confidence": 1.0}).parse(doc(body)).items == []


def test_atom_content_and_html_are_read() -> None:
    body = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:feed</id>
<updated>2026-03-23T10:00:00Z</updated>
<entry><id>urn:a1</id><title>Soyuz-5 news - Example.com</title><link href="https://example.org/a1"/>
<updated>2026-03-23T10:00:00Z</updated><published>2026-03-23T10:00:00Z</published>
<content type="html">&lt;p&gt;Intro.&lt;/p&gt;&lt;p&gt;{escape(SOYUZ5)}&lt;/p&gt;</content></entry></feed>""".encode()
    (snap,) = NewsFeed("news").parse(doc(body)).items
    assert snap.source_ref == "urn:a1#soyuz-5-rollout" and snap.url == "https://example.org/a1"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<!DOCTYPE html><html><body>Access denied</body></html>",
        b"not a feed at all",
        "truncated",
    ],
)
def test_malformed_feed_is_a_parse_error(body: bytes | str) -> None:
    if body == "truncated":
        body = feeds()[0].read_bytes()[:3000]
    assert isinstance(body, bytes)
    with pytest.raises(ParseError):
        NewsFeed("news").parse(doc(body))


@pytest.mark.parametrize("options", [{"min_confidence": 1.5}, {"min_confidence": -0.1}, {"confidence": 0.5}])
def test_options_are_checked(options: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        NewsFeed("news", options=options)


def test_example_config_is_valid() -> None:
    from tracker.config.load import load_config

    cfg = load_config(ROOT / "config" / "examples" / "news.toml", env={})
    (source,) = cfg.sources
    assert source.kind == "news" and source.name == "nsf-news"
    assert source.options.model_dump() == {
        "min_confidence": 0.5, "alert_confidence": 0.7, "new_event_confidence": 0.8,
        "follow_links": True, "follow_if": None, "max_articles": 10,
    }  # fmt: skip


def test_russian_example_config_is_valid() -> None:
    import re

    from tracker.config.load import load_config

    cfg = load_config(ROOT / "config" / "examples" / "news-ru.toml", env={})
    (source,) = cfg.sources
    assert source.kind == "news" and source.url.startswith("https://tass.ru/")
    pattern = source.options.follow_if
    assert re.search(pattern, "Пуск ракеты «Союз-5» с космодрома Байконур перенесли")
    assert not re.search(pattern, "Курс доллара вырос")
