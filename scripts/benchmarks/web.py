"""The web view on a large store: every page timed over real HTTP on loopback on a store
of N listed upcoming events (the list pages' worst case; ``synthetic``'s shape) beside
the same pages on a store a hundredth the size."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import requests

from scripts.benchmarks import synthetic
from scripts.benchmarks.harness import Section, Sizes, median_seconds, ms, ratio
from tracker.config import ServeSection
from tracker.store.repo import Store
from tracker.web.app import create_app
from tracker.web.server import BackgroundServer

PAGES = ["/", "/?vehicle=Falcon+9&page=3", "/?q=Synthetic-4242", "/?site=LC-39A&kind=launch", "/events/{mid}",
         "/events/{mid}/chart.png", "/changes?since=30d", "/changes?since=30d&vehicle=Electron",
         "/feeds/calendar.ics?vehicle=PSLV", "/feeds/changes.atom", "/api/upcoming?limit=1000",
         "/api/changes?since=30d&limit=1000", "/sources", "/stats?by=vehicle"]  # fmt: skip


def _get(url: str) -> None:
    answer = requests.get(url, timeout=300)
    assert answer.status_code == 200, (url, answer.status_code, answer.text[:200])


def _pages(count: int, now: datetime, folder: Path, repeats: int) -> dict[str, float]:
    store = Store.open(synthetic.copy_of(0, now, folder, upcoming=count))
    server = BackgroundServer(create_app(store, ServeSection(), UTC, clock=lambda: now), "127.0.0.1", 0)
    server.start()
    try:
        times = {"/stats?by=kind (cold)": median_seconds(lambda: _get(server.url + "/stats?by=kind"), 1)}
        mid = str(count // 2)
        for page in PAGES:
            url = server.url + page.replace("{mid}", mid)
            times[page] = median_seconds(lambda url=url: _get(url), repeats)  # type: ignore[misc]
        return times
    finally:
        server.stop()
        store.close()


def run(sizes: Sizes) -> list[Section]:
    count = 100_000 if sizes.name == "full" else 2_000
    now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        small = _pages(count // 100, now, Path(tmp), sizes.repeats)
        large = _pages(count, now, Path(tmp), sizes.repeats)
    section = Section(
        f"Web view: each page over loopback HTTP, {count:,} listed events against {count // 100:,}",
        ["page", f"{count // 100:,} events", f"{count:,} events", "ratio"],
    )
    for page, seconds in large.items():
        section.rows.append([f"`{page}`", ms(small[page]), ms(seconds), ratio(seconds, small[page])])
    section.notes.append(
        "Medians of wall time (the server runs in this process). Pages read bounded slices "
        "(a page of rows, an index range), so the ratio says how much the size of the store leaks into a page."
    )
    return [section]
