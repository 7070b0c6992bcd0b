"""What a channel is: the contract every channel kind implements, and what it may offer.

A channel sends a rendered alert to one address, can send plain text (operator health
alerts, test messages), says after a crash which deliveries certainly went out, and may
send daily digests. It owns its configuration section (``Settings``, the ``[kind]`` table
of the config file) and builds itself from the configuration (``from_config``), so that a
new channel is one module plus one line in ``CHANNEL_KINDS``.

A channel module imports its heavy libraries inside methods: the configuration imports
every registered channel module to learn its section, and must stay quick to load.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel

from tracker.models import SendResult

if TYPE_CHECKING:
    from tracker.config import TrackerConfig
    from tracker.notify.render import Alert
    from tracker.store.outbox import Claimed
    from tracker.store.repo import Store


class Channel(ABC):
    """One kind of destination. ``kind`` is the name used in the database and the config."""

    kind: ClassVar[str]
    #: The channel's own ``[kind]`` section of the config file; None when it has none.
    Settings: ClassVar[type[BaseModel] | None] = None
    #: Whether ``send_digest`` is implemented (the dispatcher arms digests only then).
    digests: ClassVar[bool] = False
    #: What an address looks like, for help texts and health-target errors.
    address_hint: ClassVar[str] = "ADDRESS"

    @classmethod
    def check_address(cls, address: str) -> str:
        """The address as stored, or a ValueError saying what an address of this kind looks like."""
        if not address.strip():
            raise ValueError(f"a {cls.kind} channel needs an address ({cls.address_hint})")
        return address.strip()

    @classmethod
    def shown(cls, address: str) -> str:
        """The address as a person may see it (on a terminal, in a log): an address that
        carries a secret (an Apprise URL's token) shows only where it goes."""
        return address

    @classmethod
    @abstractmethod
    def from_config(cls, cfg: TrackerConfig, store: Store | None) -> Channel | None:
        """The channel for this configuration, or None when it is not set up."""

    @abstractmethod
    def send(self, alert: Alert, address: str) -> SendResult:
        """Send one alert (one or more deliveries about one event)."""

    @abstractmethod
    def send_text(self, address: str, text: str) -> SendResult:
        """Send plain text outside the outbox (health alerts, test messages); escaped as needed."""

    def confirm(self, address: str, delivery_ids: list[int]) -> set[int] | None:
        """Which of these deliveries certainly went out; None when the channel cannot tell."""
        return None

    def send_digest(self, delivery: Claimed) -> SendResult:
        """Build and send one subscriber's daily digest (only when ``digests`` is True)."""
        return SendResult.permanent(f"the {self.kind} channel does not send digests")

    def close(self) -> None:
        """Release connections and threads; the default holds none."""
        return None
