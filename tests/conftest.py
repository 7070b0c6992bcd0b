"""Shared fixtures: the corpus (read in place), a fresh database on each backend, and two
guards on every test: it reaches no address off this machine, and it leaves no process
behind."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import PG_URL, STARTED, stop


def _loopback(address: Any) -> bool:
    """Unix sockets and loopback hosts are local; anything else would leave the machine."""
    if not isinstance(address, tuple) or not address:
        return True  # AF_UNIX path (str/bytes) or an abstract socket
    host = str(address[0]).split("%")[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: resolving and reaching it is off-machine


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail any test that connects to a non-loopback address (socket level), even when
    the code under test swallows the error."""
    reached: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guard(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
            reached.append(repr(address))
            raise OSError(f"test tried to reach {address!r}: the suite is offline")

    def connect(sock: socket.socket, address: Any) -> None:
        guard(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        guard(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield reached
    if reached:
        pytest.fail(f"the test reached non-loopback addresses: {', '.join(reached)}")


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The user's cache folder (the checked-configuration record) is the session's own, for
    in-process commands and the processes tests start: the suite writes nothing in ``~``."""
    import os

    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(autouse=True)
def no_process_left() -> Iterator[None]:
    """Stop (process group, SIGTERM then SIGKILL) every daemon a test started and left running."""
    before = len(STARTED)
    yield
    left = [p for p in STARTED[before:] if p.poll() is None]
    for proc in left:
        stop(proc, timeout=30)
    del STARTED[before:]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema in the test PostgreSQL database, dropped afterwards.

    An unreachable server fails the test: the store must be shown to work on both. The
    teardown never waits on a lock: it ends the sessions still using the schema (a daemon
    a failed test left, a pool not disposed), then drops it under a lock timeout.
    """
    with fresh_schema() as url:
        yield url


@pytest.fixture
def other_pg_url() -> Iterator[str]:
    """A second fresh schema in the same database as ``pg_url``'s."""
    with fresh_schema() as url:
        yield url


@contextlib.contextmanager
def fresh_schema() -> Iterator[str]:
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(PG_URL)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = psycopg.connect(dsn, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    options = f"-csearch_path={schema}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield base.update_query_dict({"options": options}).render_as_string(hide_password=False)
        finally:
            _drop_schema(admin, schema)


def _drop_schema(admin: Any, schema: str) -> None:
    import psycopg

    for _ in range(5):
        # The sessions that hold (or wait for) a lock on a table of this schema: only they
        # can block the DROP, and only this test's processes can have them.
        admin.execute(
            "SELECT pg_terminate_backend(l.pid) FROM pg_locks l "
            "JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND l.pid <> pg_backend_pid()",
            (schema,),
        )
        try:
            admin.execute("SET lock_timeout = '5s'")
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
            return
        except psycopg.errors.LockNotAvailable:
            continue
    pytest.fail(f"could not drop the test schema {schema}: still locked after five tries")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Run a test once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[object]:
    from tracker.store.repo import Store

    opened = Store.open(db_url)
    yield opened
    opened.close()
