"""The Telegram channel: alerts as HTML messages through python-telegram-bot.

The dispatcher is synchronous and PTB is async, so the channel owns a private
event loop in a daemon thread and runs each send on it: ``send`` waits for one,
``submit`` starts one and returns its future, so that a fan-out keeps several chats'
sends in flight at once. Sends are paced by a rate limiter (global, per chat, per
group) so Telegram's limits are never reached; what Telegram answers is mapped onto
``SendResult`` so that the dispatcher retries, deactivates or follows a migrated chat.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import importlib.util
import logging
import os
import re
import sys
import threading
import time
import warnings
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, Field

from tracker.config.fields import STRICT
from tracker.display import plain
from tracker.models import ChannelKind, SendResult
from tracker.notify.base import Channel
from tracker.notify.render import Alert, bold_html, esc_html, lines, link_html

if TYPE_CHECKING:
    from telegram import Bot, InlineKeyboardMarkup

    from tracker.config import TrackerConfig
    from tracker.store.repo import Store

# Opt in to PTB's coming behaviour (time periods such as RetryAfter.retry_after as timedelta)
# rather than hear its deprecation warning on every 429; ``retry_seconds`` reads both forms.
os.environ.setdefault("PTB_TIMEDELTA", "true")

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_LENGTH = 4096
_ADDRESS = re.compile(r"(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,})(:\d+)?")  # CHAT, @username, CHAT:TOPIC
GONE = ("chat not found", "user is deactivated", "bot was kicked", "bot was blocked", "chat was deleted")


class TelegramSection(BaseModel):
    """``[telegram]``: the bot and its delivery. The token itself lives in the environment."""

    model_config = STRICT

    enabled: bool = True
    token_env: str = Field(default="TRACKER_TELEGRAM_TOKEN", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    api_base_url: str = Field(default="https://api.telegram.org/bot", pattern=r"^https?://\S+$")
    admin_ids: list[int] = []
    rate_global_per_second: float = Field(default=30.0, gt=0)
    rate_chat_per_second: float = Field(default=1.0, gt=0)
    rate_group_per_minute: float = Field(default=20.0, gt=0)
    group_admins_only: bool = True  # in groups only chat administrators change follows and settings
    admin_cache_seconds: float = Field(default=300.0, ge=0)

    def token(self, env: Mapping[str, str] | None = None) -> str | None:
        """The bot token from ``$token_env``; None when unset or empty (the bot is then off)."""
        value = (os.environ if env is None else env).get(self.token_env, "").strip()
        return value or None


@dataclass(frozen=True)
class Limits:
    """At most ``*_count`` messages in any ``*_window`` seconds."""

    global_count: int = 30
    global_window: float = 1.0
    chat_count: int = 1
    chat_window: float = 1.0
    group_count: int = 20
    group_window: float = 60.0

    @classmethod
    def from_rates(cls, per_second: float, chat_per_second: float, group_per_minute: float) -> Limits:
        def pair(rate: float, window: float) -> tuple[int, float]:
            return (int(rate), window) if rate >= 1 else (1, window / rate)

        g, c, gr = pair(per_second, 1.0), pair(chat_per_second, 1.0), pair(group_per_minute, 60.0)
        return cls(g[0], g[1], c[0], c[1], gr[0], gr[1])


class RateLimiter:
    """Sliding windows of completed sends. A send waits until every window it falls in has room.

    Times are recorded when a send *completes*, so the previous message has reached
    Telegram before the window is measured from it: network jitter cannot squeeze two
    messages into one window at the server. A send in flight holds its place from the
    moment it is granted (``reserve``) until it completes (``sent``), so that senders on
    several threads and event loops (alerts, digests, command answers) share one budget
    without ever being granted the same slot.
    """

    IN_FLIGHT_POLL = 0.005  # seconds to wait when every slot is held by a send still in flight
    FORGET_AT = 10_000  # chats remembered before those idle past every window are forgotten

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:  # fmt: skip
        self.limits = limits
        self.clock, self.sleep = clock, sleep
        self._global: collections.deque[float] = collections.deque()
        self._chats: dict[int, collections.deque[float]] = {}
        self._held: dict[int, float] = {}  # chat -> not before (after a 429)
        self._flying: collections.Counter[int] = collections.Counter()  # chat -> sends in flight
        self._forget_at = self.FORGET_AT
        self._lock = threading.Lock()

    def _windows(self, chat: int) -> list[tuple[collections.deque[float], int, float, int]]:
        lim = self.limits
        own = self._chats.setdefault(chat, collections.deque())
        mine, everyone = self._flying[chat], self._flying.total()
        out = [
            (self._global, lim.global_count, lim.global_window, everyone),
            (own, lim.chat_count, lim.chat_window, mine),
        ]
        if chat < 0:
            out.append((own, lim.group_count, lim.group_window, mine))
        return out

    def delay(self, chat: int, *, own_only: bool = False) -> float:
        """Seconds to wait before a message to ``chat`` may go (``own_only``: counting only the
        chat's own windows, not the overall one, which every chat waits for alike)."""
        now = self.clock()
        ready = self._held.get(chat, now)
        for times, count, window, flying in self._windows(chat)[1 if own_only else 0 :]:
            room = count - flying
            if room <= 0:
                ready = max(ready, now + self.IN_FLIGHT_POLL)
            elif len(times) >= room:
                ready = max(ready, times[-room] + window)
        return max(0.0, ready - now)

    def ready_in(self, chat: int) -> float:
        """``delay`` under the lock, for callers outside the limiter."""
        with self._lock:
            return self.delay(chat)

    def reserve(self, chat: int) -> float:
        """0 and the slot is this caller's (call ``sent`` when the send completes), or the
        seconds to wait before asking again."""
        with self._lock:
            wait = self.delay(chat)
            if wait <= 0:
                self._flying[chat] += 1
            return wait

    def acquire(self, chat: int) -> None:
        while (wait := self.reserve(chat)) > 0:
            self.sleep(wait)

    async def turn(self, chat: int) -> None:
        """``acquire`` for a coroutine: waits without blocking its event loop."""
        while (wait := self.reserve(chat)) > 0:
            await asyncio.sleep(wait)

    def sent(self, chat: int) -> None:
        """The granted send to ``chat`` completed (or failed): it now counts from this moment."""
        with self._lock:
            if self._flying[chat] > 0:
                self._flying[chat] -= 1
                if not self._flying[chat]:
                    del self._flying[chat]
            now = self.clock()
            self._global.append(now)
            self._chats.setdefault(chat, collections.deque()).append(now)
            keep = max(self.limits.global_count, self.limits.group_count, self.limits.chat_count)
            for times in (self._global, self._chats[chat]):
                while len(times) > keep:
                    times.popleft()
            if len(self._chats) > self._forget_at:  # forget chats idle for longer than every window
                horizon = now - max(self.limits.group_window, self.limits.chat_window)
                self._chats = {c: t for c, t in self._chats.items() if t and t[-1] > horizon}
                self._forget_at = max(self.FORGET_AT, 2 * len(self._chats))  # not again at every send

    def hold(self, chat: int, seconds: float) -> None:
        with self._lock:
            self._held[chat] = self.clock() + seconds


_BUDGETS: dict[tuple[str, str, Limits], RateLimiter] = {}
_BUDGETS_LOCK = threading.Lock()


def budget_for(token: str, base_url: str, limits: Limits | None = None) -> RateLimiter:
    """The one rate budget of the bot with ``token`` at ``base_url`` in this process, shared by
    its command answers (``bot.pacing``), alerts and digests (``TelegramChannel``): Telegram
    counts every message of a bot against the same limits."""
    digest = hashlib.sha256(token.encode()).hexdigest()  # the token itself is never kept as a key
    key = (digest, base_url, limits or Limits())
    with _BUDGETS_LOCK:
        if key not in _BUDGETS:
            _BUDGETS[key] = RateLimiter(key[2])
        return _BUDGETS[key]


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _esc_lines(text: str) -> str:
    return "\n".join(esc_html(line) for line in text.split("\n"))


def alert_lines(alert: Alert) -> tuple[list[str], list[str], list[str]]:
    """The message line by line as HTML, as plain text, and unescaped (for cutting a huge line).

    ``"\\n".join(html)`` is exactly ``render_html(alert)``; the three lists line up.
    """
    as_html = lines(alert, esc_html, bold_html)
    as_text = lines(alert, plain, lambda s: s)
    raw = lines(alert, lambda s: s, lambda s: s)
    if (anchor := link_html(alert.link)) and alert.link:
        as_html.append(anchor)
        as_text.append(plain(alert.link))
        raw.append(alert.link)
    return as_html, as_text, raw


def split_message(alert: Alert, limit: int = MAX_LENGTH) -> list[tuple[str, str]]:
    """(html, plain) parts of at most ``limit`` characters, cut between rendered lines so
    that no tag is ever cut; a single line longer than the limit is cut as escaped text."""
    as_html, as_text, raw = alert_lines(alert)
    pieces: list[tuple[str, str]] = []
    for h, t, r in zip(as_html, as_text, raw, strict=True):
        if _utf16_len(h) <= limit and _utf16_len(t) <= limit:
            pieces.append((h, t))
            continue
        chunk = ""
        for char in r:  # cut the unescaped text, then escape each piece (its markup is dropped)
            if _utf16_len(esc_html(chunk + char)) > limit:
                pieces.append((esc_html(chunk), plain(chunk)))
                chunk = ""
            chunk += char
        pieces.append((esc_html(chunk), plain(chunk)))
    parts: list[tuple[str, str]] = []
    for h, t in pieces:
        if parts and max(_utf16_len(parts[-1][0] + "\n" + h), _utf16_len(parts[-1][1] + "\n" + t)) <= limit:
            parts[-1] = (parts[-1][0] + "\n" + h, parts[-1][1] + "\n" + t)
        else:
            parts.append((h, t))
    return parts


class _Failed(Exception):
    def __init__(self, result: SendResult) -> None:
        super().__init__(result.error)
        self.result = result


class TelegramChannel(Channel):
    """Sends alerts to Telegram chats (``address`` = chat id). Close it when done."""

    kind = ChannelKind.TELEGRAM
    Settings = TelegramSection
    digests = True
    address_hint = "CHAT_ID"
    #: Sends in flight at once through ``submit`` (each to another chat; the rate budget still
    #: decides when each may start): a fan-out is not one round trip per chat end to end.
    max_in_flight = 4

    @classmethod
    def check_address(cls, address: str) -> str:
        if not _ADDRESS.fullmatch(address):
            raise ValueError(
                f"{address!r} is not a Telegram chat: give a chat id (-1001234567890), "
                "@channelname, or CHAT:TOPIC for a forum topic"
            )
        return address

    @classmethod
    def from_config(cls, cfg: TrackerConfig, store: Store | None) -> TelegramChannel | None:
        channel = telegram_channel(cfg)
        if channel is not None:
            channel.store = store
        return channel

    def __init__(
        self,
        token: str,
        *,
        base_url: str = "https://api.telegram.org/bot",
        limits: Limits | None = None,
        max_length: int = MAX_LENGTH,
        network_retry: float = 30.0,
        timeout: float = 30.0,
        store: Any = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.store = store  # digests are built from it (``send_digest``)
        self._token = token
        self.base_url = base_url
        self.limiter = limiter or budget_for(token, base_url, limits)
        self.max_length = max_length
        self.network_retry = network_retry
        self.timeout = timeout
        self._bot: Bot | None = None
        self._starting: asyncio.Lock | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="telegram-channel", daemon=True)
        self._thread.start()

    def __repr__(self) -> str:  # never show the token
        return f"TelegramChannel(base_url={self.base_url!r})"

    # ---- the private event loop ------------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(self.timeout * 3)
        except TimeoutError:
            future.cancel()  # given up on: it must not go on to send later
            raise

    async def _get_bot(self) -> Bot:
        if self._bot is None:
            if self._starting is None:  # made on the loop's own thread, so never twice
                self._starting = asyncio.Lock()
            async with self._starting:  # sends started together initialise one bot
                if self._bot is None:
                    from telegram import Bot
                    from telegram.request import HTTPXRequest

                    _remember_missing_sniffio()
                    request = HTTPXRequest(read_timeout=self.timeout, write_timeout=self.timeout,
                                           connection_pool_size=self.max_in_flight + 2)  # fmt: skip
                    bot = Bot(self._token, base_url=self.base_url, request=request)
                    await bot.initialize()
                    self._bot = bot
        return self._bot

    def username(self) -> str:
        """The bot's @name, from ``getMe`` (raises what PTB raises when the API refuses)."""
        bot = self._run(self._get_bot())
        return str(bot.username)

    def close(self) -> None:
        if self._loop.is_closed():
            return
        if self._bot is not None:
            try:
                self._run(self._bot.shutdown())
            except Exception:  # closing anyway
                log.debug("telegram shutdown failed", exc_info=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    # ---- the Channel protocol ----------------------------------------------------------

    def confirm(self, address: str, delivery_ids: list[int]) -> set[int] | None:
        return None  # Telegram cannot say whether an earlier send went out

    def ready_in(self, address: str) -> float:
        """Seconds before the pacing lets a message to ``address`` go: the dispatcher waits
        them out itself, renewing its lease, so that no send sits in the limiter past it."""
        try:
            return self.limiter.ready_in(int(address.partition(":")[0]))
        except ValueError:
            return 0.0

    def busy_for(self, address: str) -> float:
        """Seconds until this chat's own windows have room (it just had an answer or an alert):
        the dispatcher sends to other chats first instead of waiting in line."""
        try:
            return self.limiter.delay(int(address.partition(":")[0]), own_only=True)
        except ValueError:
            return 0.0

    def send(self, alert: Alert, address: str) -> SendResult:
        return self._run(self._send_alert(alert, address, reserved=False))

    def submit(self, alert: Alert, address: str) -> Future[SendResult] | None:
        """Start sending ``alert`` to ``address`` on the channel's event loop and return at once:
        the future of its result, or None when the pacing has no slot for the chat right now
        (``ready_in`` says how long). The slot is taken here, before the send is scheduled, so
        that a send the dispatcher fenced never waits in the limiter for its first message."""
        target = _parse_target(address)
        if isinstance(target, tuple):
            self._parts(alert)  # rendered here, once per alert content, before the slot is held
            if self.limiter.reserve(target[0]) > 0:
                return None
        reserved = isinstance(target, tuple)
        coro = asyncio.wait_for(self._send_alert(alert, address, reserved=reserved), self.timeout * 3)
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def _parts(self, alert: Alert) -> list[tuple[str, str]]:
        """The (html, plain) parts of the alert, split once for all its copies (``Alert.rendered``)."""
        return alert.rendered(f"telegram:{self.max_length}", lambda a: split_message(a, self.max_length))

    async def _send_alert(self, alert: Alert, address: str, *, reserved: bool) -> SendResult:
        """The alert's parts chained as replies; with ``reserved`` the first part's slot of the
        rate budget was already taken (``submit``)."""
        target = await self._target(address)
        if isinstance(target, SendResult):
            return target
        chat, thread = target
        parts = self._parts(alert)
        keyboard = _keyboard(alert.event.id)
        reply_to = int(alert.reply_to) if alert.reply_to and alert.reply_to.isdigit() else None
        first: int | None = None
        for i, (as_html, as_text) in enumerate(parts):
            markup = keyboard if i == len(parts) - 1 else None
            try:
                message_id = await self._send_part(chat, as_html, as_text, reply_to, markup, later=first is not None,
                                                   thread=thread, reserved=reserved and i == 0)  # fmt: skip
            except _Failed as exc:
                if first is None:
                    return exc.result
                log.error("part %d/%d of an alert to chat %s lost: %s", i + 1, len(parts), chat, exc)
                break
            first = message_id if first is None else first
            reply_to = message_id  # chain the parts
        assert first is not None
        return SendResult.ok(str(first))

    def send_text(self, address: str, text: str) -> SendResult:
        """A plain message (a daily digest, an operator alert): escaped, and split on line
        boundaries into parts that each fit, chained as replies."""
        return self._run(self._send_text(address, text))

    async def _send_text(self, address: str, text: str) -> SendResult:
        target = await self._target(address)
        if isinstance(target, SendResult):
            return target
        chat, thread = target
        parts: list[str] = []
        for line in text.splitlines():
            line = line[: self.max_length // 6]  # even fully escaped, one line fits
            joined = f"{parts[-1]}\n{line}" if parts else line
            if parts and _utf16_len(_esc_lines(joined)) <= self.max_length:
                parts[-1] = joined
            else:
                parts.append(line)
        first: int | None = None
        reply_to: int | None = None
        for part in parts or [" "]:
            try:
                message_id = await self._send_part(
                    chat, _esc_lines(part), part, reply_to, None, later=first is not None, thread=thread
                )
            except _Failed as exc:
                if first is None:
                    return exc.result
                log.error("part of a message to chat %s lost: %s", chat, exc)
                break
            first = message_id if first is None else first
            reply_to = message_id
        return SendResult.ok(str(first))

    def send_digest(self, delivery: Any) -> SendResult:
        """The daily digest as a Telegram message, for chats that asked with /digest."""
        from tracker.errors import UserError
        from tracker.notify.digest import build_digest, render_digest

        if self.store is None:
            return SendResult.permanent(
                "the Telegram channel was built without a store; cannot build digests"
            )
        try:
            subscriber = self.store.subscriptions.get(delivery.subscriber)
        except UserError as exc:
            return SendResult.permanent(str(exc))
        digest = build_digest(self.store, subscriber, delivery.observed_at)
        if digest.empty:
            return SendResult.ok("empty")
        return self.send_text(delivery.address, render_digest(digest).text)

    async def _target(self, address: str) -> tuple[int, int | None] | SendResult:
        """``CHAT`` or ``CHAT:TOPIC`` (a forum topic's ``message_thread_id``) as (chat id, topic).
        A channel or group written ``@username`` is looked up with getChat once; the channel
        then moves to the numeric id (which never changes, unlike a username)."""
        target = _parse_target(address)
        if not isinstance(target, str):
            return target
        from telegram import error

        chat, _, topic = address.partition(":")
        try:
            found = await self._lookup(chat)
        except error.BadRequest as exc:
            return SendResult.permanent(f"no chat {chat} ({exc.message}); is the bot a member or admin?")
        except error.TelegramError as exc:
            return SendResult.retry(self.network_retry, f"looking up {chat}: {exc}")
        return SendResult.moved(f"{found}:{topic}" if topic else str(found), f"{chat} is chat {found}")

    async def _lookup(self, username: str) -> int:
        bot = await self._get_bot()
        return int((await bot.get_chat(username)).id)

    async def _send_part(self, chat: int, as_html: str, as_text: str, reply_to: int | None,
                         markup: InlineKeyboardMarkup | None, *, later: bool, thread: int | None = None,
                         reserved: bool = False) -> int:  # fmt: skip
        """One message; raises _Failed. Parts after the first retry in place (the first is out).
        ``reserved``: the caller holds the slot for the first attempt."""
        from telegram import error

        attempts = 0
        while True:
            attempts += 1
            if not reserved:
                await self.limiter.turn(chat)
            reserved = False
            try:
                try:
                    return await self._post(chat, as_html, "HTML", reply_to, markup, thread)
                finally:
                    self.limiter.sent(chat)  # a refused message counts too
            except error.RetryAfter as exc:
                wait = retry_seconds(exc)
                self.limiter.hold(chat, wait)
                if not later:
                    raise _Failed(SendResult.retry(wait, f"flood control: retry after {wait:g} s")) from exc
            except error.ChatMigrated as exc:
                raise _Failed(
                    SendResult.moved(str(exc.new_chat_id), "the group became a supergroup")
                ) from exc
            except error.Forbidden as exc:
                raise _Failed(SendResult.gone(f"forbidden: {exc.message}")) from exc
            except error.BadRequest as exc:
                low = exc.message.lower()
                if any(word in low for word in GONE):
                    raise _Failed(SendResult.gone(exc.message)) from exc
                if "can't parse entities" not in low:
                    raise _Failed(SendResult.permanent(f"bad request: {exc.message}")) from exc
                log.error("our bug: Telegram cannot parse the HTML of an alert (%s); sent as plain text", exc)
                return await self._plain(chat, as_text, reply_to, markup, thread)
            except error.InvalidToken as exc:
                raise _Failed(SendResult.retry(300, "the bot token is invalid")) from exc
            except (error.NetworkError, TimeoutError) as exc:  # TimedOut included
                if not later or attempts >= 3:
                    raise _Failed(SendResult.retry(self.network_retry, f"network: {exc}")) from exc
                await asyncio.sleep(attempts)
            except error.TelegramError as exc:
                raise _Failed(SendResult.retry(self.network_retry, f"telegram: {exc}")) from exc

    async def _plain(self, chat: int, text: str, reply_to: int | None, markup: InlineKeyboardMarkup | None,
                     thread: int | None = None) -> int:  # fmt: skip
        from telegram import error

        await self.limiter.turn(chat)
        try:
            return await self._post(chat, text, None, reply_to, markup, thread)
        except error.TelegramError as exc:
            raise _Failed(SendResult.retry(self.network_retry, f"plain-text fallback failed: {exc}")) from exc
        finally:
            self.limiter.sent(chat)

    async def _post(self, chat: int, text: str, parse_mode: str | None, reply_to: int | None,
                    markup: InlineKeyboardMarkup | None, thread: int | None = None) -> int:  # fmt: skip
        from telegram import LinkPreviewOptions, ReplyParameters

        bot = await self._get_bot()
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        message = await bot.send_message(
            chat,
            text,
            parse_mode=parse_mode,
            reply_parameters=reply,
            reply_markup=markup,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            message_thread_id=thread,
        )
        return int(message.message_id)


def _remember_missing_sniffio() -> None:
    """httpcore imports ``sniffio`` inside every request (``current_async_library``, several
    times a message), and when it is not installed each failed import searches every folder
    of ``sys.path`` again: a fifth of the channel's CPU in a fan-out. ``None`` in
    ``sys.modules`` is the import system's own record of a module known missing: the same
    ImportError, at once. Nothing changes when sniffio is installed."""
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def _parse_target(address: str) -> tuple[int, int | None] | str | SendResult:
    """``CHAT`` or ``CHAT:TOPIC`` as (chat id, topic); ``@username`` (to be looked up) as is;
    anything else as the permanent failure it is."""
    chat, _, topic = address.partition(":")
    if topic and not topic.isdigit():
        return SendResult.permanent(f"{address!r}: the topic after ':' should be a number")
    if chat.startswith("@") and len(chat) > 1:
        return address
    try:
        return int(chat), int(topic) if topic else None
    except ValueError:
        return SendResult.permanent(f"{address!r} is not a Telegram chat id, @username or CHAT:TOPIC")


def _keyboard(event_id: int) -> InlineKeyboardMarkup:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("History", callback_data=f"hist:{event_id}"),
          InlineKeyboardButton("Mute this event", callback_data=f"mute:{event_id}")]]
    )  # fmt: skip


def retry_seconds(exc: Any) -> float:
    """A RetryAfter's wait in seconds, whether PTB gives it as a number or as a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def limits_of(cfg: TelegramSection) -> Limits:
    return Limits.from_rates(cfg.rate_global_per_second, cfg.rate_chat_per_second, cfg.rate_group_per_minute)


def telegram_channel(cfg: Any, env: dict[str, str] | None = None) -> TelegramChannel | None:
    """The channel for a ``TrackerConfig`` (or its ``[telegram]`` section); None without a token."""
    section: TelegramSection = getattr(cfg, "telegram", cfg)
    token = section.token(env)
    if not section.enabled or token is None:
        return None
    return TelegramChannel(token, base_url=section.api_base_url, limits=limits_of(section))
