"""Claim due deliveries, render them, send them through their channel, record the result.

Exactly-once: a claim is committed (``sending``) before the send and settled after
it. A dispatcher that dies in between leaves rows whose lease runs out; the next
dispatcher asks the channel whether they went out (a console file can tell) and
only resends those that did not. A channel that cannot tell (stdout, Telegram)
is resent when ``uncertain = "resend"`` (the default) or dropped as dead with
``uncertain = "drop"``: the one window where a duplicate is possible.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tracker import faults
from tracker.models import DeliveryKind, SendResult
from tracker.notify.base import Channel
from tracker.notify.render import Alert
from tracker.policy import AlertPolicy
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
    errors: list[str] = field(default_factory=list)

    def summary(self, what: str = "alerts") -> str:
        """One line for the operator: "delivered 3 alerts in 2 messages, 1 to retry"."""
        return (
            f"delivered {self.sent} {what} in {self.messages} messages"
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
            groups = self._not_busy_first(self.group(claimed))
            for n, group in enumerate(groups):
                if self.stop.is_set():  # shutting down: hand the rest back to the queue at once
                    rest = [r.id for g in groups[n:] for r in g]
                    self.store.outbox.resolve_interrupted(
                        rest, sent=False, now=self.clock(), note="released at shutdown before sending"
                    )
                    return stats
                self._deliver(group, stats)
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
                self.store.outbox.resolve_interrupted(ids, sent=sent, now=now, note=note)
            else:
                done = [i for i in ids if i in confirmed]
                todo = [i for i in ids if i not in confirmed]
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

    def _deliver(self, group: list[Claimed], stats: DispatchStats) -> None:
        ids = [r.id for r in group]
        head = group[0]
        channel = self.channels[head.channel_kind]
        try:
            if head.kind == DeliveryKind.DIGEST:
                result = channel.send_digest(head)
            else:
                alert = self.alert_for(group)
                result = channel.send(alert, head.address)
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
            self.store.outbox.mark_sent(ids, self.worker, result.message_id or "", now)
            stats.sent += len(ids)
        elif result.new_address:  # resend at once to the new address; not counted as a failure
            self.store.outbox.mark_retry(ids, self.worker, now, result.error or "moved")
            stats.retried += len(ids)
        elif result.retry_after is not None and head.attempts < self.max_attempts:
            wait = timedelta(seconds=result.retry_after)
            self.store.outbox.mark_retry(ids, self.worker, now + wait, result.error or "retry")
            stats.retried += len(ids)
        else:
            reason = result.error or "permanent failure"
            if result.retry_after is not None:
                reason = f"gave up after {head.attempts} attempts: {reason}"
            self.store.outbox.mark_dead(ids, self.worker, reason)
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
