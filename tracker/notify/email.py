"""The email channel: daily digests and immediate alerts over SMTP.

Each digest is one outbox delivery (unique per subscriber, local day and channel),
so a rerun never mails a second copy; the Message-ID is derived from the delivery,
so even the resend after a crash mid-send (SMTP cannot confirm) threads as the same
message. An SMTP outage or a 4xx answer is retried later; a refused login is a
permanent failure, logged as an ERROR for the operator. A run of digests goes over one
SMTP session (connection, TLS and login once), and the messages are built with the
``email.mime`` classes, which cost a fraction of the modern ``EmailMessage``.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import logging
import os
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.charset import BASE64, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import Compat32
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from tracker.config.fields import EMAIL, HTTP_URL, STRICT, EnvName
from tracker.errors import ConfigError, UserError
from tracker.models import ChannelKind, SendResult
from tracker.notify.base import Channel
from tracker.notify.render import Alert, headline, render_html, render_text
from tracker.web import tokens

if TYPE_CHECKING:
    from tracker.config import TrackerConfig
    from tracker.store.outbox import Claimed
    from tracker.store.repo import Store

log = logging.getLogger(__name__)

_UTF8_HEADER = Charset("utf-8")
_UTF8_HEADER.header_encoding = BASE64  # in a display name: no character a phrase forbids


REUSE_SECONDS = 30.0  # an SMTP session idle longer is not reused (servers close idle ones)
FOLD_AT = 76  # a folded line's length: its encoded word then has at most 75 characters (RFC 2047)


class _Headers(Compat32):
    """compat32, folding headers as a mail reader unfolds them: a value that fits on its
    line, or a single word that cannot fold (a URL, a Message-ID), is written as it is;
    a longer one is folded at spaces only, RFC 2047-encoded when it is not ASCII. (compat32
    itself folds after commas too, which adds a space, and before an unbreakable value,
    which a reader parses as a leading space.)"""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        if isinstance(value, _Mailbox):
            value = value.value if value.display.isascii() else value.header(name)
        if isinstance(value, str):
            plain = value.isascii() and "\n" not in value and "\r" not in value
            if plain and (" " not in value or len(name) + 2 + len(value) <= FOLD_AT):
                return f"{name}: {value}{self.linesep}"
            value = Header(value, header_name=name)
        return f"{name}: {value.encode(' ', FOLD_AT, self.linesep)}{self.linesep}"


_POLICY = _Headers()


def _text_part(body: str, subtype: str) -> Message:
    """A UTF-8 text part, quoted-printable (readable in the raw message), encoded by
    ``binascii`` in C: the ``email`` package's own encoder is pure Python, three times slower."""
    part = MIMENonMultipart("text", subtype, policy=_POLICY, charset="utf-8")
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part.set_payload(binascii.b2a_qp(body.encode("utf-8"), istext=True).decode("ascii"))
    return part


def _one_line(value: str) -> str:
    """A header value on one line: line breaks and runs of blanks become one space."""
    return " ".join(value.split())


class _Mailbox:
    """``Name <address>``: an ASCII name quoted as needed; another one RFC 2047-encoded in
    as many encoded words as it takes (each at most 75 characters, as the RFC says)."""

    def __init__(self, display: str, address: str) -> None:
        self.display, self.address = _one_line(display), _one_line(address)
        self.value = formataddr((self.display, self.address), "utf-8")

    def header(self, name: str) -> Header:
        """The encoded form, for a name that is not ASCII (``_Headers`` writes it)."""
        header = Header(self.display, _UTF8_HEADER, header_name=name)
        header.append(f"<{self.address}>", "us-ascii")
        return header

    def __str__(self) -> str:  # what smtplib reads the envelope's addresses from
        return self.value


def make_token(subscriber_id: int, secret: bytes) -> str:
    """The signed token of a subscriber's unsubscribe link (see ``tracker.web.tokens``)."""
    return tokens.make_token(subscriber_id, secret, tokens.Purpose.UNSUBSCRIBE)


class EmailSection(BaseModel):
    """``[email]``: SMTP for the daily digest and email alerts. Empty ``from_address``: no email."""

    model_config = STRICT

    host: str = Field(default="localhost", min_length=1)
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "none"
    username: str = ""
    password_env: EnvName = "TRACKER_SMTP_PASSWORD"
    from_address: str = ""
    from_name: str = "Launch tracker"
    unsubscribe_url: str = ""
    token_secret_env: EnvName = "TRACKER_TOKEN_SECRET"
    send_empty: bool = False
    timeout_seconds: float = Field(default=30.0, gt=0)
    ca_file: str = ""

    @field_validator("ca_file")
    @classmethod
    def _ca_file(cls, value: str) -> str:
        if value and not Path(value).expanduser().is_file():
            raise PydanticCustomError("ca_file", "no such file: {path}", {"path": value})
        return str(Path(value).expanduser()) if value else value

    @field_validator("from_address")
    @classmethod
    def _address(cls, value: str) -> str:
        if value and not EMAIL.fullmatch(value):
            raise PydanticCustomError(
                "email_address", "should be an email address such as 'tracker@example.org'"
            )
        return value

    @field_validator("unsubscribe_url")
    @classmethod
    def _unsubscribe_url(cls, value: str) -> str:
        if value and not HTTP_URL.fullmatch(value):
            raise PydanticCustomError("unsubscribe_url", "should be an http(s) URL or empty")
        return value

    @property
    def enabled(self) -> bool:
        return bool(self.from_address)

    def missing_secrets(self, env: Mapping[str, str] | None = None) -> list[str]:
        """The secrets this section names but the environment lacks (checked by the email
        channel at start and by ``tracker config check``)."""
        environ = os.environ if env is None else env
        problems = []
        if self.username and not environ.get(self.password_env, ""):
            problems.append(f"email.username is set but ${self.password_env} is empty")
        if self.unsubscribe_url and not environ.get(self.token_secret_env, ""):
            problems.append(f"email.unsubscribe_url is set but ${self.token_secret_env} is empty")
        return problems


def check_token(token: str, secret: bytes) -> int | None:
    """The subscriber id an unsubscribe token names, or None when it is not one of ours."""
    return tokens.check_token(token, secret, tokens.Purpose.UNSUBSCRIBE)


def token_secret(settings: EmailSection, env: Mapping[str, str] | None = None) -> bytes | None:
    value = (os.environ if env is None else env).get(settings.token_secret_env, "")
    return value.encode() if value else None


def unsubscribe_link(settings: EmailSection, secret: bytes | None, subscriber_id: int) -> str | None:
    """``unsubscribe_url?token=...`` (what ``tracker serve`` answers at ``/unsubscribe``); None
    when no URL is configured or no secret is set."""
    url = settings.unsubscribe_url
    if not url or secret is None:
        return None
    return f"{url}{'&' if '?' in url else '?'}token={quote(make_token(subscriber_id, secret))}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class EmailChannel(Channel):
    """Sends through one SMTP server; a fresh connection per message (digests are few)."""

    kind = ChannelKind.EMAIL
    Settings = EmailSection
    digests = True
    address_hint = "ADDRESS"

    @classmethod
    def check_address(cls, address: str) -> str:
        if not EMAIL.fullmatch(address):
            raise ValueError(f"{address!r} is not an email address")
        return address

    @classmethod
    def from_config(cls, cfg: TrackerConfig, store: Store | None) -> EmailChannel | None:
        if store is None or not cfg.email.enabled:
            return None
        return cls(cfg.email, store)

    def __init__(
        self,
        settings: EmailSection,
        store: Store,
        *,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        """Checks the secrets at once, so a missing one stops `tracker deliver` at start."""
        environ = os.environ if env is None else env
        problems = []
        if not settings.enabled:
            problems.append("email.from_address: set it to send email")
        self._password = environ.get(settings.password_env, "")
        self._secret = token_secret(settings, environ)
        problems.extend(settings.missing_secrets(environ))
        if problems:
            raise ConfigError(problems)
        self.settings = settings
        self.store = store
        self.clock = clock
        self._lock = threading.Lock()  # one SMTP session, kept between messages (``_send``)
        self._smtp: smtplib.SMTP | None = None
        self._used = 0.0

    # ---- the channel protocol -------------------------------------------------------

    def send_digest(self, delivery: Claimed) -> SendResult:
        from tracker.notify.digest import digest_run, render_digest

        run = digest_run(self.store, delivery.observed_at)  # shared by every digest of the run
        try:
            subscriber = run.subscriber(delivery.subscriber)
        except UserError as exc:
            return SendResult.permanent(str(exc))
        digest = run.digest(subscriber)
        if digest.empty and not self.settings.send_empty:
            return SendResult.ok("empty")
        link = unsubscribe_link(self.settings, self._secret, subscriber.id)
        rendered = render_digest(digest, link)
        key = f"digest.{delivery.id}.{delivery.observed_at:%Y%m%d}"
        msg = self.message(rendered.subject, rendered.text, rendered.html, delivery.address, key,
                           to_name=subscriber.name, unsubscribe=link)  # fmt: skip
        return self.deliver(msg, delivery.attempts)

    def send(self, alert: Alert, address: str) -> SendResult:
        """An immediate alert by email, threaded under the previous one about the event."""
        html = render_html(alert).replace("\n", "<br>\n")
        page = (
            '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
            '<body style="font-family:Helvetica,Arial,sans-serif;font-size:15px;line-height:1.45;">'
            f"{html}</body></html>"
        )
        subject = f"{headline(alert)}: {alert.event.title}"
        msg = self.message(subject, render_text(alert), page, address, f"alert.{alert.delivery_ids[0]}")
        if alert.reply_to and alert.reply_to.startswith("<"):
            msg["In-Reply-To"] = _one_line(alert.reply_to)
            msg["References"] = _one_line(alert.reply_to)
        return self.deliver(msg, 1)

    def send_text(self, address: str, text: str) -> SendResult:
        """A plain message (an operator alert, a test message), subject from its first line."""
        subject = (text.strip().splitlines() or ["Launch tracker"])[0][:120]
        key = f"text.{hashlib.sha256(text.encode()).hexdigest()[:12]}"
        return self.deliver(self.message(subject, text, None, address, key), 1)

    def confirm(self, address: str, delivery_ids: list[int]) -> set[int] | None:
        return None  # SMTP cannot say what was accepted before a crash

    # ---- building and sending ------------------------------------------------------

    def message(
        self,
        subject: str,
        text: str,
        html: str | None,
        address: str,
        key: str,
        *,
        to_name: str = "",
        unsubscribe: str | None = None,
    ) -> Message[Any, Any]:
        """The message, built with the ``email.mime`` classes: the modern ``EmailMessage``
        parses back every header it is given, which cost three times the rest of building a
        digest. Every header value is made one line here (no header can be injected), and
        the generator RFC 2047-encodes the non-ASCII ones; both parts are quoted-printable
        UTF-8."""
        s = self.settings
        domain = s.from_address.rpartition("@")[2]
        digest = hashlib.sha256(f"{s.from_address}|{address}|{key}".encode()).hexdigest()[:16]
        body = _text_part(text, "plain")
        msg: Message[Any, Any] = body
        if html is not None:
            msg = MIMEMultipart("alternative", policy=_POLICY)
            msg.attach(body)
            msg.attach(_text_part(html, "html"))
        msg["Subject"] = _one_line(subject)
        msg["From"] = _Mailbox(s.from_name, s.from_address)
        msg["To"] = _Mailbox(to_name, address)
        msg["Date"] = format_datetime(self.clock().astimezone(UTC))
        msg["Message-ID"] = _one_line(f"<tracker.{key}.{digest}@{domain}>")
        msg["Auto-Submitted"] = "auto-generated"
        if unsubscribe:
            msg["List-Unsubscribe"] = _one_line(f"<{unsubscribe}>")
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        return msg

    def _connect(self) -> smtplib.SMTP:
        return smtp_session(self.settings, self._password)

    def _send(self, msg: Message[Any, Any]) -> None:
        """Send on the session the previous message used, when it was used within
        ``REUSE_SECONDS`` (a digest run sends thousands: a connection, an EHLO, a TLS
        handshake and a login each would cost more than the message), else on a new one.
        A reused session the server has closed meanwhile is replaced once; any other
        failure closes the session, so the next message starts clean."""
        with self._lock:
            smtp, fresh = self._smtp, False
            if smtp is None or time.monotonic() - self._used > REUSE_SECONDS:
                self._drop()
                smtp, fresh = self._connect(), True
            self._smtp = smtp
            try:
                try:
                    smtp.send_message(msg)
                except smtplib.SMTPServerDisconnected:
                    if fresh:
                        raise
                    self._drop()  # gone while idle: nothing of this message was accepted
                    self._smtp = smtp = self._connect()
                    smtp.send_message(msg)
            except BaseException:
                self._drop()
                raise
            self._used = time.monotonic()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def close(self) -> None:
        with self._lock:
            self._drop()

    def deliver(self, msg: Message, attempts: int) -> SendResult:
        """Send one message; classify failures as retry-later or permanent."""
        s = self.settings
        where = f"{s.host}:{s.port}"
        wait = float(min(3600, 60 * 2 ** max(0, attempts - 1)))
        try:
            self._send(msg)
        except smtplib.SMTPAuthenticationError as exc:
            error = (
                f"SMTP login as {s.username!r} refused by {where} ({exc.smtp_code}): check [email] username "
                f"and ${s.password_env}; then `tracker outbox --retry-dead`"
            )
            log.error("%s", error)
            return SendResult.permanent(error)
        except smtplib.SMTPNotSupportedError as exc:
            error = f"SMTP server {where} does not support what [email] asks ({exc}): check security/username"
            log.error("%s", error)
            return SendResult.permanent(error)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            error = f"recipient refused by {where}: {exc.recipients}"
            if codes and all(400 <= code < 500 for code in codes):
                return SendResult.retry(wait, error)
            return SendResult.permanent(error)
        except smtplib.SMTPResponseException as exc:
            error = f"SMTP {where} answered {exc.smtp_code} {exc.smtp_error!r}"
            if 400 <= exc.smtp_code < 500 or exc.smtp_code < 0:
                log.warning("%s; retrying in %.0f s", error, wait)
                return SendResult.retry(wait, error)
            log.error("%s", error)
            return SendResult.permanent(error)
        except ssl.SSLCertVerificationError as exc:
            error = f"TLS certificate of {where} not trusted: {exc.verify_message}"
            log.error("%s", error)
            return SendResult.permanent(error)
        except (smtplib.SMTPException, OSError) as exc:  # refused, timeout, DNS, dropped connection
            error = f"SMTP server {where} unreachable: {type(exc).__name__}: {exc}"
            log.warning("%s; retrying in %.0f s", error, wait)
            return SendResult.retry(wait, error)
        return SendResult.ok(str(msg["Message-ID"]))


@functools.lru_cache(maxsize=4)
def tls_context(ca_file: str) -> ssl.SSLContext:
    """The client TLS context, made once per CA file: loading the system's certificates
    costs tens of milliseconds, more than sending a digest. A private CA (a self-hosted
    relay) is added to the system's trust, never replaces checking."""
    return ssl.create_default_context(cafile=ca_file or None)


def smtp_session(settings: EmailSection, password: str) -> smtplib.SMTP:
    """A connected SMTP session: EHLO, STARTTLS or TLS as configured, and login."""
    s = settings
    smtp: smtplib.SMTP
    if s.security == "tls":
        smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds, context=tls_context(s.ca_file))
    else:
        smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
    try:
        if s.security == "starttls":
            smtp.starttls(context=tls_context(s.ca_file))
        if s.username:
            smtp.login(s.username, password)
    except BaseException:
        smtp.close()
        raise
    return smtp
