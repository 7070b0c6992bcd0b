"""Running for years unattended: the daemon's log stays quiet in normal running, ``tracker
status`` tells a live daemon from a dead one (and a failing source) by its exit code, and
leader election is per deployment (two schemas of one PostgreSQL database both lead)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import uuid

import pytest

from tests.fakes.recorded_server import recorded_server
from tests.helpers import BOUND, ROOT, STEPS, snapshot, start, stop, tracker, wait_for, write_config
from tracker.service.leader import lock_key

NOISE = re.compile(r"level=(warning|error|critical)|Traceback|WARNING|ERROR")


@pytest.fixture
def server():
    with recorded_server() as srv:
        yield srv


def status(config) -> tuple[int, str]:
    result = tracker(config, "status", check=False)
    return result.returncode, result.stdout + result.stderr


def test_a_normal_run_logs_no_warning_and_no_traceback(sqlite_url, tmp_path, server):
    # A fresh SQLite database, three sources polled together, each fetch slower (1 s) than
    # the tick (0.3 s): the start that used to log "database is locked" (a fetch held the
    # write lock) and APScheduler's "maximum number of running instances reached".
    more = "".join(
        f'[[sources]]\nname = "launches-{n}"\nkind = "ll2-launches"\n'
        f'url = "{server.url}/2.0.0/launch/upcoming/?copy={n}"\ninterval_minutes = 0.02\n'
        for n in (2, 3)
    )
    config = write_config(tmp_path, sqlite_url, server.url, scheduler="heartbeat_seconds = 0.5", extra=more)
    sink = tmp_path / "alerts.txt"
    tracker(config, "subscribers", "add", "watcher", "--console", str(sink))
    tracker(config, "follow", "watcher", "all")
    server.serve(snapshot(STEPS[0]), delay=1.0)
    proc, _ = start(config, tmp_path, "quiet")
    try:
        wait_for(lambda: len(server.requests) >= 6, BOUND, "two polls of each source")
        server.serve(snapshot(STEPS[1]), delay=1.0)
        wait_for(lambda: len(server.requests) >= 12, BOUND, "the changed page, polled by each source")
        wait_for(lambda: sink.exists(), BOUND, "the alerts")
    finally:
        assert stop(proc) == 0
    log = (tmp_path / "quiet.log").read_text()
    assert "tracker running as" in log and "tracker stopped" in log
    assert NOISE.findall(log) == [], log


def test_status_exit_code_follows_the_daemon_and_its_sources(sqlite_url, tmp_path, server):
    config = write_config(
        tmp_path, sqlite_url, server.url,
        scheduler="heartbeat_seconds = 0.3\ndown_after_seconds = 3\nfailure_alert_after = 2",
    )  # fmt: skip
    code, text = status(config)
    assert code == 3 and "not running (no heartbeat recorded" in text
    server.serve(snapshot(STEPS[0]))
    proc, _ = start(config, tmp_path, "a")
    try:
        wait_for(lambda: status(config)[0] == 0, BOUND, "status 0 while running")
        assert f"daemon: running (pid {proc.pid}, host " in status(config)[1]
        server.serve(b"<html>oops</html>", status=500, content_type="text/html")
        wait_for(lambda: status(config)[0] == 4, BOUND, "status 4 for a failing source")
        code, text = status(config)
        assert "problem: launches:" in text and "failed fetches in a row" in text
        doc = json.loads(tracker(config, "status", "--json", check=False).stdout)
        assert doc["exit_code"] == 4 and doc["daemon"]["running"] and doc["problems"]
    finally:
        assert stop(proc) == 0
    code, text = status(config)
    assert code == 3 and "not running, last seen" in text and "(stopped;" in text
    assert "); next " not in text and "); not scheduled; on" in text  # no promise from a stopped daemon
    proc, _ = start(config, tmp_path, "b")
    try:
        wait_for(lambda: status(config)[0] in (0, 4), BOUND, "running again")
    finally:
        proc.send_signal(signal.SIGKILL)  # dies without a word: only its silence tells
        proc.wait(timeout=BOUND)
    wait_for(lambda: status(config)[0] == 3, BOUND, "status 3 once the heartbeat is overdue")
    assert "(silent;" in status(config)[1]


def test_lock_keys_name_the_deployment():
    assert lock_key("db/one") == lock_key("db/one") != lock_key("db/two")
    assert all(-(2**63) <= lock_key(name) < 2**63 for name in ("", "x", "test/public"))


def _roles(config, pid: int) -> set[str]:
    jobs = json.loads(tracker(config, "status", "--json", check=False).stdout)["jobs"]
    return {
        "standby" if "standby" in (j["last_outcome"] or "") else "leader"
        for j in jobs
        if j["id"] == "poll:launches" and j["instance"].split(":")[1] == str(pid)
    }


@pytest.mark.postgres
def test_two_schemas_of_one_database_both_lead_unless_named_one_deployment(
    pg_url, other_pg_url, tmp_path, server
):
    server.serve(snapshot(STEPS[0]))
    # A name of this test's own: a constant one would be shared with other runs of the suite.
    shared = f'deployment = "shared-{uuid.uuid4().hex}"'
    for deployment, expected in (("", {"leader"}), (shared, {"leader", "standby"})):
        configs = [
            write_config(tmp_path, url, server.url, name=f"{n}.toml", scheduler=deployment)
            for n, url in enumerate((pg_url, other_pg_url))
        ]
        procs = []
        try:
            for n, config in enumerate(configs):
                procs.append(start(config, tmp_path, f"d{n}-{bool(deployment)}")[0])
            wait_for(lambda c=configs, p=procs: all(_roles(*cp) for cp in zip(c, [x.pid for x in p], strict=True)),
                     BOUND, "both daemons' first polls")  # fmt: skip
            roles = [_roles(config, proc.pid) for config, proc in zip(configs, procs, strict=True)]
            assert set().union(*roles) == expected and all(len(r) == 1 for r in roles), roles
        finally:
            for proc in procs:
                stop(proc)


def test_sourcing_bootstrap_leaves_the_callers_shell_options():
    script = f'source {ROOT / "scripts" / "bootstrap"} && echo "$-" && shopt -o pipefail nounset errexit'
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=900)
    assert done.returncode == 1, done.stderr  # shopt -o exits 1: at least one option is off
    flags, *options = done.stdout.split("\n")
    assert "e" not in flags and "u" not in flags
    assert all(line.split()[-1] == "off" for line in options if line.strip()), done.stdout
