"""No secret in any output at any verbosity: the CLI, ``config check --connect``, the bot
(against the fake Bot API), the daemon (its bot and Telegram alerts included), and the
email digest (against aiosmtpd with a login), each run as a real process with a known bot
token, SMTP password, token secret and database password, quiet and with ``-v``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.fakes.fake_telegram import FakeTelegram
from tests.fakes.recorded_server import recorded_server
from tests.fakes.smtp_server import SmtpServer
from tests.helpers import BOUND, STEPS, alerts, snapshot, start, stop, wait_for, write_config
from tracker.logs import MASK, redact, register_secrets

TOKEN = "7012345678:AAHsecretTOKENvalue_0123456789abcdefgh"
SMTP_PASSWORD = "smtp-pa55-Secret"
TOKEN_SECRET = "unsubscribe-Secret-42"
DB_PASSWORD = "db-Pa55-secret"
SECRETS = (TOKEN, SMTP_PASSWORD, TOKEN_SECRET, DB_PASSWORD)
ENV = {
    "TRACKER_TELEGRAM_TOKEN": TOKEN,
    "TRACKER_SMTP_PASSWORD": SMTP_PASSWORD,
    "TRACKER_TOKEN_SECRET": TOKEN_SECRET,
}


def leaks(text: str) -> list[str]:
    """The secrets (or a telling part of one) found in ``text``."""
    return [s for s in SECRETS if s in text or s[-12:] in text]


@pytest.fixture
def world(tmp_path, request):
    """Every service the tracker talks to, on loopback, and a config that uses them all.
    The database is PostgreSQL with a password for a test marked postgres, else SQLite."""
    if request.node.get_closest_marker("postgres"):
        # The test server trusts local connections: any password works, and it is in the URL.
        pg = request.getfixturevalue("pg_url")
        url = make_url(pg).set(password=DB_PASSWORD).render_as_string(hide_password=False)
    else:
        url = request.getfixturevalue("sqlite_url")
    smtp = SmtpServer(users={"mailer": SMTP_PASSWORD})
    smtp.start()
    with FakeTelegram() as telegram, recorded_server() as pages:
        extra = f"""
[email]
host = "127.0.0.1"
port = {smtp.port}
username = "mailer"
from_address = "tracker@example.org"
unsubscribe_url = "https://tracker.example.org/u"
send_empty = true
[telegram]
api_base_url = "{telegram.base_url}"
"""
        config = write_config(tmp_path, url, pages.url, extra=extra)
        try:
            yield config, pages, telegram, smtp
        finally:
            smtp.stop()


def run(config: Path, *args: str, timeout: float = 120) -> str:
    env = {**os.environ, **ENV, "TRACKER_CONFIG": str(config)}
    env.pop("TRACKER_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "tracker.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)  # fmt: skip
    typed = " ".join(args).replace(DB_PASSWORD, "PASSWORD")  # what was typed is no output
    return f"$ tracker {typed} -> {done.returncode}\n{done.stdout}{done.stderr}"


@pytest.mark.postgres
def test_no_secret_in_any_output_at_any_verbosity(world, tmp_path):
    config, pages, telegram, smtp = world
    pages.serve(snapshot(STEPS[0]))
    out = []
    for verbose in ((), ("-v",)):
        out.append(run(config, *verbose, "config", "check", "--connect"))
        out.append(run(config, *verbose, "subscribers", "add", f"zoe{len(out)}", "--email", "zoe@example.org",
                       "--telegram", "4242", "--set", "digest=07:00"))  # fmt: skip
        out.append(run(config, *verbose, "poll", "launches"))
        out.append(run(config, *verbose, "upcoming"))
        out.append(run(config, *verbose, "digest", "send", "--now"))
        out.append(run(config, *verbose, "deliver", "--once"))
        out.append(run(config, *verbose, "bot", "--duration", "2", "--poll-timeout", "0.2"))
        out.append(run(config, *verbose, "status"))
        # A wrong URL given on the command line: the error must not echo its password.
        out.append(
            run(config, *verbose, "--database", f"postgresql://u:{DB_PASSWORD}@127.0.0.1:1/x", "upcoming")
        )
    everything = "\n".join(out)
    assert "reachable: getMe answered @" in everything and "(EHLO, login as mailer)" in everything
    assert smtp.sink.messages and telegram.calls_of("getUpdates")
    assert leaks(everything) == [], everything
    # -v shows the library lines that used to carry the token (httpx's request URLs), masked.
    assert f"/bot{MASK}/getMe" in everything


def test_the_daemon_with_its_bot_logs_no_secret(world, tmp_path):
    config, pages, telegram, _ = world
    sink = tmp_path / "alerts.txt"
    assert "-> 0" in run(
        config, "subscribers", "add", "watcher", "--console", str(sink), "--telegram", "4242"
    )
    assert "-> 0" in run(config, "follow", "watcher", "all")
    pages.serve(snapshot(STEPS[0]))
    for verbose in ((), ("-v",)):
        name = f"daemon{len(verbose)}"
        proc, _ = start(config, tmp_path, name, *verbose, env=ENV)
        try:
            wait_for(lambda: telegram.calls_of("getUpdates"), BOUND, "the bot's long polling")
            pages.serve(snapshot(STEPS[1 + len(verbose)]))
            wait_for(lambda v=verbose: len(alerts(sink)) >= 1 + len(v), BOUND, "an alert")
            wait_for(lambda: telegram.messages(4242), BOUND, "a Telegram alert")
        finally:
            assert stop(proc) == 0
        log = (tmp_path / f"{name}.log").read_text()
        assert "Telegram bot started" in log and leaks(log) == [], log


def test_the_filter_masks_what_no_one_registered():
    register_secrets(["hunter2-secret"])
    text = redact(
        "GET https://api.telegram.org/bot123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef012/getMe "
        "postgresql://tracker:pw-nobody-registered@db/tracker hunter2-secret"
    )
    assert "ABCDEFGHIJ" not in text and "pw-nobody" not in text and "hunter2" not in text
    assert text.count(MASK) == 3 and "postgresql://tracker:" in text
