"""Claim due deliveries, render them, send them through their channel, record the result.

Exactly-once: a claim is committed (``sending``) before the send and settled after
it. A dispatcher that dies in between leaves rows whose lease runs out; the next
dispatcher asks the channel whether they went out (a console file can tell) and
only resends those that did not. A channel that cannot tell (stdout, Telegram)
is resent when ``uncertain = "resend"`` (the default) or dropped as dead with
``uncertain = "drop"``: the one window where a duplicate is possible.

A dispatcher that is alive but slow (a paced Telegram group, a process paused for
longer than its lease) is fenced: before each message it waits out the channel's
pacing while renewing the lease of everything it still holds, then renews once more
and sends only if every row of the message is still under its own claim token and
that renewal is fresh. Rows another dispatcher took over are logged and left to it;
a message whose wait would outlive the lease is handed back, due when the channel
has room, rather than held.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
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
from tracker.store.repo import Store
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
        while True:
            claimed = self.store.outbox.claim(
                self.worker, self.clock(), self.lease, set(self.channels), limit
            )
            if not claimed:
                break
            stats.claimed += len(claimed)
            faults.point("dispatch.after_claim")
            claim = claimed[0].claim
            groups = self._not_busy_first(self.group(claimed))
            for n, group in enumerate(groups):
                held = [r.id for g in groups[n:] for r in g]
                if self.stop.is_set():  # shutting down: hand the rest back to the queue at once
                    self.store.outbox.release(
                        held, claim, self.clock(), "released at shutdown before sending"
                    )
                    return stats
                self._deliver(group, held, stats)
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
            window = self.policy.with_overrides(row.policy).coalesce
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

    def alert_for(self, group: list[Claimed]) -> Alert:
        head = group[0]
        assert head.event_id is not None
        change_ids = [r.change_id for r in group if r.change_id is not None]
        story = self.store.story(head.event_id, change_ids)
        return Alert(
            delivery_ids=tuple(r.id for r in group),
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
            reply_to=self.store.outbox.previous_message(head.channel_id, head.event_id, head.id),
            briefing=story.briefing,
        )

    def _wait_turn(self, channel: Channel, group: list[Claimed], held: list[int]) -> bool:
        """Wait until ``channel`` may send to the group's address, renewing the lease of
        ``held`` meanwhile; False (rows handed back) when the wait would outlive the lease."""
        head = group[0]
        ready_in = getattr(channel, "ready_in", None)
        if ready_in is None:
            return True
        lease = self.lease.total_seconds()
        while (wait := float(ready_in(head.address))) > 0:
            if wait > lease / 2:
                at = self.clock() + timedelta(seconds=wait)
                note = f"the channel's pacing allows the next message in {wait:.0f} s; handed back until then"
                self.store.outbox.release([r.id for r in group], head.claim, at, note)
                return False
            if self.stop.wait(min(wait, lease / 4)):  # shutting down: hand the message back
                self.store.outbox.release(
                    [r.id for r in group], head.claim, self.clock(), "released at shutdown"
                )
                return False
            self.store.outbox.renew(held, head.claim, self.clock() + self.lease)
        return True

    def _fenced(self, group: list[Claimed], held: list[int], stats: DispatchStats) -> bool:
        """Renew the lease of what is still held; True when every row of ``group`` is still
        this claim's and the renewal is fresh enough that no one can have taken it over."""
        head = group[0]
        ids = [r.id for r in group]
        for _ in range(2):
            started = time.monotonic()
            mine = self.store.outbox.renew(held, head.claim, self.clock() + self.lease)
            if not set(ids) <= mine:
                break
            faults.point("dispatch.before_send")
            if self._fresh(started):  # checked last, so a pause before it is caught
                return True
        self._give_up(group, mine, stats)
        return False

    def _fresh(self, renewed: float) -> bool:
        """Whether a renewal made at ``renewed`` (monotonic) still holds with a wide margin:
        a process paused in between cannot tell from its own clock, so it measures."""
        return time.monotonic() - renewed < self.lease.total_seconds() / 4

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

    def _deliver(self, group: list[Claimed], held: list[int], stats: DispatchStats) -> None:
        ids = [r.id for r in group]
        head = group[0]
        channel = self.channels[head.channel_kind]
        if not self._wait_turn(channel, group, held):
            return
        try:
            alert = None if head.kind == DeliveryKind.DIGEST else self.alert_for(group)
            if not self._fenced(group, held, stats):  # last thing before the send
                return
            result = channel.send_digest(head) if alert is None else channel.send(alert, head.address)
        except Exception as exc:  # a bug in rendering or a channel: keep the rows, say why
            log.exception("delivery %s failed", ids)
            result = SendResult.retry(self._backoff(head.attempts), f"{type(exc).__name__}: {exc}")
        faults.point("dispatch.after_send")
        stats.messages += 1
        now = self.clock()
        if result.new_address:
            self.store.subscriptions.move_channel(head.channel_id, result.new_address)
        if result.deactivate:
            self.store.subscriptions.deactivate_channel(head.channel_id, result.error or "recipient gone")
        if result.sent:
            marked = self.store.outbox.mark_sent(ids, head.claim, result.message_id or "", now)
            if marked < len(ids):
                log.error("deliveries %s were sent, but %d of them had been taken over meanwhile (the send "
                          "outlived the lease): a duplicate is possible", ids, len(ids) - marked)  # fmt: skip
            stats.sent += len(ids)
        elif result.new_address:  # resend at once to the new address; not counted as a failure
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
