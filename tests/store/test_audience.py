"""Who follows what, from the subscribers a process keeps between jobs (the audience):
the same answer as each subscriber's own follows, kept current when any process (another
engine on the same database, as another process would be) changes a subscription, and
outbox rows written in bulk that read back as the ORM writes them; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from tests.helpers import apply, snap
from tracker.follows import follows_event, parse_filter
from tracker.models import ChannelKind, EventKind, Precision
from tracker.notify import digest_kinds
from tracker.policy import AlertPolicy
from tracker.store.repo import Store
from tracker.store.subscriptions import audience, load_subscribers
from tracker.store.tables import DeliveryRow
from tracker.timespec import span

T0 = datetime(2026, 4, 1, 22, 24, tzinfo=UTC)
SEEN = T0 - timedelta(days=3)


def launch(ref: str, title: str, vehicle: str, when: datetime = T0):
    return snap(ref, span(when, Precision.MINUTE), "go", title, kind=EventKind.LAUNCH, type_="launch",
                vehicle=vehicle, site="LC-39B, Kennedy Space Center")  # fmt: skip


def subscribe(store: Store, name: str, tmp: Path, *follows: list[str], **policy: object) -> None:
    store.subscriptions.add(
        name, "Europe/Paris", [(ChannelKind.CONSOLE, str(tmp / f"{name}.txt"))], dict(policy)
    )
    for words in follows:
        store.subscriptions.follow(name, parse_filter(words))


def queued(store: Store) -> list[tuple[str, int]]:
    """(subscriber, change id) of every queued alert, in the order they were written."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(DeliveryRow.subscriber_id, DeliveryRow.change_id).order_by(DeliveryRow.id))
        names = {s.id: s.name for s in store.subscriptions.all()}
        return [(names[sub], change) for sub, change in rows]


def test_followers_are_those_whose_own_follows_match(store, tmp_path):
    events = [launch("a2", "SLS Block 1 | Artemis II", "SLS Block 1"),
              launch("s1", "Falcon 9 Block 5 | Starlink Group 10-1", "Falcon 9"),
              launch("c1", "Falcon 9 Block 5 | Crew-12", "Falcon 9")]  # fmt: skip
    apply(store, events, SEEN)
    subscribe(store, "everything", tmp_path, ["all"])
    subscribe(store, "falcon", tmp_path, ["vehicle:Falcon", "9", "except", "Starlink"])
    subscribe(store, "twice", tmp_path, ["Artemis"], ["vehicle:SLS", "Block", "1"])
    subscribe(store, "same", tmp_path, ["all"])  # equal criteria: matched once for both
    subscribe(store, "muter", tmp_path, ["all"])
    subscribe(store, "paused", tmp_path, ["all"])
    artemis = store.find_events("Artemis")[0]
    store.subscriptions.mute("muter", artemis.id)
    store.subscriptions.set_active("paused", False, "test")
    crowd = store.subscriptions.audience()
    with store._session() as s:
        everyone = load_subscribers(s)
    for event in store.upcoming(SEEN):
        expected = [
            sub.name for sub in everyone if event.id not in sub.muted and follows_event(sub.follows, event)
        ]
        assert [sub.name for sub in crowd.followers(event)] == expected
        assert crowd.followed(event) == bool(expected)
    assert [s.name for s in crowd.followers(artemis)] == ["everything", "same", "twice"]


def test_a_subscription_changed_by_another_process_after_the_cache_was_filled_is_honoured(db_url, tmp_path):
    daemon, cli = Store.open(db_url), Store.open(db_url)  # two engines: as two processes would be
    try:
        subscribe(daemon, "early", tmp_path, ["Artemis"])
        apply(daemon, [launch("a2", "SLS Block 1 | Artemis II", "SLS Block 1")], SEEN)
        apply(daemon, [launch("a2", "SLS Block 1 | Artemis II", "SLS Block 1", T0 + timedelta(days=1))],
              SEEN + timedelta(hours=1))  # fmt: skip
        assert [name for name, _ in queued(daemon)] == ["early"]  # the audience is cached now
        cached = daemon.subscriptions.audience()
        assert daemon.subscriptions.audience() is cached

        subscribe(cli, "late", tmp_path, ["all"])  # a follow added after the cache was filled
        cli.subscriptions.unfollow("early", criteria=parse_filter(["Artemis"]))
        apply(daemon, [launch("a2", "SLS Block 1 | Artemis II", "SLS Block 1", T0 + timedelta(days=2))],
              SEEN + timedelta(hours=2))  # fmt: skip
        assert [name for name, _ in queued(daemon)][1:] == ["late"]
        assert daemon.subscriptions.audience() is not cached

        (event,) = cli.find_events("Artemis")
        cli.subscriptions.mute("late", event.id)
        apply(daemon, [launch("a2", "SLS Block 1 | Artemis II", "SLS Block 1", T0 + timedelta(days=3))],
              SEEN + timedelta(hours=3))  # fmt: skip
        assert len(queued(daemon)) == 2  # muted elsewhere: nothing new
        with daemon._session() as s:  # the writer's own engine sees its writes too
            assert audience(s).by_name["late"].muted == frozenset({event.id})
    finally:
        daemon.close()
        cli.close()


def test_alerts_written_in_bulk_read_back_as_the_orm_writes_them(store, tmp_path):
    for n in range(3):
        subscribe(store, f"s{n}", tmp_path, ["all"], coalesce="10m" if n else "3m")
    apply(store, [launch("a2", "SLS Block 1 | Artemis II", "SLS Block 1")], SEEN)
    result = apply(store, [launch("a2", "SLS Block 1 | Artemis II", "SLS Block 1", T0 + timedelta(days=1))],
                   SEEN + timedelta(hours=1), policy=AlertPolicy())  # fmt: skip
    assert result.deliveries == 3
    (change,) = store.changes(since=SEEN + timedelta(minutes=30))
    with store._session() as s:
        rows = list(s.scalars(select(DeliveryRow).order_by(DeliveryRow.id)))
        assert [r.dedup_key for r in rows] == [f"change:{change.id}:{r.channel_id}" for r in rows]
        for row, coalesce in zip(rows, (3, 10, 10), strict=True):
            assert (row.kind, row.state, row.attempts, row.event_id) == (
                "change",
                "pending",
                0,
                change.event_id,
            )
            assert row.observed_at == change.observed_at and row.observed_at.tzinfo is not None
            assert row.due_at == change.observed_at + timedelta(minutes=coalesce)
            assert row.created_at.tzinfo is not None
    with store.engine.connect() as conn:  # stored as the ORM stores (SQLite compares the text)
        same = conn.exec_driver_sql(
            "SELECT d.observed_at = c.observed_at FROM deliveries d JOIN changes c ON c.id = d.change_id"
        ).all()
        assert same == [(True,)] * 3 or same == [(1,)] * 3


def test_digests_are_armed_once_a_day_whoever_arms_them(db_url):
    first, second = Store.open(db_url), Store.open(db_url)
    try:
        for n, zone in enumerate(("Europe/Paris", "Asia/Tokyo", "America/New_York")):
            first.subscriptions.add(
                f"d{n}", zone, [(ChannelKind.EMAIL, f"d{n}@example.org")], {"digest": "07:00"}
            )
        first.subscriptions.add("off", "UTC", [(ChannelKind.EMAIL, "off@example.org")], {})
        now = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)  # 13:30 Paris, 21:30 Tokyo, 07:30 New York
        policy, kinds = AlertPolicy(), digest_kinds()
        assert first.outbox.arm_digests(policy, now, kinds) == 3
        assert first.outbox.arm_digests(policy, now + timedelta(minutes=5), kinds) == 0
        assert (
            second.outbox.arm_digests(policy, now + timedelta(minutes=10), kinds) == 0
        )  # another dispatcher
        assert second.outbox.queue_digest("d0", now, kinds) == 0
        assert first.outbox.arm_digests(policy, now + timedelta(hours=13), kinds) == 1  # Tokyo's next day
        assert first.outbox.counts() == {"pending": 4}
    finally:
        first.close()
        second.close()


def test_the_stamp_moves_with_every_write_a_digest_reads(store, tmp_path):
    empty = store.stamp()
    assert store.stamp() == empty == (0, 0, 0, 0)
    apply(store, [launch("a2", "SLS Block 1 | Artemis II", "SLS Block 1")], SEEN)
    ran = store.stamp()
    assert ran[:3] > empty[:3] and store.stamp() == ran  # a run; then nothing moved
    subscribe(store, "a", tmp_path, ["all"])
    assert store.stamp()[:3] == ran[:3] and store.stamp()[3] > ran[3]  # a subscription changed
