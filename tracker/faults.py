"""Crash points for tests: ``TRACKER_FAULT=dispatch.after_send`` kills the process there.

Used by the tests that prove exactly-once delivery across a SIGKILL; unset in
normal operation, where each call is one dictionary lookup.
"""

from __future__ import annotations

import os
import signal


def point(name: str) -> None:
    if os.environ.get("TRACKER_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
