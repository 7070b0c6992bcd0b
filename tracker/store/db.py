"""Engines and migrations: SQLite by default (WAL), PostgreSQL through psycopg 3."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import CursorResult, Engine, Result, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from tracker.errors import DatabaseURLError, StoreError

Sessions = Callable[[], AbstractContextManager[Session]]
"""Opens one transaction (``Store._session``); what the store's helpers are given."""


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE touched (its result is a cursor result)."""
    return int(cast(CursorResult[Any], result).rowcount)


MIGRATIONS = Path(__file__).with_name("migrations")
# The newest migration. Kept here so that a start-up check needs no Alembic import;
# a test checks it against the migration scripts.
SCHEMA_HEAD = "0008"


POSTGRES_EXTRA = "PostgreSQL needs the [postgres] extra: pip install 'launch-tracker[postgres]'"


def psycopg_missing(url: str) -> bool:
    """A PostgreSQL URL, and the driver (the ``[postgres]`` extra) is not installed."""
    import importlib.util

    return normalise_url(url).startswith("postgresql") and importlib.util.find_spec("psycopg") is None


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# ---- what a database URL says: the one place that parses one ----------------------


def url_backend(url: str) -> str:
    """ "sqlite" or "postgresql" (or whatever else the URL names)."""
    return make_url(normalise_url(url)).get_backend_name()


def libpq_dsn(url: str) -> str:
    """The URL as psycopg's own connect() takes it (no SQLAlchemy driver suffix)."""
    return make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_path(url: str) -> str:
    """The database file of a SQLite URL ('' for an in-memory one)."""
    return make_url(url).database or ""


def url_password(url: str | None) -> str:
    """The password in a database URL ('' when none, or when it is no URL), so logs can mask it."""
    try:
        return str(make_url(url).password or "") if url else ""
    except (ArgumentError, ValueError):  # a non-numeric port, an unclosed bracket: no URL at all
        return ""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; creates the SQLite file's folder and turns on WAL."""
    url = normalise_url(url)
    expected = "expected sqlite:///PATH or postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
    try:
        parsed = make_url(url)
        if parsed.port is not None and not 0 < parsed.port < 65536:  # a non-number fails here too
            raise ValueError("port out of range")
    except (ArgumentError, ValueError):  # the URL is not echoed: it may hold a password
        raise DatabaseURLError(f"invalid database URL ({expected})") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(f"unsupported database {backend!r} in the database URL ({expected})")
    if backend == "postgresql" and parsed.get_driver_name() != "psycopg":
        raise StoreError(f"use postgresql:// (psycopg 3), not {parsed.drivername}://")
    if psycopg_missing(url):
        raise StoreError(POSTGRES_EXTRA)
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            folder = Path(database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the folder of the SQLite database {folder}: {exc.strerror}"
                ) from exc
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        if database and database != ":memory:":
            try:
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            except DBAPIError as exc:
                engine.dispose()
                raise StoreError(f"cannot open the SQLite database {database}: {exc.orig}") from exc
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def _migration_engine(engine: Engine) -> Engine:
    """The engine migrations run on. For SQLite, one whose transactions really begin
    (``BEGIN IMMEDIATE``): Python's sqlite3 otherwise commits each CREATE TABLE on its
    own, so a first run killed half-way left a schema neither empty nor complete. Now
    all migrations are one transaction, which also holds the write lock, so two first
    runs at once take turns instead of both creating tables."""
    if engine.dialect.name != "sqlite":
        return engine
    migrating = create_engine(engine.url, connect_args={"timeout": 30}, poolclass=NullPool)

    @event.listens_for(migrating, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_connection, record)
        dbapi_connection.isolation_level = None  # we say when a transaction begins

    @event.listens_for(migrating, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return migrating


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic, all of it or none of it."""
    from alembic import command

    migrating = _migration_engine(engine)
    try:
        command.upgrade(alembic_config(migrating), revision)
    except OperationalError as exc:
        raise StoreError(f"cannot reach the database: {exc.orig}") from exc
    except DBAPIError as exc:
        raise StoreError(f"cannot use the database: {exc.orig}") from exc
    finally:
        if migrating is not engine:
            migrating.dispose()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def ensure_schema(engine: Engine) -> None:
    """Upgrade when the database is new or behind; a first run creates it."""
    try:
        if inspect(engine).has_table("alembic_version"):
            with engine.connect() as conn:
                if conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == SCHEMA_HEAD:
                    return
    except OperationalError as exc:
        raise StoreError(f"cannot reach the database: {exc.orig}") from exc
    except DBAPIError as exc:
        raise StoreError(f"cannot use the database: {exc.orig}") from exc
    upgrade(engine)
