"""Fan-out: one slip to many Telegram chats through the real dispatcher, the real channel
(python-telegram-bot) and the fake Bot API. The event's story is read once however many
chats follow it, the message is rendered once per time zone (and each zone still gets its
own times), sends to several chats are in flight at once within the rate limits, and a
chat's later messages about an event reply to its earlier one, within a pass and across."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from tests.fakes.fake_telegram import FakeTelegram
from tests.fakes.fake_telegram import Limits as ServerLimits
from tests.helpers import Clock, apply, snap
from tracker.dispatch import Dispatcher
from tracker.models import ChannelKind, EventKind, EventSnapshot, Precision
from tracker.notify import telegram as telegram_module
from tracker.notify.telegram import Limits, TelegramChannel
from tracker.store.repo import Store
from tracker.timespec import span

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
T0 = NOW + timedelta(days=30)
ZONES = ["UTC", "Asia/Tokyo"]
LIFTED = Limits(1000, 1.0, 1000, 1.0, 1000, 60.0)


def _launch(ref: str, t0: datetime) -> EventSnapshot:
    return snap(
        ref, span(t0, Precision.MINUTE), title=f"Soyuz-5 | {ref}", kind=EventKind.LAUNCH, type_="launch"
    )


def _follow(store: Store, ref: str, chats: range) -> None:
    """Telegram chats (their zones alternating) following the launch ``ref``."""
    (event_id,) = [e.id for e in store.events_as_of(NOW).values() if e.title.endswith(ref)]
    for n in chats:
        store.subscriptions.add(f"chat{n}", ZONES[n % 2], [(ChannelKind.TELEGRAM, str(n))], {})
        store.subscriptions.follow(f"chat{n}", {"event": str(event_id)})


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(ServerLimits(global_count=1000, chat_count=1000, group_count=1000)) as server:
        yield server


def _deliver(store: Store, fake: FakeTelegram, limits: Limits = LIFTED, clock: datetime = NOW) -> Any:
    channel = TelegramChannel("42:FANOUT", base_url=fake.base_url, limits=limits)
    try:
        return Dispatcher(store, {ChannelKind.TELEGRAM: channel}, clock=Clock(clock)).run_once()
    finally:
        channel.close()


def test_a_slip_to_many_chats_reads_the_story_once_and_renders_once_per_zone(
    db_url: str, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two launches, one followed by 4 chats and one by 40: delivering either slip reads the
    event's changes, revisions and fetch runs equally often, and renders one message per zone."""
    renders: Counter[str] = Counter()
    split = telegram_module.split_message

    def counted(alert: Any, limit: int) -> Any:
        renders[str(alert.zone)] += 1
        return split(alert, limit)

    monkeypatch.setattr(telegram_module, "split_message", counted)
    reads: Counter[str] = Counter()

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            reads.update(t for t in ("revisions", "changes", "fetch_runs") if f"FROM {t}" in statement)

    store = Store.open(db_url)
    event.listen(store.engine, "before_cursor_execute", count)
    try:
        apply(store, [_launch("few", T0), _launch("many", T0)], NOW - timedelta(hours=4))
        _follow(store, "few", range(1000, 1004))
        _follow(store, "many", range(2000, 2040))
        seen: list[tuple[Counter[str], Counter[str]]] = []
        for n, (ref, chats) in enumerate([("few", 4), ("many", 40)]):
            apply(store, [_launch(ref, T0 + timedelta(days=1))], NOW - timedelta(hours=3 - n))
            reads.clear()
            renders.clear()
            stats = _deliver(store, fake)
            assert stats.sent == stats.messages == chats
            seen.append((Counter(reads), Counter(renders)))
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
        store.close()
    (few_reads, few_renders), (many_reads, many_renders) = seen
    assert few_reads == many_reads and few_reads["changes"] >= 1  # not one story per chat
    assert few_renders == many_renders == Counter({"UTC": 1, "Asia/Tokyo": 1})
    sent = fake.messages()
    assert Counter(m.chat_id for m in sent) == Counter([*range(1000, 1004), *range(2000, 2040)])
    many = [m for m in sent if (m.chat_id or 0) >= 2000]
    by_zone = {zone: {m.text for m in many if (m.chat_id or 0) % 2 == n} for n, zone in enumerate(ZONES)}
    assert [len(texts) for texts in by_zone.values()] == [1, 1]  # a zone's chats: the same message
    assert by_zone["UTC"] != by_zone["Asia/Tokyo"]  # but each zone its own local times


def test_sends_to_several_chats_are_in_flight_at_once_within_the_limits(
    sqlite_url: str, fake: FakeTelegram
) -> None:
    """The fake holds the first message until a second one arrives beside it: a dispatcher
    that sent one chat at a time would never give it two at once."""
    fake.meet = 2
    fake.limits = ServerLimits(global_count=20, global_window=1.0, chat_count=1, chat_window=1.0)
    store = Store.open(sqlite_url)
    try:
        apply(store, [_launch("burst", T0)], NOW - timedelta(hours=3))
        _follow(store, "burst", range(3000, 3030))
        apply(store, [_launch("burst", T0 + timedelta(days=1))], NOW - timedelta(hours=2))
        stats = _deliver(store, fake, Limits(20, 1.0, 1, 1.0, 20, 60.0))
        assert stats.sent == 30 and store.outbox.counts() == {"sent": 30}
    finally:
        store.close()
    assert fake.most_at_once >= 2
    assert not fake.violations and fake.max_rates()["global"] <= 20
    assert sorted(m.chat_id for m in fake.messages()) == list(range(3000, 3030))


def test_a_chats_later_alerts_about_an_event_reply_to_its_earlier_one(
    sqlite_url: str, fake: FakeTelegram
) -> None:
    """Two slips far apart (two messages) delivered in one pass, then a third in another: each
    message replies to the one before it (the first looked up in the store, the next known
    from the pass itself)."""
    store = Store.open(sqlite_url)
    try:
        apply(store, [_launch("thread", T0)], NOW - timedelta(hours=5))
        _follow(store, "thread", range(4000, 4002))
        apply(store, [_launch("thread", T0 + timedelta(days=1))], NOW - timedelta(hours=4))
        apply(store, [_launch("thread", T0 + timedelta(days=2))], NOW - timedelta(hours=3))
        assert _deliver(store, fake).sent == 4
        apply(store, [_launch("thread", T0 + timedelta(days=3))], NOW - timedelta(hours=2))
        assert _deliver(store, fake).sent == 2
    finally:
        store.close()
    for chat in (4000, 4001):
        first, second, third = fake.messages(chat)
        assert "reply_parameters" not in first.params
        assert second.params["reply_parameters"]["message_id"] == first.message_id
        assert third.params["reply_parameters"]["message_id"] == second.message_id
