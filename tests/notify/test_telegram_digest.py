"""The daily digest in a Telegram chat (/digest 08:00), once per local day, through the
real python-telegram-bot and the fake Bot API server; and operator text messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fakes.fake_telegram import FakeTelegram, Limits
from tests.helpers import apply, snap
from tracker.dispatch import Dispatcher
from tracker.follows import parse_filter
from tracker.models import ChannelKind, EventKind, Precision
from tracker.notify.telegram import Limits as ChannelLimits
from tracker.notify.telegram import TelegramChannel
from tracker.store.repo import Store
from tracker.timespec import span

TOKEN = "123456:TEST-token"


def test_digest_goes_to_the_chat_once_a_day(sqlite_url):
    store = Store.open(sqlite_url)
    now = datetime.now(UTC).replace(microsecond=0)
    store.subscriptions.add(
        "tg:42", "UTC", [(ChannelKind.TELEGRAM, "42")], {"digest": "00:00", "kinds": "slip"}
    )
    store.subscriptions.follow("tg:42", parse_filter(["all"]))
    title = "Soyuz-5 | Maiden flight <b>&</a>"
    t0 = now + timedelta(days=3)
    apply(store, [snap("s5", span(t0, Precision.DAY), title=title, kind=EventKind.LAUNCH, type_="launch")],
          now - timedelta(hours=3))  # fmt: skip
    apply(store, [snap("s5", span(t0 + timedelta(days=2), Precision.DAY), title=title, kind=EventKind.LAUNCH,
                       type_="launch")], now - timedelta(hours=2))  # fmt: skip
    with FakeTelegram(Limits(global_count=30, chat_count=1, chat_window=0.1, group_count=20)) as fake:
        channel = TelegramChannel(TOKEN, base_url=fake.base_url, limits=ChannelLimits(30, 1.0, 1, 0.1, 20, 60.0),
                                  store=store)  # fmt: skip
        try:
            dispatcher = Dispatcher(store, {ChannelKind.TELEGRAM: channel}, clock=lambda: now)
            first = dispatcher.run_once()
            assert first.digests == 1
            again = dispatcher.run_once()
            assert again.digests == 0  # the same local day: never a second copy
            texts = [m.params["text"] for m in fake.messages(42)]
            digests = [t for t in texts if "Delayed" in t and "coming" in t.lower()]
            assert len(digests) == 1, texts
            assert "Soyuz-5 | Maiden flight &lt;b&gt;&amp;&lt;/a&gt;" in digests[0]  # escaped, intact
            assert channel.send_text("42", "[tracker health] source ll2 is failing").sent
        finally:
            channel.close()
    store.close()
