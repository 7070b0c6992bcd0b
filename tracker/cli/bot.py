"""``tracker bot``: the Telegram bot (commands, by long polling) and the delivery of
Telegram alerts from the outbox, in one process until interrupted.

Telegram is imported only inside the command, so that other commands start fast.
"""

from __future__ import annotations

import signal
import threading
import time
from types import FrameType

import click

from tracker.cli.app import App, handle_errors, pass_app
from tracker.errors import TrackerError, UserError


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@click.command("bot")
@click.option(
    "--interval", type=float, default=None, help="Seconds between delivery passes (default: [delivery])."
)
@click.option(
    "--poll-timeout", type=float, default=10.0, show_default=True, help="Long-polling timeout, seconds."
)
@click.option("--duration", type=float, default=None, help="Stop after this many seconds (demos, tests).")
@pass_app
@handle_errors
def bot_command(app: App, interval: float | None, poll_timeout: float, duration: float | None) -> None:
    """Run the Telegram bot and deliver Telegram alerts until interrupted (Ctrl-C)."""
    from tracker.bot import build_application
    from tracker.bot.common import deps_for
    from tracker.bot.runner import BotRunner
    from tracker.dispatch import Dispatcher
    from tracker.logs import setup_logging
    from tracker.models import ChannelKind
    from tracker.notify.telegram import TelegramChannel, limits_of

    cfg = app.config
    section = cfg.telegram
    if not section.enabled:
        raise UserError("the Telegram bot is disabled in the configuration ([telegram] enabled = false)")
    token = section.token()
    if token is None:
        raise UserError(f"no bot token: put it in the environment variable {section.token_env}")
    setup_logging("DEBUG" if app.verbose else cfg.log.level)
    store = app.store
    application = build_application(token, section.api_base_url, deps_for(section, store), limits_of(section))
    runner = BotRunner(application, poll_timeout=poll_timeout)
    channel = TelegramChannel(token, base_url=section.api_base_url, limits=limits_of(section), store=store)
    dispatcher = Dispatcher.from_config(cfg, store, {ChannelKind.TELEGRAM: channel})
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        try:
            runner.start()
        except Exception as exc:
            raise TrackerError(
                f"cannot start the Telegram bot: {str(exc).replace(token, '<token>')}"
            ) from None
        pause = interval if interval is not None else cfg.delivery.interval_seconds
        deadline = time.monotonic() + duration if duration is not None else None
        click.echo(f"Telegram bot @{application.bot.username} running; Ctrl-C stops it", err=True)
        while runner.running and (deadline is None or time.monotonic() < deadline):
            stats = dispatcher.run_once()
            if stats.messages:
                click.echo(stats.summary(), err=True)
            time.sleep(pause if deadline is None else min(pause, max(0.0, deadline - time.monotonic())))
        click.echo("Telegram bot stopped", err=True)
    except KeyboardInterrupt:
        click.echo("Telegram bot stopped", err=True)
    finally:
        runner.stop()
        channel.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
