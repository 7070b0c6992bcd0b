"""The web view's fixtures: the Space Coast series replayed once per session, and the real
server (uvicorn in a thread, on a free loopback port) with a recorder of what it answered."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import EXAMPLES, corpus_dir
from tracker.config import ServeSection
from tracker.config.load import load_config
from tracker.pipeline import replay
from tracker.sources import build_source
from tracker.store.repo import Store

SPACECOAST = "ll2-spacecoast-2025-2026"
SECRET = b"a web secret for the tests"
# Between the Space Coast snapshots: Artemis II is still ahead, at its final NET of 2026-04-01.
MID_SERIES = datetime(2026, 3, 1, tzinfo=UTC)


def spacecoast_source() -> Any:
    cfg = load_config(EXAMPLES / "ll2-spacecoast.toml").source("spacecoast")
    return build_source(cfg.kind, cfg.name, cfg.url, cfg.options, cfg.trust)


@pytest.fixture(scope="session")
def spacecoast_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole series (439 files) replayed into SQLite once; tests open copies or read it."""
    path = tmp_path_factory.mktemp("spacecoast") / "tracker.db"
    store = Store.open(f"sqlite:///{path}")
    try:
        results = [r for _, r in replay(store, spacecoast_source(), [corpus_dir(SPACECOAST)])]
    finally:
        store.close()
    assert len(results) == 439 and all(r.outcome.healthy for r in results)
    return path


@pytest.fixture
def spacecoast(spacecoast_db: Path, tmp_path: Path) -> Iterator[Store]:
    """A private copy of the replayed series (a test may write to it)."""
    copy = tmp_path / "spacecoast.db"
    shutil.copy(spacecoast_db, copy)
    store = Store.open(f"sqlite:///{copy}")
    yield store
    store.close()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Live:
    """A running server: its URL, and (method, path, status) of every answer it gave."""

    url: str
    answers: list[tuple[str, str, int]] = field(default_factory=list)

    def errors(self) -> list[tuple[str, str, int]]:
        return [a for a in self.answers if a[2] >= 400]


class Recorder:
    """ASGI middleware noting each answer's status, to tell what a browser's page load fetched."""

    def __init__(self, app: Any, live: Live) -> None:
        self.app, self.live = app, live

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def noting(message: Any) -> None:
            if message["type"] == "http.response.start":
                self.live.answers.append((scope["method"], scope["path"], message["status"]))
            await send(message)

        await self.app(scope, receive, noting if scope["type"] == "http" else send)


@pytest.fixture
def serve() -> Iterator[Callable[..., Live]]:
    """``serve(store, clock=..., secret=..., base_url=...)`` starts the real server; all stop after the test."""
    from tracker.web.app import create_app
    from tracker.web.server import BackgroundServer

    started: list[BackgroundServer] = []

    def start(
        store: Store,
        *,
        clock: Callable[[], datetime] | None = None,
        secret: bytes | None = SECRET,
        base_url: str = "",
    ) -> Live:
        live = Live("")
        holder: dict[str, Any] = {}

        def app_for(url: str) -> Any:
            settings = ServeSection(base_url=base_url or url)
            return create_app(store, settings, UTC, secret=secret, clock=clock or Clock(MID_SERIES))

        # The base URL is the server's own, known once its port is: the app is built lazily.
        async def app(scope: Any, receive: Any, send: Any) -> None:
            if "app" not in holder:
                holder["app"] = Recorder(app_for(live.url), live)
            await holder["app"](scope, receive, send)

        server = BackgroundServer(app, "127.0.0.1", 0)
        live.url = server.url
        server.start()
        started.append(server)
        return live

    yield start
    for server in started:
        server.stop()


ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "web"


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed with apt-get when missing and we may; else a clear failure."""
    import os
    import subprocess

    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and shutil.which("apt-get") and os.geteuid() == 0:
        for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            subprocess.run(step, capture_output=True, timeout=900, check=False)
        found = shutil.which("chromium")
    if found is None:
        pytest.fail(
            "the web view tests need a headless browser: Debian's chromium (apt-get install -y chromium)"
        )
    return found


@pytest.fixture
def browse(chromium: str, tmp_path: Path) -> Callable[[str, str], str]:
    """``browse(url, name)``: loads the page in headless chromium at a phone's width, keeps a
    screenshot as ``artifacts/web/<name>.png`` and returns the DOM it built."""
    import subprocess

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    profile = tmp_path / "chromium-profile"
    flags = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             "--hide-scrollbars", f"--user-data-dir={profile}", "--window-size=412,1600"]  # fmt: skip

    def load(url: str, name: str) -> str:
        shot = ARTIFACTS / f"{name}.png"
        shot.unlink(missing_ok=True)
        subprocess.run([*flags, f"--screenshot={shot}", url], capture_output=True, timeout=120, check=True)
        assert shot.stat().st_size > 5000, f"{name}: the screenshot is (nearly) empty"
        dom = subprocess.run(
            [*flags, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True
        )
        return dom.stdout

    return load
