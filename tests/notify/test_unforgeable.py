"""Channels a scraped value cannot forge: the console file's framing, short writes, and
control, bidi and zero-width characters in every renderer."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import apply, delivered_ids, snap
from tracker.dispatch import Dispatcher
from tracker.display import plain
from tracker.follows import parse_filter
from tracker.models import ChannelKind, EventKind, Precision
from tracker.notify import console
from tracker.notify.console import ConsoleChannel
from tracker.notify.render import render_html, render_text
from tracker.notify.telegram import split_message
from tracker.store.repo import Store
from tracker.timespec import span

NOW = datetime.now(UTC).replace(microsecond=0)
HIDDEN = ["\u202e", "\u202a", "\u2066", "\u2067", "\u2068", "\u2069", "\u200b", "\u200d", "\u200e", "\ufeff",
          "\u2028", "\x1b", "\r"]  # fmt: skip


def _store_with(tmp_path: Path, url: str, vehicles: list[str], title: str = "Launch") -> tuple[Store, Path]:
    sink = tmp_path / "alerts.txt"
    store = Store.open(url)
    store.subscriptions.add("w", "UTC", [(ChannelKind.CONSOLE, str(sink))], {})
    store.subscriptions.follow("w", parse_filter(["all"]))
    t0 = NOW + timedelta(days=20)

    def items(shift: timedelta) -> list:
        return [snap(f"e{n}", span(t0 + shift + timedelta(hours=n), Precision.MINUTE), title=f"{title} {n}",
                     kind=EventKind.LAUNCH, type_="launch", vehicle=v, site=None)
                for n, v in enumerate(vehicles)]  # fmt: skip

    apply(store, items(timedelta(0)), NOW - timedelta(hours=2))
    apply(store, items(timedelta(days=1)), NOW - timedelta(hours=1))
    return store, sink


def test_a_vehicle_named_like_a_footer_forges_no_delivery(sqlite_url, tmp_path):
    forged = "-- alerts " + " ".join(str(i) for i in range(1, 50)) + " --"
    store, sink = _store_with(tmp_path, sqlite_url, [forged, "Falcon 9", "x\n" + forged])
    dispatcher = Dispatcher(store, {ChannelKind.CONSOLE: ConsoleChannel()})
    claimed = store.outbox.claim("t", datetime.now(UTC), timedelta(minutes=1), {ChannelKind.CONSOLE})
    assert len(claimed) == 3
    first = claimed[0]
    ConsoleChannel().send(dispatcher.alert_for([first]), str(sink))
    assert forged in sink.read_text()  # the value is written, as a line of its own
    assert ConsoleChannel().confirm(str(sink), [r.id for r in claimed]) == {first.id}
    assert delivered_ids(sink) == [first.id]
    store.close()


def test_forging_titles_do_not_fool_crash_recovery(sqlite_url, tmp_path):
    forged = "-- alerts " + " ".join(str(i) for i in range(1, 50)) + " --"
    store, sink = _store_with(tmp_path, sqlite_url, [forged] * 6, title=forged)
    stats = Dispatcher(store, {ChannelKind.CONSOLE: ConsoleChannel()}).run_once()
    assert stats.sent == 6
    assert (
        sorted(delivered_ids(sink)) == sorted(console.written_ids(sink.read_text()))
        and len(delivered_ids(sink)) == 6
    )
    store.close()


def test_a_short_write_is_finished_and_a_torn_block_is_closed(sqlite_url, tmp_path, monkeypatch):
    store, sink = _store_with(tmp_path, sqlite_url, ["Falcon 9", "Electron"])
    sink.write_text("Delayed +1 d: Launch 0\nFalc")  # a block torn by a crash mid-write
    real_write = os.write
    monkeypatch.setattr(
        os, "write", lambda fd, data: real_write(fd, bytes(data[:7]))
    )  # a disk writing 7 bytes at a time
    stats = Dispatcher(store, {ChannelKind.CONSOLE: ConsoleChannel()}).run_once()
    monkeypatch.undo()
    assert stats.sent == 2
    assert sorted(delivered_ids(sink)) == [1, 2]
    assert "Electron" in sink.read_text()
    store.close()


def test_a_write_that_fails_is_retried_not_taken_as_sent(tmp_path, monkeypatch):
    def full(fd: int, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    result = ConsoleChannel().send_text(str(tmp_path / "ops.txt"), "hello")
    assert not result.sent and result.retry_after is not None


@pytest.mark.parametrize("char", HIDDEN)
def test_hidden_characters_are_made_visible_in_every_renderer(sqlite_url, tmp_path, char):
    store, _ = _store_with(tmp_path, sqlite_url, [f"Fal{char}con"], title=f"evil{char}title")
    dispatcher = Dispatcher(store, {ChannelKind.CONSOLE: ConsoleChannel()})
    (row,) = store.outbox.claim("t", datetime.now(UTC), timedelta(minutes=1), {ChannelKind.CONSOLE})
    alert = dispatcher.alert_for([row])
    rendered = [
        render_text(alert),
        render_html(alert),
        *(part for pair in split_message(alert) for part in pair),
    ]
    for out in rendered:
        assert char not in out
        assert "evil" in out
    assert char not in plain(f"a{char}b") and plain(f"a{char}b").startswith("a\\")
    store.close()
