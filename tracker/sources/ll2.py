"""Launch Library 2 (The Space Devs): upcoming launches and upcoming events.

Tolerates the API versions seen in recordings, 2.0.0 to 2.3.0: ``status`` as an
object or a string, ``net_precision`` as an object, an abbreviation or absent,
provider/vehicle as nested objects or flattened strings.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field

from tracker.errors import ParseError, SourceError
from tracker.models import Briefing, EventKind, EventSnapshot, Parsed, RawDocument
from tracker.sources.base import Source
from tracker.sources.bounded import load_json
from tracker.status import normalise_status
from tracker.timespec import from_ll2, parse_iso

if TYPE_CHECKING:
    from tracker.sources.http import Http

log = logging.getLogger(__name__)


class LL2Options(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(100, ge=1, le=100, description="items per page (LL2 allows up to 100)")
    max_pages: int = Field(3, ge=1, le=50, description="follow `next` links at most this many pages")
    mode: str = Field("normal", pattern="^(list|normal|detailed)$")
    params: dict[str, str | int] = Field(default_factory=dict, description="extra query parameters")
    api_key_env: str = Field(
        "",
        pattern=r"^([A-Za-z_][A-Za-z0-9_]*)?$",
        description="NAME of the environment variable holding an LL2 API key (sent as Authorization: Token)",
    )
    web_url: str = Field(
        "https://spacelaunchnow.me",
        pattern=r"^(https?://\S+)?$",
        description="site whose /launch/<slug>/ and /event/<slug>/ pages alerts link to; empty: LL2's own links",
    )


def _name(value: Any, *keys: str) -> str | None:
    """A display name from a string, or from the first present key of an object."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        for key in keys or ("name",):
            found = value.get(key)
            if isinstance(found, str) and found.strip():
                return found.strip()
    return None


def _text(value: Any) -> str | None:
    """A string field, or None for any other type: a retyped date is no date (the pipeline's
    drift check then sees the field vanish from every item, rather than a move)."""
    return value if isinstance(value, str) else None


def _instant(value: Any) -> Any:
    if not value or not isinstance(value, str):
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None


def _pages(doc: RawDocument, what: str) -> tuple[list[dict[str, Any]], bool]:
    """All result objects of a document and its extra pages, and whether that is the whole list."""
    items: list[dict[str, Any]] = []
    complete = True
    for body in [doc.body, *doc.extra_pages]:
        page = load_json(body, what)
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise ParseError(f"{what} document has no 'results' list")
        items.extend(r for r in page["results"] if isinstance(r, dict))
        complete = not page.get("next")
        count = page.get("count")
    if isinstance(count, int) and count > len(items):
        complete = False
    return items, complete


FREE_PER_HOUR = 15  # LL2's free tier: requests an hour per IP; configured budgets are shares of it
_THROTTLE_TTL = 3600.0
_throttles: dict[
    tuple[str, str], tuple[float, int | None]
] = {}  # (throttle url, key digest) -> (when, limit)


class _LL2Source(Source[LL2Options]):
    what: ClassVar[str] = "LL2"

    def _auth(self) -> dict[str, str]:
        """``Authorization: Token <key>`` when ``api_key_env`` names a set variable."""
        name = self.options.api_key_env
        key = os.environ.get(name, "").strip() if name else ""
        return {"Authorization": f"Token {key}"} if key else {}

    def budget_per_hour(self, configured: int, http: Http) -> int:
        """With an API key, the configured share of the free tier's 15 requests an hour is
        scaled to the key's own limit, as LL2's ``api-throttle`` endpoint states it (calls to
        it are not counted; asked at most once an hour)."""
        auth = self._auth()
        if not auth or configured <= 0:
            return configured
        limit = self._hourly_limit(http, auth)
        return max(configured, configured * limit // FREE_PER_HOUR) if limit else configured

    def _hourly_limit(self, http: Http, auth: dict[str, str]) -> int | None:
        url = throttle_url(self.url)
        key = (url, hashlib.sha256(auth["Authorization"].encode()).hexdigest())
        now = time.monotonic()
        cached = _throttles.get(key)
        if cached is not None and now - cached[0] < _THROTTLE_TTL:
            return cached[1]
        try:
            doc = http.get(url, accept="application/json", headers=auth)
            limit = hourly_limit(load_json(doc.body, "LL2 api-throttle"))
        except (SourceError, ParseError) as exc:
            log.info("LL2 api-throttle unreadable (%s); keeping the configured budget", exc)
            limit = None
        _throttles[key] = (now, limit)
        return limit

    def fetch(self, http: Http, *, etag: str | None = None, last_modified: str | None = None) -> RawDocument:
        opts = self.options
        params: dict[str, Any] = {"limit": opts.limit, "mode": opts.mode, **opts.params}
        auth = self._auth()
        first = http.get(
            self.url, params=params, etag=etag, last_modified=last_modified, accept="application/json",
            headers=auth,
        )  # fmt: skip
        if first.not_modified:
            return first
        extra: list[bytes] = []
        page = load_json(first.body, self.what)
        next_url = page.get("next") if isinstance(page, dict) else None
        visited = {first.url, self.url}
        while next_url and len(extra) + 1 < opts.max_pages:
            if str(next_url) in visited:  # a pagination loop: the pages read so far are the list
                break
            visited.add(str(next_url))
            more = http.get(str(next_url), accept="application/json", headers=auth)
            extra.append(more.body)
            following = load_json(more.body, self.what)
            next_url = following.get("next") if isinstance(following, dict) else None
        return RawDocument(
            first.body,
            first.observed_at,
            first.url,
            first.status,
            first.content_type,
            etag=first.etag,
            last_modified=first.last_modified,
            extra_pages=extra,
            moved_to=first.moved_to,
        )


def throttle_url(url: str) -> str:
    """``https://ll.thespacedevs.com/2.3.0/launches/upcoming/`` → ``…/2.3.0/api-throttle/``."""
    parts = urlsplit(url)
    match = re.match(r"^(.*?/\d+\.\d+\.\d+/)", parts.path)
    base = match.group(1) if match else "/"
    return str(urlunsplit((parts.scheme, parts.netloc, base + "api-throttle/", "", "")))


def hourly_limit(doc: Any) -> int | None:
    """Requests an hour from ``{"your_request_limit": 300, "limit_frequency_secs": 3600, ...}``."""
    if not isinstance(doc, dict):
        return None
    limit, every = doc.get("your_request_limit"), doc.get("limit_frequency_secs")
    if not isinstance(limit, int) or not isinstance(every, int | float) or limit <= 0 or every <= 0:
        return None
    return int(limit * 3600 // every)


class LL2Launches(_LL2Source):
    """``/launch/upcoming`` (2.0.0–2.2.0) or ``/launches/upcoming`` (2.3.0)."""

    default_url = "https://ll.thespacedevs.com/2.3.0/launches/upcoming/"
    what = "LL2 launches"

    def parse(self, doc: RawDocument) -> Parsed:
        items, complete = _pages(doc, self.what)
        return Parsed(
            [snap for item in items if (snap := launch_snapshot(item, self.options.web_url)) is not None],
            complete,
        )


class LL2Events(_LL2Source):
    """``/event/upcoming`` (2.0.0–2.2.0) or ``/events/upcoming`` (2.3.0)."""

    default_url = "https://ll.thespacedevs.com/2.3.0/events/upcoming/"
    what = "LL2 events"

    def parse(self, doc: RawDocument) -> Parsed:
        items, complete = _pages(doc, self.what)
        return Parsed(
            [snap for item in items if (snap := event_snapshot(item, self.options.web_url)) is not None],
            complete,
        )


def web_link(item: dict[str, Any], page: str, web_url: str) -> str | None:
    """A page for people, not the API's JSON: the web site's page for the item's slug, else the
    first news, information or video link LL2 gives, else the API URL."""
    slug = item.get("slug")
    if web_url and isinstance(slug, str) and slug.strip():
        return f"{web_url.rstrip('/')}/{page}/{slug.strip()}/"
    candidates: list[Any] = [item.get("news_url"), item.get("video_url")]
    for key in ("info_urls", "infoURLs", "vid_urls", "vidURLs"):
        values = item.get(key)
        if isinstance(values, list) and values:
            candidates.append(values[0].get("url") if isinstance(values[0], dict) else values[0])
    for url in candidates:
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            return url
    return _name(item.get("url"))


def _words(value: Any) -> str | None:
    """A free-text field stripped, or None when absent, blank or not a string."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def _video(item: dict[str, Any]) -> str | None:
    """The first http(s) video link: ``vid_urls`` (2.2.0+, objects) or ``vidURLs`` (2.0.0,
    objects or plain strings), in the order LL2 gives them."""
    for key in ("vid_urls", "vidURLs"):
        values = item.get(key)
        for value in values if isinstance(values, list) else []:
            url = value.get("url") if isinstance(value, dict) else value
            if isinstance(url, str) and url.startswith(("https://", "http://")):
                return url
    return None


def _newest_note(item: dict[str, Any]) -> str | None:
    """The comment of the newest ``updates`` entry (LL2's librarian notes, detailed mode)."""
    updates = [u for u in item.get("updates") or [] if isinstance(u, dict) and _words(u.get("comment"))]
    if not updates:
        return None
    newest = max(updates, key=lambda u: str(u.get("created_on") or ""))
    return _words(newest.get("comment"))


def briefing_of(item: dict[str, Any]) -> Briefing | None:
    """Webcast, probability, weather, hold and failure reasons and the newest note, where given."""
    probability = item.get("probability")
    briefing = Briefing(
        webcast=_video(item),
        webcast_live=item.get("webcast_live") is True,
        # LL2 writes -1 (older versions) or null when it has no forecast
        probability=probability if isinstance(probability, int) and 0 <= probability <= 100 else None,
        weather=_words(item.get("weather_concerns")),
        hold_reason=_words(item.get("holdreason")),
        fail_reason=_words(item.get("failreason")),
        note=_newest_note(item),
    )
    return None if briefing.empty else briefing


def _title_parts(name: str) -> tuple[str | None, str | None]:
    """LL2 names launches "Vehicle | Mission"."""
    if "|" in name:
        vehicle, _, mission = name.partition("|")
        return vehicle.strip() or None, mission.strip() or None
    return None, None


def launch_snapshot(item: dict[str, Any], web_url: str = "") -> EventSnapshot | None:
    ident = item.get("id")
    name = _name(item.get("name"))
    if ident is None or not name:
        return None
    name_vehicle, name_mission = _title_parts(name)
    rocket = item.get("rocket")
    config = rocket.get("configuration") if isinstance(rocket, dict) else None
    vehicle = _name(config, "full_name", "name") or _name(item.get("vehicle")) or name_vehicle
    pad = item.get("pad")
    site = _name(pad)
    location = _name(pad.get("location")) if isinstance(pad, dict) else _name(item.get("location"))
    if location and site:
        site = f"{site}, {location}"
    return EventSnapshot(
        source_ref=str(ident),
        kind=EventKind.LAUNCH,
        title=name,
        when=from_ll2(
            _text(item.get("net")),
            item.get("net_precision"),
            tbddate=item.get("tbddate"),
            tbdtime=item.get("tbdtime"),
        ),
        status=normalise_status(item.get("status")),
        type="launch",
        # mode=list responses flatten the provider to "lsp_name"
        provider=_name(item.get("launch_service_provider"))
        or _name(item.get("provider"))
        or _name(item.get("lsp_name")),
        vehicle=vehicle,
        mission=_name(item.get("mission")) or name_mission,
        site=site or location,
        window_start=_instant(item.get("window_start")),
        window_end=_instant(item.get("window_end")),
        url=web_link(item, "launch", web_url),
        briefing=briefing_of(item),
    )


def event_snapshot(item: dict[str, Any], web_url: str = "") -> EventSnapshot | None:
    ident = item.get("id")
    name = _name(item.get("name"))
    if ident is None or not name:
        return None
    launches = item.get("launches") or []
    first_launch = launches[0] if launches and isinstance(launches[0], dict) else {}
    rocket = first_launch.get("rocket") if isinstance(first_launch, dict) else None
    config = rocket.get("configuration") if isinstance(rocket, dict) else None
    event_type = _name(item.get("type"))
    return EventSnapshot(
        source_ref=str(ident),
        kind=EventKind.EVENT,
        title=name,
        when=from_ll2(_text(item.get("date")), item.get("date_precision")),
        status=None,
        type=event_type.lower() if event_type else None,
        provider=_name(first_launch.get("launch_service_provider")),
        vehicle=_name(config, "full_name", "name"),
        mission=_name(first_launch.get("mission")),
        site=_name(item.get("location")),
        url=web_link(item, "event", web_url),
        briefing=briefing_of(item),
    )
