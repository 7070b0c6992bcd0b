"""A broken fetch is recorded as a failure and changes nothing: no revision, no change,
no false "dropped" or "cancelled". Real HTTP against a loopback server, through the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.fakes.recorded_server import recorded_server
from tests.helpers import forty, launch, page
from tracker.cli import main
from tracker.store.repo import Store

HTML_ERROR = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>Try later</body></html>"


@pytest.fixture
def server():
    with recorded_server() as srv:
        yield srv


@pytest.fixture
def config(tmp_path, server):
    path = tmp_path / "tracker.toml"
    path.write_text(
        f"""
[database]
url = "sqlite:///{tmp_path / "db.sqlite"}"
[http]
retries = 0
host_interval_seconds = 0.0
[[sources]]
name = "launches"
kind = "ll2-launches"
url = "{server.url}/2.3.0/launches/upcoming/"
"""
    )
    return path


def run(config, *args: str):
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def counts(config) -> tuple[int, int]:
    result = run(config, "history", "10-1", "--json")
    doc = json.loads(result.output)
    changes = json.loads(run(config, "changes", "--json").output)
    return len(doc["revisions"]), len(changes)


@pytest.mark.parametrize(
    ("body", "status", "content_type", "outcome"),
    [
        (page(forty())[:-700], 200, "application/json", "parse_error"),  # truncated JSON
        (HTML_ERROR, 200, "text/html", "parse_error"),  # an error page served as 200
        (page([]), 200, "application/json", "empty"),  # nothing where there were forty
        (page(forty()[:5]), 200, "application/json", "suspicious_drop"),  # 5 of 40
        (HTML_ERROR, 503, "text/html", "http_error"),
    ],
    ids=["truncated", "html-200", "empty", "drop-40-to-5", "http-503"],
)
def test_broken_fetch_writes_nothing(server, config, body, status, content_type, outcome):
    server.serve(page(forty()))
    first = run(config, "poll")
    assert first.exit_code == 0, first.output
    assert "baseline" in first.output
    moved = forty()
    moved[0]["net"] = "2030-01-13T01:30:00Z"  # Starlink 10-1 slips two days
    server.serve(page(moved))
    assert run(config, "poll").exit_code == 0
    before = counts(config)
    assert before == (2, 1)

    server.serve(body, status=status, content_type=content_type)
    broken = run(config, "poll")
    assert broken.exit_code == 1
    assert outcome in broken.output
    assert counts(config) == before  # no revision, no change

    health = run(config, "sources").output
    assert "FAILING (1 in a row)" in health
    assert outcome in health
    assert "Traceback" not in broken.output + health

    server.serve(page(moved))  # the source recovers: still nothing new, nothing dropped
    assert run(config, "poll").exit_code == 0
    assert counts(config) == before
    assert "launches [ll2-launches]: ok" in run(config, "sources").output


def test_drop_believed_after_repeated_confirmation(server, config, tmp_path):
    server.serve(page(forty()))
    run(config, "poll")
    server.serve(page(forty()[:5]))
    outcomes = [run(config, "poll").output for _ in range(3)]
    assert "suspicious_drop" in outcomes[0] and "suspicious_drop" in outcomes[1]
    assert "ok" in outcomes[2]
    dropped = json.loads(run(config, "changes", "--json", "--kind", "dropped").output)
    assert len(dropped) == 35
    assert all(c["change"] == "dropped" and c["new_status"] is None for c in dropped)


def test_status_cancelled_only_when_the_source_says_so(server, config):
    server.serve(page(forty()))
    run(config, "poll")
    items = forty()
    items[3] = launch(4, items[3]["net"], status="Hold")
    server.serve(page(items))
    run(config, "poll")
    found = json.loads(run(config, "changes", "--json").output)
    assert [(c["change"], c["old_status"], c["new_status"]) for c in found] == [("status", "go", "hold")]


def test_conditional_requests_and_not_modified(server, config, tmp_path):
    server.serve(page(forty()), headers={"ETag": '"v1"'})
    run(config, "poll")
    server.serve(b"", status=304)
    result = run(config, "poll")
    assert result.exit_code == 0 and "not_modified" in result.output
    assert server.requests[-1][1].get("If-None-Match") == '"v1"'
    assert "launch-schedule-tracker" in server.requests[-1][1]["User-Agent"]
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        assert store.changes() == []
        assert store.sources()[0].failures_in_row == 0
    finally:
        store.close()


def test_pagination_follows_next(server, tmp_path):
    from tracker.sources import build_source
    from tracker.sources.http import Http, HttpSettings

    items = forty()
    first = page(items[:20], next_url=f"{server.url}/p2", count=40)
    second = page(items[20:], count=40)
    server.queue[:] = []
    from tests.fakes.recorded_server import Reply

    server.queue.extend([Reply(first), Reply(second)])
    source = build_source("ll2-launches", "x", f"{server.url}/p1", {"max_pages": 3})
    http = Http(HttpSettings(host_interval_seconds=0))
    try:
        parsed = source.parse(source.fetch(http))
    finally:
        http.close()
    assert len(parsed.items) == 40 and parsed.complete
    assert server.requests[0][0].startswith("/p1?") and "limit=100" in server.requests[0][0]
    assert server.requests[1][0] == "/p2"


def test_retry_after_is_honoured(server):
    from tests.fakes.recorded_server import Reply
    from tracker.sources.http import Http, HttpSettings

    waits: list[float] = []
    server.queue.extend([Reply(b"slow down", status=429, headers={"Retry-After": "7"}), Reply(page(forty()))])
    http = Http(HttpSettings(retries=2, host_interval_seconds=0), sleep=waits.append)
    try:
        doc = http.get(server.url + "/x")
    finally:
        http.close()
    assert waits == [7.0]
    assert json.loads(doc.body)["count"] == 40


def test_robots_txt_is_respected(server, config):
    server.robots = b"User-agent: launch-schedule-tracker\nDisallow: /2.3.0/\n"
    server.serve(page(forty()))
    result = run(config, "poll")
    assert result.exit_code == 1 and "robots.txt" in result.output and "does not allow" in result.output
    assert server.requests == []  # the page itself was never requested


def test_requests_to_one_host_are_spaced():
    from tracker.sources.http import HostPacer

    now = [100.0]
    slept: list[float] = []
    pacer = HostPacer(
        2.0, sleep=lambda s: (slept.append(s), now.__setitem__(0, now[0] + s)), clock=lambda: now[0]
    )
    for _ in range(3):
        pacer.wait("https://ll.thespacedevs.com/2.3.0/launches/")
    pacer.wait("https://other.example/x")  # another host is not held back
    assert len(slept) == 2 and all(2.0 <= s <= 2.4 for s in slept)


def test_permanent_redirect_is_followed_and_remembered(server, config):
    from tests.fakes.recorded_server import Reply

    server.queue.extend(
        [Reply(b"", status=301, headers={"Location": "/new/launches/"}), Reply(page(forty()))]
    )
    assert run(config, "poll").exit_code == 0
    assert server.requests[-1][0].startswith("/new/launches/")
    server.serve(page(forty()))
    assert run(config, "poll").exit_code == 0
    assert server.requests[-1][0].startswith("/new/launches/")  # straight to the new place
    assert "moved permanently: now fetched from" in run(config, "sources").output


def test_410_disables_the_source_until_its_url_changes(server, config):
    server.serve(b"gone", status=410, content_type="text/plain")
    first = run(config, "poll")
    assert first.exit_code == 1 and "HTTP 410" in first.output
    asked = len(server.requests)
    second = run(config, "poll")
    assert second.exit_code == 1 and "disabled" in second.output and "410 Gone" in second.output
    assert len(server.requests) == asked  # nothing fetched while disabled
    assert "DISABLED" in run(config, "sources").output
    text = config.read_text().replace("/2.3.0/launches/upcoming/", "/2.3.0/launches/next/")
    config.write_text(text)
    server.serve(page(forty()))
    assert run(config, "poll").exit_code == 0  # a new URL is tried again


def test_a_hanging_server_times_out(server, config):
    from tests.fakes.recorded_server import Reply

    config.write_text(config.read_text().replace("retries = 0", "retries = 0\ntimeout_seconds = 0.5"))
    server.queue.append(Reply(page(forty()), delay=3.0))
    result = run(config, "poll")
    assert (
        result.exit_code == 1
        and "network_error" in result.output
        and "no answer within 0.5 s" in result.output
    )


def test_a_response_over_the_size_cap_is_refused(server, config):
    config.write_text(config.read_text().replace("retries = 0", "retries = 0\nmax_bytes = 2000"))
    server.serve(page(forty()))
    result = run(config, "poll")
    assert result.exit_code == 1 and "larger than 2000 bytes" in result.output


def test_only_http_urls_are_fetched():
    from tracker.errors import SourceError
    from tracker.sources.http import Http, HttpSettings

    http = Http(HttpSettings(host_interval_seconds=0))
    try:
        with pytest.raises(SourceError, match="only http and https"):
            http.get("file:///etc/passwd")
    finally:
        http.close()
