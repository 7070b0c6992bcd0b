"""The bot's commands. Each answers in HTML with every source value escaped, and a user
mistake always gets a helpful answer (see ``common.guarded``)."""

from __future__ import annotations

from datetime import timedelta

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from tracker.bot import buttons as presses
from tracker.bot import views
from tracker.bot.common import (
    Context,
    args_of,
    call,
    chat_address,
    deps,
    event_buttons,
    guarded,
    is_admin,
    log,
    may_change,
    need_subscriber,
    parse_int,
    remember_chat,
    reply,
    subscriber,
    subscriber_command,
)
from tracker.bot.views import esc
from tracker.errors import UserError
from tracker.follows import describe, families, follows_event, matches, parse_filter
from tracker.models import ChannelKind, Follow, Subscriber
from tracker.policy import AlertPolicy, parse_duration
from tracker.zones import check_zone, zone_at, zone_of


@guarded
async def start(update: Update, context: Context) -> None:
    if not await may_change(update, context):
        return
    address = chat_address(update)
    assert address is not None
    store = deps(context).store
    existing = await call(store.subscriptions.by_channel, ChannelKind.TELEGRAM, address)
    if existing is None:
        await call(store.subscriptions.add, f"tg:{address}", "UTC", [(ChannelKind.TELEGRAM, address)], {})
        hello = "Subscribed. Times are shown in UTC until you set /timezone."
    elif not existing.active or not all(c.active for c in existing.channels if c.address == address):
        await call(presses.reactivate, store, existing, address)
        hello = "Welcome back: your follows are kept."
    else:
        hello = "This chat is already subscribed."
    await reply(update, f"{hello}\n\n{views.HELP}")


@guarded
async def help_command(update: Update, context: Context) -> None:
    await reply(update, views.HELP)


@guarded
async def next_command(update: Update, context: Context) -> None:
    sub = await need_subscriber(update, context)
    if sub is None:
        return
    args = args_of(context)
    count = parse_int(args[0], "N", 1, 20) if args else 5
    if not sub.follows:
        await reply(update, "You follow nothing yet: try /follow Falcon 9 or /upcoming.")
        return
    d = deps(context)
    events = await call(d.store.upcoming, d.clock(), limit=2000)
    mine = [e for e in events if e.id not in sub.muted and follows_event(sub.follows, e)][:count]
    if not mine:
        await reply(update, "Nothing you follow is scheduled right now.")
        return
    await reply(update, views.event_list(mine, zone_of(sub.timezone), "Next events you follow"))


@guarded
async def upcoming(update: Update, context: Context) -> None:
    args = args_of(context)
    criteria = parse_filter(args) if args else {"all": "yes"}
    d = deps(context)
    sub = await subscriber(update, context)
    events = await call(d.store.upcoming, d.clock(), limit=2000)
    chosen = [e for e in events if matches(Follow(0, criteria), e)][:10]
    if not chosen:
        await reply(update, f"Nothing upcoming matches {esc(describe(criteria))}.")
        return
    title = "Upcoming" + (f" ({describe(criteria)})" if args else "")
    await reply(update, views.event_list(chosen, zone_of(sub.timezone if sub else "UTC"), title))


@subscriber_command
async def follow(update: Update, context: Context, sub: Subscriber) -> None:
    args = args_of(context)
    if not args:
        raise UserError("say what to follow, e.g. /follow Falcon 9, /follow vehicle:Electron or /follow all")
    criteria = parse_filter(args)
    d = deps(context)
    if set(criteria) == {"words"}:
        events = await call(d.store.upcoming, d.clock(), limit=2000)
        found = [e for e in events if matches(Follow(0, criteria), e)]
        if len(found) > 1 and not presses.is_category(criteria["words"], found):
            context.chat_data["follow_words"] = criteria["words"]  # type: ignore[index]
            markup = event_buttons(found, "fol")
            markup = presses.with_row(markup, f"All {len(found)} matching “{criteria['words']}”", "folw")
            await reply(
                update, f"{len(found)} events match <b>{esc(criteria['words'])}</b>: which one?", markup
            )
            return
    created = await call(d.store.subscriptions.follow, sub.name, criteria)
    offer = None
    if "event" not in criteria:  # offer to leave out what recurs ("Except Starlink")
        events = await call(d.store.upcoming, d.clock(), limit=2000)
        found = [e for e in events if matches(created, e)]
        rows = [(f"Except {name}", f"exc:{created.id}:{name[:40]}") for name in families(found)]
        offer = presses.buttons(rows) if rows else None
    await reply(update, f"Following #{created.id}: <b>{esc(describe(created.criteria))}</b>. "
                        "You will get an alert whenever a matching event moves.", offer)  # fmt: skip


@subscriber_command
async def unfollow(update: Update, context: Context, sub: Subscriber) -> None:
    args = args_of(context)
    store = deps(context).store
    if not args:
        if not sub.follows:
            await reply(update, "You follow nothing.")
            return
        rows = [(f"#{f.id}: {describe(f.criteria)}", f"unf:{f.id}") for f in sub.follows[:8]]
        await reply(update, "Stop following which?", presses.buttons(rows))
        return
    if len(args) == 1 and args[0].lstrip("#").isdigit():
        removed = await call(store.subscriptions.unfollow, sub.name, follow_id=int(args[0].lstrip("#")))
    else:
        removed = await call(store.subscriptions.unfollow, sub.name, criteria=parse_filter(args))
    if not removed:
        raise UserError("you have no such follow (see /following)")
    await reply(update, "Done: not following that any more.")


@guarded
async def following(update: Update, context: Context) -> None:
    sub = await need_subscriber(update, context)
    if sub is None:
        return
    store = deps(context).store
    muted = [e for e in [await call(store.event, i) for i in sorted(sub.muted)] if e is not None]
    await reply(update, views.following(sub, muted))


@guarded
async def history(update: Update, context: Context) -> None:
    event, found = await presses.resolve(deps(context).store, args_of(context))
    if event is None:
        await reply(update, "Several events match: which one?", event_buttons(found, "hist"))
        return
    await presses.send_history(update, context, event.id)


@guarded
async def changes(update: Update, context: Context) -> None:
    args = args_of(context)
    hours = 24.0
    if args:
        text = args[0].lower()
        hours = (
            parse_duration(text + "h" if text.replace(".", "", 1).isdigit() else text).total_seconds() / 3600
        )
        if not 0 < hours <= 24 * 31:
            raise UserError("give a number of hours from 1 to 744, e.g. /changes 48 or /changes 7d")
    d = deps(context)
    sub = await subscriber(update, context)
    found = await call(d.store.changes, since=d.clock() - timedelta(hours=hours))
    if sub and sub.follows:
        events = {i: await call(d.store.event, i) for i in {c.event_id for c in found}}
        found = [c for c in found if (e := events[c.event_id]) and follows_event(sub.follows, e)]
    if not found:
        await reply(
            update, f"Nothing{' you follow' if sub and sub.follows else ''} moved in the last {hours:g} h."
        )
        return
    zone = zone_of(sub.timezone if sub else "UTC")
    lines = [views.change_line(c, zone) for c in found[-20:]]
    more = f" (the last 20 of {len(found)})" if len(found) > 20 else ""
    await reply(update, f"<b>What moved in the last {hours:g} h{more}</b>\n" + "\n".join(lines))


@subscriber_command
async def timezone(update: Update, context: Context, sub: Subscriber) -> None:
    args = args_of(context)
    if not args:
        await reply(
            update,
            f"Your time zone is {esc(sub.timezone)}. Change it with e.g. /timezone Europe/Paris, "
            "or share a location.",
        )
        return
    await _set_zone(update, context, sub.name, args[0])


@subscriber_command
async def location(update: Update, context: Context, sub: Subscriber) -> None:
    """A shared location sets the time zone: looked up offline (tzfpy), so no coordinates leave the machine."""
    message = update.effective_message
    if message is None or message.location is None:
        return
    name = zone_at(message.location.latitude, message.location.longitude)
    if name is None:
        raise UserError("I cannot tell the time zone of that place: send e.g. /timezone Europe/Berlin")
    await _set_zone(update, context, sub.name, name)


async def _set_zone(update: Update, context: Context, subscriber: str, name: str) -> None:
    try:
        zone = zone_of(check_zone(name))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    await call(deps(context).store.subscriptions.set_timezone, subscriber, name)
    now = deps(context).clock().astimezone(zone)
    await reply(update, f"Times are now shown in {esc(name)} (it is {now:%H:%M} there).")


@subscriber_command
async def digest(update: Update, context: Context, sub: Subscriber) -> None:
    args = args_of(context)
    if not args:
        raise UserError("use /digest on, /digest off or /digest HH:MM (your local time)")
    value = "08:00" if args[0].lower() == "on" else args[0]
    try:
        normalised = AlertPolicy().with_overrides({"digest": value}).digest
    except UserError:
        raise UserError(f"{args[0]!r}: use on, off or a time such as 07:30") from None
    await call(deps(context).store.subscriptions.set_policy, sub.name, {"digest": normalised})
    text = (
        "Daily digest off." if normalised == "off" else f"Daily digest at {normalised} ({esc(sub.timezone)})."
    )
    await reply(update, text)


@subscriber_command
async def mute(update: Update, context: Context, sub: Subscriber) -> None:
    await _mute_named(update, context, sub, True)


@subscriber_command
async def unmute(update: Update, context: Context, sub: Subscriber) -> None:
    store = deps(context).store
    if not args_of(context):
        muted = [e for e in [await call(store.event, i) for i in sorted(sub.muted)] if e is not None]
        if not muted:
            await reply(update, "Nothing is muted.")
            return
        await reply(update, "Unmute which?", event_buttons(muted, "unmute"))
        return
    await _mute_named(update, context, sub, False)


async def _mute_named(update: Update, context: Context, sub: Subscriber, muted: bool) -> None:
    """(Un)mute the event the words name; several matches are offered as buttons."""
    verb = "mute" if muted else "unmute"
    event, found = await presses.resolve(deps(context).store, args_of(context))
    if event is None:
        await reply(update, f"Several events match: {verb} which?", event_buttons(found, verb))
        return
    await presses.set_mute(update, context, sub, event.id, muted)


@guarded
async def stop(update: Update, context: Context) -> None:
    if not await may_change(update, context):
        return
    sub = await subscriber(update, context)
    if sub is None:
        await reply(update, "This chat is not subscribed.")
        return
    await call(deps(context).store.subscriptions.remove, sub.name)
    await reply(update, "Forgotten: no more alerts, follows deleted. /start subscribes again.")


@guarded
async def sources(update: Update, context: Context) -> None:
    if not is_admin(update, context):
        await reply(update, "/sources is for the bot's operators only.")
        return
    d = deps(context)
    await reply(update, views.sources(await call(d.store.sources), d.clock()))


@guarded
async def stats(update: Update, context: Context) -> None:
    if not is_admin(update, context):
        await reply(update, "/stats is for the bot's operators only.")
        return
    d = deps(context)
    subs = await call(d.store.subscriptions.all)
    counts = await call(d.store.outbox.counts)
    await reply(update, views.stats(subs, counts, await call(d.store.outbox.oldest_pending), d.clock()))


@guarded
async def unknown(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    command, _, target = message.text.split()[0].partition("@")
    if target and target.lower() != (context.bot.username or "").lower():
        return  # a command for another bot in the same group
    chat = update.effective_chat
    if chat is not None and chat.type != "private" and not target:
        return  # in a group, only commands addressed to us get an answer
    await reply(update, f"I don't know {esc(command)}. Here is what I understand:\n\n{views.HELP}")


async def migrated(update: Update, context: Context) -> None:
    """A group became a supergroup: follow it to its new chat id."""
    message = update.effective_message
    if message is None or not message.migrate_to_chat_id or update.effective_chat is None:
        return
    await call(
        presses.move, deps(context).store, str(update.effective_chat.id), str(message.migrate_to_chat_id)
    )


async def on_error(update: object, context: Context) -> None:
    log.error("bot update failed", exc_info=context.error)


COMMANDS = {
    "start": (start, "subscribe this chat"),
    "help": (help_command, "what I can do"),
    "next": (next_command, "the next events you follow"),
    "upcoming": (upcoming, "everything coming (optional filter)"),
    "follow": (follow, "follow a vehicle, provider, site, kind or words"),
    "unfollow": (unfollow, "stop following"),
    "following": (following, "what you follow and your settings"),
    "history": (history, "every date an event had"),
    "changes": (changes, "what moved recently"),
    "timezone": (timezone, "set your time zone"),
    "digest": (digest, "daily digest on|off|HH:MM"),
    "mute": (mute, "silence one event"),
    "unmute": (unmute, "hear about an event again"),
    "stop": (stop, "forget this chat"),
    "sources": (sources, "source health (operators)"),
    "stats": (stats, "subscribers and outbox (operators)"),
}


def install(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(TypeHandler(Update, remember_chat), group=-1)  # every update, before the commands
    for name, (func, _) in COMMANDS.items():
        app.add_handler(CommandHandler(name, func))
    app.add_handler(CallbackQueryHandler(presses.on_press))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrated))
    app.add_handler(MessageHandler(filters.LOCATION, location))
    app.add_handler(MessageHandler(filters.COMMAND, unknown))
    app.add_error_handler(on_error)


def bot_commands() -> list[BotCommand]:
    return [
        BotCommand(name, text) for name, (_, text) in COMMANDS.items() if name not in ("sources", "stats")
    ]
