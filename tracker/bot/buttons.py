"""Inline buttons (History, Mute, the choices of an ambiguous search) and the helpers
the commands share with them. Every callback query is answered, even a stale one."""

from __future__ import annotations

from datetime import tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from tracker.bot import views
from tracker.bot.common import Context, buttons, call, deps, log, may_change, reply, subscriber
from tracker.display import plain
from tracker.errors import UserError
from tracker.follows import NOT, describe
from tracker.models import ChangeRecord, ChannelKind, EventRecord, RevisionRecord, Subscriber
from tracker.store.repo import Store
from tracker.textmatch import has_phrase
from tracker.zones import zone_of

__all__ = ["buttons", "is_category", "move", "on_press", "reactivate", "resolve", "send_history", "set_mute"]


def with_row(markup: InlineKeyboardMarkup, label: str, data: str) -> InlineKeyboardMarkup:
    rows = [list(r) for r in markup.inline_keyboard]
    return InlineKeyboardMarkup([*rows, [InlineKeyboardButton(label[:60], callback_data=data)]])


def is_category(words: str, events: list[EventRecord]) -> bool:
    """Words naming a vehicle, provider, site or type ("Falcon 9") follow a whole category,
    not one event: no need to ask which."""
    return any(has_phrase(value, words) for e in events for value in (e.vehicle, e.provider, e.site, e.type))


async def resolve(store: Store, args: list[str]) -> tuple[EventRecord | None, list[EventRecord]]:
    """An event by ``#id``/id or by title words (``Store.resolve_event``, as in the CLI):
    (the event, []) or (None, the candidates to offer as buttons)."""
    return await call(store.resolve_event, " ".join(args), 9)


async def send_history(update: Update, context: Context, event_id: int) -> None:
    store = deps(context).store
    event = await call(store.event, event_id)
    if event is None:
        await reply(update, f"Event #{event_id} no longer exists.")
        return
    sub = await subscriber(update, context)
    zone = zone_of(sub.timezone if sub else "UTC")
    revisions = await call(store.history, event_id)
    changes = await call(store.changes, event_id=event_id)
    await reply(update, views.history(event, revisions, changes, zone))
    await send_chart(update, context, event, revisions, changes, zone)


async def send_chart(
    update: Update,
    context: Context,
    event: EventRecord,
    revisions: list[RevisionRecord],
    changes: list[ChangeRecord],
    zone: tzinfo,
) -> None:
    """The slip chart as a photo, when the event has moved at all; drawn in a worker thread."""
    from tracker.charts import ChartsUnavailable, event_chart

    chat = update.effective_chat
    if chat is None:
        return
    try:
        png = await call(event_chart, event, revisions, changes, zone, deps(context).clock())
    except ChartsUnavailable as exc:  # said to the user: the operator installs the extra
        await reply(update, views.esc(f"No chart: {exc}."))
        return
    if png is not None:
        await chat.send_photo(png, caption=f"Slip chart: {plain(event.title)}"[:1024])


async def set_mute(update: Update, context: Context, sub: Subscriber, event_id: int, muted: bool) -> str:
    store = deps(context).store
    event = await call(store.event, event_id)
    if event is None:
        raise UserError(f"no event #{event_id}")
    await call(store.subscriptions.mute, sub.name, event_id, muted)
    text = f"Muted {event.title}: /unmute to hear about it again." if muted else f"Unmuted {event.title}."
    await reply(update, views.esc(text))
    return text


def reactivate(store: Store, sub: Subscriber, address: str) -> None:
    """Resubscribe a chat that had blocked the bot (its channel was deactivated). The store
    has no 'reactivate channel', so the subscriber is recreated with its follows, time
    zone, settings and mutes."""
    subs = store.subscriptions
    subs.remove(sub.name)
    subs.add(sub.name, sub.timezone, [(ChannelKind.TELEGRAM, address)], dict(sub.policy))
    for f in sub.follows:
        subs.follow(sub.name, f.criteria)
    for event_id in sub.muted:
        subs.mute(sub.name, event_id)


def move(store: Store, old: str, new: str) -> None:
    """A group became a supergroup: its channel follows it to the new chat id."""
    sub = store.subscriptions.by_channel(ChannelKind.TELEGRAM, old)
    for channel in sub.channels if sub else []:
        if channel.kind is ChannelKind.TELEGRAM and channel.address == old:
            store.subscriptions.move_channel(channel.id, new)
            log.info("chat %s migrated to %s", old, new)


async def on_press(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    action, _, value = (query.data or "").partition(":")
    toast = ""
    try:
        toast = await _act(update, context, action, value)
    except UserError as exc:
        toast = str(exc)
    except Exception:
        log.exception("button %r failed", query.data)
        toast = "Sorry, that failed on our side."
    finally:
        await query.answer(toast[:200] or None)


async def _act(update: Update, context: Context, action: str, value: str) -> str:
    if action == "hist" and value.isdigit():
        await send_history(update, context, int(value))
        return ""
    if not await may_change(update, context):
        return "Only the group's administrators can change this."
    sub = await subscriber(update, context)
    if sub is None:
        return "This chat is not subscribed: send /start first."
    store = deps(context).store
    if action in ("mute", "unmute") and value.isdigit():
        return await set_mute(update, context, sub, int(value), action == "mute")
    if action == "fol" and value.isdigit():
        created = await call(store.subscriptions.follow, sub.name, {"event": value})
        event = await call(store.event, int(value))
        await reply(update, f"Following #{created.id}: <b>{views.esc(event.title if event else value)}</b>.")
        return "Following"
    if action == "folw":
        words = (context.chat_data or {}).get("follow_words")
        if not words:
            return "That choice expired: send /follow again."
        created = await call(store.subscriptions.follow, sub.name, {"words": words})
        await reply(update, f"Following #{created.id}: <b>{views.esc(words)}</b> (every matching event).")
        return "Following"
    if action == "unf" and value.isdigit():
        removed = await call(store.subscriptions.unfollow, sub.name, follow_id=int(value))
        await reply(update, "Done." if removed else "That follow was already gone.")
        return ""
    if action == "exc":
        follow_id, _, word = value.partition(":")
        return await exclude(update, context, sub, follow_id, word)
    return "This button is no longer valid."


async def exclude(update: Update, context: Context, sub: Subscriber, follow_id: str, word: str) -> str:
    """Replace a follow by the same follow that leaves ``word`` out."""
    chosen = next((f for f in sub.follows if str(f.id) == follow_id), None)
    if chosen is None or not word:
        return "That follow is gone: see /following."
    criteria = dict(chosen.criteria)
    left = criteria.get(NOT + "words")
    criteria[NOT + "words"] = f"{left}, {word}" if left else word
    store = deps(context).store
    await call(store.subscriptions.unfollow, sub.name, follow_id=chosen.id)
    created = await call(store.subscriptions.follow, sub.name, criteria)
    await reply(update, f"Following #{created.id}: <b>{views.esc(describe(created.criteria))}</b>.")
    return f"Leaving out {word}"
