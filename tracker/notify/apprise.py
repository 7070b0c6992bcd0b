"""The Apprise channel: Discord, Slack, Matrix, ntfy, generic JSON/form webhooks and the many
other services Apprise knows, each addressed by one Apprise URL (``discord://…``,
``ntfy://…``, ``json://host:port/path``).

Alerts go out as plain text (control characters made visible, as on a terminal) with
``body_format=text``, so that Apprise escapes them for each service's own markup (Discord and
Slack markdown, Matrix HTML) and no source value is read as markup. Exactly once: a service
cannot be asked afterwards whether a message arrived, so after every successful send the
channel appends the delivery ids to a journal file (one fsync'd append) which ``confirm``
reads after a crash; the dispatcher then resends only what the journal does not list.
Addresses hold the services' secrets (webhook tokens): they are never logged, only their
kind and host.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from tracker.config.fields import STRICT
from tracker.display import plain
from tracker.errors import UserError
from tracker.models import DeliveryKind, SendResult
from tracker.notify.base import Channel
from tracker.notify.render import Alert, headline, render_text

if TYPE_CHECKING:
    from tracker.config import TrackerConfig
    from tracker.store.repo import Store

log = logging.getLogger(__name__)


class AppriseSection(BaseModel):
    """``[apprise]``: alerts through Apprise URLs (a subscriber's ``--channel apprise:URL``)."""

    model_config = STRICT

    enabled: bool = True
    journal: str = Field(
        default="", description="file of sent delivery ids; empty: apprise-sent.log in data_dir"
    )
    retry_seconds: float = Field(default=60.0, gt=0)


APPRISE_EXTRA = "the Apprise channel needs the [apprise] extra: pip install 'launch-tracker[apprise]'"


def _apprise() -> Any:
    """The apprise library, imported on first use (the configuration loads this module
    quickly); a clear error when the optional ``[apprise]`` extra is not installed."""
    try:
        import apprise
    except ImportError:
        raise UserError(APPRISE_EXTRA) from None
    return apprise


# The journal is compacted to its newest lines once it passes this size (about 30,000
# lines): it stays small however long the daemon runs.
JOURNAL_MAX_BYTES = 1_000_000
JOURNAL_KEEP_LINES = 5_000


def redacted(address: str) -> str:
    """``discord://…`` → ``discord://<host>``: what may be logged of an address."""
    scheme, sep, rest = address.partition("://")
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1] if sep else ""
    return f"{scheme}://{host}" if sep else "<apprise url>"


class AppriseChannel(Channel):
    kind = "apprise"
    Settings = AppriseSection
    address_hint = "APPRISE_URL"

    @classmethod
    def shown(cls, address: str) -> str:
        return redacted(address)

    @classmethod
    def check_address(cls, address: str) -> str:
        address = address.strip()
        if not _apprise().Apprise().add(address):
            raise ValueError(
                f"{redacted(address)!r} is not an Apprise URL Apprise understands "
                "(e.g. discord://ID/TOKEN, ntfy://topic, json://host:port/path)"
            )
        return address

    @classmethod
    def from_config(cls, cfg: TrackerConfig, store: Store | None) -> AppriseChannel | None:
        section: AppriseSection = getattr(cfg, "apprise", AppriseSection())
        if not section.enabled:
            return None
        journal = (
            Path(section.journal).expanduser() if section.journal else cfg.data_path / "apprise-sent.log"
        )
        return cls(journal, retry_seconds=section.retry_seconds)

    def __init__(self, journal: Path, *, retry_seconds: float = 60.0) -> None:
        self.journal = journal
        self.retry_seconds = retry_seconds

    def send(self, alert: Alert, address: str) -> SendResult:
        result = self._notify(address, plain(headline(alert)), render_text(alert))
        if result.sent and alert.kind != DeliveryKind.TEST:  # a test message is no delivery
            self._record(address, alert.delivery_ids)
        return result

    def send_text(self, address: str, text: str) -> SendResult:
        return self._notify(address, "Launch tracker", "\n".join(plain(line) for line in text.splitlines()))

    def _notify(self, address: str, title: str, body: str) -> SendResult:
        try:
            apprise = _apprise()
        except UserError as exc:  # kept in the outbox: installing the extra delivers it
            return SendResult.retry(3600, str(exc))
        notifier = apprise.Apprise()
        if not notifier.add(address):
            return SendResult.permanent(f"{redacted(address)}: not an Apprise URL")
        try:
            ok = notifier.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
        except Exception as exc:  # a plugin's own failure: keep the delivery, try again later
            log.warning("apprise %s failed: %s", redacted(address), type(exc).__name__)
            return SendResult.retry(self.retry_seconds, f"{redacted(address)}: {type(exc).__name__}")
        if not ok:
            return SendResult.retry(
                self.retry_seconds, f"{redacted(address)}: the service refused or was unreachable"
            )
        return SendResult.ok(f"apprise:{hashlib.sha256(body.encode()).hexdigest()[:12]}")

    # ---- the journal that makes a crash after a send harmless -----------------------------

    def _key(self, address: str) -> str:
        return hashlib.sha256(address.encode()).hexdigest()[:16]  # the secret stays out of the file

    def _record(self, address: str, ids: tuple[int, ...]) -> None:
        line = f"{self._key(address)} {' '.join(str(i) for i in ids)}\n"
        try:
            self.journal.parent.mkdir(parents=True, exist_ok=True)
            fd = self._open_locked()
            try:
                os.write(fd, line.encode())  # one append, under the lock: never interleaved
                os.fsync(fd)
                if os.fstat(fd).st_size > JOURNAL_MAX_BYTES:
                    self._compact(fd)
            finally:
                os.close(fd)  # closing releases the lock
        except OSError as exc:  # the message is out; only a crash in the next instant could resend it
            log.error("cannot write the Apprise journal %s: %s", self.journal, exc.strerror)

    def _open_locked(self) -> int:
        """The journal, opened for appending and locked; reopened if a compaction replaced
        the file while this process waited for the lock."""
        while True:
            fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                if os.fstat(fd).st_ino == os.stat(self.journal).st_ino:
                    return fd
            except FileNotFoundError:
                pass
            os.close(fd)

    def _compact(self, fd: int) -> None:
        """Keep the newest ``JOURNAL_KEEP_LINES`` lines (under the lock ``fd`` holds). Only
        deliveries in flight at a crash are ever looked up, and they are the newest: a
        dispatcher claims at most a batch at a time, far fewer than are kept."""
        lines = self.journal.read_text(encoding="utf-8").splitlines(keepends=True)
        fresh = self.journal.with_name(self.journal.name + ".new")
        with open(fresh, "w", encoding="utf-8") as out:
            out.writelines(lines[-JOURNAL_KEEP_LINES:])
            out.flush()
            os.fsync(out.fileno())
        os.chmod(fresh, 0o600)
        os.replace(fresh, self.journal)  # appenders waiting on the old file reopen the new one

    def confirm(self, address: str, delivery_ids: list[int]) -> set[int] | None:
        """The deliveries the journal lists for this address; None when it cannot be read."""
        try:
            text = self.journal.read_text(encoding="utf-8")
        except FileNotFoundError:
            return set()
        except OSError:
            return None
        key, wanted = self._key(address), set(delivery_ids)
        found: set[int] = set()
        for line in text.splitlines():
            head, _, ids = line.partition(" ")
            if head == key:
                found.update(int(i) for i in ids.split() if i.isdigit() and int(i) in wanted)
        return found
