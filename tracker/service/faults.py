"""Crash points for tests: ``TRACKER_FAULT=dispatch.after_send`` kills the process there;
``TRACKER_FAULT=dispatch.before_send:stop`` stops it there (SIGSTOP), once, for a test
to resume (SIGCONT) whenever it likes: a dispatcher paused for longer than its lease.

Used by the tests that prove exactly-once delivery across a SIGKILL; unset in
normal operation, where each call is one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

_stopped: set[str] = set()


def point(name: str) -> None:
    fault = os.environ.get("TRACKER_FAULT")
    if fault == name:
        os.kill(os.getpid(), signal.SIGKILL)
    elif fault == f"{name}:stop" and name not in _stopped:
        _stopped.add(name)
        os.kill(os.getpid(), signal.SIGSTOP)
