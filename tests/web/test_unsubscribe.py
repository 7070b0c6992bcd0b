"""The digest's unsubscribe link and RFC 8058 one-click POST, end to end: a digest mailed
through a real SMTP server on loopback, its List-Unsubscribe header POSTed to the real web
server, and the next day's digest not sent. A forged or altered token changes nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
import requests

from tests.fakes.smtp_server import SmtpServer
from tests.helpers import apply, snap
from tests.web.conftest import SECRET, Clock
from tracker.config import EmailSection
from tracker.dispatch import Dispatcher
from tracker.follows import parse_filter
from tracker.models import ChannelKind, Precision
from tracker.notify.email import EmailChannel, make_token
from tracker.policy import AlertPolicy
from tracker.store.repo import Store
from tracker.timespec import span
from tracker.web.tokens import Purpose
from tracker.web.tokens import make_token as make_any_token

DAY_ONE = datetime(2026, 3, 20, 7, 5, tzinfo=UTC)  # the subscribers' 07:00 digest hour has come


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def store(sqlite_url):
    opened = Store.open(sqlite_url)
    apply(
        opened,
        [snap("r1", span(datetime(2026, 3, 24, tzinfo=UTC), Precision.DAY))],
        DAY_ONE - timedelta(days=2),
    )
    apply(
        opened,
        [snap("r1", span(datetime(2026, 3, 26, tzinfo=UTC), Precision.DAY))],
        DAY_ONE - timedelta(hours=5),
    )
    for name in ("zoe", "paris"):
        opened.subscriptions.add(
            name, "UTC", [(ChannelKind.EMAIL, f"{name}@example.org")], {"digest": "07:00"}
        )
        opened.subscriptions.follow(name, parse_filter(["vehicle:Soyuz-5"]))
    yield opened
    opened.close()


def mailer(store: Store, smtp: SmtpServer, unsubscribe_url: str, clock: Clock) -> Dispatcher:
    settings = EmailSection(host="127.0.0.1", port=smtp.port, from_address="tracker@example.org",
                            unsubscribe_url=unsubscribe_url, timeout_seconds=5.0)  # fmt: skip
    channel = EmailChannel(settings, store, env={"TRACKER_TOKEN_SECRET": SECRET.decode()}, clock=clock)
    return Dispatcher(store, {ChannelKind.EMAIL: channel}, AlertPolicy(), clock=clock)


def digests_to(smtp: SmtpServer, address: str) -> list[EmailMessage]:
    """Digests only: an immediate alert of the new slip may go to Zoë all the same."""
    return [
        m
        for m, (_, rcpt) in zip(smtp.sink.messages, smtp.sink.envelopes, strict=True)
        if address in rcpt and m["Message-ID"].startswith("<tracker.digest.")
    ]


def test_one_click_unsubscribe_from_the_digest_headers_stops_the_digest(store, smtp, serve):
    live = serve(store, clock=Clock(DAY_ONE))
    clock = Clock(DAY_ONE)
    stats = mailer(store, smtp, f"{live.url}/unsubscribe", clock).run_once()
    assert stats.digests == 2 and stats.sent == 2
    [digest] = digests_to(smtp, "zoe@example.org")
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(
        r"<(http://127\.0\.0\.1:\d+/unsubscribe\?token=[^>]+)>", digest["List-Unsubscribe"].strip()
    )
    assert link is not None
    url = link.group(1)
    assert "zoe" not in url

    # A link scanner's GET only shows the button; a forged or altered token is refused.
    shown = requests.get(url, timeout=10)
    assert shown.status_code == 200 and "Stop my daily digest" in shown.text
    paris_id = store.subscriptions.get("paris").id
    zoe_id = store.subscriptions.get("zoe").id
    forged = [
        url[:-2] + ("AA" if url[-2:] != "AA" else "BB"),
        url.split("token=")[0] + "token=" + make_token(paris_id, b"not the server's secret"),
        url.split("token=")[0] + "token=" + make_any_token(zoe_id, SECRET, Purpose.FEED),
        url.split("token=")[0] + "token=",
    ]
    for bad in forged:
        refused = requests.post(bad, data={"List-Unsubscribe": "One-Click"}, timeout=10)
        assert refused.status_code == 400 and "not valid" in refused.text
    assert store.subscriptions.get("zoe").policy["digest"] == "07:00"
    assert store.subscriptions.get("paris").policy["digest"] == "07:00"

    # What a mail client sends (RFC 8058): a form POST to the header's URL.
    done = requests.post(url, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert done.status_code == 200 and "Digest stopped" in done.text
    assert store.subscriptions.get("zoe").policy["digest"] == "off"
    assert (
        requests.post(url, data={"List-Unsubscribe": "One-Click"}, timeout=10).status_code == 200
    )  # again: fine

    clock.now = DAY_ONE + timedelta(days=1)
    apply(
        store,
        [snap("r1", span(datetime(2026, 3, 27, tzinfo=UTC), Precision.DAY))],
        clock.now - timedelta(hours=1),
    )
    stats = mailer(store, smtp, f"{live.url}/unsubscribe", clock).run_once()
    assert stats.digests == 1
    assert len(digests_to(smtp, "zoe@example.org")) == 1  # no second digest for Zoë
    assert len(digests_to(smtp, "paris@example.org")) == 2


def test_unsubscribe_without_a_secret_says_what_is_missing(store, serve):
    live = serve(store, secret=None)
    answer = requests.post(
        f"{live.url}/unsubscribe?token=abc", data={"List-Unsubscribe": "One-Click"}, timeout=10
    )
    assert answer.status_code == 503 and "secret_env" in answer.text
