"""Run the bot's long polling on a private thread and event loop, startable and stoppable
from synchronous code (the ``tracker bot`` command and the tests)."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

log = logging.getLogger("tracker.bot")


class BotRunner:
    def __init__(self, app: Any, *, poll_timeout: float = 10.0) -> None:
        self.app = app
        self.poll_timeout = poll_timeout
        self._thread = threading.Thread(target=self._thread_main, name="telegram-bot", daemon=True)
        self._started = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.error: BaseException | None = None

    def start(self, timeout: float = 30.0) -> None:
        """Start polling; raises what start-up raised (a wrong token, an unreachable server)."""
        self._thread.start()
        if not self._started.wait(timeout):
            raise TimeoutError("the Telegram bot did not start in time")
        if self.error is not None:
            raise self.error

    def stop(self, timeout: float = 30.0) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to start() or logged
            self.error = exc
            if self._started.is_set():
                log.exception("the Telegram bot stopped")
        finally:
            self._started.set()

    async def _main(self) -> None:
        from telegram import Update

        from tracker.bot.handlers import bot_commands

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with self.app:
            try:
                await self.app.bot.set_my_commands(bot_commands())
            except Exception:  # the menu is a nicety; commands work without it
                log.warning("could not set the bot's command menu", exc_info=True)
            await self.app.updater.start_polling(
                poll_interval=0.0, timeout=self.poll_timeout, allowed_updates=Update.ALL_TYPES
            )
            await self.app.start()
            log.info("Telegram bot @%s polling", self.app.bot.username)
            self._started.set()
            await self._stop.wait()
            await self.app.updater.stop()
            await self.app.stop()
