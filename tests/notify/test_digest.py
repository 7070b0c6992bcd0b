"""The daily digest email, end to end: a replayed corpus series in the store, the real
Dispatcher with an injected clock, smtplib against a real SMTP server on loopback
(aiosmtpd), and the message as it arrived."""

from __future__ import annotations

import base64
import json
import logging
import re
import ssl
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import trustme
from click.testing import CliRunner
from pydantic import ValidationError

from tests.fakes.smtp_server import SmtpServer
from tests.helpers import apply, corpus_dir, snap
from tracker.cli.app import App
from tracker.cli.digest import digest_group
from tracker.config import AlertsSection, EmailSection
from tracker.config.load import load_config
from tracker.dispatch import Dispatcher
from tracker.errors import ConfigError
from tracker.follows import parse_filter
from tracker.models import ChannelKind, DeliveryState, EventKind, Precision
from tracker.notify import digest_kinds
from tracker.notify.digest import DigestRun, build_digest, digest_run, render_digest
from tracker.notify.email import EmailChannel, check_token, make_token
from tracker.pipeline import replay
from tracker.policy import AlertPolicy
from tracker.sources import build_source
from tracker.store.repo import Store
from tracker.timespec import span
from tracker.web import tokens

SERIES = "ll2-launch-upcoming-2020-2021"
SECRET = "correct horse battery staple"
ENV = {"TRACKER_TOKEN_SECRET": SECRET, "TRACKER_SMTP_PASSWORD": "right"}
HOSTILE = 'Türksat 5A <b>bold</b> & </a><script>alert("x")</script>'
# a launch whose title is the hostile string (the snap() keywords)
HOSTILE_LAUNCH: dict[str, Any] = {
    "title": HOSTILE,
    "kind": EventKind.LAUNCH,
    "type_": "launch",
    "vehicle": "Hostile-1",
}
NY = ZoneInfo("America/New_York")
DIGEST_AT = datetime(2021, 1, 8, 12, 5, tzinfo=UTC)  # 07:05 in New York: Zoë's digest hour has come


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def server():
    smtp = SmtpServer()
    smtp.start()
    yield smtp
    smtp.stop()


@pytest.fixture
def store(tmp_path):
    """LL2 launches replayed from 2020-12-20 to the 2021-01-08 snapshot, a hostile title
    that slipped the evening before, and two email subscribers with a 07:00 digest."""
    opened = Store.open(f"sqlite:///{tmp_path / 'tracker.db'}")
    files = [
        f for f in sorted(corpus_dir(SERIES).glob("*.json")) if "2020-12-20" <= f.name[20:30] <= "2021-01-08"
    ]
    assert len(files) == 14
    list(replay(opened, build_source("ll2-launches", "ll2-launches"), files, alerts="recorded"))
    apply(opened, [snap("h1", span(datetime(2021, 1, 10, tzinfo=UTC), Precision.DAY), **HOSTILE_LAUNCH)],
          datetime(2021, 1, 7, 10, tzinfo=UTC))  # fmt: skip
    apply(opened, [snap("h1", span(datetime(2021, 1, 12, tzinfo=UTC), Precision.DAY), **HOSTILE_LAUNCH)],
          datetime(2021, 1, 7, 20, tzinfo=UTC))  # fmt: skip
    subs = opened.subscriptions
    subs.add("Zoë", "America/New_York", [(ChannelKind.EMAIL, "zoe@example.org")], {"digest": "07:00"})
    for words in (["vehicle:LauncherOne"], ["vehicle:Electron"], ["vehicle:Hostile-1"]):
        subs.follow("Zoë", parse_filter(words))
    subs.add("paris", "Europe/Paris", [(ChannelKind.EMAIL, "paris@example.org")], {"digest": "07:00"})
    subs.follow("paris", parse_filter(["vehicle:Hostile-1"]))
    yield opened
    opened.close()


def settings(port: int, **kw: object) -> EmailSection:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "from_address": "tracker@example.org",
        "from_name": "Suivi des lancements — Türksat",
        "unsubscribe_url": "https://tracker.example.org/unsubscribe",
        "timeout_seconds": 5.0,
        **kw,
    }
    return EmailSection.model_validate(values)


def dispatcher(store: Store, port: int, clock: Clock, env: dict[str, str] = ENV, **kw: object) -> Dispatcher:
    channel = EmailChannel(settings(port, **kw), store, env=env, clock=clock)
    return Dispatcher(store, {ChannelKind.EMAIL: channel}, AlertPolicy(), clock=clock)


def to(server: SmtpServer, address: str) -> list[EmailMessage]:
    return [
        m for m, (_, rcpt) in zip(server.sink.messages, server.sink.envelopes, strict=True) if address in rcpt
    ]


def parts(msg: EmailMessage) -> tuple[str, str]:
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_digest_arrives_with_both_parts_and_the_changes_in_the_subscribers_zone(store, server):
    clock = Clock(DIGEST_AT)
    stats = dispatcher(store, server.port, clock).run_once()
    assert (stats.digests, stats.sent, stats.retried, stats.dead) == (2, 2, 0, 0)
    [msg] = to(server, "zoe@example.org")
    assert msg.get_content_type() == "multipart/alternative"
    text, html = parts(msg)

    # LauncherOne Launch Demo 2 (corpus README): NET 2021-01-10 18:00Z → 2021-01-13 15:00Z, seen 01-08 11:43Z.
    assert "LauncherOne | Launch Demo 2" in text
    assert "Delayed: NET 2021-01-10 13:00 EST → NET 2021-01-13 10:00 EST (+2 d 21 h)" in text
    assert "(seen 2021-01-08 06:43 EST)" in text
    assert "1st slip, +2 d 21 h in total so far" in text
    # Electron appeared in that snapshot; its T-0, read straight from the recorded JSON, in New York time.
    doc = json.loads((corpus_dir(SERIES) / "ll2-launch-upcoming-2021-01-08T1143Z.json").read_text())
    electron = next(r for r in doc["results"] if r["name"].startswith("Electron"))
    t0 = datetime.fromisoformat(electron["net"].replace("Z", "+00:00")).astimezone(NY)
    assert f"Newly scheduled: {t0:%Y-%m-%d %H:%M} EST" in text
    # Day precision stays a day (converting it would invent a time); the 7-day list is honest too.
    assert "Delayed: 2021-01-10 (time TBD) → 2021-01-12 (time TBD) (+2 d)" in text
    coming, foot = text.split("COMING IN THE NEXT 7 DAYS", 1)[1].split("How late these usually fly", 1)
    assert "NET 2021-01-13 10:00 EST  LauncherOne | Launch Demo 2 [Go]" in coming
    assert "2021-01-12 (time TBD)  " + HOSTILE in coming
    assert "Electron" not in coming  # 2021-01-16 is beyond the 7 days
    # Only what Zoë follows: the Falcon 9 launches of those days are not hers.
    assert "Falcon 9" not in text and "Falcon 9" not in html
    assert "ll2-launches: last good fetch 22 min ago (2021-01-08 06:43 EST)" in text
    # The foot: slip statistics of the vehicles the digest names (tracker stats --by vehicle).
    assert (
        "- LauncherOne: 1 event, 1 slipped (1 slip); median delay +2 d 21 h; longest slip streak 1 slip"
        in foot
    )
    assert "- Electron: 1 event, 0 slipped (0 slips); median delay none; longest slip streak none" in foot
    assert "LauncherOne: 1 event, 1 slipped (1 slip); median delay +2 d 21 h" in html

    # The hostile title: raw in the plain part, escaped in the HTML part.
    assert HOSTILE in text
    assert "Türksat 5A &lt;b&gt;bold&lt;/b&gt; &amp; &lt;/a&gt;&lt;script&gt;" in html
    assert "<script" not in html and "<b>bold" not in html and "</a><script" not in html
    assert "NET 2021-01-13 10:00 EST" in html and "1st slip, +2 d 21 h in total so far" in html


def test_headers_are_correct_and_non_ascii_names_encoded(store, server):
    clock = Clock(DIGEST_AT)
    dispatcher(store, server.port, clock).run_once()
    [msg] = to(server, "paris@example.org")
    raw = server.sink.raw[server.sink.messages.index(msg)]
    head = raw.split(b"\r\n\r\n", 1)[0]
    head.decode("ascii")  # every header is 7-bit: non-ASCII names are RFC 2047 encoded
    assert b"=?utf-8?" in head
    assert str(msg["Subject"]).startswith(HOSTILE + ": delayed · launch digest Friday 8 January 2021")
    assert msg["From"].addresses[0].display_name == "Suivi des lancements — Türksat"
    assert msg["From"].addresses[0].addr_spec == "tracker@example.org"
    assert parsedate_to_datetime(msg["Date"]) == DIGEST_AT
    assert re.fullmatch(r"<tracker\.digest\.\d+\.20210108\.[0-9a-f]{16}@example\.org>", msg["Message-ID"])
    [zoe] = to(server, "zoe@example.org")
    assert zoe["To"].addresses[0].display_name == "Zoë"
    assert zoe["Message-ID"] != msg["Message-ID"]
    text, _ = parts(msg)
    assert "Times in Europe/Paris." in text


def test_unsubscribe_header_and_link_carry_a_token_the_tracker_accepts(store, server, tmp_path, monkeypatch):
    dispatcher(store, server.port, Clock(DIGEST_AT)).run_once()
    [msg] = to(server, "zoe@example.org")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(
        r"<(https://tracker\.example\.org/unsubscribe\?token=[^>]+)>", msg["List-Unsubscribe"]
    )
    assert link is not None
    text, html = parts(msg)
    assert f"Stop this digest: {link.group(1)}" in text
    assert f'<a href="{link.group(1)}"' in html
    [token] = parse_qs(urlsplit(link.group(1)).query)["token"]
    zoe_id = store.subscriptions.get("Zoë").id
    paris_id = store.subscriptions.get("paris").id
    assert check_token(token, SECRET.encode()) == zoe_id
    payload = token.split(".")[0]
    assert "Zoë" not in base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode(
        "utf-8", "replace"
    )
    signature = token.rpartition(".")[2]
    forged = make_token(paris_id, b"another secret")
    for tampered in (
        f"{token[:-2]}{'AA' if token[-2:] != 'AA' else 'BB'}",  # signature altered
        f"{make_token(paris_id, SECRET.encode()).rpartition('.')[0]}.{signature}",  # Paris with Zoë's signature
        forged,  # signed with another secret
        tokens.make_token(zoe_id, SECRET.encode(), tokens.Purpose.FEED),  # a feed token: another purpose
        "garbage",
        f"{token}.%%%",
    ):
        assert check_token(tampered, SECRET.encode()) is None, tampered
    assert check_token(token, b"another secret") is None

    # The command the link's page runs: a tampered token changes nothing; the real one stops the digest.
    monkeypatch.setenv("TRACKER_TOKEN_SECRET", SECRET)
    config = tmp_path / "tracker.toml"
    config.write_text("sources = []\n")
    db = f"sqlite:///{tmp_path / 'tracker.db'}"
    runner = CliRunner()
    bad = runner.invoke(digest_group, ["unsubscribe", forged], obj=App(str(config), db, None))
    assert bad.exit_code == 2 and "not valid" in bad.output
    assert store.subscriptions.get("paris").policy == {"digest": "07:00"}
    good = runner.invoke(digest_group, ["unsubscribe", token], obj=App(str(config), db, None))
    assert good.exit_code == 0, good.output
    assert store.subscriptions.get("Zoë").policy["digest"] == "off"
    stats = dispatcher(store, server.port, Clock(DIGEST_AT + timedelta(days=1))).run_once()
    assert stats.digests == 1 and len(to(server, "zoe@example.org")) == 1  # Paris only


def test_sending_twice_the_same_day_delivers_once(store, server):
    clock = Clock(DIGEST_AT)
    d = dispatcher(store, server.port, clock)
    d.run_once()
    for later in (
        timedelta(minutes=30),
        timedelta(hours=8),
        timedelta(hours=16, minutes=50),
    ):  # still Jan 8 in NY
        clock.now = DIGEST_AT + later
        assert store.outbox.queue_digest("Zoë", clock.now, digest_kinds()) == 0
        stats = d.run_once()
        assert (stats.digests, stats.messages) == (0, 0)
    # A fresh dispatcher (a rerun of `tracker digest send`) changes nothing either.
    assert dispatcher(store, server.port, clock).run_once().messages == 0
    assert len(to(server, "zoe@example.org")) == 1
    clock.now = DIGEST_AT + timedelta(days=1)
    assert dispatcher(store, server.port, clock).run_once().digests == 2
    assert len(to(server, "zoe@example.org")) == 2


def test_outage_is_retried_and_the_digest_arrives_once_the_server_is_back(store):
    smtp = SmtpServer()  # not started: connection refused
    clock = Clock(DIGEST_AT)
    d = dispatcher(store, smtp.port, clock)
    stats = d.run_once()
    assert (stats.digests, stats.retried, stats.sent, stats.dead) == (2, 2, 0, 0)
    assert store.outbox.counts() == {DeliveryState.RETRY.value: 2}
    clock.now += timedelta(seconds=30)  # not due again yet
    assert d.run_once().messages == 0
    smtp.start()
    try:
        clock.now += timedelta(seconds=40)
        stats = d.run_once()
        assert (stats.sent, stats.retried) == (2, 0)
        assert len(to(smtp, "zoe@example.org")) == 1 and len(to(smtp, "paris@example.org")) == 1
        smtp.sink.answer = "451 4.3.0 try again later"  # a busy server is a temporary failure too
        store.outbox.queue_digest("paris", clock.now + timedelta(days=1), digest_kinds())
        clock.now += timedelta(days=1)
        stats = d.run_once()
        assert stats.retried == 2 and stats.dead == 0
        smtp.sink.answer = "250 OK"
        clock.now += timedelta(minutes=2)
        assert d.run_once().sent == 2
        assert len(to(smtp, "paris@example.org")) == 2
    finally:
        smtp.stop()


def test_refused_login_is_a_permanent_failure_with_a_clear_error(store, caplog):
    smtp = SmtpServer(users={"tracker": "right"})
    smtp.start()
    try:
        clock = Clock(DIGEST_AT)
        with caplog.at_level(logging.ERROR, logger="tracker.notify.email"):
            stats = dispatcher(store, smtp.port, clock, env={**ENV, "TRACKER_SMTP_PASSWORD": "wrong"},
                               username="tracker").run_once()  # fmt: skip
        assert (stats.dead, stats.retried, stats.sent) == (2, 0, 0)
        assert (
            "SMTP login as 'tracker' refused" in stats.errors[0]
            and "TRACKER_SMTP_PASSWORD" in stats.errors[0]
        )
        assert "wrong" not in caplog.text
        assert any(r.levelno == logging.ERROR and "login" in r.getMessage() for r in caplog.records)
        assert smtp.sink.messages == []
        # Fixed by the operator: the dead digests go out with the right password.
        store.outbox.retry_dead(clock.now)
        stats = dispatcher(store, smtp.port, clock, username="tracker").run_once()
        assert stats.sent == 2 and len(smtp.sink.messages) == 2
    finally:
        smtp.stop()


@pytest.fixture(scope="module")
def tls_ca() -> trustme.CA:
    return trustme.CA()


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_and_login_with_a_private_ca(store, tmp_path, tls_ca, security):
    """STARTTLS (587) and implicit TLS (465) with a login; the STARTTLS server refuses AUTH in clear,
    so the login happened inside TLS. The certificate is checked against the CA named by ``ca_file``."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(ca_file))
    smtp = SmtpServer(users={"tracker": "right"}, security=security, tls=server_context)
    smtp.start()
    try:
        clock = Clock(DIGEST_AT)
        untrusted = dispatcher(store, smtp.port, clock, security=security, username="tracker").run_once()
        assert (untrusted.sent, untrusted.dead) == (0, 2) and smtp.sink.messages == []
        assert "TLS certificate of 127.0.0.1" in untrusted.errors[0] and "not trusted" in untrusted.errors[0]
        store.outbox.retry_dead(clock.now)  # the operator sets ca_file
        stats = dispatcher(store, smtp.port, clock, security=security, username="tracker",
                           ca_file=str(ca_file)).run_once()  # fmt: skip
        assert (stats.sent, stats.dead, stats.retried) == (2, 0, 0)
        assert sorted(rcpt[0] for _, rcpt in smtp.sink.envelopes) == ["paris@example.org", "zoe@example.org"]
    finally:
        smtp.stop()


def test_plain_smtp_to_a_server_that_requires_starttls_is_a_clear_permanent_error(store, tls_ca):
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert("127.0.0.1").configure_cert(server_context)
    smtp = SmtpServer(security="starttls", tls=server_context)
    smtp.start()
    try:
        stats = dispatcher(store, smtp.port, Clock(DIGEST_AT)).run_once()
        assert (stats.sent, stats.dead) == (0, 2) and "530" in stats.errors[0]
    finally:
        smtp.stop()


def test_ca_file_must_exist_and_is_relative_to_the_config(tmp_path):
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    (tmp_path / "ok.toml").write_text('[email]\nfrom_address = "t@example.org"\nca_file = "ca.pem"\n')
    assert load_config(tmp_path / "ok.toml").email.ca_file == str(tmp_path / "ca.pem")
    (tmp_path / "bad.toml").write_text('[email]\nca_file = "missing.pem"\n')
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "bad.toml")
    assert "email.ca_file" in str(err.value) and "no such file" in str(err.value)


def test_nothing_to_say_sends_no_email_unless_configured(store, server):
    store.subscriptions.add("quiet", "UTC", [(ChannelKind.EMAIL, "quiet@example.org")], {"digest": "06:00"})
    store.subscriptions.follow("quiet", parse_filter(["vehicle:Nonexistent"]))
    stats = dispatcher(store, server.port, Clock(DIGEST_AT)).run_once()
    assert stats.sent == 3 and to(server, "quiet@example.org") == []
    stats = dispatcher(store, server.port, Clock(DIGEST_AT + timedelta(days=1)), send_empty=True).run_once()
    [msg] = to(server, "quiet@example.org")
    text, _ = parts(msg)
    assert "Nothing you follow moved in the last 24 hours." in text
    assert "Nothing you follow is scheduled in the next 7 days." in text


def test_an_immediate_alert_by_email_is_escaped_and_threaded(store, server):
    clock = Clock(DIGEST_AT)
    for day in (14, 15):
        apply(store, [snap("h1", span(datetime(2021, 1, day, tzinfo=UTC), Precision.DAY), **HOSTILE_LAUNCH)],
              datetime(2021, 1, 8, day - 4, tzinfo=UTC))  # fmt: skip
    stats = dispatcher(store, server.port, clock).run_once()
    assert stats.dead == 0
    alerts = [m for m in to(server, "paris@example.org") if "digest" not in m["Message-ID"]]
    assert len(alerts) == 2
    assert str(alerts[0]["Subject"]) == f"Delayed +2 d: {HOSTILE}"
    text, html = parts(alerts[0])
    assert HOSTILE in text and "&lt;script&gt;" in html and "<script>" not in html
    assert alerts[1]["In-Reply-To"] == alerts[0]["Message-ID"]


def test_config_sections():
    assert EmailSection().enabled is False and AlertsSection().digest == "off"
    assert AlertsSection(digest="07:30").policy().digest_time() is not None
    for bad in ("7am", "25:00", "7:00"):
        with pytest.raises(ValidationError):
            AlertsSection(digest=bad)
    for field, value in (("from_address", "nobody"), ("unsubscribe_url", "ftp://x"), ("password_env", "$X"),
                         ("security", "ssl"), ("port", 0)):  # fmt: skip
        with pytest.raises(ValidationError):
            EmailSection.model_validate({field: value})
    with pytest.raises(ConfigError, match="TRACKER_TOKEN_SECRET"):
        EmailChannel(settings(25), None, env={})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="TRACKER_SMTP_PASSWORD"):
        EmailChannel(settings(25, username="u"), None, env={"TRACKER_TOKEN_SECRET": "s"})  # type: ignore[arg-type]


def test_cli_preview_and_send(store, server, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_TOKEN_SECRET", SECRET)
    config = tmp_path / "tracker.toml"
    config.write_text(
        f'sources = []\n[email]\nhost = "127.0.0.1"\nport = {server.port}\nfrom_address = "t@example.org"\n'
        'unsubscribe_url = "https://tracker.example.org/u"\nsend_empty = true\n'
    )
    db = f"sqlite:///{tmp_path / 'tracker.db'}"
    store.subscriptions.set_policy("paris", {"digest": "off"})  # only Zoë's, whatever the time of day
    runner = CliRunner()
    out = tmp_path / "digest.html"
    result = runner.invoke(digest_group, ["preview", "Zoë", "--html", str(out), "--at", "2021-01-08T12:05Z"],
                           obj=App(str(config), db, None))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Delayed: NET 2021-01-10 13:00 EST → NET 2021-01-13 10:00 EST" in result.output
    assert "&lt;script&gt;" in out.read_text() and server.sink.messages == []
    result = runner.invoke(digest_group, ["send", "--subscriber", "Zoë"], obj=App(str(config), db, None))
    assert result.exit_code == 0, result.output
    assert "1 digest queued" in result.output and len(to(server, "zoe@example.org")) == 1
    again = runner.invoke(digest_group, ["send", "--now"], obj=App(str(config), db, None))
    assert again.exit_code == 0 and "0 digests queued" in again.output
    assert len(to(server, "zoe@example.org")) == 1 and len(server.sink.messages) == 1  # once per day


def test_control_characters_in_a_title_are_shown_never_passed_on(store):
    """An ANSI escape inside a scraped title reaches neither part raw: it reads as ``\\x1b``."""
    title = "Hostile-1 | Clear\x1b[2J screen\x07"
    for day, hour in ((14, 9), (15, 10)):
        apply(store, [snap("h2", span(datetime(2021, 1, day, tzinfo=UTC), Precision.DAY), title=title,
                           kind=EventKind.LAUNCH, type_="launch", vehicle="Hostile-1")],
              datetime(2021, 1, 7, hour, tzinfo=UTC))  # fmt: skip
    digest = build_digest(store, store.subscriptions.get("paris"), DIGEST_AT)
    rendered = render_digest(digest)
    for part in (rendered.text, rendered.html, rendered.subject):
        assert "\x1b" not in part and "\x07" not in part
    assert "Clear\\x1b[2J screen\\x07" in rendered.html and "Clear\\x1b[2J screen\\x07" in rendered.text


def test_digests_built_from_one_run_are_those_built_one_at_a_time(store):
    subs = store.subscriptions
    subs.add("tokyo", "Asia/Tokyo", [(ChannelKind.EMAIL, "tokyo@example.org")], {"digest": "07:00"})
    subs.follow("tokyo", parse_filter(["all"]))
    subs.add("muter", "America/New_York", [(ChannelKind.EMAIL, "muter@example.org")], {"digest": "07:00"})
    for words in (["vehicle:LauncherOne"], ["vehicle:Hostile-1"]):
        subs.follow("muter", parse_filter(words))
    hostile = next(e for e in store.find_events("Türksat") if e.title == HOSTILE)
    subs.mute("muter", hostile.id)
    everyone = subs.all()
    for as_of in (False, True):
        shared = DigestRun(store, DIGEST_AT, as_of=as_of)
        for sub in everyone:
            alone = DigestRun(store, DIGEST_AT, as_of=as_of).digest(sub)
            assert shared.digest(sub) == alone
            assert render_digest(shared.digest(sub), "https://x.example/u") == render_digest(
                alone, "https://x.example/u"
            )
    digests = {sub.name: DigestRun(store, DIGEST_AT).digest(sub) for sub in everyone}
    assert HOSTILE in [m.event.title for m in digests["Zoë"].moved]
    assert HOSTILE not in [m.event.title for m in digests["muter"].moved]  # muted
    tokyo, zoe = digests["tokyo"], digests["Zoë"]
    assert [m.event for m in tokyo.moved] == [m.event for m in zoe.moved]  # the same news...
    assert [m.now for m in tokyo.moved] != [m.now for m in zoe.moved]  # ... in another zone
    assert digests["tokyo"].day == "Friday 8 January 2021" and digests["tokyo"].zone_name == "Asia/Tokyo"


def test_a_second_subscriber_with_the_same_follows_costs_no_query(store):
    from sqlalchemy import event

    subs = store.subscriptions
    subs.add("zoe-twin", "America/New_York", [(ChannelKind.EMAIL, "twin@example.org")], {"digest": "07:00"})
    for words in (["vehicle:LauncherOne"], ["vehicle:Electron"], ["vehicle:Hostile-1"]):
        subs.follow("zoe-twin", parse_filter(words))
    crowd = subs.audience()  # one load: equal follows share their criteria
    run = DigestRun(store, DIGEST_AT)
    first = run.digest(crowd.by_name["Zoë"])
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    twin = run.digest(crowd.by_name["zoe-twin"])
    assert statements == [] and twin.moved == first.moved and twin.coming == first.coming


def test_a_change_seen_after_the_digests_began_is_in_the_next_one(store):
    paris = store.subscriptions.get("paris")
    before = build_digest(store, paris, DIGEST_AT)
    assert build_digest(store, paris, DIGEST_AT) == before  # the same run, reused
    run, earlier = digest_run(store, DIGEST_AT), digest_run(store, DIGEST_AT - timedelta(hours=1))
    assert digest_run(store, DIGEST_AT) is run and earlier is not run  # queued at two times: both kept
    apply(store, [snap("h1", span(datetime(2021, 1, 13, tzinfo=UTC), Precision.DAY), **HOSTILE_LAUNCH)],
          datetime(2021, 1, 8, 9, tzinfo=UTC))  # fmt: skip
    after = build_digest(store, paris, DIGEST_AT)
    assert [len(m.changes) for m in after.moved] == [len(m.changes) + 1 for m in before.moved]


def test_header_values_fold_without_changing_and_cannot_add_a_header(store, server):
    channel = EmailChannel(settings(server.port), store, env=ENV, clock=Clock(DIGEST_AT))
    subject = "Türksat 5A, 1,000 km: delayed · " * 4 + "\r\nBcc: victim@example.org"
    name = 'Zoë "Z", Ünïcode\r\nBcc: victim@example.org'
    link = "https://tracker.example.org/unsubscribe?token=" + "x" * 150
    body = "trailing blanks   \n.a dot first\n" + "x=y\t" * 40 + "\nZoë → ü, “quoted”\n\n"
    msg = channel.message(subject, body, "<p>html</p>", "to@example.org", "digest.1", to_name=name,
                          unsubscribe=link)  # fmt: skip
    assert channel.deliver(msg, 1).sent
    [got] = to(server, "to@example.org")
    head = server.sink.raw[-1].split(b"\r\n\r\n", 1)[0].decode("ascii")  # 7-bit: encoded words
    assert all(len(line) <= 78 for line in head.split("\r\n") if not line.startswith("List-Unsubscribe:"))
    assert all(len(word) <= 75 for word in re.findall(r"=\?utf-8\?[bq]\?[^?]*\?=", head))
    assert str(got["Subject"]) == " ".join(subject.split())
    assert got["To"].addresses[0].display_name == " ".join(name.split())
    assert got["List-Unsubscribe"] == f"<{link}>" and "Bcc" not in got
    assert server.sink.envelopes[-1] == ("tracker@example.org", ["to@example.org"])
    text, html = (part.replace("\r\n", "\n") for part in parts(got))  # line breaks travel as CRLF
    assert (text, html) == (body, "<p>html</p>")  # quoted-printable both ways, blanks and all


def test_one_smtp_session_carries_a_run_of_digests_and_is_replaced_when_the_server_drops_it(store, server):
    stats = dispatcher(store, server.port, Clock(DIGEST_AT)).run_once()
    assert stats.sent == 2 and len(set(server.sink.peers)) == 1  # both digests, one connection
    channel = EmailChannel(settings(server.port), store, env=ENV, clock=Clock(DIGEST_AT))
    assert channel.send_text("ops@example.org", "first").sent
    server.stop()  # the server goes away while the session is idle, and comes back
    server.start()
    assert channel.send_text("ops@example.org", "second").sent
    assert [m["Subject"] for m in to(server, "ops@example.org")] == ["first", "second"]  # each once
    assert len(set(server.sink.peers[-2:])) == 2
    channel.close()
