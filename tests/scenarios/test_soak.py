"""Soak: ``tracker run`` against a server that walks through the whole recorded LL2
launch series (154 snapshots), every alert delivered once, memory steady.

Excluded from the default run (``-m "not soak"``); run it with ``./scripts/test -m soak -s``.
"""

from __future__ import annotations

import time

import pytest

from tests.fakes.recorded_server import recorded_server
from tests.helpers import (
    BOUND,
    alerts,
    corpus_dir,
    delivered_ids,
    start,
    stop,
    tracker,
    wait_for,
    write_config,
)


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@pytest.mark.soak
@pytest.mark.timeout(900)
def test_daemon_walks_the_whole_series(sqlite_url, tmp_path):
    files = sorted(corpus_dir("ll2-launch-upcoming-2020-2021").glob("*.json"))
    with recorded_server() as server:
        config = write_config(tmp_path, sqlite_url, server.url, interval=0.005)
        sink = tmp_path / "alerts.txt"
        tracker(config, "subscribers", "add", "all", "--console", str(sink), "--set", "kinds=slip,advance")
        tracker(config, "follow", "all", "all")
        server.serve(files[0].read_bytes())
        proc, _ = start(config, tmp_path, "soak")
        try:
            wait_for(lambda: len(server.requests) >= 2, BOUND, "the baseline poll")
            first_rss = rss_kb(proc.pid)
            started = time.monotonic()
            for path in files[1:]:
                before = len(server.requests)
                server.serve(path.read_bytes())
                wait_for(
                    lambda before=before: len(server.requests) >= before + 2, BOUND, f"a poll of {path.name}"
                )
            wait_for(lambda: "pending" not in tracker(config, "outbox").stdout, BOUND, "the last deliveries")
            took = time.monotonic() - started
            last_rss = rss_kb(proc.pid)
        finally:
            assert stop(proc) == 0
    ids = delivered_ids(sink)
    assert ids and sorted(ids) == sorted(set(ids))
    assert len(alerts(sink)) > 40
    assert last_rss < first_rss * 1.5, (first_rss, last_rss)
    print(
        f"{len(files)} snapshots in {took:.0f} s; {len(ids)} alerts; RSS {first_rss // 1024} → {last_rss // 1024} MB"
    )
