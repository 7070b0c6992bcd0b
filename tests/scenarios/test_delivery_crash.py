"""Exactly-once delivery across a SIGKILL, and with two dispatchers at once on PostgreSQL.

Real processes: ``tracker deliver --once`` is started as a subprocess and killed
with SIGKILL at a fault point (``TRACKER_FAULT``) between claiming and recording.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers import deliver_once, delivered_ids, seed_slips
from tracker.models import ChannelKind
from tracker.store.repo import Store


def seed(url: str, sink: Path, events: int) -> int:
    """``events`` launches, each slipped once: one alert per launch for a console file."""
    return seed_slips(url, [(ChannelKind.CONSOLE, str(sink))], events)


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "tracker.toml"
    path.write_text("[delivery]\nlease_seconds = 1.0\n")
    return path


@pytest.mark.parametrize("fault", ["dispatch.after_claim", "dispatch.after_send"])
def test_sigkill_between_claim_and_mark_delivers_exactly_once(db_url, tmp_path, config, fault):
    sink = tmp_path / "alerts.txt"
    total = seed(db_url, sink, 12)
    killed = deliver_once(db_url, config, fault)
    assert killed.returncode == -signal.SIGKILL
    before = delivered_ids(sink) if sink.exists() else []
    assert len(before) == (1 if fault == "dispatch.after_send" else 0)
    time.sleep(1.2)  # the dead dispatcher's lease runs out
    again = deliver_once(db_url, config)
    assert again.returncode == 0, again.stderr
    ids = delivered_ids(sink)
    assert sorted(ids) == sorted(set(ids)), "an alert was delivered twice"
    assert len(ids) == total == 12
    store = Store.open(db_url)
    assert store.outbox.counts() == {"sent": total}
    store.close()


@pytest.mark.postgres
def test_two_dispatchers_in_parallel_deliver_each_row_once(pg_url, tmp_path, config):
    sink = tmp_path / "alerts.txt"
    total = seed(pg_url, sink, 400)
    env = {**os.environ, "TRACKER_CONFIG": str(config), "TRACKER_DATABASE_URL": pg_url}
    env.pop("TRACKER_FAULT", None)
    command = [sys.executable, "-m", "tracker.cli", "deliver", "--once"]
    procs = [subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        outputs = [p.communicate(timeout=120)[1] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert [p.returncode for p in procs] == [0, 0], outputs
    ids = delivered_ids(sink)
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates
    assert len(ids) == total == 400
    store = Store.open(pg_url)
    assert store.outbox.counts() == {"sent": total}
    store.close()
