"""What every handler needs: the store (called off the event loop), the chat's subscriber,
answers split to Telegram's length, and a guard that turns any failure into a helpful reply."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.ext import ContextTypes

from tracker.bot.views import chunks, esc
from tracker.errors import TrackerError, UserError
from tracker.models import ChannelKind, EventRecord, SeenChat, Subscriber
from tracker.store.repo import Store

if TYPE_CHECKING:
    from tracker.config import TelegramSection

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
    group_admins_only: bool = True  # in groups, only chat administrators change follows and settings
    admin_cache_seconds: float = 300.0
    admin_cache: dict[tuple[int, int], tuple[bool, datetime]] = field(default_factory=dict)
    chats_saved: dict[int, tuple[str | None, datetime]] = field(default_factory=dict)


def deps_for(section: TelegramSection, store: Store) -> Deps:
    """The handlers' dependencies as ``[telegram]`` configures them."""
    return Deps(store, frozenset(section.admin_ids), group_admins_only=section.group_admins_only,
                admin_cache_seconds=section.admin_cache_seconds)  # fmt: skip


def deps(context: Context) -> Deps:
    value: Deps = context.bot_data["deps"]
    return value


async def call(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """The store is synchronous: run it in a worker thread, never on the bot's loop."""
    return await asyncio.to_thread(func, *args, **kwargs)


def topic_of(update: Update) -> int | None:
    """The forum topic (``message_thread_id``) a message was written in, if any."""
    message = update.effective_message
    if message is None or not message.is_topic_message:
        return None
    return message.message_thread_id


def chat_address(update: Update) -> str | None:
    """The Telegram channel address of where the update came from: ``CHAT`` or ``CHAT:TOPIC``."""
    chat = update.effective_chat
    if chat is None:
        return None
    topic = topic_of(update)
    return f"{chat.id}:{topic}" if topic else str(chat.id)


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
            message_thread_id=topic_of(update),
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
    address = chat_address(update)
    if address is None:
        return None
    subs = deps(context).store.subscriptions
    sub = await call(subs.by_channel, ChannelKind.TELEGRAM, address)
    if sub is None and ":" in address:  # a topic of a group subscribed as a whole
        sub = await call(subs.by_channel, ChannelKind.TELEGRAM, address.partition(":")[0])
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


SubscriberHandler = Callable[[Update, Context, Subscriber], Coroutine[Any, Any, None]]


def subscriber_command(func: SubscriberHandler) -> Handler:
    """A command that changes a subscriber's settings: guarded, refused to a group member
    who is no admin (see :func:`may_change`), and asking for /start in a chat not yet
    subscribed; ``func`` gets the subscriber."""

    @functools.wraps(func)
    async def wrapper(update: Update, context: Context) -> None:
        if not await may_change(update, context):
            return
        sub = await need_subscriber(update, context)
        if sub is not None:
            await func(update, context, sub)

    return guarded(wrapper)


GROUPS = ("group", "supergroup")


async def may_change(update: Update, context: Context) -> bool:
    """Whether the sender may change this chat's follows and settings: always in a private
    chat or a channel (only its admins can post there); in a group only its administrators
    (getChatMember, cached for ``admin_cache_seconds``), unless ``group_admins_only`` is off.
    A refusal is answered, and nothing is changed."""
    chat, user = update.effective_chat, update.effective_user
    d = deps(context)
    if chat is None or chat.type not in GROUPS or not d.group_admins_only:
        return True
    message = update.effective_message
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous administrator writes as the group itself
    allowed = False
    if user is not None:
        if user.id in d.admin_ids:
            return True
        now = d.clock()
        cached = d.admin_cache.get((chat.id, user.id))
        if cached is not None and (now - cached[1]).total_seconds() < d.admin_cache_seconds:
            allowed = cached[0]
        else:
            member = await context.bot.get_chat_member(chat.id, user.id)
            allowed = member.status in ("creator", "administrator")
            d.admin_cache[(chat.id, user.id)] = (allowed, now)
    if not allowed:
        await reply(update, "Only this group's administrators can change what it follows and its settings.")
    return allowed


async def remember_chat(update: Update, context: Context) -> None:
    """Keep the chat in ``telegram_chats`` (at most once an hour, or when its title changes)."""
    chat = update.effective_chat
    if chat is None:
        return
    d = deps(context)
    now = d.clock()
    title = chat.title or chat.full_name
    saved = d.chats_saved.get(chat.id)
    if saved is not None and saved[0] == title and (now - saved[1]).total_seconds() < 3600:
        return
    d.chats_saved[chat.id] = (title, now)
    seen = SeenChat(chat.id, chat.type, title, chat.username, now)
    try:
        await call(d.store.subscriptions.saw_chat, seen)
    except Exception:  # never let bookkeeping stop a command
        log.warning("could not record chat %s", chat.id, exc_info=True)


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
