"""Running the web application under uvicorn: in the foreground (``tracker serve``) or in a
thread beside the daemon's jobs (``tracker run`` with ``[serve] enabled``)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import TYPE_CHECKING

from tracker.config import TrackerConfig
from tracker.errors import UserError
from tracker.store.repo import Store

if TYPE_CHECKING:
    import uvicorn
    from starlette.types import ASGIApp

log = logging.getLogger("tracker.web")


def _config(app: ASGIApp) -> uvicorn.Config:
    import uvicorn

    # Behind a reverse proxy on the same host, X-Forwarded-* from loopback is trusted.
    return uvicorn.Config(
        app,
        log_config=None,  # the tracker set up logging already
        log_level="warning",
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        server_header=False,
    )


def bind(address: str, port: int) -> socket.socket:
    """The listening socket, bound here so that a busy port is one clear line, and port 0 works."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((address, port))
    except OSError as exc:
        sock.close()
        raise UserError(f"cannot listen on {address}:{port}: {exc.strerror}") from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def run_server(cfg: TrackerConfig, store: Store, address: str, port: int) -> None:
    """Serve until SIGINT/SIGTERM (uvicorn handles both and finishes open requests)."""
    from tracker.web.app import app_from_config

    sock = bind(address, port)
    host, real_port = sock.getsockname()[:2]
    print(f"tracker serve: listening on http://{host}:{real_port}/", flush=True)
    import uvicorn

    uvicorn.Server(_config(app_from_config(cfg, store))).run(sockets=[sock])


class BackgroundServer:
    """uvicorn in a thread (it installs no signal handlers there); ``stop`` lets it finish."""

    def __init__(self, app: ASGIApp, address: str, port: int) -> None:
        import uvicorn

        self._sock = bind(address, port)
        self.address, self.port = self._sock.getsockname()[:2]
        self._server = uvicorn.Server(_config(app))
        self._thread = threading.Thread(target=self._run, name="tracker-web", daemon=True)

    @property
    def url(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"http://{host}:{self.port}"

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._sock])
        except Exception:  # the daemon's other work goes on without the web view
            log.exception("the web server stopped with an error")

    def start(self, timeout: float = 20.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the web server did not start on {self.url}")
            time.sleep(0.02)
        log.info("web view on %s", self.url)

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._sock.close()


def start_background(cfg: TrackerConfig, store: Store) -> BackgroundServer | None:
    """The web view beside ``tracker run``'s jobs; None (logged) when it cannot start, so that
    polling and delivery go on without it."""
    from tracker.web import require

    settings = cfg.serve
    try:
        require()
        from tracker.web.app import app_from_config

        server = BackgroundServer(app_from_config(cfg, store), settings.address, settings.port)
        server.start()
    except (UserError, RuntimeError) as exc:
        log.error("the web view is not running: %s", exc)
        return None
    return server
