"""The one HTTP layer every source fetches through: honest User-Agent, timeouts,
a cap on response size, conditional requests, and retries that honour Retry-After.

Every fetch has one wall-clock deadline (``deadline_seconds``, by default three times
``timeout_seconds``) covering robots.txt, connecting, headers, body, redirects, retries
and the extra pages of a paginated source. It is enforced while a read blocks, not
between chunks: a timer shuts down the fetch's sockets when it passes, so a server
that drips one byte a second cannot stretch it. A Retry-After that does not fit in
what is left of the deadline is not slept: the fetch fails with it, and the source is
deferred by the scheduler.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from tracker import USER_AGENT
from tracker.errors import Interrupted, SourceError
from tracker.models import FetchOutcome, RawDocument

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HttpSettings:
    user_agent: str = USER_AGENT
    timeout_seconds: float = 30.0
    max_bytes: int = 20_000_000
    retries: int = 2
    backoff_seconds: float = 2.0
    max_wait_seconds: float = 120.0
    host_interval_seconds: float = 1.0  # at least this long between two requests to one host
    respect_robots: bool = True
    deadline_seconds: float | None = None  # one fetch, everything included; None or 0: 3 × timeout
    max_redirects: int = 10

    @property
    def deadline(self) -> float:
        return self.deadline_seconds or 3 * self.timeout_seconds

    @classmethod
    def from_section(cls, section: Any) -> HttpSettings:
        """From the ``[http]`` section of the configuration (its keys are a subset of these, but for
        the parse limits, which ``tracker.sources.bounded`` keeps)."""
        return cls(**section.model_dump(exclude={"max_depth", "max_items"}))


class _Fetch:
    """The deadline of one fetch and the sockets it uses; past the deadline they are shut
    down, which ends any read or write blocked on them at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self.expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            late = self.expired
        if late:
            _shut(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._sockets.clear()


def _shut(sock: socket.socket) -> None:
    with suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


_current = threading.local()  # .fetch: the _Fetch this thread is running, if any


def _watch(conn: HTTPConnection) -> None:
    fetch: _Fetch | None = getattr(_current, "fetch", None)
    if fetch is not None:
        fetch.watch(conn.sock)


class _WatchedHTTP(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _watch(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self)  # a kept-alive connection joins the fetch that reuses it
        super().request(*args, **kwargs)


class _WatchedHTTPS(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _watch(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self)
        super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTP


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPS


class _WatchedAdapter(HTTPAdapter):
    """An adapter whose connections report their sockets to the running fetch."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class HostPacer:
    """Spaces requests to each host by ``interval`` seconds, plus up to 20 % jitter."""

    def __init__(
        self,
        interval: float,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self._sleep = sleep
        self._clock = clock
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str) -> None:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            now = self._clock()
            at = max(now, self._next.get(host, now))
            self._next[host] = at + self.interval * random.uniform(1.0, 1.2)
        if at > now:
            self._sleep(at - now)


class Robots:
    """robots.txt per host, read once a day through the same session. A robots.txt
    that cannot be read allows everything (as crawlers conventionally do)."""

    ttl = 86400.0

    def __init__(self, fetch: Callable[[str], tuple[int, str]], agent: str) -> None:
        self._fetch = fetch
        self._agent = agent
        self._cache: dict[str, tuple[float, RobotFileParser | None]] = {}

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return True
        root = f"{parts.scheme}://{parts.netloc}"
        cached = self._cache.get(root)
        if cached is None or time.monotonic() - cached[0] > self.ttl:
            parser: RobotFileParser | None = None
            try:
                status, text = self._fetch(root + "/robots.txt")
                if status == 200:
                    parser = RobotFileParser()
                    parser.parse(text.splitlines())
            except requests.RequestException:
                parser = None
            self._cache[root] = cached = (time.monotonic(), parser)
        parser = cached[1]
        return parser is None or parser.can_fetch(self._agent, url)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def network_reason(exc: requests.RequestException, settings: HttpSettings) -> str:
    """A one-line cause for a failed request, without the library's nested reprs."""
    text = str(exc)
    if isinstance(exc, requests.Timeout):
        return f"no answer within {settings.timeout_seconds:g} s"
    if isinstance(exc, requests.TooManyRedirects):
        return f"more than {settings.max_redirects} redirects (a redirect loop?)"
    if isinstance(exc, requests.exceptions.InvalidSchema | requests.exceptions.MissingSchema):
        return "redirected to a URL that is not http or https"
    if "NameResolutionError" in text or "Name or service not known" in text or "getaddrinfo" in text:
        return "host name does not resolve (no network or DNS?)"
    if "Connection refused" in text:
        return "connection refused"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS error"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    return type(exc).__name__


class Http:
    """A ``requests`` session with the tracker's manners."""

    keep_pages = 500

    def __init__(
        self,
        settings: HttpSettings | None = None,
        sleep: Callable[[float], None] = time.sleep,
        stop: threading.Event | None = None,
        pages: Path | None = None,
    ) -> None:
        self.settings = settings or HttpSettings()
        self._pages = pages  # a folder where kept pages outlive the process (see `keep`)
        self._stop = stop
        self._sleep = self._interruptible(sleep)
        self._session = requests.Session()
        self._session.headers["User-Agent"] = self.settings.user_agent
        self._session.headers["Accept-Encoding"] = "gzip, deflate"
        self._session.max_redirects = self.settings.max_redirects
        for prefix in ("http://", "https://"):
            self._session.mount(prefix, _WatchedAdapter())
        self._pacer = HostPacer(self.settings.host_interval_seconds, sleep)
        self._robots = Robots(self._fetch_text, self.settings.user_agent)
        self._kept: OrderedDict[str, tuple[str, bytes]] = OrderedDict()

    def _interruptible(self, sleep: Callable[[float], None]) -> Callable[[float], None]:
        """Waits that end at once, with ``Interrupted``, when the process is stopping."""
        if self._stop is None:
            return sleep
        stop = self._stop

        def wait(seconds: float) -> None:
            if stop.wait(seconds):
                raise Interrupted("shutting down")

        return wait

    def _fetch_text(self, url: str) -> tuple[int, str]:
        self._pacer.wait(url)
        response = self._session.get(url, timeout=self._timeout())
        return response.status_code, response.text[:500_000]

    def close(self) -> None:
        self._session.close()

    def cached(self, url: str, version: str) -> bytes | None:
        """The body kept for ``url`` when it was fetched under the same ``version`` (see `keep`)."""
        kept = self._kept.get(url)
        if kept is None and self._pages is not None:
            kept = self._read_kept(url)
            if kept is not None:
                self._kept[url] = kept
        if kept is None or kept[0] != version:
            return None
        self._kept.move_to_end(url)
        return kept[1]

    def keep(self, url: str, version: str, body: bytes) -> None:
        """Keep a page that does not change while its ``version`` does not (a news article and the
        date its feed gives it), so that the next poll reads it without a request. The last
        ``keep_pages`` pages are kept: in memory for as long as this HTTP layer lives and, with a
        ``pages`` folder, on disk too, so that a ``tracker poll`` run by cron asks no page twice."""
        self._kept[url] = (version, body)
        self._kept.move_to_end(url)
        while len(self._kept) > self.keep_pages:
            self._kept.popitem(last=False)
        if self._pages is not None:
            self._write_kept(url, version, body)

    def _kept_path(self, url: str) -> Path:
        assert self._pages is not None
        return self._pages / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".page")

    def _read_kept(self, url: str) -> tuple[str, bytes] | None:
        try:
            data = self._kept_path(url).read_bytes()
        except OSError:
            return None
        head, sep, body = data.partition(b"\n")
        stored_url, _, version = head.decode("utf-8", "replace").partition(" ")
        return (version, body) if sep and stored_url == url.replace(" ", "%20") else None

    def _write_kept(self, url: str, version: str, body: bytes) -> None:
        """Write atomically (a crash leaves the old page or none), then forget the oldest pages."""
        assert self._pages is not None
        try:
            self._pages.mkdir(parents=True, exist_ok=True)
            path = self._kept_path(url)
            partial = path.with_suffix(".partial")
            header = f"{url.replace(' ', '%20')} {version}".replace("\n", " ").encode()
            partial.write_bytes(header + b"\n" + body)
            os.replace(partial, path)
            pages = list(self._pages.glob("*.page"))
            if len(pages) > self.keep_pages:
                pages.sort(key=lambda p: p.stat().st_mtime)
                for old in pages[: len(pages) - self.keep_pages]:
                    old.unlink(missing_ok=True)
        except OSError as exc:  # a page not kept is fetched again next time; nothing is lost
            log.info("page cache %s: %s", self._pages, exc.strerror)

    @contextmanager
    def deadline(self, seconds: float | None = None) -> Iterator[_Fetch]:
        """One deadline for everything fetched inside (a source's pages, robots.txt...).
        Nested calls share the outer deadline."""
        outer: _Fetch | None = getattr(_current, "fetch", None)
        if outer is not None:
            yield outer
            return
        fetch = _Fetch(seconds if seconds is not None else self.settings.deadline)
        _current.fetch = fetch
        try:
            yield fetch
        finally:
            _current.fetch = None
            fetch.close()

    def _timeout(self) -> float:
        """The socket timeout: the configured one, or what is left of the deadline if less."""
        fetch: _Fetch | None = getattr(_current, "fetch", None)
        left = fetch.remaining() if fetch is not None else self.settings.timeout_seconds
        return max(0.05, min(self.settings.timeout_seconds, left))

    def _overdue(self, url: str) -> SourceError:
        fetch: _Fetch | None = getattr(_current, "fetch", None)
        seconds = fetch.seconds if fetch is not None else self.settings.deadline
        return SourceError(
            f"{url}: no complete answer within {seconds:g} s (the fetch's deadline)",
            FetchOutcome.NETWORK_ERROR,
        )

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
        headers: Mapping[str, str] | None = None,
    ) -> RawDocument:
        """GET ``url``; a 304 is a healthy ``not_modified`` document, errors raise SourceError.
        Within the running fetch's deadline, or one of its own. ``headers`` are the source's
        own (an API key), sent with this request only."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise SourceError(
                f"{url}: only http and https URLs are fetched", FetchOutcome.HTTP_ERROR, permanent=True
            )
        with self.deadline() as fetch:
            try:
                return self._get(url, params, etag, last_modified, accept, headers)
            except (SourceError, requests.RequestException, OSError):
                if fetch.expired or fetch.remaining() <= 0:
                    raise self._overdue(url) from None
                raise

    def _get(
        self,
        url: str,
        params: Mapping[str, Any] | None,
        etag: str | None,
        last_modified: str | None,
        accept: str,
        headers: Mapping[str, str] | None = None,
    ) -> RawDocument:
        if self.settings.respect_robots and not self._robots.allowed(url):
            raise SourceError(
                f"robots.txt of {urlsplit(url).netloc} does not allow {url}",
                FetchOutcome.HTTP_ERROR,
                permanent=True,
            )
        headers = {**(headers or {}), "Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            if self._stop is not None and self._stop.is_set():
                raise Interrupted("shutting down")
            try:
                return self._get_once(url, params, headers)
            except SourceError as exc:
                wait = exc.retry_after
                if exc.permanent or attempt >= self.settings.retries:
                    raise
                attempt += 1
                backoff = self.settings.backoff_seconds * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)
                pause = wait if wait is not None else backoff
                fetch: _Fetch = _current.fetch
                if pause > min(self.settings.max_wait_seconds, fetch.remaining() - 1):
                    raise  # not slept: the source is deferred instead (``retry_after``)
                self._sleep(pause)

    def _get_once(self, url: str, params: Mapping[str, Any] | None, headers: dict[str, str]) -> RawDocument:
        self._pacer.wait(url)
        observed_at = datetime.now(UTC)
        try:
            response = self._session.get(
                url, params=params, headers=headers, timeout=self._timeout(), stream=True
            )
        except requests.RequestException as exc:
            raise SourceError(
                f"cannot reach {url}: {network_reason(exc, self.settings)}", FetchOutcome.NETWORK_ERROR
            ) from exc
        with response:
            status = response.status_code
            if status == 304:
                return RawDocument(b"", observed_at, response.url, status, None, not_modified=True)
            if status >= 400:
                raise SourceError(
                    f"HTTP {status} from {response.url}",
                    FetchOutcome.HTTP_ERROR,
                    status=status,
                    permanent=status in (400, 401, 403, 404, 410),
                    # 410 Gone: the source itself says this URL will not come back.
                    retry_after=retry_after_seconds(response.headers.get("Retry-After")),
                )
            body = bytearray()
            try:
                for chunk in response.iter_content(64 * 1024):  # a blocked read ends at the deadline
                    body.extend(chunk)
                    if len(body) > self.settings.max_bytes:
                        raise SourceError(
                            f"response from {url} is larger than {self.settings.max_bytes} bytes",
                            FetchOutcome.HTTP_ERROR,
                            status=status,
                            permanent=True,
                        )
            except requests.RequestException as exc:
                raise SourceError(
                    f"connection broke while reading {url}: {exc}", FetchOutcome.NETWORK_ERROR
                ) from exc
            if _current.fetch.expired:  # the deadline cut the body short: never a document
                raise self._overdue(url)
            return RawDocument(
                bytes(body),
                observed_at,
                response.url,
                status,
                response.headers.get("Content-Type"),
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
                moved_to=response.url if any(r.status_code in (301, 308) for r in response.history) else None,
            )
