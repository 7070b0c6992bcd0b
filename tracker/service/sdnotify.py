"""systemd's service notification protocol, by hand: one datagram to ``$NOTIFY_SOCKET``
(``READY=1``, ``WATCHDOG=1``, ``STOPPING=1``). No-op outside systemd; never raises."""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger("tracker.sdnotify")


def notify(state: str) -> bool:
    """Send ``state`` to systemd; False when not under systemd or the send failed."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode())
    except OSError as exc:
        log.debug("sd_notify %s failed: %s", state, exc)
        return False
    return True
