"""``tracker run`` as a real process: a local HTTP server serves a changing series of
corpus snapshots, the daemon polls it every second or two, and the console subscriber
hears about each change within seconds. SIGTERM loses nothing; on PostgreSQL two
daemons share the work and the survivor takes over the schedule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter

import pytest

from tests.fakes.recorded_server import recorded_server
from tests.helpers import (
    BOUND,
    STEPS,
    alerts,
    delivered_ids,
    snapshot,
    start,
    stop,
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
        wait_for(lambda: len(server.requests) >= 2, BOUND, "the baseline poll")
        latencies = []
        for n, stamp in enumerate(STEPS[1:], start=1):
            server.serve(snapshot(stamp))
            latencies.append(wait_for(lambda n=n: len(alerts(sink)) >= n, BOUND, f"alert {n}"))
        texts = alerts(sink)
        assert len(texts) == 3 and all("Starlink 17" in t.splitlines()[0] for t in texts)
        status = tracker(config, "status").stdout
        assert "poll:launches" in status and "deliver" in status and "launches" in status
        assert f"running (pid {proc.pid}," in status
    finally:
        assert stop(proc) == 0
    # A figure, not an assertion: the machine may be loaded (typically 1-3 s).
    print(f"alert latencies after the change was served: {[round(x, 2) for x in latencies]} s")


def test_second_instance_on_sqlite_refuses_to_start(sqlite_url, tmp_path, server):
    config = write_config(tmp_path, sqlite_url, server.url)
    server.serve(snapshot(STEPS[0]))
    proc, _ = start(config, tmp_path, "first")
    try:
        env = {**os.environ, "TRACKER_CONFIG": str(config)}
        second = subprocess.run([sys.executable, "-m", "tracker.cli", "run"], env=env, capture_output=True,
                                text=True, timeout=120)  # fmt: skip
        assert second.returncode == 2
        assert "another tracker is already running on this SQLite database" in second.stderr
    finally:
        assert stop(proc) == 0


def test_sigterm_loses_nothing(db_url, tmp_path, server):
    # The first daemon delivers once, at start (nothing is queued yet), and then not for an
    # hour: what the change queues is certainly still queued when SIGTERM arrives, however
    # slow the machine. The second daemon, on the same database, delivers every 0.3 s.
    first = write_config(tmp_path, db_url, server.url, coalesce="1s", deliver_every=3600, name="a.toml")
    second = write_config(tmp_path, db_url, server.url, coalesce="1s", name="b.toml")
    sink = tmp_path / "alerts.txt"
    tracker(first, "subscribers", "add", "watcher", "--console", str(sink))
    tracker(first, "follow", "watcher", "all")
    server.serve(snapshot(STEPS[0]))
    proc, _ = start(first, tmp_path, "a")
    wait_for(lambda: len(server.requests) >= 2, BOUND, "the baseline poll")
    server.serve(snapshot(STEPS[1]))
    wait_for(lambda: "pending" in tracker(first, "outbox").stdout, BOUND, "queued alerts")
    started = time.monotonic()
    assert stop(proc) == 0, (tmp_path / "a.log").read_text()
    took = time.monotonic() - started
    queued = json.loads(tracker(first, "outbox", "--json").stdout)["counts"]
    assert alerts(sink) == [] and set(queued) == {"pending"}, queued  # nothing lost, nothing half-sent
    assert "status of job" not in (tmp_path / "a.log").read_text()
    proc, _ = start(second, tmp_path, "b")
    try:
        wait_for(lambda: "pending" not in tracker(second, "outbox").stdout, BOUND, "delivery after restart")
    finally:
        assert stop(proc) == 0
    ids = delivered_ids(sink)
    assert ids and sorted(ids) == sorted(set(ids)) and len(ids) == queued["pending"]
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

    def poll_roles() -> tuple[set[str], set[str]]:
        jobs = json.loads(tracker(config, "status", "--json").stdout)["jobs"]
        mine = [j for j in jobs if j["id"] == "poll:launches" and j["instance"].split(":")[1] in pids]
        polling = {j["instance"] for j in mine if "standby" not in j["last_outcome"]}
        return polling, {j["instance"] for j in mine if "standby" in j["last_outcome"]}

    pids = {str(first.pid), str(second.pid)}
    try:
        wait_for(lambda: len(server.requests) >= 2, BOUND, "the baseline poll")
        server.serve(snapshot(STEPS[1]))
        wait_for(lambda: len(alerts(sink)) >= 1, BOUND, "the first alert")
        # Sent and marked so: a SIGKILL now cannot leave it claimed-but-unmarked for the survivor.
        wait_for(lambda: set(outbox_counts(config)) == {"sent"}, BOUND, "the first alert marked sent")
        wait_for(lambda: all(len(s) == 1 for s in poll_roles()), BOUND, "one leader, one standby")
        polling, _ = poll_roles()
        leader_pid = int(next(iter(polling)).split(":")[1])
        leader = next(p for p in procs if p.pid == leader_pid)
        leader.kill()  # SIGKILL: its advisory lock goes with its connection
        leader.wait(timeout=BOUND)
        procs.remove(leader)
        requests_before = len(server.requests)
        server.serve(snapshot(STEPS[2]))
        took = wait_for(lambda: len(alerts(sink)) >= 2, BOUND, "the survivor's alert")
        assert len(server.requests) > requests_before
    finally:
        for p in procs:
            stop(p)
    ids = delivered_ids(sink)
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert len(alerts(sink)) == 2
    print(f"the survivor took over and alerted {took:.1f} s after the change")


def outbox_counts(config) -> dict[str, int]:
    counts: dict[str, int] = json.loads(tracker(config, "outbox", "--json").stdout)["counts"]
    return counts
