"""The daemon: ``tracker run`` as a real process with ``sizes.sources`` LL2 sources, served
recorded pages by a loopback HTTP server that moves on to the next recorded day every few
polls, and ``sizes.subscribers`` subscribers; beside it the same daemon with 3 subscribers.

Measured from outside: peak resident memory (``VmHWM`` in ``/proc``), how long each job run
took (the ``job_status`` table, sampled), and how often its log says "database is locked".
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from scripts.benchmarks.harness import Section, Sizes, ratio
from tests.fakes.recorded_server import recorded_server
from tests.helpers import CORPUS

SERIES = "ll2-launch-upcoming-2020-2021"
STEPS = 8  # the last recorded days of the series, served one after another
TICK = 2.0  # [scheduler] tick_seconds: how often each source's job asks "am I due?"
INTERVAL_MINUTES = 0.25  # each source is due every 15 s
DELIVER_EVERY = 5.0


def _config(tmp: Path, url: str, server: str, sources: int) -> Path:
    lines = [
        f'[database]\nurl = "{url}"',
        "[http]\nretries = 0\nhost_interval_seconds = 0.0\nrespect_robots = false",
        f"[delivery]\ninterval_seconds = {DELIVER_EVERY}",
        f"[scheduler]\ntick_seconds = {TICK}",
        "[telegram]\nenabled = false",
    ]
    for n in range(sources):
        lines.append(
            f'[[sources]]\nname = "launches{n:02d}"\nkind = "ll2-launches"\n'
            f'url = "{server}/s{n}/2.0.0/launch/upcoming/"\ninterval_minutes = {INTERVAL_MINUTES}'
        )
    path = tmp / "tracker.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _subscribers(url: str, count: int, tmp: Path) -> None:
    """``count`` subscribers with the follows of the digest benchmark: one in a hundred on
    a console file, the others on Telegram chats (queued: this daemon runs no bot)."""
    from sqlalchemy import insert

    from scripts.benchmarks.digests import ZONES, follow_rows
    from tracker.store.repo import Store
    from tracker.store.tables import ChannelRow, FollowRow, SubscriberRow

    store = Store.open(url)
    try:
        with store.engine.begin() as conn:
            now = datetime.now().astimezone()
            conn.execute(insert(SubscriberRow), [
                {"id": n + 1, "name": f"reader{n:05d}", "timezone": ZONES[n % len(ZONES)], "active": True,
                 "policy": '{"reminders": ["1h"]}' if n % 10 == 0 else "{}", "created_at": now}
                for n in range(count)
            ])  # fmt: skip
            conn.execute(insert(ChannelRow), [
                {"subscriber_id": n + 1, "kind": "console" if n % 100 == 0 else "telegram",
                 "address": str(tmp / f"sink{n:05d}.txt") if n % 100 == 0 else str(10_000_000 + n), "active": True}
                for n in range(count)
            ])  # fmt: skip
            conn.execute(insert(FollowRow), follow_rows(count, now))
    finally:
        store.close()


@dataclass
class Watch:
    """What the sampler saw: job runs (job, started) → seconds, resident memory samples."""

    runs: dict[tuple[str, str], tuple[float, str]] = field(default_factory=dict)
    rss_mb: list[float] = field(default_factory=list)
    peak_mb: float = 0.0


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _sample(db: Path, pid: int, watch: Watch, stop: threading.Event) -> None:
    while not stop.wait(0.2):
        with contextlib.suppress(OSError, ValueError):
            watch.rss_mb.append(_status_kb(pid, "VmRSS") / 1024)
            watch.peak_mb = max(watch.peak_mb, _status_kb(pid, "VmHWM") / 1024)
        with contextlib.suppress(sqlite3.Error):
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
            try:
                rows = conn.execute(
                    "SELECT job_id, last_started, last_finished, last_outcome FROM job_status "
                    "WHERE last_started IS NOT NULL AND last_finished >= last_started"
                ).fetchall()
            finally:
                conn.close()
            for job, started, finished, outcome in rows:
                took = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
                watch.runs[(job, started)] = (took, outcome or "")


def _daemon(tmp: Path, sources: int, subscribers: int, seconds: float) -> tuple[Watch, str, int]:
    """Run one daemon for ``seconds`` after its start; what was watched, its log, its exit code."""
    files = sorted((CORPUS / SERIES).glob("*.json"))[-STEPS:]
    db = tmp / "tracker.db"
    url = f"sqlite:///{db}"
    _subscribers(url, subscribers, tmp)
    log_path = tmp / "daemon.log"
    watch, stop = Watch(), threading.Event()
    with recorded_server() as server:
        server.serve(files[0].read_bytes())
        config = _config(tmp, url, server.url, sources)
        env = {**os.environ, "TRACKER_CONFIG": str(config)}
        env.pop("TRACKER_DATABASE_URL", None)
        ready = tmp / "ready"
        with open(log_path, "w") as log:
            proc = subprocess.Popen([sys.executable, "-m", "tracker.cli", "run", "--ready-file", str(ready)], env=env,
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        sampler = threading.Thread(target=_sample, args=(db, proc.pid, watch, stop), daemon=True)
        try:
            started = time.monotonic()
            while not ready.exists() and proc.poll() is None and time.monotonic() - started < 120:
                time.sleep(0.1)
            if proc.poll() is not None:
                raise RuntimeError(f"the daemon did not start:\n{log_path.read_text()[-3000:]}")
            sampler.start()
            began = time.monotonic()
            for path in files[1:]:  # a new recorded day every few polls
                if stop.wait(seconds / len(files)):
                    break
                server.serve(path.read_bytes())
            stop.wait(max(0.0, seconds - (time.monotonic() - began)))
            with contextlib.suppress(OSError, ValueError):
                watch.peak_mb = max(watch.peak_mb, _status_kb(proc.pid, "VmHWM") / 1024)
        finally:
            stop.set()
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=60)
            if sampler.is_alive():
                sampler.join(timeout=10)
    return watch, log_path.read_text(), proc.returncode


def _spread(values: list[float]) -> str:
    if not values:
        return "-"
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return f"{1000 * statistics.median(values):.0f} / {1000 * p95:.0f} / {1000 * values[-1]:.0f} ms"


def _row(label: str, watch: Watch, log: str, code: int) -> tuple[list[str], dict[str, list[float]]]:
    kinds: dict[str, list[float]] = {"tick": [], "poll": [], "deliver": []}
    for (job, _), (took, outcome) in watch.runs.items():
        if job.startswith("poll:"):
            kinds["tick" if outcome.startswith("not due") else "poll"].append(took)
        elif job == "deliver":
            kinds["deliver"].append(took)
    locked = log.count("database is locked")
    return [
        label,
        f"{watch.peak_mb:.0f} MB",
        f"{len(kinds['tick'])}: {_spread(kinds['tick'])}",
        f"{len(kinds['poll'])}: {_spread(kinds['poll'])}",
        f"{len(kinds['deliver'])}: {_spread(kinds['deliver'])}",
        str(locked),
        str(log.count("level=ERROR") + (code != 0)),
    ], kinds


def run(sizes: Sizes) -> list[Section]:
    seconds = 75.0 if sizes.name == "full" else 25.0
    section = Section(
        f"Daemon: {sizes.sources} sources, {sizes.subscribers:,} subscribers, {seconds:.0f} s of `tracker run`",
        ["subscribers", "peak RSS", "ticks (not due): n: median / p95 / max", "polls", "deliver job",
         "“database is locked”", "errors"],
    )  # fmt: skip
    peaks = []
    for subscribers, span in ((3, min(seconds, 30.0)), (sizes.subscribers, seconds)):
        with tempfile.TemporaryDirectory() as tmp:
            watch, log, code = _daemon(Path(tmp), sizes.sources, subscribers, span)
        row, _ = _row(f"{subscribers:,}", watch, log, code)
        section.rows.append(row)
        peaks.append(watch.peak_mb)
    section.notes += [
        f"Peak resident memory with {sizes.subscribers:,} subscribers is {ratio(peaks[1], peaks[0])} that with 3 "
        "(target: under 150 MB); ticks are the source jobs' runs that found nothing due (target: milliseconds); "
        "job durations come from the `job_status` table, sampled every 0.2 s (a run shorter than that may be missed).",
        f"Each source is due every {INTERVAL_MINUTES * 60:.0f} s and asks every {TICK:.0f} s; the server moves to the "
        f"next of the last {STEPS} recorded LL2 days every {seconds / STEPS:.0f} s, so every poll round has changes. "
        "Subscribers follow as in the digest benchmark; one in a hundred has a console file, the others "
        "Telegram chats (queued, not sent: no bot runs), one in ten a 1 h reminder.",
    ]
    return [section]
