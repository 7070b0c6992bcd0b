"""A poll's cost against the size of the history: one poll of a 100-item LL2 page,
fetched over loopback HTTP and applied to stores of 0 / 1k / 10k / 100k past events
(with revisions and fetch runs in proportion, see ``synthetic``), as a ratio to the same
poll on the empty store; once when it moves 5 events and once when it changes nothing."""

from __future__ import annotations

import copy
import json
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scripts.benchmarks import synthetic
from scripts.benchmarks.harness import Section, Sizes, median_cpu, ms, ratio
from tests.fakes.recorded_server import recorded_server
from tests.helpers import CORPUS
from tracker.pipeline import poll
from tracker.sources import build_source
from tracker.sources.http import Http, HttpSettings
from tracker.store.repo import Store

ITEMS = 100
MOVED = 5


def page(now: datetime, shift_days: int = 0) -> bytes:
    """A real LL2 upcoming page widened to ``ITEMS`` launches (copies of the recorded
    ones under new ids, a day apart); the first ``MOVED`` are shifted by ``shift_days``."""
    recorded = json.loads(
        (CORPUS / "ll2-launch-upcoming-2020-2021" / "ll2-launch-upcoming-2020-11-12T1117Z.json").read_bytes()
    )
    models: list[dict[str, Any]] = recorded["results"]
    results = []
    for n in range(ITEMS):
        item = copy.deepcopy(models[n % len(models)])
        item["id"] = str(uuid.UUID(int=n + 1))
        item["name"] = f"{item['name']} #{n}"
        net = (
            now + timedelta(days=n + 1, hours=3) + (timedelta(days=shift_days) if n < MOVED else timedelta())
        )
        item["net"] = net.strftime("%Y-%m-%dT%H:%M:%SZ")
        item["window_start"] = item["window_end"] = item["net"]
        results.append(item)
    return json.dumps({"count": ITEMS, "next": None, "previous": None, "results": results}).encode()


def _measure(url: str, now: datetime, repeats: int) -> tuple[float, float]:
    """(CPU seconds per poll that moves 5 events, per poll that changes nothing): the
    process's CPU, server thread included, is steadier than the wall on a shared machine."""
    store = Store.open(url)
    source = build_source("ll2-launches", "ll2-launches", trust=80)
    http = Http(HttpSettings(host_interval_seconds=0, retries=0))
    try:
        with recorded_server() as server:
            source.url = server.url + "/2.2.0/launch/upcoming/"
            server.serve(page(now))
            poll(store, source, http)  # the page's launches become known (not measured)
            poll(store, source, http)
            shift = [0]

            def moving() -> None:
                shift[0] += 1
                server.serve(page(now, shift[0]))
                result = poll(store, source, http)
                assert len(result.changes) == MOVED, result

            def still() -> None:
                result = poll(store, source, http)
                assert not result.changes, result.changes

            moved = median_cpu(moving, repeats)
            unchanged = median_cpu(still, repeats)
    finally:
        store.close()
    return moved, unchanged


def run(sizes: Sizes) -> list[Section]:
    now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    section = Section(
        f"Poll cost against history ({ITEMS}-item LL2 page over loopback HTTP, SQLite)",
        [
            "past events",
            "revisions",
            "CPU per poll moving 5",
            "× empty",
            "CPU per poll changing none",
            "× empty",
        ],
    )
    base: tuple[float, float] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for events in sizes.events:
            url = synthetic.copy_of(events, now, Path(tmp)) if events else f"sqlite:///{tmp}/empty.db"
            moved, unchanged = _measure(url, now, sizes.repeats * 2)
            base = base or (moved, unchanged)
            section.rows.append([
                f"{events:,}", f"{events * synthetic.REVISIONS:,}",
                ms(moved), ratio(moved, base[0]), ms(unchanged), ratio(unchanged, base[1]),
            ])  # fmt: skip
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    section.notes.append("Target (issue 16): at most 1.5× the empty store at 100k events, both columns.")
    return [section]
