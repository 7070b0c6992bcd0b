"""Claim due deliveries, render them, send them through their channel, record the result.

Exactly-once: a claim is committed (``sending``) before the send and settled after
it. A dispatcher that dies in between leaves rows whose lease runs out; the next
dispatcher asks the channel whether they went out (a console file can tell) and
only resends those that did not. A channel that cannot tell (stdout, Telegram)
is resent when ``uncertain = "resend"`` (the default) or dropped as dead with
``uncertain = "drop"``: the one window where a duplicate is possible. That window is
the sends in flight (one per chat at most; a channel with ``submit`` keeps up to its
``max_in_flight`` chats' sends going at once) and the "sent" marks not yet written:
they are written in batches, at most ``MARK_BATCH`` messages or ``MARK_DELAY`` seconds
after the send, and always before a chat's next message, so a chat has at most one
message in doubt.

A dispatcher that is alive but slow (a paced Telegram group, a process paused for
longer than its lease) is fenced: while it waits out the channel's pacing it renews
the lease of everything it still holds, and it sends a message only if every row of
it was still under its own claim token at a renewal fresh enough (a quarter of the
lease) that no one can have taken it over since. Rows another dispatcher took over are
logged and left to it; a message whose wait would outlive the lease is handed back,
due when the channel has room, rather than held.

A fan-out (one change, a thousand chats) reads the event's story once and renders its
alert once per channel kind and time zone (``Alert.for_delivery``), not once per chat.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tracker.display import counted
from tracker.models import DeliveryKind, SendResult
from tracker.notify.base import Channel
from tracker.notify.render import Alert
from tracker.policy import AlertPolicy
from tracker.service import faults
from tracker.store.outbox import Claimed
from tracker.store.repo import Store, Story
from tracker.zones import zone_of

if TYPE_CHECKING:
    from tracker.config import TrackerConfig

log = logging.getLogger(__name__)


@dataclass
class DispatchStats:
    claimed: int = 0
    messages: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    recovered: int = 0
    reminders: int = 0
    digests: int = 0
    lost: int = 0  # rows whose claim was taken over before they were sent (not sent by us)
    errors: list[str] = field(default_factory=list)

    def summary(self, what: str = "alert") -> str:
        """One line for the operator: "delivered 3 alerts in 2 messages, 1 to retry"."""
        return (
            f"delivered {counted(self.sent, what)} in {counted(self.messages, 'message')}"
            + (f", {self.retried} to retry" if self.retried else "")
            + (f", {self.dead} dead" if self.dead else "")
            + (f", {self.recovered} recovered after a crash" if self.recovered else "")
        )


def _utcnow() -> datetime:
    return datetime.now(UTC)


MARK_BATCH = 50  # "sent" marks written in one statement: at most this many messages ...
MARK_DELAY = 0.2  # ... or seconds after the first of them was sent
RETRY_SLOT = 0.005  # seconds before asking again for a slot another sender took first
_NOT_NOW = object()  # ``_launch``: the channel had no slot after all


def _no_wait(address: str) -> float:
    return 0.0


def _max_in_flight(channel: Channel) -> int:
    """How many of the channel's sends may be in flight at once: those with ``submit`` say so;
    the others send synchronously, one at a time."""
    return int(getattr(channel, "max_in_flight", 1)) if hasattr(channel, "submit") else 1


@dataclass
class _Reuse:
    """What one pass reads once for all its deliveries: the story of each (event, changes),
    the alert for each (kind, event, changes, zone, lead), whose rendering every copy shares
    (``Alert.for_delivery``), and the message each delivery replies to."""

    stories: dict[tuple[int, tuple[int, ...]], Story] = field(default_factory=dict)
    alerts: dict[tuple[Any, ...], Alert] = field(default_factory=dict)
    replies: dict[tuple[int, int, int], str | None] = field(default_factory=dict)  # (channel, event, head)
    sent: dict[tuple[int, int], str] = field(default_factory=dict)  # (channel, event) -> sent in this pass


@dataclass
class _Batch:
    """One claimed batch being delivered."""

    claim: str
    held: set[int]  # rows still ours to settle, renewed with the lease
    kinds: dict[str, int]  # the batch's channel kinds, and how many sends of each may be in flight
    mine: set[int] = field(default_factory=set)  # held rows the last renewal found under the claim
    renewed: float = -math.inf  # monotonic time just before that renewal
    flights: dict[tuple[str, str], tuple[list[Claimed], Future[SendResult]]] = field(default_factory=dict)
    flying: Counter[str] = field(default_factory=Counter)  # sends in flight per channel kind
    unmarked: list[tuple[list[int], str]] = field(default_factory=list)  # sent, "sent" not yet written
    unmarked_keys: set[tuple[str, str]] = field(default_factory=set)  # their (channel kind, address)
    unmarked_since: float = 0.0


class Dispatcher:
    def __init__(
        self,
        store: Store,
        channels: dict[str, Channel],
        policy: AlertPolicy | None = None,
        *,
        lease: timedelta = timedelta(minutes=2),
        max_attempts: int = 8,
        retry_base: timedelta = timedelta(seconds=30),
        uncertain: str = "resend",
        clock: Callable[[], datetime] = _utcnow,
        worker: str | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.stop = stop or threading.Event()
        self.store = store
        self.channels = channels
        self.policy = policy or AlertPolicy()
        self.lease = lease
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.uncertain = uncertain
        self.clock = clock
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    @classmethod
    def from_config(
        cls, cfg: TrackerConfig, store: Store, channels: dict[str, Channel] | None = None, **overrides: Any
    ) -> Dispatcher:
        """The dispatcher the configuration describes (``[alerts]`` and ``[delivery]``), over
        ``channels`` (default: every channel the configuration sets up)."""
        settings: dict[str, Any] = {
            "lease": timedelta(seconds=cfg.delivery.lease_seconds),
            "max_attempts": cfg.delivery.max_attempts,
            "uncertain": cfg.delivery.uncertain,
        }
        settings.update(overrides)
        if channels is None:
            channels = default_channels(cfg, store)
        return cls(store, channels, cfg.alerts.policy(), **settings)

    def run_once(self, limit: int = 100) -> DispatchStats:
        """One pass: settle interrupted sends, arm reminders, deliver what is due."""
        stats = DispatchStats()
        self.recover(stats)
        stats.reminders = self.store.outbox.arm_reminders(self.policy, self.clock())
        if digest_kinds := {kind for kind, c in self.channels.items() if c.digests}:
            stats.digests = self.store.outbox.arm_digests(self.policy, self.clock(), digest_kinds)
        reuse = _Reuse()
        while True:
            claimed = self.store.outbox.claim(
                self.worker, self.clock(), self.lease, set(self.channels), limit
            )
            if not claimed:
                break
            stats.claimed += len(claimed)
            faults.point("dispatch.after_claim")
            groups = self._not_busy_first(self.group(claimed))
            heads = [(g[0].channel_id, g[0].event_id, g[0].id) for g in groups if g[0].event_id is not None]
            reuse.replies.update(dict.fromkeys(heads))
            reuse.replies.update(self.store.outbox.previous_messages(heads))
            if not self._deliver_batch(groups, stats, reuse):
                return stats
            if len(claimed) < limit:
                break
        return stats

    def _not_busy_first(self, groups: list[list[Claimed]]) -> list[list[Claimed]]:
        """Messages to recipients that are free now before those whose own rate window is full
        (a chat that just had a command answered), so that one busy chat never holds up a
        fan-out; channels without rate windows keep the order."""

        def busy(group: list[Claimed]) -> bool:
            channel = self.channels.get(group[0].channel_kind)
            hint = getattr(channel, "busy_for", None)
            return bool(hint and hint(group[0].address) > 0)

        flags = [busy(g) for g in groups]
        return [g for g, b in zip(groups, flags, strict=True) if not b] + [
            g for g, b in zip(groups, flags, strict=True) if b
        ]

    def recover(self, stats: DispatchStats) -> None:
        interrupted = self.store.outbox.interrupted(self.clock())
        by_channel: dict[tuple[int, str], list[Claimed]] = {}
        for row in interrupted:
            by_channel.setdefault((row.channel_id, row.address), []).append(row)
        for (_, address), rows in by_channel.items():
            channel = self.channels.get(rows[0].channel_kind)
            if channel is None:
                continue
            ids = [r.id for r in rows]
            confirmed = channel.confirm(address, ids)
            now = self.clock()
            if confirmed is None:
                sent = self.uncertain == "drop"
                note = f"interrupted during send; the channel cannot tell ({'not ' if sent else ''}resent)"
                self.store.outbox.resolve_interrupted(rows, sent=sent, now=now, note=note)
            else:
                done = [r for r in rows if r.id in confirmed]
                todo = [r for r in rows if r.id not in confirmed]
                if done:
                    note = "interrupted; the channel confirms it was sent"
                    self.store.outbox.resolve_interrupted(done, sent=True, now=now, note=note)
                if todo:
                    note = "interrupted before sending"
                    self.store.outbox.resolve_interrupted(todo, sent=False, now=now, note=note)
            stats.recovered += len(ids)

    def group(self, claimed: list[Claimed]) -> list[list[Claimed]]:
        """One message per (channel, event) burst: changes closer together than the
        subscriber's coalescing window; reminders always alone. Messages keep the
        order in which their first change was seen."""
        groups: list[list[Claimed]] = []
        open_groups: dict[tuple[int, int | None], list[Claimed]] = {}
        for row in sorted(claimed, key=lambda r: (r.observed_at, r.id)):
            key = (row.channel_id, row.event_id)
            current = open_groups.get(key)
            window = (self.policy.with_overrides(row.policy) if row.policy else self.policy).coalesce
            if (
                current is not None
                and row.kind == DeliveryKind.CHANGE
                and row.event_id is not None
                and current[-1].kind == DeliveryKind.CHANGE
                and row.observed_at - current[-1].observed_at <= window
            ):
                current.append(row)
                continue
            groups.append([row])
            open_groups[key] = groups[-1]
        return groups

    def alert_for(self, group: list[Claimed], reuse: _Reuse | None = None) -> Alert:
        """The alert for one message; with ``reuse`` (a pass's), the story and the alert are
        built once for every message with the same changes, zone and lead."""
        head = group[0]
        assert head.event_id is not None
        reuse = reuse or _Reuse()
        change_ids = tuple(r.change_id for r in group if r.change_id is not None)
        key = (head.kind, head.event_id, change_ids, head.timezone, head.lead_seconds)
        alert = reuse.alerts.get(key)
        if alert is None:
            story = reuse.stories.get(key[1:3])
            if story is None:
                story = reuse.stories[key[1:3]] = self.store.story(head.event_id, list(change_ids))
            alert = reuse.alerts[key] = Alert(
                delivery_ids=(),
                kind=head.kind,
                event=story.event,
                changes=tuple(story.changes),
                zone=zone_of(head.timezone),
                slips=story.slips,
                total_delay=story.total_delay,
                source=story.source,
                checked_at=story.checked_at,
                link=story.link,
                lead=timedelta(seconds=head.lead_seconds) if head.lead_seconds else None,
                briefing=story.briefing,
            )
        return alert.for_delivery(tuple(r.id for r in group), self._reply_to(head, reuse))

    def _reply_to(self, head: Claimed, reuse: _Reuse) -> str | None:
        """The message on this channel about this event to reply to: one sent in this pass,
        else the one looked up for the whole batch (or now, for a lone call)."""
        assert head.event_id is not None
        if (sent := reuse.sent.get((head.channel_id, head.event_id))) is not None:
            return sent
        key = (head.channel_id, head.event_id, head.id)
        if key in reuse.replies:
            return reuse.replies[key]
        return self.store.outbox.previous_message(*key)

    # ---- delivering a claimed batch ------------------------------------------------------

    def _deliver_batch(self, groups: list[list[Claimed]], stats: DispatchStats, reuse: _Reuse) -> bool:
        """Send every message of a claimed batch, several chats at once where the channel
        allows, each within its pacing and fenced; record the results. False when stopped."""
        kinds = {g[0].channel_kind: _max_in_flight(self.channels[g[0].channel_kind]) for g in groups}
        batch = _Batch(groups[0][0].claim, {r.id for g in groups for r in g}, kinds)
        queue = groups
        while queue or batch.flights:
            if self.stop.is_set() and queue:  # shutting down: hand the rest back at once
                ids = [r.id for g in queue for r in g]
                self.store.outbox.release(
                    ids, batch.claim, self.clock(), "released at shutdown before sending"
                )
                batch.held.difference_update(ids)
                queue = []
            self._land(batch, stats, reuse)
            queue, wait = self._start(queue, batch, stats, reuse)
            if batch.unmarked and (
                not batch.flights
                or len(batch.unmarked) >= MARK_BATCH
                or time.monotonic() - batch.unmarked_since >= MARK_DELAY
            ):
                self._flush(batch)
            if queue or batch.flights:
                self._pause(batch, wait)
        self._flush(batch)
        return not self.stop.is_set()

    def _start(
        self, queue: list[list[Claimed]], batch: _Batch, stats: DispatchStats, reuse: _Reuse
    ) -> tuple[list[list[Claimed]], float]:
        """Start every queued message that may go now; the rest, and the seconds until the
        channel's pacing lets the first of them go (inf when only sends in flight hold them)."""
        rest: list[list[Claimed]] = []
        wait = math.inf
        lease = self.lease.total_seconds()
        blocked: set[str] = set()  # channel kinds that start nothing more now (all slots in flight, or paced)
        for n, group in enumerate(queue):
            head = group[0]
            if self.stop.is_set():  # shutting down: what has not started is handed back
                rest += queue[n:]
                break
            if head.channel_kind in blocked:
                if len(blocked) == len(batch.kinds):  # nothing more can start: keep the rest as it is
                    rest += queue[n:]
                    break
                rest.append(group)
                continue
            channel = self.channels[head.channel_kind]
            key = (head.channel_kind, head.address)
            if batch.flying[head.channel_kind] >= batch.kinds[head.channel_kind]:
                blocked.add(head.channel_kind)
                rest.append(group)
                continue
            if key in batch.flights:
                rest.append(group)
                continue
            ready = float(getattr(channel, "ready_in", _no_wait)(head.address))
            if ready > lease / 2:  # the wait would outlive the lease: hand the message back
                at = self.clock() + timedelta(seconds=ready)
                note = (
                    f"the channel's pacing allows the next message in {ready:.0f} s; handed back until then"
                )
                self.store.outbox.release([r.id for r in group], head.claim, at, note)
                batch.held.difference_update(r.id for r in group)
                continue
            if ready > 0:
                rest.append(group)
                wait = min(wait, ready)
                if not float(getattr(channel, "busy_for", _no_wait)(head.address)):  # everyone waits alike
                    blocked.add(head.channel_kind)
                continue
            if key in batch.unmarked_keys:  # the chat's previous message is marked before its next goes
                self._flush(batch)
            future = self._launch(channel, group, batch, stats, reuse)
            if future is _NOT_NOW:  # another sender took the slot meanwhile
                rest.append(group)
                wait = min(wait, RETRY_SLOT)
            elif isinstance(future, Future):
                batch.flights[key] = (group, future)
                batch.flying[head.channel_kind] += 1
                if future.done():  # a channel that sends synchronously: settle it at once
                    self._land(batch, stats, reuse)
        return rest, wait

    def _launch(
        self, channel: Channel, group: list[Claimed], batch: _Batch, stats: DispatchStats, reuse: _Reuse
    ) -> Future[SendResult] | object | None:
        """Fence and start one message: its future, ``_NOT_NOW`` when the channel had no slot
        after all, or None when it was given up (its claim lost) or settled without a send."""
        head = group[0]
        try:
            alert = None if head.kind == DeliveryKind.DIGEST else self.alert_for(group, reuse)
        except Exception as exc:  # a bug in rendering: keep the rows, say why
            failed: Future[SendResult] = Future()
            failed.set_exception(exc)
            return failed
        if not self._fenced(group, batch, stats, reuse):  # last thing before the send
            return None
        submit = getattr(channel, "submit", None)
        if alert is not None and submit is not None:
            try:
                started: Future[SendResult] | None = submit(alert, head.address)
            except Exception as exc:
                started = Future()
                started.set_exception(exc)
            return _NOT_NOW if started is None else started
        done: Future[SendResult] = Future()
        try:
            done.set_result(channel.send_digest(head) if alert is None else channel.send(alert, head.address))
        except Exception as exc:
            done.set_exception(exc)
        return done

    def _fenced(self, group: list[Claimed], batch: _Batch, stats: DispatchStats, reuse: _Reuse) -> bool:
        """True when every row of ``group`` was still this claim's at a renewal fresh enough
        that no one can have taken it over since (renewing first when it is getting old)."""
        ids = {r.id for r in group}
        for _ in range(2):
            if time.monotonic() - batch.renewed >= self.lease.total_seconds() / 8:
                self._renew(batch)
            if not ids <= batch.mine:
                self._drain(batch, stats, reuse)  # what is in doubt now is said at once, in one line
                break
            faults.point("dispatch.before_send")
            if self._fresh(batch.renewed):  # checked last, so a pause before it is caught
                return True
            batch.renewed = -math.inf
        self._give_up(group, batch.mine, stats)
        batch.held.difference_update(ids)
        return False

    def _renew(self, batch: _Batch) -> None:
        started = time.monotonic()
        batch.mine = self.store.outbox.renew(sorted(batch.held), batch.claim, self.clock() + self.lease)
        batch.renewed = started

    def _fresh(self, renewed: float) -> bool:
        """Whether a renewal made at ``renewed`` (monotonic) still holds with a wide margin:
        a process paused in between cannot tell from its own clock, so it measures."""
        return time.monotonic() - renewed < self.lease.total_seconds() / 4

    def _pause(self, batch: _Batch, wait: float) -> None:
        """Wait for a send to land or the pacing to allow the next, renewing the lease of what
        is held when it is getting old."""
        timeout = min(wait, self.lease.total_seconds() / 8, MARK_DELAY if batch.unmarked else math.inf)
        if batch.flights:
            futures.wait([f for _, f in batch.flights.values()], timeout, futures.FIRST_COMPLETED)
        else:
            self.stop.wait(timeout)
        if batch.held and time.monotonic() - batch.renewed >= self.lease.total_seconds() / 8:
            self._renew(batch)

    def _drain(self, batch: _Batch, stats: DispatchStats, reuse: _Reuse) -> None:
        """Let every send in flight land and write what went out: the claim was found lost (a
        pause past the lease), so what may be doubled is known, and logged, before anything else."""
        if batch.flights:
            futures.wait([f for _, f in batch.flights.values()])  # each bounded by its channel's timeout
            self._land(batch, stats, reuse)
        self._flush(batch)

    def _land(self, batch: _Batch, stats: DispatchStats, reuse: _Reuse) -> None:
        """Settle every send that has finished."""
        for key, (group, future) in list(batch.flights.items()):
            if not future.done():
                continue
            del batch.flights[key]
            batch.flying[group[0].channel_kind] -= 1
            try:
                result = future.result()
            except Exception as exc:  # a bug in rendering or a channel: keep the rows, say why
                log.error("delivery %s failed", [r.id for r in group], exc_info=exc)
                result = SendResult.retry(self._backoff(group[0].attempts), f"{type(exc).__name__}: {exc}")
            faults.point("dispatch.after_send")
            self._settle(group, result, batch, stats, reuse)

    def _settle(
        self, group: list[Claimed], result: SendResult, batch: _Batch, stats: DispatchStats, reuse: _Reuse
    ) -> None:
        ids = [r.id for r in group]
        head = group[0]
        stats.messages += 1
        now = self.clock()
        if result.new_address:
            self.store.subscriptions.move_channel(head.channel_id, result.new_address)
        if result.deactivate:
            self.store.subscriptions.deactivate_channel(head.channel_id, result.error or "recipient gone")
        if result.sent:  # marked with others (``_flush``); held until then
            if not batch.unmarked:
                batch.unmarked_since = time.monotonic()
            batch.unmarked.append((ids, result.message_id or ""))
            batch.unmarked_keys.add((head.channel_kind, head.address))
            if head.event_id is not None and result.message_id:
                reuse.sent[(head.channel_id, head.event_id)] = result.message_id
            stats.sent += len(ids)
            return
        if result.new_address:  # resend at once to the new address; not counted as a failure
            self.store.outbox.mark_retry(ids, head.claim, now, result.error or "moved")
            stats.retried += len(ids)
        elif result.retry_after is not None and head.attempts < self.max_attempts:
            wait = timedelta(seconds=result.retry_after)
            self.store.outbox.mark_retry(ids, head.claim, now + wait, result.error or "retry")
            stats.retried += len(ids)
        else:
            reason = result.error or "permanent failure"
            if result.retry_after is not None:
                reason = f"gave up after {head.attempts} attempts: {reason}"
            self.store.outbox.mark_dead(ids, head.claim, reason)
            stats.dead += len(ids)
            stats.errors.append(reason)
        batch.held.difference_update(ids)

    def _flush(self, batch: _Batch) -> None:
        """Write the "sent" marks gathered so far, in one fenced statement."""
        if not batch.unmarked:
            return
        settled = self.store.outbox.mark_sent_many(batch.unmarked, batch.claim, self.clock())
        ids = [i for group, _ in batch.unmarked for i in group]
        if lost := [i for i in ids if i not in settled]:
            log.error("deliveries %s were sent, but they had been taken over meanwhile (the send outlived the "
                      "lease): a duplicate is possible", lost)  # fmt: skip
        batch.held.difference_update(ids)
        batch.unmarked = []
        batch.unmarked_keys.clear()

    def _give_up(self, group: list[Claimed], mine: set[int], stats: DispatchStats) -> None:
        head = group[0]
        ids = [r.id for r in group]
        lost = [i for i in ids if i not in mine]
        if lost:
            log.warning("deliveries %s were taken over by another dispatcher before sending (lease ran out): "
                        "not sent by this one", lost)  # fmt: skip
            stats.lost += len(lost)
        own = [i for i in ids if i in mine]
        if own:  # part of the message, or a renewal too slow to trust: send it later, whole
            self.store.outbox.release(own, head.claim, self.clock(), "claim partly lost; released unsent")

    def _backoff(self, attempts: int) -> float:
        return float(min(3600.0, self.retry_base.total_seconds() * 2 ** max(0, attempts - 1)))


def default_channels(cfg: TrackerConfig | None = None, store: Store | None = None) -> dict[str, Channel]:
    """Every registered channel the configuration sets up (the console always).

    Only one process should deliver Telegram alerts (``tracker run`` or ``tracker bot``): the
    bot's rate budget is shared within a process (``telegram.budget_for``), not across processes."""
    from tracker.notify import CHANNEL_KINDS, channel_class
    from tracker.notify.console import ConsoleChannel

    if cfg is None:
        return {ConsoleChannel.kind: ConsoleChannel()}
    channels: dict[str, Channel] = {}
    for kind in CHANNEL_KINDS:
        channel = channel_class(kind).from_config(cfg, store)
        if channel is not None:
            channels[kind] = channel
    return channels
