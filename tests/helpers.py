"""What the tests share: where the corpus and fixtures are, builders of LL2 pages and of
snapshots, and the helpers of the process and delivery tests. Imported, never a test module."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tracker.models import ChangeKind, EventKind, EventSnapshot, Parsed, Precision, RawDocument, TimeSpec
from tracker.pipeline import DropGuard, ingest
from tracker.policy import AlertPolicy
from tracker.store.repo import Store
from tracker.store.run import RunResult
from tracker.timespec import span

ROOT = Path(__file__).resolve().parents[1]


def _find_corpus() -> Path:
    """``$TRACKER_CORPUS``, else ``../shared/corpus`` beside the checkout, else the
    workplace's ``/work/shared/corpus`` (for clones made elsewhere, as in CI)."""
    if os.environ.get("TRACKER_CORPUS"):
        return Path(os.environ["TRACKER_CORPUS"])
    for candidate in (ROOT.parent / "shared" / "corpus", Path("/work/shared/corpus")):
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "corpus"


CORPUS = _find_corpus()
PG_URL = os.environ.get("TRACKER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def corpus_dir(series: str) -> Path:
    """A corpus series folder. Missing corpus is a failure, never a skip."""
    path = CORPUS / series
    if not path.is_dir():
        pytest.fail(f"corpus series {series!r} not found at {path}; set TRACKER_CORPUS to ../shared/corpus")
    return path


FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = ROOT / "config" / "examples"


def assert_sane_moves(changes: Iterable[Any]) -> None:
    """Every value's instant lies in its interval, and a slip's new interval starts after the old one."""
    for c in changes:
        for spec in (c.old_when, c.new_when):
            assert spec.earliest <= spec.t0 < spec.latest
        if c.kind is ChangeKind.SLIP:
            assert c.new_when.earliest >= c.old_when.latest


# ---- precision aliases ----

D, MIN, HR, W, MON, Q, H, Y = (
    Precision.DAY,
    Precision.MINUTE,
    Precision.HOUR,
    Precision.WEEK,
    Precision.MONTH,
    Precision.QUARTER,
    Precision.HALF,
    Precision.YEAR,
)


# ---- LL2 pages ----


def launch(
    n: int, net: str, *, status: str = "Go", precision: str | None = "MIN", name: str | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": f"00000000-0000-0000-0000-{n:012d}",
        "name": name or f"Falcon 9 Block 5 | Starlink Group 10-{n}",
        "status": {"id": 1, "name": status, "abbrev": status},
        "net": net,
        "window_start": net,
        "window_end": net,
        "launch_service_provider": {"name": "SpaceX"},
        "rocket": {"configuration": {"name": "Falcon 9", "full_name": "Falcon 9 Block 5"}},
        "mission": {"name": f"Starlink Group 10-{n}"},
        "pad": {"name": "Space Launch Complex 40", "location": {"name": "Cape Canaveral SFS, FL, USA"}},
    }
    if precision:
        item["net_precision"] = {"abbrev": precision}
    return item


def page(items: list[dict[str, Any]], *, next_url: str | None = None, count: int | None = None) -> bytes:
    return json.dumps(
        {"count": len(items) if count is None else count, "next": next_url, "results": items}
    ).encode()


def forty(day: int = 10) -> list[dict[str, Any]]:
    return [launch(n, f"2030-01-{day + n % 15:02d}T{n % 24:02d}:30:00Z") for n in range(1, 41)]


# ---- time ----


class Clock:
    """A settable clock for dispatchers and the bot (``clock.now = ...`` moves it)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


# ---- snapshots applied to a store ----

T0 = datetime(2026, 3, 24, tzinfo=UTC)


def snap(
    ref: str = "soyuz5-rollout",
    when: TimeSpec | None = None,
    status: str | None = "go",
    title: str = "Soyuz-5 rollout",
    *,
    kind: EventKind = EventKind.EVENT,
    type_: str = "rollout",
    vehicle: str | None = "Soyuz-5",
    site: str | None = "Baikonur",
) -> EventSnapshot:
    return EventSnapshot(
        source_ref=ref,
        kind=kind,
        title=title,
        when=when or span(T0, Precision.DAY),
        status=status,
        type=type_,
        vehicle=vehicle,
        site=site,
    )


class ListSource:
    """A source whose parse returns what the test says (the pipeline needs only parse)."""

    def __init__(self, items: list[EventSnapshot], complete: bool = True) -> None:
        self.name, self.kind, self.url = "fake", "fake", ""
        self.parsed = Parsed(items, complete)

    def parse(self, doc: RawDocument) -> Parsed:
        return self.parsed


def apply(
    store: Store,
    items: list[EventSnapshot],
    at: datetime,
    complete: bool = True,
    policy: AlertPolicy | None = None,
) -> RunResult:
    source = ListSource(items, complete)
    with store.source_run("fake", "fake", "", at, policy=policy) as run:
        return ingest(run, source, RawDocument(b"", at), DropGuard())  # type: ignore[arg-type]


def seed_slips(url: str, channels: list[tuple[Any, str]], events: int, *, title: str = "Launch") -> int:
    """``events`` launches a month out, each slipped once, followed by one subscriber on
    ``channels``: one alert per launch and channel. The number of deliveries queued."""
    from datetime import timedelta

    from tracker.follows import parse_filter

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    t0 = now + timedelta(days=30)
    store = Store.open(url)
    store.subscriptions.add("watcher", "UTC", channels, {})
    store.subscriptions.follow("watcher", parse_filter(["all"]))
    items = [snap(f"l{n}", span(t0 + timedelta(hours=n), Precision.MINUTE), title=f"{title} {n}",
                  kind=EventKind.LAUNCH, type_="launch") for n in range(events)]  # fmt: skip
    apply(store, items, now - timedelta(hours=2))
    moved = [snap(s.source_ref, span(s.when.earliest + timedelta(days=1), Precision.MINUTE), title=s.title,
                  kind=EventKind.LAUNCH, type_="launch") for s in items]  # fmt: skip
    apply(store, moved, now - timedelta(hours=1))
    total = store.outbox.counts()["pending"]
    store.close()
    return total


# ---- console file deliveries ----

FOOTER = re.compile(r"^-- alerts ([\d ]+) --$", re.MULTILINE)


def blocks(path: Path) -> list[str]:
    return [b for b in path.read_text().split("\n\n") if b.strip()] if path.exists() else []


def delivered_ids(path: Path) -> list[int]:
    """The ids in the footers of a console file; a footer is the last line of its block."""
    lasts = [b.strip("\n").rpartition("\n")[2] for b in blocks(path)]
    return [int(i) for last in lasts if (m := FOOTER.fullmatch(last)) for i in m[1].split()]


# ---- tracker processes ----

SERIES = "ll2-launch-upcoming-2020-2021"
# Starlink 17 moves in each of these (corpus README §1).
STEPS = ["2021-02-01T1131Z", "2021-02-02T1131Z", "2021-02-03T1127Z", "2021-02-04T1124Z"]


def snapshot(stamp: str) -> bytes:
    (path,) = corpus_dir(SERIES).glob(f"*{stamp}*.json")
    return path.read_bytes()


def write_config(
    tmp: Path,
    url: str,
    server_url: str,
    *,
    coalesce: str = "1s",
    interval: float = 0.02,
    deliver_every: float = 0.3,
    name: str = "tracker.toml",
    scheduler: str = "",
    extra: str = "",
) -> Path:
    """A daemon's config: ``scheduler`` adds lines to [scheduler], ``extra`` tables at the end."""
    path = tmp / name
    path.write_text(
        f"""
[database]
url = "{url}"
[http]
retries = 0
host_interval_seconds = 0.0
respect_robots = false
[alerts]
coalesce = "{coalesce}"
[delivery]
interval_seconds = {deliver_every}
lease_seconds = 5.0
[scheduler]
tick_seconds = 0.3
{scheduler}
[[sources]]
name = "launches"
kind = "ll2-launches"
url = "{server_url}/2.0.0/launch/upcoming/"
interval_minutes = {interval}
{extra}
"""
    )
    return path


def tracker(config: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACKER_CONFIG": str(config)}
    env.pop("TRACKER_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "tracker.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=check)  # fmt: skip


# Every process `start` began; the autouse fixture `no_process_left` (conftest) stops the
# ones a test did not, so a failed test never leaves a daemon holding the database.
STARTED: list[subprocess.Popen[str]] = []
BOUND = 60.0  # seconds: the generous bound of every wait on an event (the machine may be loaded)


def start(
    config: Path, tmp: Path, name: str, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], Path]:
    """``tracker run`` in its own process group, once it says it is running."""
    env = {**os.environ, "TRACKER_CONFIG": str(config), **(env or {})}
    env.pop("TRACKER_DATABASE_URL", None)
    ready = tmp / f"{name}.ready"
    log = open(tmp / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    command = [sys.executable, "-m", "tracker.cli", *args, "run", "--ready-file", str(ready)]
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)  # fmt: skip
    log.close()  # the child has its own copy
    STARTED.append(proc)
    wait_for(lambda: ready.exists() or proc.poll() is not None, BOUND, "daemon start")
    assert proc.poll() is None, (tmp / f"{name}.log").read_text()
    return proc, ready


def stop(proc: subprocess.Popen[str], timeout: float = BOUND) -> int:
    """SIGTERM to the process group, and SIGKILL if it has not gone within ``timeout``."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)
    return proc.returncode


def wait_for(condition, seconds: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def alerts(sink: Path) -> list[str]:
    return [b for b in sink.read_text().split("\n\n") if b.strip()] if sink.exists() else []


def runs(config: Path) -> int:
    doc = json.loads(tracker(config, "status", "--json").stdout)
    return sum(1 for s in doc["sources"] if s["last_run"])


# ---- delivery across a killed dispatcher ----


def deliver_once(url: str, config: Path, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    """``tracker deliver --once`` as a process, killed at ``fault`` (``TRACKER_FAULT``) if given."""
    env = {**os.environ, "TRACKER_CONFIG": str(config), "TRACKER_DATABASE_URL": url}
    env.pop("TRACKER_FAULT", None)
    if fault:
        env["TRACKER_FAULT"] = fault
    return subprocess.run([sys.executable, "-m", "tracker.cli", "deliver", "--once"], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def isolate_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: str = "cli.db") -> str:
    """The CLI in-process on a fresh SQLite database, with no user config file; the URL."""
    url = f"sqlite:///{tmp_path / db}"
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    monkeypatch.delenv("TRACKER_CONFIG", raising=False)
    monkeypatch.setattr("tracker.config.load.default_config_path", lambda: tmp_path / "absent.toml")
    return url
