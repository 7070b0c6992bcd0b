"""The Starlette application: routes, the shared context, error pages and conditional GET.

Handlers are plain (sync) functions: Starlette runs them in its thread pool, which suits the
store's blocking sessions. Every error a visitor can cause ends as a short 4xx page (JSON
under ``/api``), never a traceback; every page is served with a strict Content-Security-Policy
(no script at all), on top of autoescaped templates.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from email.utils import format_datetime, parsedate_to_datetime
from functools import cache, partial
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tracker.config import ServeSection, TrackerConfig
from tracker.display import plain
from tracker.store.repo import Store
from tracker.web.feeds import Site
from tracker.web.query import BadRequest

log = logging.getLogger("tracker.web")

CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
_REASONS = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    413: "Too large",
    414: "Query too long",
    500: "Server error",
    501: "Not available",
    503: "Not configured",
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    """What every handler shares: the store, the settings, the clock and small caches."""

    store: Store
    settings: ServeSection
    zone: tzinfo
    secret: bytes | None
    clock: Callable[[], datetime] = _utcnow
    _cache: dict[Any, tuple[float, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def site(self) -> Site:
        host = urlsplit(self.settings.base_url).hostname if self.settings.base_url else None
        return Site(self.settings.base_url, host or "launch-tracker.invalid", self.zone)

    def cached(self, key: Any, seconds: float, make: Callable[[], Any]) -> Any:
        """``make()``, remembered for ``seconds`` (statistics read every event; charts are drawn)."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and now - hit[0] < seconds:
                return hit[1]
        value = make()
        with self._lock:
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[key] = (now, value)
        return value


def _safe_link(url: str | None) -> str | None:
    """A source's link, only when it is http(s) (never ``javascript:``)."""
    return url if url and url.startswith(("http://", "https://")) else None


@cache
def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("tracker.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=lambda value: plain(value) if isinstance(value, str) else value,
    )
    env.filters["safe_link"] = _safe_link
    return env


def page(ctx: Context, request: Request, name: str, code: int = 200, **values: Any) -> HTMLResponse:
    html = templates().get_template(name).render(request_path=request.url.path, **values)
    return HTMLResponse(html, status_code=code)


def conditional(
    request: Request, body: bytes, media_type: str, last_modified: datetime | None, *, private: bool
) -> Response:
    """A feed with an ETag (of its bytes) and Last-Modified; 304 when the client has it already."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": f"{'private' if private else 'public'}, max-age=300"}
    if last_modified is not None:
        headers["Last-Modified"] = format_datetime(last_modified.astimezone(UTC), usegmt=True)
    match = request.headers.get("if-none-match")
    since = request.headers.get("if-modified-since")
    if match is not None:
        tags = {t.strip().removeprefix("W/") for t in match.split(",")}
        if etag in tags or "*" in tags:
            return Response(status_code=304, headers=headers)
    elif since and last_modified is not None:
        try:
            client = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            client = None
        if client is not None and client.tzinfo and last_modified.replace(microsecond=0) <= client:
            return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def _error(ctx: Context, request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"error": message, "status": status}, status_code=status)
    reason = _REASONS.get(status, "Error")
    return page(
        ctx, request, "error.html.j2", status, title=reason, status=status, reason=reason, message=message
    )


def _handlers(ctx: Context) -> dict[Any, Callable[[Request, Exception], Response]]:
    def bad(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BadRequest)
        return _error(ctx, request, exc.status, str(exc))

    def http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        status = exc.status_code
        detail = exc.detail if exc.detail and exc.detail != HTTPStatus(status).phrase else None
        default = "There is no such page here." if status == 404 else _REASONS.get(status, "Error")
        return _error(ctx, request, status, detail or default)

    def crash(request: Request, exc: Exception) -> Response:
        log.error("error answering %s", request.url.path, exc_info=exc)
        return _error(ctx, request, 500, "Something went wrong on our side; it has been logged.")

    return {BadRequest: bad, HTTPException: http, Exception: crash}


class SecurityHeaders:
    """No script, no framing, no sniffing, on every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(
    store: Store,
    settings: ServeSection,
    zone: tzinfo,
    *,
    secret: bytes | None = None,
    clock: Callable[[], datetime] = _utcnow,
) -> Starlette:
    """The web application over ``store``. ``secret`` signs feed and unsubscribe tokens."""
    from tracker.web import api, views

    ctx = Context(store, settings, zone, secret, clock)

    def bind(handler: Callable[..., Any]) -> Callable[[Request], Any]:
        return partial(handler, ctx)

    routes = [
        Route("/", bind(views.upcoming)),
        Route("/events/{event_id:int}", bind(views.event_page)),
        Route("/events/{event_id:int}/chart.png", bind(views.chart)),
        Route("/changes", bind(views.changes_page)),
        Route("/sources", bind(views.sources_page)),
        Route("/stats", bind(views.stats_page)),
        Route("/feeds/calendar.ics", bind(views.public_calendar)),
        Route("/feeds/changes.atom", bind(views.public_atom)),
        Route("/feeds/s/{token}/calendar.ics", bind(views.private_calendar)),
        Route("/feeds/s/{token}/changes.atom", bind(views.private_atom)),
        Route("/unsubscribe", bind(views.unsubscribe), methods=["GET", "POST"]),
        Route("/healthz", lambda _request: Response("ok\n", media_type="text/plain")),
        *api.routes(bind),
        Mount("/static", StaticFiles(packages=[("tracker.web", "static")]), name="static"),
    ]
    return Starlette(
        routes=routes, exception_handlers=_handlers(ctx), middleware=[Middleware(SecurityHeaders)]
    )


def app_from_config(cfg: TrackerConfig, store: Store) -> Starlette:
    return create_app(store, cfg.serve, cfg.zone, secret=cfg.serve.secret())
