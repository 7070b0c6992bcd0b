"""``tracker run`` as a real process: a local HTTP server serves a changing series of
corpus snapshots, the daemon polls it every second or two, and the console subscriber
hears about each change within seconds. SIGTERM loses nothing; on PostgreSQL two
daemons share the work and the survivor takes over the schedule."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from tests.fakes.recorded_server import recorded_server
from tests.helpers import (
    STEPS,
    alerts,
    delivered_ids,
    snapshot,
    start,
    tracker,
    wait_for,
    write_config,
)


@pytest.fixture
def server():
    with recorded_server() as srv:
        yield srv


def test_daemon_alerts_within_seconds_of_each_change(sqlite_url, tmp_path, server):
    config = write_config(tmp_path, sqlite_url, server.url)
    sink = tmp_path / "alerts.txt"
    tracker(config, "subscribers", "add", "watcher", "--console", str(sink))
    tracker(config, "follow", "watcher", "Starlink", "17")
    server.serve(snapshot(STEPS[0]))
    proc, _ = start(config, tmp_path, "d")
    try:
        wait_for(lambda: len(server.requests) >= 2, 20, "the baseline poll")
        latencies = []
        for n, stamp in enumerate(STEPS[1:], start=1):
            server.serve(snapshot(stamp))
            latencies.append(wait_for(lambda n=n: len(alerts(sink)) >= n, 20, f"alert {n}"))
        texts = alerts(sink)
        assert len(texts) == 3 and all("Starlink 17" in t.splitlines()[0] for t in texts)
        assert max(latencies) < 10, latencies
        status = tracker(config, "status").stdout
        assert "poll:launches" in status and "deliver" in status and "launches" in status
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    print(f"alert latencies after the change was served: {[round(x, 2) for x in latencies]} s")


def test_second_instance_on_sqlite_refuses_to_start(sqlite_url, tmp_path, server):
    config = write_config(tmp_path, sqlite_url, server.url)
    server.serve(snapshot(STEPS[0]))
    proc, _ = start(config, tmp_path, "first")
    try:
        env = {**os.environ, "TRACKER_CONFIG": str(config)}
        second = subprocess.run([sys.executable, "-m", "tracker.cli", "run"], env=env, capture_output=True,
                                text=True, timeout=30)  # fmt: skip
        assert second.returncode == 2
        assert "another tracker is already running on this SQLite database" in second.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)


def test_sigterm_loses_nothing(db_url, tmp_path, server):
    config = write_config(tmp_path, db_url, server.url, coalesce="3s")
    sink = tmp_path / "alerts.txt"
    tracker(config, "subscribers", "add", "watcher", "--console", str(sink))
    tracker(config, "follow", "watcher", "all")
    server.serve(snapshot(STEPS[0]))
    proc, _ = start(config, tmp_path, "a")
    wait_for(lambda: len(server.requests) >= 2, 20, "the baseline poll")
    server.serve(snapshot(STEPS[1]))  # alerts queued, held back 3 s for coalescing
    wait_for(lambda: "pending" in tracker(config, "outbox").stdout, 20, "queued alerts")
    proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    proc.wait(timeout=20)
    took = time.monotonic() - started
    assert proc.returncode == 0 and took < 8, (took, (tmp_path / "a.log").read_text())
    assert alerts(sink) == []  # not due yet when it stopped
    proc, _ = start(config, tmp_path, "b")
    try:
        wait_for(lambda: "pending" not in tracker(config, "outbox").stdout, 30, "delivery after restart")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    ids = delivered_ids(sink)
    assert ids and sorted(ids) == sorted(set(ids))
    print(f"SIGTERM to exit: {took:.2f} s; {len(ids)} alerts delivered once after the restart")


@pytest.mark.postgres
def test_two_daemons_on_postgres_share_the_work(pg_url, tmp_path, server):
    config = write_config(tmp_path, pg_url, server.url)
    sink = tmp_path / "alerts.txt"
    tracker(config, "subscribers", "add", "watcher", "--console", str(sink))
    tracker(config, "follow", "watcher", "Starlink", "17")
    server.serve(snapshot(STEPS[0]))
    first, _ = start(config, tmp_path, "one")
    second, _ = start(config, tmp_path, "two")
    procs = [first, second]
    try:
        wait_for(lambda: len(server.requests) >= 2, 20, "the baseline poll")
        server.serve(snapshot(STEPS[1]))
        wait_for(lambda: len(alerts(sink)) >= 1, 20, "the first alert")
        jobs = json.loads(tracker(config, "status", "--json").stdout)["jobs"]
        polling = {
            j["instance"] for j in jobs if j["id"] == "poll:launches" and "standby" not in j["last_outcome"]
        }
        standby = {
            j["instance"] for j in jobs if j["id"] == "poll:launches" and "standby" in j["last_outcome"]
        }
        assert len(polling) == 1 and len(standby) == 1, jobs
        leader_pid = int(next(iter(polling)).split(":")[1])
        leader = next(p for p in procs if p.pid == leader_pid)
        leader.kill()  # SIGKILL: its advisory lock goes with its connection
        leader.wait(timeout=10)
        procs.remove(leader)
        requests_before = len(server.requests)
        server.serve(snapshot(STEPS[2]))
        took = wait_for(lambda: len(alerts(sink)) >= 2, 30, "the survivor's alert")
        assert len(server.requests) > requests_before
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=20)
    ids = delivered_ids(sink)
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert len(alerts(sink)) == 2
    print(f"the survivor took over and alerted {took:.1f} s after the change")
