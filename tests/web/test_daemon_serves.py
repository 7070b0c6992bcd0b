"""``tracker run`` with ``[serve] enabled`` serves the web view beside its jobs, and stops it
on SIGTERM; ``tracker serve`` itself is a real process answering on its port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import requests

from tests.fakes.smtp_server import free_port
from tests.helpers import start, wait_for, write_config


def test_tracker_run_serves_the_web_view_when_enabled(sqlite_url, tmp_path):
    port = free_port()
    config = write_config(
        tmp_path, sqlite_url, "http://127.0.0.1:9"
    )  # no source answers: the view still runs
    config.write_text(config.read_text() + f"\n[serve]\nenabled = true\nport = {port}\n")
    proc, _ = start(config, tmp_path, "daemon")
    try:
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).text == "ok\n"
        assert requests.get(f"http://127.0.0.1:{port}/sources", timeout=10).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0, (tmp_path / "daemon.log").read_text()


def test_tracker_serve_listens_and_stops_on_sigterm(sqlite_url, tmp_path):
    port = free_port()
    config = tmp_path / "tracker.toml"
    config.write_text(f'sources = []\n[database]\nurl = "{sqlite_url}"\n[serve]\nport = {port}\n')
    env = {**os.environ, "TRACKER_CONFIG": str(config)}
    proc = subprocess.Popen([sys.executable, "-m", "tracker.cli", "serve"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:

        def up() -> bool:
            try:
                return requests.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200
            except requests.ConnectionError:
                return proc.poll() is not None

        wait_for(up, 30, "tracker serve")
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert f"listening on http://127.0.0.1:{port}/" in out
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        used = taken.getsockname()[1]
        busy = subprocess.run([sys.executable, "-m", "tracker.cli", "serve", "--port", str(used)], env=env,
                              capture_output=True, text=True, timeout=60)  # fmt: skip
    assert busy.returncode == 2 and busy.stderr.startswith(f"error: cannot listen on 127.0.0.1:{used}: ")
