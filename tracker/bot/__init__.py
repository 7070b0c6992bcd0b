"""The Telegram bot: command handlers over the subscriptions and the store.

``build_application`` wires the handlers into a python-telegram-bot Application;
``runner.BotRunner`` polls it on its own thread and event loop, so that the
synchronous delivery loop (``tracker bot``) and tests can run beside it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.bot.common import Deps
    from tracker.notify.telegram import Limits, RateLimiter


def build_application(
    token: str, base_url: str, deps: Deps, limits: Limits | None = None, limiter: RateLimiter | None = None
) -> Any:
    """An Application talking to ``base_url`` (Telegram's, a self-hosted or a test server).

    Command answers are paced within ``limits`` (see ``pacing``) on the bot's one budget, which
    a ``TelegramChannel`` for the same token and server shares (``budget_for``)."""
    from telegram.ext import ApplicationBuilder

    from tracker.bot.handlers import install
    from tracker.bot.pacing import ReplyPacer
    from tracker.notify.telegram import budget_for

    pacer = ReplyPacer(limiter or budget_for(token, base_url, limits))
    app = ApplicationBuilder().token(token).base_url(base_url).rate_limiter(pacer).build()
    app.bot_data["deps"] = deps
    install(app)
    return app
