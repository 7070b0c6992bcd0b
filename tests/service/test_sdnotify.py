"""The systemd notification protocol by hand: datagrams on $NOTIFY_SOCKET, sent by a real
``tracker run`` (READY, a WATCHDOG ping per heartbeat, STOPPING), and no-ops without it.
Also checks the suite's own offline guard."""

from __future__ import annotations

import socket

import pytest

from tests.fakes.recorded_server import recorded_server
from tests.helpers import BOUND, STEPS, snapshot, start, stop, wait_for, write_config
from tracker.service import sdnotify


@pytest.fixture
def notify_socket(tmp_path):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.2)
    try:
        yield path, sock
    finally:
        sock.close()


def received(sock: socket.socket, into: list[str]) -> list[str]:
    try:
        while True:
            into.append(sock.recv(4096).decode())
    except TimeoutError:
        return into


def test_without_notify_socket_nothing_is_sent(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert sdnotify.notify("READY=1") is False


def test_an_abstract_socket_address_is_understood(monkeypatch):
    name = f"tracker-test-{id(monkeypatch)}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert sdnotify.notify("WATCHDOG=1") is True
        assert sock.recv(100) == b"WATCHDOG=1"


def test_the_daemon_says_ready_pings_the_watchdog_and_says_stopping(sqlite_url, tmp_path, notify_socket):
    path, sock = notify_socket
    with recorded_server() as server:
        server.serve(snapshot(STEPS[0]))
        config = write_config(tmp_path, sqlite_url, server.url, scheduler="heartbeat_seconds = 0.3")
        proc, _ = start(config, tmp_path, "notified", env={"NOTIFY_SOCKET": str(path)})
        messages: list[str] = []
        try:
            wait_for(lambda: received(sock, messages).count("WATCHDOG=1") >= 3, BOUND, "watchdog pings")
        finally:
            assert stop(proc) == 0
        received(sock, messages)
    assert messages.index("READY=1") < messages.index("STOPPING=1")


def test_the_offline_guard_refuses_a_non_loopback_address(offline):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(OSError, match="offline"):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1: would leave the machine
    assert offline == ["('192.0.2.1', 80)"]
    offline.clear()  # seen: this test is about the guard, not a leak
