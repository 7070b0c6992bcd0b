"""One rate budget per bot: command answers, alerts and digests draw on the same limiter, so
together they keep every documented limit (30 msg/s overall, 1 msg/s per chat, 20/min per
group) and Telegram never answers 429.

The default suite checks the shared budget with a controllable clock (a simulation of a
fan-out with answers arriving during it) and, for real, correctness under the fake Bot API
that enforces the limits: every alert and answer arrives and nothing is refused. The timed
real-time version, 200 chats with 30 commanding chats, is behind the ``soak`` marker."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fakes.fake_telegram import FakeTelegram
from tests.helpers import Clock, apply, snap
from tracker.bot import build_application
from tracker.bot.common import Deps
from tracker.bot.runner import BotRunner
from tracker.dispatch import Dispatcher
from tracker.follows import parse_filter
from tracker.models import ChannelKind, EventKind, Precision
from tracker.notify.telegram import Limits, RateLimiter, TelegramChannel, budget_for
from tracker.store.repo import Store
from tracker.timespec import span

TOKEN = "424242:SHARED-budget-token"
T0 = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=40)


def sliding_violations(sends: list[tuple[float, int]], lim: Limits) -> list[str]:
    """An independent check of (time, chat) sends against every window."""
    found = []
    for i, (t, chat) in enumerate(sends):
        recent = [(u, c) for u, c in sends[: i + 1] if t - u < max(lim.global_window, lim.group_window)]
        if sum(1 for u, _ in recent if t - u < lim.global_window) > lim.global_count:
            found.append(f"global at {t}")
        if sum(1 for u, c in recent if c == chat and t - u < lim.chat_window) > lim.chat_count:
            found.append(f"chat {chat} at {t}")
        if chat < 0 and sum(1 for u, c in recent if c == chat and t - u < lim.group_window) > lim.group_count:
            found.append(f"group {chat} at {t}")
    return found


def test_a_fan_out_and_answers_share_one_budget_on_a_fake_clock() -> None:
    """200 alerts (a few to groups) and 30 answers, the answers asked for while the fan-out runs
    (some to chats that just had their alert): nothing breaks a limit, nobody is left out, and
    the whole takes (alerts + answers) / 30 s within 10 %."""
    now = [0.0]
    lim = Limits()
    budget = RateLimiter(lim, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    chats = [-(1000 + n) if n % 20 == 0 else 1000 + n for n in range(200)]
    asks = {n * 6: chats[max(0, n * 6 - 3)] for n in range(30)}  # at alert k, chat (k-3) asks a question
    sends: list[tuple[float, int]] = []
    waiting: list[int] = []
    later: list[int] = []
    for k, chat in enumerate(chats):
        if k in asks:
            waiting.append(asks[k])
        # The bot answers as soon as the budget allows; alerts take the rest (one thread each in
        # life; here interleaved in order on the one clock).
        for who in list(waiting):
            if budget.reserve(who) == 0:
                sends.append((now[0], who))
                budget.sent(who)
                waiting.remove(who)
        if budget.delay(chat, own_only=True) > 0:  # as the dispatcher does: busy chats go last
            later.append(chat)
            continue
        budget.acquire(chat)
        sends.append((now[0], chat))
        budget.sent(chat)
    waiting += later
    while waiting:  # the fan-out is over: the answers still waiting for their chat's window
        who = min(waiting, key=budget.delay)
        budget.acquire(who)
        sends.append((now[0], who))
        budget.sent(who)
        waiting.remove(who)
    assert len(sends) == 230 and sliding_violations(sends, lim) == []
    took = sends[-1][0] - sends[0][0]
    ideal = (len(sends) - lim.global_count) / lim.global_count  # the first 30 go at once
    assert ideal * 0.9 <= took <= ideal * 1.1, (took, ideal)


def test_the_channel_and_the_bot_get_the_same_budget() -> None:
    assert budget_for(TOKEN, "http://x/bot") is budget_for(TOKEN, "http://x/bot", Limits())
    assert budget_for(TOKEN, "http://x/bot") is not budget_for(TOKEN, "http://y/bot")
    channel = TelegramChannel(TOKEN, base_url="http://x/bot")
    try:
        assert channel.limiter is budget_for(TOKEN, "http://x/bot")
    finally:
        channel.close()


def fan_out(tmp_path: Path, followers: int, asking: int, timeout: float) -> tuple[FakeTelegram, float, int]:
    """``followers`` chats follow one launch that slips; while its alerts go out, ``asking`` of
    them send /next. The fake server enforces Telegram's limits and answers 429 past them."""
    store = Store.open(f"sqlite:///{tmp_path / 'fan.db'}")
    chats = [str(5000 + n) for n in range(followers)]
    for chat in chats:
        store.subscriptions.add(f"tg:{chat}", "UTC", [(ChannelKind.TELEGRAM, chat)], {})
        store.subscriptions.follow(f"tg:{chat}", parse_filter(["Starlink"]))
    seen = datetime.now(UTC)
    launch = {"title": "Falcon 9 Block 5 | Starlink Group 12-1", "kind": EventKind.LAUNCH, "type_": "launch"}
    apply(store, [snap("sl", span(T0, Precision.MINUTE), **launch)], seen - timedelta(days=1))  # type: ignore[arg-type]
    apply(store, [snap("sl", span(T0 + timedelta(days=1), Precision.MINUTE), **launch)], seen)  # type: ignore[arg-type]
    with FakeTelegram() as fake:
        runner = BotRunner(build_application(TOKEN, fake.base_url, Deps(store, frozenset())), poll_timeout=1)
        channel = TelegramChannel(TOKEN, base_url=fake.base_url)
        runner.start()
        done = threading.Event()
        took = [0.0]

        def deliver() -> None:
            started = time.monotonic()
            Dispatcher(
                store, {ChannelKind.TELEGRAM: channel}, clock=Clock(seen + timedelta(minutes=5))
            ).run_once(limit=1000)
            took[0] = time.monotonic() - started
            done.set()

        worker = threading.Thread(target=deliver)
        try:
            worker.start()
            fake.wait_for(lambda: len(fake.messages()) >= 10, timeout=timeout)  # the fan-out is under way
            askers = [int(c) for c in chats[:: max(1, followers // asking)][:asking]]
            for chat in askers:
                fake.user_says(chat, "/next")
            assert done.wait(timeout), "the fan-out did not finish"
            fake.wait_for(lambda: all(len(fake.messages(c)) >= 2 for c in askers), timeout=timeout)
        finally:
            worker.join(timeout)
            runner.stop()
            channel.close()
            store.close()
    return fake, took[0], len(askers)


def test_a_fan_out_with_commands_during_it_gets_no_429(tmp_path: Path) -> None:
    fake, _, asked = fan_out(tmp_path, followers=40, asking=10, timeout=30)
    alerts = [m for m in fake.messages() if m.params.get("reply_markup") and "History" in str(m.params)]
    assert len(alerts) == 40 and asked == 10
    assert fake.violations == [] and [c for c in fake.calls if c.status == 429] == []
    rates = fake.max_rates()
    assert rates["global"] <= 30 and rates["chat"] <= 1


@pytest.mark.soak
def test_200_chats_and_30_commands_keep_the_limits_and_the_pace(tmp_path: Path) -> None:
    fake, took, asked = fan_out(tmp_path, followers=200, asking=30, timeout=60)
    sent = len(fake.messages())
    assert asked == 30 and sent >= 230
    assert fake.violations == [] and [c for c in fake.calls if c.status == 429] == []
    ideal = sent / 30
    print(
        f"fan-out of {sent} messages (200 alerts, {sent - 200} answers) took {took:.2f} s; N/30 = {ideal:.2f} s"
    )
    assert took <= ideal * 1.1
