"""What every ``tracker`` command shares: the lazily loaded configuration and store,
and turning the tracker's own errors into one clear line and an exit code.

Kept apart from ``tracker.cli`` so that command modules (digest, bot) can import it
without importing the command group that registers them.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from datetime import tzinfo
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from tracker.errors import ConfigError, TrackerError, UserError

if TYPE_CHECKING:
    from tracker.config import SourceConfig, TrackerConfig
    from tracker.config.checked import Settings
    from tracker.sources.base import Source
    from tracker.store.repo import Store

F = TypeVar("F", bound=Callable[..., Any])


def zone_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Click callback for ``--tz``: a zone name checked where it is typed."""
    if value is None:
        return None
    from tracker.zones import check_zone

    try:
        return check_zone(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


_deferred = False


def defer_collection() -> None:
    """Keep the cyclic garbage collector off over start-up (``tracker`` run as a program).

    Start-up builds some 100,000 objects that live as long as the process (modules,
    classes, the schema, the configuration's models) and makes little garbage; the collector
    would walk them again and again, and one full collection costs more than a read-only
    command's query. ``started`` turns it back on once the store is open, which every command
    that runs for long does before its work (one that never opens it is over soon anyway).
    """
    global _deferred
    if gc.isenabled():
        gc.disable()
        _deferred = True


def started() -> None:
    """Start-up is over: what exists now stays for good, so it is moved out of the
    collector's sight (``gc.freeze``) and the collector runs again for what the command makes."""
    global _deferred
    if _deferred:
        _deferred = False
        gc.freeze()
        gc.enable()


class App:
    """Lazily loaded configuration and store, shared by the commands of one call.

    A command that only reads and writes the store (upcoming, history, subscribers, ...)
    needs three settings (``settings``): they come from the record of an earlier validation
    of the same configuration when there is one, so such a command imports no pydantic.
    ``config`` is the whole validated configuration, for commands that poll, send or serve.
    """

    def __init__(
        self, config_path: str | None, database: str | None, tz: str | None, verbose: bool = False
    ) -> None:
        self.verbose = verbose
        from tracker.logs import register_secrets, setup_logging
        from tracker.store.db import url_password

        # Commands print their own results; log lines are for -v and the daemon.
        setup_logging("DEBUG" if verbose else "ERROR")
        register_secrets([url_password(database)])
        self.config_path = config_path
        self.database = database
        self.tz = tz
        self._config: TrackerConfig | None = None
        self._settings: Settings | None = None
        self._store: Store | None = None

    @property
    def config(self) -> TrackerConfig:
        if self._config is None:
            from tracker.config.checked import load_and_record

            self._loaded(load_and_record(self.config_path))
        assert self._config is not None
        return self._config

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from tracker.config.checked import read_settings

            settings, cfg = read_settings(self.config_path)
            if cfg is not None:
                self._loaded(cfg)
            else:
                from tracker.logs import register_secrets, secret_values

                register_secrets(secret_values(settings.secret_env, settings.database_url))
            self._settings = settings
        return self._settings

    def _loaded(self, cfg: TrackerConfig) -> None:
        from tracker.config.checked import Settings
        from tracker.logs import register_secrets, secrets_of
        from tracker.sources.bounded import configure

        configure(cfg.http.max_depth, cfg.http.max_items)
        register_secrets(secrets_of(cfg))
        self._config = cfg
        if self._settings is None:
            self._settings = Settings.of(cfg)

    @property
    def zone(self) -> tzinfo:
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.tz) if self.tz else self.settings.zone

    @property
    def store(self) -> Store:
        if self._store is None:
            from tracker.store.repo import Store

            self._store = Store.open(self.database or self.settings.database_url)
            started()
        return self._store

    def source(self, name: str) -> tuple[Source[Any], SourceConfig | None]:
        from tracker.sources import SOURCE_KINDS, build_source

        for cfg in self.config.sources:
            if cfg.name == name:
                return build_source(cfg.kind, cfg.name, cfg.url, cfg.options, cfg.trust), cfg
        if name in SOURCE_KINDS:
            return build_source(name, name), None
        names = ", ".join(c.name for c in self.config.sources)
        raise UserError(
            f"no source named {name!r} (configured: {names}; or a kind: {', '.join(SOURCE_KINDS)})"
        )

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def handle_errors(func: F) -> F:
    """Turn the tracker's own errors into a clear message and an exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            click.echo(f"error: invalid configuration{f' in {exc.path}' if exc.path else ''}:", err=True)
            for problem in exc.problems:
                click.echo(f"  - {problem}", err=True)
            sys.exit(2)
        except UserError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except TrackerError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # `tracker history ... | head` stopped reading: not a failure
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
            sys.exit(1)
        except Exception as exc:  # a bug: say so plainly; the traceback goes to the log
            import logging

            logging.getLogger("tracker").debug("internal error", exc_info=True)
            click.echo(f"internal error: {type(exc).__name__}: {exc} (run with -v for details)", err=True)
            sys.exit(70)

    return cast(F, wrapper)


pass_app = click.make_pass_decorator(App)
