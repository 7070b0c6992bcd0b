"""Pacing of the bot's own answers (command replies, button presses) within Telegram's limits.

PTB's AIORateLimiter uses leaky buckets, which let a burst of N through and then one every
window/N, so a group can still see more than N messages in one window. This plugs the channel's
sliding-window ``RateLimiter`` into PTB instead: one answer in flight at a time, each waiting until
every window it falls in (overall, per chat, per group) has room; a 429 holds that chat for exactly
``retry_after`` and the answer is sent again (twice at most). The limiter is the bot's one budget
(``budget_for``), which the Telegram channel's alerts and digests draw on too, so answers and a
fan-out together stay within every limit; a slot is reserved atomically, whichever thread asks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from tracker.notify.telegram import RateLimiter, retry_seconds

RETRIES = 2


class ReplyPacer(BaseRateLimiter[None]):
    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self._serial: asyncio.Lock | None = None  # made on first use, on the bot's own event loop

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat = _chat_of(data) if _is_message(endpoint) else None
        if chat is None:  # getUpdates, answerCallbackQuery, getChatMember...: not messages to a chat
            return await callback(*args, **kwargs)
        if self._serial is None:
            self._serial = asyncio.Lock()
        serial = self._serial
        for attempt in range(RETRIES + 1):
            async with serial:
                await self.limiter.turn(chat)
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as exc:
                    self.limiter.hold(chat, retry_seconds(exc))
                    if attempt == RETRIES:
                        raise
                finally:
                    self.limiter.sent(chat)  # a refused message counts too
        raise AssertionError("unreachable")


def _is_message(endpoint: str) -> bool:
    """Calls that put a message in a chat (and so count against the limits)."""
    return endpoint.startswith(("send", "copyMessage", "forwardMessage")) or endpoint == "editMessageText"


def _chat_of(data: dict[str, Any]) -> int | None:
    value = data.get("chat_id")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None
