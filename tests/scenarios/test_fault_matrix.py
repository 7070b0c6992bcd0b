"""The misbehaving-server fault matrix, against a real HTTP server on loopback.

For every way a source can break: the fetch's outcome; no revision written from the bad
answer; no subscriber alert; the operator told once (over two bad fetches); the fetch
ended within its deadline; and recovery: the next good answer, carrying one real slip,
gives exactly that one alert (nothing from the breakage or from the repair)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.fakes.hostile_server import Behaviour, HostileServer, closed_port
from tests.helpers import launch, page
from tracker.config.load import load_config
from tracker.follows import parse_filter
from tracker.models import ChannelKind, FetchOutcome
from tracker.pipeline import DropGuard, poll
from tracker.service.health import HealthWatch
from tracker.sources import build_source
from tracker.sources.http import Http, HttpSettings
from tracker.store.repo import Store
from tracker.store.run import RunResult
from tracker.store.tables import RevisionRow, SourceRow

LIST = "/2.3.0/launches/upcoming/"
TIMEOUT = 2.0  # no byte for this long ends a read
DEADLINE = 2.5  # [http] deadline_seconds: the whole fetch, robots.txt, retries and pages included


def launches(*, slip: bool = False) -> list[dict[str, Any]]:
    items = [launch(n, f"2030-01-{10 + n:02d}T12:30:00Z") for n in range(1, 11)]
    if slip:
        items[0] = launch(1, "2030-01-13T12:30:00Z")
    return items


def good(*, slip: bool = False) -> Behaviour:
    return Behaviour(body=page(launches(slip=slip)))


def mutated(change: Callable[[dict[str, Any]], None], keep: int = 10) -> Behaviour:
    items = launches()[:keep]
    for item in items:
        change(item)
    return Behaviour(body=page(items))


def _rename(item: dict[str, Any]) -> None:
    item["net_utc"] = item.pop("net")


def _status_number(item: dict[str, Any]) -> None:
    item["status"] = 3


def _date_number(item: dict[str, Any]) -> None:
    item["net"] = 1893500000


def _bomb(depth: int) -> bytes:
    return b'{"count": 1, "next": null, "results": [' + b"[" * depth + b"]" * depth + b"]}"


@dataclass(frozen=True)
class Case:
    name: str
    setup: Callable[[HostileServer], str | None]  # serves the fault; a URL to use instead, if any
    outcome: FetchOutcome
    says: str  # in the recorded error
    failing: bool = True  # False: the fault is absorbed (a short Retry-After, a pagination loop)


def at(behaviour: Behaviour, path: str = LIST) -> Callable[[HostileServer], None]:
    return lambda server: server.serve(path, behaviour)


def redirect_to(target: str) -> Callable[[HostileServer], None]:
    return at(Behaviour(302, headers={"Location": target}))


def pagination_loop(server: HostileServer) -> None:
    server.serve(LIST, Behaviour(body=page(launches(), next_url=server.url + LIST, count=10)))


# fmt: off
CASES = [
    Case(
        "refused", lambda s: f"http://127.0.0.1:{closed_port()}{LIST}", FetchOutcome.NETWORK_ERROR, "refused"
    ),
    Case("timeout", at(Behaviour(hang=True)), FetchOutcome.NETWORK_ERROR, "within"),
    Case("drip", at(Behaviour(drip=1.0)), FetchOutcome.NETWORK_ERROR, "deadline"),
    Case("drip-headers", at(Behaviour(drip_headers=1.0)), FetchOutcome.NETWORK_ERROR, "deadline"),
    Case("robots-drip", at(Behaviour(drip=1.0), "/robots.txt"), FetchOutcome.NETWORK_ERROR, "deadline"),
    Case("500", at(Behaviour(500, b"oops")), FetchOutcome.HTTP_ERROR, "HTTP 500"),
    Case("502", at(Behaviour(502, b"bad gateway")), FetchOutcome.HTTP_ERROR, "HTTP 502"),
    Case("503", at(Behaviour(503, b"busy")), FetchOutcome.HTTP_ERROR, "HTTP 503"),
    Case(
        "429-short",
        at(Behaviour(429, headers={"Retry-After": "1"}, times=1, then=good())),
        FetchOutcome.OK,
        "",
        failing=False,
    ),
    Case(
        "429-huge", at(Behaviour(429, headers={"Retry-After": "86400"})), FetchOutcome.HTTP_ERROR, "HTTP 429"
    ),
    Case(
        "truncated",
        at(Behaviour(body=page(launches())[:300], length=5000)),
        FetchOutcome.NETWORK_ERROR,
        "connection broke",
    ),
    Case(
        "html-200",
        at(Behaviour(body=b"<html><body>Maintenance</body></html>", content_type="text/html")),
        FetchOutcome.PARSE_ERROR,
        "HTML",
    ),
    Case("empty-body", at(Behaviour(body=b"")), FetchOutcome.PARSE_ERROR, "empty"),
    Case("empty-list", at(Behaviour(body=page([]))), FetchOutcome.EMPTY, "no events"),
    Case("half", at(Behaviour(body=page(launches()[:4]))), FetchOutcome.SUSPICIOUS_DROP, "4 events"),
    Case("renamed-date", at(mutated(_rename)), FetchOutcome.PARSE_ERROR, "field date missing in 10 of 10"),
    Case("retyped-status", at(mutated(_status_number)), FetchOutcome.PARSE_ERROR, "field status missing"),
    Case("retyped-date", at(mutated(_date_number)), FetchOutcome.PARSE_ERROR, "field date missing"),
    Case(
        "50MB",
        at(Behaviour(body=b'{"results": ["' + b"x" * 50_000_000 + b'"]}')),
        FetchOutcome.HTTP_ERROR,
        "larger than",
    ),
    Case("nesting-bomb", at(Behaviour(body=_bomb(100_000))), FetchOutcome.PARSE_ERROR, "nested deeper"),
    Case("nested-100", at(Behaviour(body=_bomb(100))), FetchOutcome.PARSE_ERROR, "nested deeper"),
    Case(
        "many-items",
        at(
            Behaviour(
                body=json.dumps(
                    {"count": 200_000, "next": None, "results": [{"id": n} for n in range(200_000)]}
                ).encode()
            )
        ),
        FetchOutcome.PARSE_ERROR,
        "max_items",
    ),
    Case(
        "invalid-utf8",
        at(Behaviour(body=b'{"results": [{"id": 1, "name": "\xff\xfe\xfa"}]}')),
        FetchOutcome.PARSE_ERROR,
        "invalid",
    ),
    Case("redirect-loop", redirect_to(LIST), FetchOutcome.NETWORK_ERROR, "redirects"),
    Case("redirect-ftp", redirect_to("ftp://127.0.0.1/launches"), FetchOutcome.NETWORK_ERROR, "not http"),
    Case("redirect-file", redirect_to("file:///etc/passwd"), FetchOutcome.NETWORK_ERROR, "not http"),
    Case("pagination-loop", pagination_loop, FetchOutcome.OK, "", failing=False),
]
# fmt: on


class World:
    """A store with one subscriber following everything, the source, and the operator's file."""

    def __init__(self, url: str, tmp: Path, server: HostileServer, base: str) -> None:
        self.sink, self.ops = tmp / "alerts.txt", tmp / "ops.txt"
        config = tmp / "tracker.toml"
        config.write_text(
            f'[database]\nurl = "{url}"\n[scheduler]\nfailure_alert_after = 1\nhealth_notify = ["console:{self.ops}"]\n'
            f'[[sources]]\nname = "launches"\nkind = "ll2-launches"\nurl = "{base}"\n'
        )
        self.cfg = load_config(config)
        self.store = Store.open(url)
        self.store.subscriptions.add("w", "UTC", [(ChannelKind.CONSOLE, str(self.sink))], {})
        self.store.subscriptions.follow("w", parse_filter(["all"]))
        self.health = HealthWatch(self.store, self.cfg, {})
        self.settings = HttpSettings(timeout_seconds=TIMEOUT, deadline_seconds=DEADLINE, retries=1,
                                     backoff_seconds=0.1, host_interval_seconds=0.0)  # fmt: skip

    def poll(self, url: str | None = None) -> tuple[RunResult, float]:
        source = build_source("ll2-launches", "launches", url or self.cfg.sources[0].url)
        http = Http(
            self.settings
        )  # a new one each time, as each `tracker poll` has: robots.txt is read again
        started = time.monotonic()
        try:
            result = poll(self.store, source, http, DropGuard())
        finally:
            took = time.monotonic() - started
            http.close()
        self.health.check(datetime.now(UTC))
        return result, took

    def revisions(self) -> int:
        with self.store._session() as s:
            return int(s.scalar(select(func.count()).select_from(RevisionRow)) or 0)

    def last_ok_count(self) -> int | None:
        with self.store._session() as s:
            return s.scalar(select(SourceRow.last_ok_count))

    def alerts(self) -> int:
        return sum(self.store.outbox.counts().values())

    def operator_messages(self) -> int:
        return self.ops.read_text().count("[tracker health]") if self.ops.exists() else 0

    def close(self) -> None:
        self.store.close()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_misbehaving_source(sqlite_url, tmp_path, case):
    with HostileServer() as server:
        server.serve("/robots.txt", Behaviour(404, b""))
        world = World(sqlite_url, tmp_path, server, server.url + LIST)
        try:
            server.serve(LIST, good())
            assert world.poll()[0].outcome is FetchOutcome.OK  # the baseline: recorded silently
            assert world.poll()[0].outcome is FetchOutcome.OK
            revisions, alerts = world.revisions(), world.alerts()
            assert alerts == 0 and world.last_ok_count() == 10

            other_url = case.setup(server)
            runs = [world.poll(other_url) for _ in range(2)]
            print(f"matrix {case.name}: {runs[0][0].outcome.value} in {runs[0][1]:.2f} s: {runs[0][0].error}")
            for result, took in runs:
                assert result.outcome is case.outcome, result.error
                assert case.says in (result.error or ""), result.error
                if case.says in ("within", "deadline"):  # a bound on a hang, not a speed test
                    assert took < DEADLINE + 2.5, f"the poll took {took:.1f} s"
            assert world.revisions() == revisions, "a revision was written from a bad answer"
            assert world.alerts() == alerts == 0, "a subscriber was alerted about a broken source"
            assert world.last_ok_count() == 10
            assert world.operator_messages() == (1 if case.failing else 0)
            if case.name == "429-huge":
                assert runs[0][0].retry_after == 86400  # the scheduler defers the source by this much

            server.paths.clear()
            server.serve("/robots.txt", Behaviour(404, b""))
            server.serve(LIST, good(slip=True))
            result, _ = world.poll()
            assert result.outcome is FetchOutcome.OK
            assert world.alerts() == 1, "recovery should alert the one real slip, and nothing else"
            assert world.operator_messages() == (2 if case.failing else 0)  # "... has recovered"
        finally:
            world.close()
