"""Nesting bombs in markup (HTML, iCalendar) are the page's fault: a recorded
``parse_error`` that says so, no revision, no traceback in the log. JSON has its own
depth limit (``[http] max_depth``, see the fault matrix)."""

from __future__ import annotations

import logging

import pytest

from tests.helpers import T0
from tracker.models import FetchOutcome, RawDocument
from tracker.pipeline import DropGuard, ingest
from tracker.sources import build_source
from tracker.store.repo import Store

DEPTH = 100_000
DEEP_HTML = (
    b"<html><body><table>"
    + b"<div>" * DEPTH
    + b"Launch March 24"
    + b"</div>" * DEPTH
    + b"</table></body></html>"
)
DEEP_ICS = (
    b"BEGIN:VCALENDAR\r\n" + b"BEGIN:VEVENT\r\n" * 50_000 + b"END:VEVENT\r\n" * 50_000 + b"END:VCALENDAR\r\n"
)

CASES = [
    ("html", {"item": "tr", "title": "td"}, DEEP_HTML),
    ("spaceflightinsider", None, DEEP_HTML),
    ("ical", None, DEEP_ICS),
]


@pytest.mark.parametrize(("kind", "options", "body"), CASES, ids=[c[0] for c in CASES])
def test_a_markup_nesting_bomb_is_a_recorded_parse_error(sqlite_url, caplog, kind, options, body):
    store = Store.open(sqlite_url)
    try:
        source = build_source(kind, kind, "http://127.0.0.1/", **({"options": options} if options else {}))
        caplog.set_level(logging.INFO, logger="tracker")
        with store.source_run(kind, kind, "", T0) as run:
            result = ingest(run, source, RawDocument(body, T0, url="http://127.0.0.1/"), DropGuard())
        assert result.outcome is FetchOutcome.PARSE_ERROR
        assert "nested too deeply" in (result.error or "")
        assert result.revisions == 0
        (health,) = store.sources()
        assert health.last_outcome == "parse_error" and health.runs == 1
        assert not [r for r in caplog.records if r.exc_info], "a page's fault logged as a bug"
    finally:
        store.close()
