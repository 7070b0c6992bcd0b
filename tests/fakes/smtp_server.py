"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and can be
stopped and started again on the same port to play an outage."""

from __future__ import annotations

import socket
import ssl
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """A free loopback port (``Controller(port=0)`` cannot report the one it got)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Sink:
    """The aiosmtpd handler: every accepted message, parsed, plus its envelope and raw bytes."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.peers: list[Any] = []  # the client's (host, port) of each message: one per connection
        self.answer = "250 OK"  # e.g. "451 4.3.0 try again later" to play a busy server

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.answer.startswith("2"):
            return self.answer
        data: bytes = envelope.original_content or envelope.content
        self.raw.append(data)
        self.messages.append(message_from_bytes(data, policy=default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.peers.append(session.peer)
        return self.answer


class SmtpServer:
    """``start``/``stop`` any number of times on one port; ``users`` turns on AUTH LOGIN/PLAIN.

    ``security`` "starttls" offers (and requires) STARTTLS, "tls" speaks TLS from the first byte,
    both with ``tls``, a server context whose certificate the test's CA signed."""

    def __init__(self, users: dict[str, str] | None = None, *, security: str = "none",
                 tls: ssl.SSLContext | None = None) -> None:  # fmt: skip
        self.port = free_port()
        self.sink = Sink()
        self.users = users
        self.security = security
        self.tls = tls
        self._controller: Controller | None = None

    def _auth(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self.users is not None
        if ok:
            ok = self.users.get(data.login.decode()) == data.password.decode()  # type: ignore[union-attr]
        return AuthResult(success=ok, handled=False)

    def start(self) -> None:
        kwargs: dict[str, Any] = {}
        if self.users is not None:
            # With STARTTLS, AUTH is refused before the upgrade. aiosmtpd does not count implicit TLS
            # as TLS for that check, so it is off there (every byte is encrypted anyway).
            kwargs = {"authenticator": self._auth, "auth_require_tls": self.security == "starttls"}
        if self.security == "starttls":
            kwargs.update(tls_context=self.tls, require_starttls=True)
        elif self.security == "tls":
            kwargs.update(ssl_context=self.tls)
        self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
