"""Who runs the schedule when several instances share a database.

PostgreSQL: a session-level advisory lock on a dedicated connection. The instance
holding it polls; the others deliver from the shared outbox and take the lock
over within seconds when the holder's connection dies. Advisory locks span the
whole database, so the key names the deployment: by default its database and
schema (two trackers in two schemas of one database both lead), or the configured
``[scheduler] deployment``. SQLite: one instance per database file, enforced with an
exclusive lock on a file beside the database.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tracker.errors import UserError
from tracker.store.db import libpq_dsn, sqlite_path, url_backend

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger("tracker.leader")


def lock_key(deployment: str) -> int:
    """A signed 64-bit advisory-lock key for a deployment name (stable across versions)."""
    digest = hashlib.blake2b(f"launch-tracker:{deployment}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Leadership(Protocol):
    def try_acquire(self) -> bool: ...

    @property
    def held(self) -> bool: ...

    def release(self) -> None: ...


class PgAdvisoryLeader:
    def __init__(self, url: str, deployment: str = "") -> None:
        self._dsn = libpq_dsn(url)
        self._conn: psycopg.Connection[Any] | None = None
        self._held = False
        self.deployment = deployment
        self.key: int | None = lock_key(deployment) if deployment else None

    @property
    def held(self) -> bool:
        return self._held

    def try_acquire(self) -> bool:
        """Take the lock if free; when held, check that the connection is still alive."""
        import psycopg

        try:
            if self._conn is None:
                self._conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=10)
            conn = self._conn
            if self._held:
                conn.execute("SELECT 1")
                return True
            if self.key is None:  # the database and schema this connection really uses
                where = conn.execute("SELECT current_database(), current_schema()").fetchone()
                self.deployment = f"{where[0]}/{where[1]}" if where else ""
                self.key = lock_key(self.deployment)
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
            self._held = bool(row and row[0])
            if self._held:
                log.info("leader: this instance now runs the schedule of %s", self.deployment)
        except psycopg.Error as exc:
            if self._held:
                log.warning("leader: lost the lock with the database connection: %s", exc)
            self._held = False
            self._drop()
        return self._held

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # already broken
                self._conn.close()
            self._conn = None

    def release(self) -> None:
        self._held = False
        self._drop()  # closing the session releases its advisory locks


class SqliteFileLeader:
    """Refuses a second instance on the same SQLite database."""

    def __init__(self, url: str) -> None:
        database = sqlite_path(url)
        self.path = Path(database + ".lock") if database and database != ":memory:" else None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None or self.path is None

    def try_acquire(self) -> bool:
        if self.held:
            return True
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.read(fd, 100).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise UserError(
                f"another tracker is already running on this SQLite database (pid {other}, lock {self.path}); "
                "stop it first, or use PostgreSQL to run several instances"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def leadership_for(url: str, deployment: str = "") -> Leadership:
    """The leader election for ``url``; ``deployment`` names the PostgreSQL lock (default:
    the database and schema)."""
    if url_backend(url) == "postgresql":
        return PgAdvisoryLeader(url, deployment)
    return SqliteFileLeader(url)
