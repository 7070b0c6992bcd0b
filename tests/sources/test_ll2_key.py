"""An LL2 API key: sent as ``Authorization: Token`` on every page, and the polling budget follows
the key's own limit as LL2's ``api-throttle`` endpoint states it."""

from __future__ import annotations

import json

import pytest

from tests.fakes.recorded_server import Reply, recorded_server
from tests.helpers import launch, page
from tracker.sources import build_source
from tracker.sources.http import Http, HttpSettings
from tracker.sources.ll2 import hourly_limit, throttle_url

THROTTLE = {"ident": "key-7", "your_request_limit": 300, "limit_frequency_secs": 3600, "current_use": 12,
            "next_use_secs": 0}  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_throttle_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.sources.ll2._throttles", {})


def source(url: str, env: str = "TEST_LL2_KEY"):
    return build_source("ll2-launches", "ll2", f"{url}/2.3.0/launches/upcoming/", {"api_key_env": env})


def test_the_key_goes_with_every_page_and_sets_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_LL2_KEY", "s3cret")
    with recorded_server() as server:
        http = Http(HttpSettings(host_interval_seconds=0, respect_robots=False))
        try:
            first = page([launch(1, "2030-01-01T10:00:00Z")], next_url=f"{server.url}/2.3.0/launches/upcoming/?offset=1",
                         count=2)  # fmt: skip
            server.queue = [Reply(first), Reply(page([launch(2, "2030-01-02T10:00:00Z")], count=2))]
            ll2 = source(server.url)
            doc = ll2.fetch(http)
            assert len(ll2.parse(doc).items) == 2
            server.queue = [Reply(json.dumps(THROTTLE).encode())]
            assert ll2.budget_per_hour(8, http) == 8 * 300 // 15  # 160: the free tier's share, scaled
            assert ll2.budget_per_hour(6, http) == 120  # asked once, then remembered for an hour
        finally:
            http.close()
    paths = [path for path, _ in server.requests]
    assert paths[2] == "/2.3.0/api-throttle/" and len(paths) == 3
    assert all(headers.get("Authorization") == "Token s3cret" for _, headers in server.requests)


def test_without_a_key_nothing_is_asked_and_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_LL2_KEY", raising=False)
    with recorded_server() as server:
        http = Http(HttpSettings(host_interval_seconds=0, respect_robots=False))
        try:
            server.serve(page([launch(1, "2030-01-01T10:00:00Z")]))
            ll2 = source(server.url)
            ll2.fetch(http)
            assert ll2.budget_per_hour(8, http) == 8
        finally:
            http.close()
    assert len(server.requests) == 1 and "Authorization" not in server.requests[0][1]


def test_an_unreadable_throttle_keeps_the_configured_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_LL2_KEY", "s3cret")
    with recorded_server() as server:
        http = Http(HttpSettings(host_interval_seconds=0, respect_robots=False, retries=0))
        try:
            server.serve(b"<html>rate limited</html>", content_type="text/html")
            assert source(server.url).budget_per_hour(8, http) == 8
        finally:
            http.close()


def test_throttle_url_and_limit() -> None:
    assert throttle_url("https://ll.thespacedevs.com/2.3.0/launches/upcoming/?mode=list") == (
        "https://ll.thespacedevs.com/2.3.0/api-throttle/"
    )
    assert throttle_url("https://lldev.thespacedevs.com/2.2.0/launch/upcoming/").endswith(
        "/2.2.0/api-throttle/"
    )
    assert hourly_limit({"your_request_limit": 15, "limit_frequency_secs": 3600}) == 15
    assert hourly_limit({"your_request_limit": 5, "limit_frequency_secs": 60}) == 300
    assert hourly_limit({"your_request_limit": "lots"}) is None and hourly_limit([]) is None
