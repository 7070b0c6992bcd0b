"""The console channel: prints alerts to stdout, or appends them to a file.

A file sink can confirm after a crash whether an alert was already written (each
block ends with a footer naming its deliveries), which makes delivery exactly-once
even when the dispatcher dies between writing and recording.

Only the last line of a block (the line before the blank line that ends it) is a
footer. A source value never contains a newline (``plain``), so the most it can do is
fill a line of its own inside a block, never the last one: a scraped title reading
``-- alerts 5 --`` forges nothing. Writes are checked for length (a short write on a
full disk is finished or reported, never taken as done), and a block left torn by a
crash is closed before the next one, so it cannot swallow that one's footer.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.display import plain
from tracker.models import ChannelKind, SendResult
from tracker.notify.base import Channel
from tracker.notify.render import Alert, render_text

STDOUT = "-"
_FOOTER = re.compile(r"-- alerts ([\d ]+) --")


def written_ids(text: str) -> list[int]:
    """The delivery ids named by the footers of ``text`` (a console file), in order."""
    ids: list[int] = []
    for block in text.split("\n\n"):
        last = block.strip("\n").rpartition("\n")[2]
        if match := _FOOTER.fullmatch(last):
            ids.extend(int(i) for i in match[1].split())
    return ids


def _write_all(fd: int, data: bytes) -> None:
    """``os.write`` until all of ``data`` is out (it may write less, e.g. on a full disk)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(28, "nothing written (disk full?)")
        view = view[written:]


def _torn(fd: int) -> bool:
    """Whether the file does not end where a block ends (a write cut short by a crash)."""
    size = os.fstat(fd).st_size
    return size > 0 and os.pread(fd, 2, max(0, size - 2)) != b"\n\n"[-min(size, 2) :]


if TYPE_CHECKING:
    from tracker.config import TrackerConfig
    from tracker.store.repo import Store


class ConsoleChannel(Channel):
    """Always available: it needs no configuration of its own."""

    kind = ChannelKind.CONSOLE
    address_hint = "FILE|-"

    @classmethod
    def from_config(cls, cfg: TrackerConfig, store: Store | None) -> ConsoleChannel:
        return cls()

    def send(self, alert: Alert, address: str) -> SendResult:
        ids = " ".join(str(i) for i in alert.delivery_ids)
        block = f"{render_text(alert)}\n-- alerts {ids} --\n\n"
        return self._write(address, block, f"console:{alert.delivery_ids[0]}")

    def _write(self, address: str, block: str, message_id: str) -> SendResult:
        if address in ("", STDOUT):
            sys.stdout.write(block)
            sys.stdout.flush()
            return SendResult.ok(message_id)
        try:
            path = Path(address).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                data = block.encode("utf-8")
                if _torn(fd):
                    data = b"\n\n" + data
                _write_all(fd, data)  # one append (appends do not interleave), finished if short
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            return SendResult.retry(60, f"cannot write {address}: {exc.strerror}")
        return SendResult.ok(message_id)

    def send_text(self, address: str, text: str) -> SendResult:
        """A plain operator message (health alerts), outside the outbox."""
        return self._write(address, f"{plain(text)}\n\n", "console:text")

    def confirm(self, address: str, delivery_ids: list[int]) -> set[int] | None:
        """Which of these deliveries were already written; None when it cannot tell (stdout)."""
        if address in ("", STDOUT):
            return None
        try:
            text = Path(address).expanduser().read_text(encoding="utf-8")
        except FileNotFoundError:
            return set()
        except OSError:
            return None
        return set(written_ids(text)) & set(delivery_ids)
