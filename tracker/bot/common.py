"""What every handler needs: the store (called off the event loop), the chat's subscriber,
answers split to Telegram's length, and a guard that turns any failure into a helpful reply."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.ext import ContextTypes

from tracker.bot.views import chunks, esc
from tracker.errors import TrackerError, UserError
from tracker.models import ChannelKind, EventRecord, Subscriber
from tracker.store.repo import Store

log = logging.getLogger("tracker.bot")
P = ParamSpec("P")
T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
MAX_BUTTONS = 8


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    store: Store
    admin_ids: frozenset[int] = frozenset()
    clock: Callable[[], datetime] = field(default=_utcnow)


def deps(context: Context) -> Deps:
    value: Deps = context.bot_data["deps"]
    return value


async def call(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """The store is synchronous: run it in a worker thread, never on the bot's loop."""
    return await asyncio.to_thread(func, *args, **kwargs)


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    parts = chunks(text)
    for i, part in enumerate(parts):
        await chat.send_message(
            part,
            parse_mode="HTML",
            reply_markup=markup if i == len(parts) - 1 else None,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )


def buttons(rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One button per row: (label, callback data of at most 64 bytes)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label[:60], callback_data=data)] for label, data in rows]
    )


def event_buttons(events: list[EventRecord], prefix: str) -> InlineKeyboardMarkup:
    return buttons([(e.title, f"{prefix}:{e.id}") for e in events[:MAX_BUTTONS]])


async def subscriber(update: Update, context: Context) -> Subscriber | None:
    """The chat's subscriber (found by its Telegram channel); None after a /stop or before /start."""
    chat = update.effective_chat
    if chat is None:
        return None
    sub = await call(deps(context).store.subscriptions.by_channel, ChannelKind.TELEGRAM, str(chat.id))
    if sub is None or not sub.active:
        return None
    return sub


async def need_subscriber(update: Update, context: Context) -> Subscriber | None:
    sub = await subscriber(update, context)
    if sub is None:
        await reply(update, "This chat is not subscribed yet: send /start first.")
    return sub


def guarded(func: Handler) -> Handler:
    """Answer a user mistake with its message and our own failure with an apology, never silence."""

    @functools.wraps(func)
    async def wrapper(update: Update, context: Context) -> None:
        try:
            await func(update, context)
        except UserError as exc:
            await reply(update, esc(str(exc)))
        except TrackerError as exc:
            log.warning("bot command failed: %s", exc)
            await reply(update, f"Sorry, that failed: {esc(str(exc))}. Please try again later.")
        except Exception:
            log.exception("bot handler %s failed", func.__name__)
            await reply(update, "Sorry, something went wrong on our side (it is logged). Try /help.")

    return wrapper


def is_admin(update: Update, context: Context) -> bool:
    user = update.effective_user
    return user is not None and user.id in deps(context).admin_ids


def args_of(context: Context) -> list[str]:
    return list(context.args or [])


def parse_int(text: str, what: str, low: int, high: int) -> int:
    value = text.lstrip("#")
    if not value.isdigit() or not low <= int(value) <= high:
        raise UserError(f"{what} should be a number from {low} to {high}, not {text!r}")
    return int(value)
