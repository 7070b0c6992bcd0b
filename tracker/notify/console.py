"""The console channel: prints alerts to stdout, or appends them to a file.

A file sink can confirm after a crash whether an alert was already written (each
block ends with a footer naming its deliveries), which makes delivery exactly-once
even when the dispatcher dies between writing and recording.
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
_FOOTER = re.compile(r"^-- alerts ([\d ]+) --$", re.MULTILINE)


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
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, block.encode("utf-8"))  # one append: never interleaved
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
        written = {int(i) for match in _FOOTER.findall(text) for i in match.split()}
        return written & set(delivery_ids)
