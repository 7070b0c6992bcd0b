"""The Apprise channel against a real loopback webhook: every alert arrives exactly once
(also when the dispatcher is killed between sending and recording), escaped, and a refusal
leaves the delivery to be retried."""

from __future__ import annotations

import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from tests.fakes.webhook import Webhook
from tests.helpers import deliver_once, isolate_cli, seed_slips
from tracker.cli import main
from tracker.dispatch import Dispatcher
from tracker.notify import CHANNEL_KINDS, channel_class
from tracker.notify.apprise import AppriseChannel, redacted
from tracker.store.repo import Store

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
T0 = NOW + timedelta(days=30)
HOSTILE = "Falcon 9 <b>Block 5</b> & **bold** \x1b[31m red"


def seed(url: str, address: str, events: int, title: str = "Launch") -> int:
    return seed_slips(url, [("apprise", address)], events, title=title)


def test_registered_with_its_own_section():
    assert channel_class("apprise") is AppriseChannel and "apprise" in CHANNEL_KINDS
    assert AppriseChannel.check_address("json://127.0.0.1:9/x") == "json://127.0.0.1:9/x"
    with pytest.raises(ValueError, match="not an Apprise URL"):
        AppriseChannel.check_address("nonsense-without-scheme")
    assert redacted("discord://1234/SECRET-TOKEN") == "discord://1234"


def test_alerts_reach_the_webhook_once_each_and_escaped(tmp_path):
    with Webhook() as hook:
        url = f"sqlite:///{tmp_path / 'a.db'}"
        total = seed(url, hook.url(), 3, title=HOSTILE)
        store = Store.open(url)
        channel = AppriseChannel(tmp_path / "journal.log")
        stats = Dispatcher(store, {"apprise": channel}).run_once()
        assert stats.sent == total == 3 and stats.dead == stats.retried == 0
        got = hook.messages()
        assert len(got) == 3
        for message in got:
            assert message["title"].startswith("Delayed +1 d")
            assert "\x1b" not in message["message"] and "\\x1b[31m" in message["message"]
            assert HOSTILE.split("\x1b")[0] in message["message"]  # text as text, for the service to escape
        assert Dispatcher(store, {"apprise": channel}).run_once().sent == 0  # nothing goes twice
        assert len(hook.received) == 3 and store.outbox.counts() == {"sent": 3}
        store.close()


def test_a_refusal_is_retried_not_lost(tmp_path):
    with Webhook() as hook:
        url = f"sqlite:///{tmp_path / 'r.db'}"
        seed(url, hook.url(), 1)
        store = Store.open(url)
        hook.refuse = 1
        channel = AppriseChannel(tmp_path / "journal.log", retry_seconds=30)
        stats = Dispatcher(store, {"apprise": channel}).run_once()
        assert stats.retried == 1 and store.outbox.counts() == {"retry": 1} and hook.received == []
        later = Dispatcher(
            store, {"apprise": channel}, clock=lambda: datetime.now(UTC) + timedelta(minutes=1)
        )
        assert later.run_once().sent == 1 and len(hook.received) == 1
        store.close()


@pytest.mark.parametrize("fault", ["dispatch.after_claim", "dispatch.after_send"])
def test_exactly_once_across_a_killed_dispatcher(db_url, tmp_path, fault):
    config = tmp_path / "tracker.toml"
    config.write_text(f'[tracker]\ndata_dir = "{tmp_path / "data"}"\n\n[delivery]\nlease_seconds = 1.0\n')
    with Webhook() as hook:
        total = seed(db_url, hook.url(), 8)
        killed = deliver_once(db_url, config, fault)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert len(hook.received) == (1 if fault == "dispatch.after_send" else 0)
        time.sleep(1.2)  # the dead dispatcher's lease runs out
        again = deliver_once(db_url, config)
        assert again.returncode == 0, again.stderr
        titles = Counter(m["message"].splitlines()[0] for m in hook.messages())
        assert len(titles) == total == 8 and set(titles.values()) == {1}, titles
    store = Store.open(db_url)
    assert store.outbox.counts() == {"sent": total}
    store.close()


def test_the_cli_adds_an_apprise_channel_and_test_alert_uses_it(tmp_path, monkeypatch):
    isolate_cli(tmp_path, monkeypatch)
    config = tmp_path / "tracker.toml"
    config.write_text(f'[tracker]\ndata_dir = "{tmp_path / "data"}"\n')
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    runner = CliRunner()
    with Webhook() as hook:
        secret = hook.url(path="s3cr3t-token")  # an Apprise URL's path often is the service's token
        added = runner.invoke(main, ["subscribers", "add", "ada", "--channel", f"apprise:{secret}"])
        assert added.exit_code == 0, added.output
        bad = runner.invoke(main, ["subscribers", "add", "bob", "--channel", "apprise:nonsense"])
        assert bad.exit_code == 2 and "Traceback" not in bad.output and "not an Apprise URL" in bad.output
        tested = runner.invoke(main, ["test-alert", "ada"])
        assert tested.exit_code == 0, tested.output
        where = hook.url().rsplit("/", 1)[0]
        assert f"apprise {where}: sent" in tested.output
        listed = runner.invoke(main, ["subscribers", "list"])
        for shown in (added.output, tested.output, listed.output):
            assert "s3cr3t-token" not in shown, shown
        (message,) = hook.messages()
        assert message["title"] == "Test: alerts reach this channel"


def test_the_journal_stays_small_and_keeps_the_newest_deliveries(tmp_path, monkeypatch):
    import threading

    from tracker.notify import apprise as module

    monkeypatch.setattr(module, "JOURNAL_MAX_BYTES", 4_000)
    monkeypatch.setattr(module, "JOURNAL_KEEP_LINES", 50)
    channel = module.AppriseChannel(tmp_path / "journal.log")
    address = "json://127.0.0.1:9/hook"

    def append(first: int) -> None:
        for n in range(first, first + 1_000):
            channel._record(address, (n,))

    writers = [threading.Thread(target=append, args=(k * 1_000,)) for k in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
    lines = (tmp_path / "journal.log").read_text().splitlines()
    assert all(len(line.split()) == 2 for line in lines), "a line was torn"
    assert (tmp_path / "journal.log").stat().st_size <= 4_000 + 100
    # the newest deliveries are the ones in flight at a crash: they must be found; the oldest are gone
    for n in (5_000, 5_001):
        channel._record(address, (n,))
    assert channel.confirm(address, [0, 1_000, 5_000, 5_001]) == {5_000, 5_001}


def test_without_the_apprise_extra_the_channel_says_what_to_install(tmp_path, monkeypatch):
    import sys

    from tracker.errors import UserError
    from tracker.notify import apprise as module
    from tracker.notify.render import test_alert

    monkeypatch.setitem(sys.modules, "apprise", None)  # as if the extra were not installed
    with pytest.raises(UserError, match=r"\[apprise\] extra"):
        module.AppriseChannel.check_address("json://127.0.0.1:9/hook")
    result = module.AppriseChannel(tmp_path / "j.log").send(
        test_alert(datetime.now(UTC), UTC), "json://127.0.0.1:9/hook"
    )
    assert not result.sent and result.retry_after and "[apprise] extra" in (result.error or "")
