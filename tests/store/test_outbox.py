"""Alerts through the outbox: who gets what, coalescing, thresholds and reminders
(with an injected clock), retries, and exactly-once delivery to a console file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import Clock, apply, blocks, corpus_dir, delivered_ids, snap
from tracker.dispatch import Dispatcher
from tracker.models import ChangeKind, ChannelKind, DeliveryState, EventKind, Precision
from tracker.notify.console import ConsoleChannel
from tracker.pipeline import replay
from tracker.policy import AlertPolicy, parse_duration
from tracker.sources import build_source
from tracker.store.repo import Store
from tracker.timespec import span

LAUNCH = datetime(2026, 4, 1, 22, 24, tzinfo=UTC)


def dispatcher(store: Store, clock: Clock, policy: AlertPolicy | None = None, **kw) -> Dispatcher:
    return Dispatcher(
        store, {ChannelKind.CONSOLE: ConsoleChannel()}, policy or AlertPolicy(), clock=clock, **kw
    )


def subscribe(store: Store, name: str, sink: Path, *filters: str, **policy: object) -> None:
    from tracker.follows import parse_filter

    store.subscriptions.add(name, "Europe/Paris", [(ChannelKind.CONSOLE, str(sink))], dict(policy))
    store.subscriptions.follow(name, parse_filter(list(filters)))


def launch(when, status="go", ref="a2", title="SLS Block 1 | Artemis II"):
    return snap(ref, when, status, title, kind=EventKind.LAUNCH, type_="launch", vehicle="SLS Block 1",
                site="LC-39B, Kennedy Space Center")  # fmt: skip


def test_replayed_series_alerts_only_the_followed_vehicle(sqlite_url, tmp_path):
    store = Store.open(sqlite_url)
    sink = tmp_path / "falcon.txt"
    subscribe(store, "falcon-fan", sink, "vehicle:Falcon", "9")
    subscribe(store, "electron-fan", tmp_path / "electron.txt", "vehicle:Electron")
    source = build_source("ll2-launches", "ll2-launches")
    list(replay(store, source, [corpus_dir("ll2-launch-upcoming-2020-2021")], alerts="recorded"))
    stats = dispatcher(store, Clock(datetime(2030, 1, 1, tzinfo=UTC))).run_once()
    assert stats.dead == 0 and stats.retried == 0

    # Expected: one alert per (event, snapshot) with an alert-worthy change, spelled out
    # here from the stored changes without the policy module.
    def worthy(c) -> bool:
        if c.kind in (ChangeKind.SLIP, ChangeKind.ADVANCE, ChangeKind.LOOSENED, ChangeKind.NEW):
            return True
        if c.kind is ChangeKind.FIRMED:
            return c.new_when.precision <= Precision.HOUR
        if c.kind is ChangeKind.RETIMED:
            moved = abs(c.new_when.t0 - c.old_when.t0)
            return moved >= timedelta(minutes=15) or c.new_when.t0 - c.observed_at <= timedelta(hours=24)
        return c.kind is ChangeKind.STATUS and c.new_status in {"hold", "scrubbed", "success", "failure"}

    changes = store.changes()
    falcon = {(c.event_id, c.observed_at) for c in changes if "Falcon 9" in c.title and worthy(c)}
    electron = {(c.event_id, c.observed_at) for c in changes if c.title.startswith("Electron") and worthy(c)}
    falcon_blocks = blocks(sink)
    assert len(falcon_blocks) == len(falcon) > 30
    assert all("Falcon 9" in b.splitlines()[0] for b in falcon_blocks)
    assert len(blocks(tmp_path / "electron.txt")) == len(electron) > 0
    assert sorted(delivered_ids(sink)) == sorted(set(delivered_ids(sink)))
    assert store.outbox.counts() == {"sent": stats.sent}
    store.close()


def test_starlink_17_alert_counts_its_slips(sqlite_url, tmp_path):
    store = Store.open(sqlite_url)
    sink = tmp_path / "s17.txt"
    subscribe(store, "s17", sink, "Starlink", "17")
    source = build_source("ll2-launches", "x")
    list(replay(store, source, [corpus_dir("ll2-launch-upcoming-2020-2021")], alerts="recorded"))
    dispatcher(store, Clock(datetime(2030, 1, 1, tzinfo=UTC))).run_once()
    text = sink.read_text()
    assert "1st slip" in text and "4th slip" in text
    assert "Starlink 17" in text and "Starlink 16" not in text
    store.close()


def test_changes_close_together_become_one_alert_with_the_path(sqlite_url, tmp_path):
    store = Store.open(sqlite_url)
    sink = tmp_path / "a.txt"
    subscribe(store, "a", sink, "Artemis")
    night = LAUNCH - timedelta(days=3)  # far from T-0: coalesced (inside `imminent` all goes at once)
    apply(store, [launch(span(LAUNCH, Precision.MINUTE))], night - timedelta(days=1))
    for minutes, t0 in ((0, "22:40"), (60, "23:05"), (120, "23:20")):
        hour, minute = map(int, t0.split(":"))
        apply(store, [launch(span(LAUNCH.replace(hour=hour, minute=minute), Precision.MINUTE))],
              night + timedelta(seconds=minutes))  # fmt: skip
    clock = Clock(night + timedelta(seconds=130))
    assert dispatcher(store, clock).run_once().messages == 0  # the first waits out the window
    clock.now = night + timedelta(seconds=185)
    stats = dispatcher(store, clock).run_once()
    assert stats.messages == 1 and stats.sent == 3  # the later two are not due yet but join it
    (block,) = blocks(sink)
    assert "2026-04-02 00:24 CEST → 00:40 CEST → 01:05 CEST → 01:20 CEST" in block
    assert block.startswith("New time +56 min: SLS Block 1 | Artemis II")
    store.close()


def test_alerts_wait_for_the_coalescing_window(sqlite_url, tmp_path):
    store = Store.open(sqlite_url)
    sink = tmp_path / "a.txt"
    subscribe(store, "a", sink, "Artemis")
    start = datetime.now(UTC)
    apply(store, [launch(span(LAUNCH, Precision.DAY))], start - timedelta(days=1))
    apply(store, [launch(span(LAUNCH + timedelta(days=2), Precision.DAY))], start)
    assert dispatcher(store, Clock(start + timedelta(seconds=60))).run_once().messages == 0
    assert dispatcher(store, Clock(start + timedelta(minutes=4))).run_once().messages == 1
    store.close()


@pytest.mark.parametrize(
    ("moved", "before_t0", "alerts"),
    [
        (timedelta(minutes=5), timedelta(days=5), 0),  # small and far: not worth a message
        (timedelta(minutes=5), timedelta(hours=6), 1),  # small but close to T-0
        (timedelta(minutes=40), timedelta(days=5), 1),  # big enough anywhere
    ],
)
def test_retime_threshold(sqlite_url, tmp_path, moved, before_t0, alerts):
    store = Store.open(sqlite_url)
    sink = tmp_path / "a.txt"
    subscribe(store, "a", sink, "Artemis")
    seen = LAUNCH - before_t0
    apply(store, [launch(span(LAUNCH, Precision.MINUTE))], seen - timedelta(hours=1))
    apply(store, [launch(span(LAUNCH + moved, Precision.MINUTE))], seen)
    assert store.changes(kinds={ChangeKind.RETIMED})
    dispatcher(store, Clock(seen + timedelta(minutes=10))).run_once()
    assert len(blocks(sink)) == alerts
    store.close()


def test_status_alerts_follow_the_policy(sqlite_url, tmp_path):
    store = Store.open(sqlite_url)
    sink = tmp_path / "a.txt"
    subscribe(store, "a", sink, "all")
    at = LAUNCH - timedelta(days=3)
    apply(store, [launch(span(LAUNCH, Precision.MINUTE), "tbc")], at)
    apply(store, [launch(span(LAUNCH, Precision.MINUTE), "go")], at + timedelta(hours=1))  # not alerted
    apply(store, [launch(span(LAUNCH, Precision.MINUTE), "hold")], at + timedelta(hours=2))
    dispatcher(store, Clock(at + timedelta(hours=3))).run_once()
    (block,) = blocks(sink)
    assert block.startswith("Status: On hold: SLS Block 1 | Artemis II") and "Status: Go → On hold" in block
    store.close()


def test_reminders_are_rearmed_when_the_date_moves(sqlite_url, tmp_path):
    store = Store.open(sqlite_url)
    sink = tmp_path / "a.txt"
    subscribe(store, "a", sink, "Artemis", reminders="24h,1h", kinds="slip")
    first_seen = LAUNCH - timedelta(days=3)
    apply(store, [launch(span(LAUNCH, Precision.MINUTE))], first_seen)
    clock = Clock(LAUNCH - timedelta(hours=30))
    d = dispatcher(store, clock)
    assert d.run_once().reminders == 0  # not yet
    clock.now = LAUNCH - timedelta(hours=23, minutes=50)
    stats = d.run_once()
    assert stats.reminders == 1 and stats.sent == 1
    assert d.run_once().reminders == 0  # armed once only
    assert blocks(sink)[-1].startswith("Reminder: T-1 d: SLS Block 1 | Artemis II")

    # The launch slips a day: the 24 h reminder is armed again for the new T-0.
    new_t0 = LAUNCH + timedelta(days=1)
    apply(store, [launch(span(new_t0, Precision.MINUTE))], LAUNCH - timedelta(hours=20))
    clock.now = new_t0 - timedelta(hours=23)
    stats = d.run_once()
    assert stats.reminders == 1
    text = sink.read_text()
    assert text.count("Reminder: T-1 d") == 2 and "Delayed +1 d" in text
    assert "2026-04-03 00:24 CEST" in blocks(sink)[-1]

    # A 1 h reminder armed but not yet delivered is cancelled when the date moves again.
    clock.now = new_t0 - timedelta(minutes=50)
    store.outbox.arm_reminders(AlertPolicy(), clock.now)
    apply(store, [launch(span(new_t0 + timedelta(hours=5), Precision.MINUTE))], clock.now)
    store.outbox.arm_reminders(AlertPolicy(), clock.now)
    assert store.outbox.counts().get("cancelled") == 1
    store.close()


def test_a_failing_channel_is_retried_then_dead(sqlite_url, tmp_path):
    store = Store.open(sqlite_url)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    subscribe(store, "a", blocker / "cannot" / "write.txt", "Artemis")  # parent is a file: OSError
    at = LAUNCH - timedelta(days=2)
    apply(store, [launch(span(LAUNCH, Precision.DAY))], at)
    apply(store, [launch(span(LAUNCH + timedelta(days=1), Precision.DAY))], at + timedelta(hours=1))
    clock = Clock(at + timedelta(hours=2))
    d = dispatcher(store, clock, max_attempts=3)
    assert d.run_once().retried == 1
    assert store.outbox.counts() == {"retry": 1}
    assert d.run_once().messages == 0  # waits for its retry time
    for _ in range(2):
        clock.now += timedelta(minutes=2)
        d.run_once()
    assert store.outbox.counts() == {"dead": 1}
    ((_, sub, _channel, reason, attempts),) = store.outbox.dead()
    assert sub == "a" and attempts == 3 and "gave up after 3 attempts" in reason and "cannot write" in reason
    assert store.outbox.retry_dead(clock.now) == 1
    assert store.outbox.counts() == {"pending": 1}
    store.close()


def test_muted_and_inactive_subscribers_get_nothing(sqlite_url, tmp_path):
    store = Store.open(sqlite_url)
    subscribe(store, "muted", tmp_path / "m.txt", "all")
    subscribe(store, "paused", tmp_path / "p.txt", "all")
    at = LAUNCH - timedelta(days=2)
    apply(store, [launch(span(LAUNCH, Precision.DAY))], at)
    (event,) = store.find_events("Artemis")
    store.subscriptions.mute("muted", event.id)
    store.subscriptions.set_active("paused", False, "test")
    apply(store, [launch(span(LAUNCH + timedelta(days=1), Precision.DAY))], at + timedelta(hours=1))
    assert store.outbox.counts() == {}
    store.close()


def test_policy_overrides_are_checked():
    from tracker.errors import UserError

    assert AlertPolicy().with_overrides({"coalesce": "90s"}).coalesce == timedelta(seconds=90)
    with pytest.raises(UserError, match="unknown alert setting 'colour'"):
        AlertPolicy().with_overrides({"colour": "red"})
    with pytest.raises(UserError, match="not a duration"):
        parse_duration("soonish")
    assert DeliveryState.SENDING.value == "sending"


def test_sent_marks_in_one_statement_settle_only_the_rows_still_held(db_url, tmp_path):
    """A dispatcher settles several messages in one statement after its lease ran out for some
    of them and another dispatcher took those over: only the rows it still holds are marked
    sent (each with its own message id); the others stay the new claim's."""
    from tests.helpers import seed_slips

    seed_slips(db_url, [(ChannelKind.CONSOLE, str(tmp_path / "sink.txt"))], 4)
    store = Store.open(db_url)
    now = datetime.now(UTC)
    claimed = store.outbox.claim("slow", now, timedelta(minutes=1), {ChannelKind.CONSOLE}, 10)
    assert len(claimed) == 4
    a, b, c, d = (r.id for r in claimed)
    mine = claimed[0].claim
    assert store.outbox.renew([a, b], mine, now + timedelta(minutes=10)) == {a, b}
    later = now + timedelta(minutes=2)  # c and d ran out of lease: recovered and claimed again
    store.outbox.resolve_interrupted(store.outbox.interrupted(later), sent=False, now=later, note="test")
    taken = store.outbox.claim("fast", later, timedelta(minutes=1), {ChannelKind.CONSOLE}, 10)
    assert {r.id for r in taken} == {c, d}
    settled = store.outbox.mark_sent_many([([a], "m-a"), ([b, c], "m-bc"), ([d], "m-d")], mine, later)
    assert settled == {a, b}
    assert store.outbox.mark_sent_many([([c, d], "again")], mine, later) == set()
    assert store.outbox.counts() == {"sent": 2, "sending": 2}
    assert store.outbox.previous_message(claimed[0].channel_id, claimed[0].event_id or 0, a + 100) == "m-a"
    assert store.outbox.previous_message(claimed[1].channel_id, claimed[1].event_id or 0, b + 100) == "m-bc"
    assert store.outbox.mark_sent_many([([c], "m-c"), ([d], "m-d")], taken[0].claim, later) == {c, d}
    store.close()


def test_a_dispatcher_told_to_stop_hands_back_what_it_has_not_sent(sqlite_url, tmp_path):
    """Stopped after its third message, a pass settles what went out, hands the rest back unsent
    (attempts not counted) and the next pass sends exactly those."""
    import threading

    from tests.helpers import seed_slips

    sink = tmp_path / "alerts.txt"
    seed_slips(sqlite_url, [(ChannelKind.CONSOLE, str(sink))], 10)
    stop = threading.Event()

    class Stopping(ConsoleChannel):
        def send(self, alert, address):
            result = super().send(alert, address)
            if len(delivered_ids(sink)) == 3:
                stop.set()
            return result

    store = Store.open(sqlite_url)
    stats = Dispatcher(store, {ChannelKind.CONSOLE: Stopping()}, stop=stop).run_once()
    assert stats.sent == 3 and store.outbox.counts() == {"sent": 3, "retry": 7}
    clock = Clock(datetime.now(UTC) + timedelta(seconds=1))
    assert dispatcher(store, clock).run_once().sent == 7
    ids = delivered_ids(sink)
    assert len(ids) == len(set(ids)) == 10 and store.outbox.counts() == {"sent": 10}
    store.close()
