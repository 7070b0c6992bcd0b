"""Digests: ``sizes.digests`` subscribers with a daily email digest, over a store holding a
week of recorded LL2 changes (launches and events) and a year of fetch runs, built and
handed to a loopback SMTP server by the real dispatcher and email channel; beside the
server's own ceiling, a bare smtplib client sending as many messages of the same size.

The SMTP server (``tests/fakes/smtp_server.py``, counting instead of keeping what it gets)
runs in a process of its own, so the tracker's CPU time is its own; the wall time of the
hand-over cannot beat the server's ceiling.
"""

from __future__ import annotations

import json
import smtplib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scripts.benchmarks.harness import ROOT, Section, Sizes, ratio
from tests.helpers import CORPUS

if TYPE_CHECKING:
    from tracker.notify.email import EmailChannel
    from tracker.store.repo import Store

# A baseline snapshot, then a week of daily snapshots: what a digest reads about.
LAUNCHES = ("ll2-launches", "ll2-launch-upcoming-2020-2021")
EVENTS = ("ll2-events", "ll2-event-upcoming-2020-2021")
FIRST, LAST = "2021-01-26", "2021-02-03"
END = datetime(2021, 2, 3, 12, 5, tzinfo=UTC)  # after the last snapshot: the digests' hour
HISTORY = timedelta(days=365)  # of fetch runs before the week, one every 15 minutes per source
# Zones where 07:00 has come at END, so that every subscriber's digest is due at once.
ZONES = ["UTC", "Europe/London", "Europe/Paris", "Europe/Moscow", "Asia/Tokyo", "Asia/Kolkata",
         "America/New_York", "America/Sao_Paulo", "Australia/Sydney", "Africa/Johannesburg"]  # fmt: skip
# What subscribers follow: a few popular choices shared by many, as in life.
FOLLOWS: list[list[list[str]]] = [
    [["all"]],
    [["all", "launches"]],
    [["vehicle:Falcon", "9"]],
    [["provider:SpaceX", "except", "Starlink"]],
    [["Starlink"]],
    [["vehicle:Electron"], ["vehicle:Soyuz"]],
    [["kind:event"]],
    [["site:Baikonur"], ["provider:Roscosmos"]],
    [["all"]],
    [["kind:launch", "except", "Starlink"]],
]
# The outbox's steps the dispatcher takes (their CPU is counted apart from the digests').
OUTBOX_STEPS = ["arm_digests", "arm_reminders", "claim", "renew", "mark_sent", "mark_sent_many", "mark_retry",
                "mark_dead", "release", "interrupted", "resolve_interrupted", "previous_messages"]  # fmt: skip
ENV = {"TRACKER_TOKEN_SECRET": "benchmark secret", "TRACKER_SMTP_PASSWORD": ""}


def _files(series: str) -> list[Path]:
    return [f for f in sorted((CORPUS / series).glob("*.json")) if FIRST <= f.stem[-16:-6] <= LAST]


def follow_rows(subscribers: int, created: datetime) -> list[dict[str, object]]:
    """The follows rows of subscribers 1..``subscribers``: each one of ``FOLLOWS``, in turn."""
    from tracker.follows import parse_filter

    criteria = [[json.dumps(parse_filter(f), sort_keys=True) for f in group] for group in FOLLOWS]
    return [
        {"subscriber_id": n + 1, "criteria": text, "created_at": created}
        for n in range(subscribers)
        for text in criteria[(n * 7) % len(criteria)]
    ]


def build_store(url: str, digests: int) -> None:
    """The store: the week replayed (after a year of fetch runs), then the subscribers."""
    from sqlalchemy import insert, select

    from tracker.pipeline import replay
    from tracker.sources import build_source
    from tracker.store.repo import Store
    from tracker.store.tables import (
        ChannelRow,
        EventRow,
        FetchRunRow,
        FollowRow,
        MuteRow,
        SourceRow,
        SubscriberRow,
    )

    store = Store.open(url)
    try:
        for kind, series in (LAUNCHES, EVENTS):
            files = _files(series)
            list(replay(store, build_source(kind, kind), files[:1], alerts="off"))
        with store.engine.begin() as conn:
            start = END - HISTORY - timedelta(days=8)
            for source_id in conn.scalars(select(SourceRow.id)):
                conn.execute(insert(FetchRunRow), [
                    {"source_id": source_id, "observed_at": start + timedelta(minutes=15 * n),
                     "started_at": start + timedelta(minutes=15 * n), "outcome": "ok" if n % 50 else "http_error",
                     "items": 30, "error": None if n % 50 else "503"}
                    for n in range(int(HISTORY / timedelta(minutes=15)))
                ])  # fmt: skip
        for kind, series in (LAUNCHES, EVENTS):
            list(replay(store, build_source(kind, kind), _files(series)[1:], alerts="off"))
        with store.engine.begin() as conn:
            events = list(conn.scalars(select(EventRow.id).order_by(EventRow.id)))
            policy = json.dumps({"digest": "07:00"})
            conn.execute(insert(SubscriberRow), [
                {"id": n + 1, "name": f"reader{n:05d}", "timezone": ZONES[n % len(ZONES)], "active": True,
                 "policy": policy, "created_at": END - timedelta(days=30)}
                for n in range(digests)
            ])  # fmt: skip
            conn.execute(insert(ChannelRow), [
                {"subscriber_id": n + 1, "kind": "email", "address": f"reader{n:05d}@example.org", "active": True}
                for n in range(digests)
            ])  # fmt: skip
            conn.execute(insert(FollowRow), follow_rows(digests, END - timedelta(days=30)))
            conn.execute(insert(MuteRow), [
                {"subscriber_id": n + 1, "event_id": events[n % len(events)], "created_at": END}
                for n in range(0, digests, 20)
            ])  # fmt: skip
    finally:
        store.close()


SERVER = """
import sys
from tests.fakes.smtp_server import SmtpServer, Sink

class Counting(Sink):
    count = 0
    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"

smtp = SmtpServer()
smtp.sink = Counting()
smtp.start()
print(smtp.port, flush=True)
for line in sys.stdin:
    print(smtp.sink.count, flush=True)
smtp.stop()
"""


@contextmanager
def smtp_process() -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """The loopback SMTP server in a process of its own; ``received(proc)`` asks its count."""
    proc = subprocess.Popen([sys.executable, "-c", SERVER], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert proc.stdout is not None
        yield int(proc.stdout.readline()), proc
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=30)


def received(proc: subprocess.Popen[str]) -> int:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("count\n")
    proc.stdin.flush()
    return int(proc.stdout.readline())


def _channel(port: int, store: Store, clock: Callable[[], datetime]) -> EmailChannel:
    from tracker.config import EmailSection
    from tracker.notify.email import EmailChannel

    settings = EmailSection.model_validate({
        "host": "127.0.0.1", "port": port, "from_address": "tracker@example.org", "from_name": "Launch tracker",
        "unsubscribe_url": "https://tracker.example.org/unsubscribe", "timeout_seconds": 30.0, "send_empty": True,
    })  # fmt: skip
    return EmailChannel(settings, store, env=ENV, clock=clock)


def _cpu_of(owner: object, names: list[str], spent: list[float]) -> None:
    """Wrap these methods of ``owner`` (on the instance) to add their CPU time to ``spent[0]``."""
    for name in names:
        method = getattr(owner, name)

        def timed(*args: Any, _method: Callable[..., Any] = method, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return _method(*args, **kwargs)
            finally:
                spent[0] += time.process_time() - started

        setattr(owner, name, timed)


def run(sizes: Sizes) -> list[Section]:
    from tracker.dispatch import Dispatcher
    from tracker.models import ChannelKind
    from tracker.notify.digest import build_digest, render_digest
    from tracker.policy import AlertPolicy
    from tracker.store.repo import Store

    n = sizes.digests
    link = "https://tracker.example.org/unsubscribe?token=x"
    section = Section(
        f"Digests: {n:,} subscribers, built and handed to a loopback SMTP server",
        ["what", "messages", "wall", "per message", "CPU", "CPU per message", "wall × server's ceiling"],
    )

    def row(what: str, count: int, wall: float, cpu: float, ceiling: float | None) -> list[str]:
        each = max(1, count)
        return [what, f"{count:,}", f"{wall:.1f} s", f"{1000 * wall / each:.2f} ms", f"{cpu:.1f} s",
                f"{1000 * cpu / each:.2f} ms", ratio(wall, ceiling) if ceiling else "-"]  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp, smtp_process() as (port, server):
        url = f"sqlite:///{tmp}/digests.db"
        build_store(url, n)
        store = Store.open(url)
        try:
            changes = len(store.changes(since=END - timedelta(days=1)))
            channel = _channel(port, store, lambda: END)
            # The server's ceiling: a bare client sending as the channel does (one session for
            # the run), each message a typical digest.
            sample = render_digest(build_digest(store, store.subscriptions.get("reader00000"), END), link)
            msg = channel.message(sample.subject, sample.text, sample.html, "reader@example.org", "digest.0")
            started, cpu = time.perf_counter(), time.process_time()
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                for _ in range(n):
                    smtp.send_message(msg)
            ceiling, ceiling_cpu = time.perf_counter() - started, time.process_time() - cpu
            section.rows.append(row("bare smtplib client, one session (the server's ceiling)", n, ceiling,
                                    ceiling_cpu, ceiling))  # fmt: skip
            # The digests alone: built and rendered for everyone, nothing queued or sent.
            everyone = store.subscriptions.audience().subscribers
            started, cpu = time.perf_counter(), time.process_time()
            for sub in everyone:
                render_digest(build_digest(store, sub, END), link)
            section.rows.append(row("digests built and rendered only", len(everyone),
                                    time.perf_counter() - started, time.process_time() - cpu, None))  # fmt: skip
            # The real thing: arm today's digests, claim, build, render, send, mark; the CPU of
            # the outbox's steps and of the SMTP session counted apart.
            outbox_cpu, smtp_cpu = [0.0], [0.0]
            _cpu_of(store.outbox, OUTBOX_STEPS, outbox_cpu)  # fmt: skip
            _cpu_of(channel, ["_send"], smtp_cpu)
            before = received(server)
            dispatcher = Dispatcher(store, {ChannelKind.EMAIL: channel}, AlertPolicy(), clock=lambda: END)
            started, cpu = time.perf_counter(), time.process_time()
            stats = dispatcher.run_once()
            took, took_cpu = time.perf_counter() - started, time.process_time() - cpu
            got = received(server) - before
            channel.close()
            section.rows.append(row("tracker: arm, build, render, send, mark (dispatcher → email channel)", got,
                                    took, took_cpu, ceiling))  # fmt: skip
            section.rows.append(
                row("… of which the outbox: arm, claim, renew, mark", got, 0.0, outbox_cpu[0], None)
            )
            section.rows.append(
                row("… of which the SMTP session: flatten, smtplib", got, 0.0, smtp_cpu[0], None)
            )
            section.rows.append(row("… the rest: digest, rendering, message, token", got, 0.0,
                                    took_cpu - outbox_cpu[0] - smtp_cpu[0], None))  # fmt: skip
        finally:
            store.close()
    for r in section.rows[-3:]:
        r[2] = r[3] = "-"
    section.notes += [
        f"The store: LL2 launches and events replayed {FIRST} → {LAST} ({changes} changes in the digests' 24 h), "
        f"after a year of fetch runs per source (one every 15 min); {len(FOLLOWS)} kinds of follows shared "
        f"among the subscribers, {len(ZONES)} time zones, one in twenty muting an event; `send_empty` on, so "
        f"every digest is one message. Sent {stats.sent:,} of {n:,} ({stats.dead} dead, {stats.retried} to retry).",
        "CPU is the benchmark process's own (the SMTP server runs in a process of its own); the bare client's "
        "is what smtplib and the `email` package cost any sender. Target: 10,000 digests built and handed over "
        "in under 30 s. The hand-over's wall time cannot beat the server's ceiling (aiosmtpd on loopback, one "
        "session as the email channel keeps).",
    ]
    return [section]
