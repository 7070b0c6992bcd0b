"""The daily digest: what moved in the last 24 hours and what is coming, for one subscriber.

Built as plain data from the store (``build_digest``), then rendered with Jinja2
(``render_digest``): the plain-text part neutralises control characters in every
value, the HTML part autoescapes every value. Only ``tracker.notify.email`` sends it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from tracker.display import age_text, instant_text, plain, when_text
from tracker.follows import follows_event
from tracker.models import ChangeKind, ChangeRecord, EventRecord, Subscriber
from tracker.notify.render import WORDS, change_text, details_text, slip_text
from tracker.status import status_label
from tracker.store.repo import Store
from tracker.zones import zone_of

WINDOW = timedelta(hours=24)
AHEAD_DAYS = 7
MAX_UPCOMING = 40
MAX_VEHICLES = 6  # in the statistics at the digest's foot


@dataclass(frozen=True)
class ChangeLine:
    """One change of an event, already in words: ``Delayed``, ``old → new (+2 d)``."""

    kind: ChangeKind
    words: str
    text: str
    seen: str  # when the tracker saw it, in the subscriber's zone


@dataclass(frozen=True)
class MovedEvent:
    event: EventRecord
    now: str  # the current value, honest precision
    details: str  # vehicle · site
    changes: list[ChangeLine]
    slips: str  # "3rd slip, +12 d in total so far" or ""
    link: str | None


@dataclass(frozen=True)
class ComingEvent:
    event: EventRecord
    when: str
    status: str
    details: str


@dataclass(frozen=True)
class SourceLine:
    name: str
    fresh: str  # "3 h ago" (last good fetch)
    checked: str  # the instant, in the subscriber's zone
    problem: str  # "" or "last 2 fetches failed: http_error"


@dataclass(frozen=True)
class StatsLine:
    """How late one vehicle of the digest usually is (``tracker stats --by vehicle``)."""

    vehicle: str
    events: str  # "12 events"
    slipped: str  # "7 slipped (31 slips)"
    median: str  # "+2 d"
    streak: str  # "4 slips (#12)"


@dataclass(frozen=True)
class Digest:
    subscriber: str
    zone_name: str
    start: datetime
    end: datetime
    day: str  # "Friday 8 January 2021", the subscriber's local day
    moved: list[MovedEvent]
    coming: list[ComingEvent]
    more_coming: int
    sources: list[SourceLine]
    stats: list[StatsLine] = field(default_factory=list)  # the foot: how late these usually fly

    @property
    def empty(self) -> bool:
        """Nothing moved and nothing is coming: no email unless ``send_empty``."""
        return not self.moved and not self.coming

    @property
    def subject(self) -> str:
        if len(self.moved) == 1:
            head = self.moved[0]
            return f"{head.event.title}: {head.changes[-1].words.lower()} · launch digest {self.day}"
        moved = f"{len(self.moved)} moved" if self.moved else "nothing moved"
        return f"Launch digest {self.day}: {moved}, {len(self.coming) + self.more_coming} coming"


def build_digest(store: Store, subscriber: Subscriber, end: datetime, *, as_of: bool = False) -> Digest:
    """The digest for the 24 hours before ``end`` (the delivery's ``observed_at``).

    ``as_of``: every value as it stood at ``end`` (a look back), not as it stands now."""
    zone = zone_of(subscriber.timezone)
    start = end - WINDOW
    then = store.events_as_of(end) if as_of else None

    def wanted(event: EventRecord | None) -> bool:
        return (
            event is not None
            and event.id not in subscriber.muted
            and follows_event(subscriber.follows, event)
        )

    by_event: dict[int, list[ChangeRecord]] = {}
    for change in store.changes(since=start):
        if start < change.observed_at <= end:  # (start, end]: consecutive digests never overlap
            by_event.setdefault(change.event_id, []).append(change)
    moved = []
    for event_id, changes in by_event.items():
        event = then.get(event_id) if then is not None else store.event(event_id)
        if event is not None and wanted(event):
            moved.append(_moved(store, event, changes, zone))
    coming = store.upcoming_as_of(end, days=AHEAD_DAYS) if as_of else store.upcoming(end, days=AHEAD_DAYS)
    upcoming = [e for e in coming if e.when.earliest is not None and wanted(e)]
    checks = {h.name: store.last_ok(h.name, until=end) if as_of else h.last_ok_at for h in store.sources()}
    sources = [
        SourceLine(
            name=h.name,
            fresh=age_text(checks[h.name], end),
            checked=instant_text(checks[h.name], zone),
            problem=(
                f"last {h.failures_in_row} fetch{'es' if h.failures_in_row > 1 else ''} failed: {h.last_outcome}"
                if h.failures_in_row
                else ""
            ),
        )
        for h in store.sources()
    ]
    local_end = end.astimezone(zone)
    vehicles = {m.event.vehicle for m in moved} | {e.vehicle for e in upcoming[:MAX_UPCOMING]}
    return Digest(
        subscriber=subscriber.name,
        zone_name=subscriber.timezone,
        start=start,
        end=end,
        day=f"{local_end:%A} {local_end.day} {local_end:%B %Y}",
        moved=moved,
        coming=[
            ComingEvent(e, when_text(e.when, zone), status_label(e.status), details_text(e))
            for e in upcoming[:MAX_UPCOMING]
        ],
        more_coming=max(0, len(upcoming) - MAX_UPCOMING),
        sources=sources,
        stats=_stats(store, sorted(v for v in vehicles if v)),
    )


def _stats(store: Store, vehicles: list[str]) -> list[StatsLine]:
    """The digest's foot: slip statistics of the vehicles it mentions (a handful at most),
    read from those vehicles' events only."""
    from tracker.stats import slip_stats, stat_phrases

    chosen = vehicles[:MAX_VEHICLES]
    rows = slip_stats(store.browse.stats_facts(vehicles=chosen), "vehicle") if chosen else []
    lines = []
    for row in rows:
        p = stat_phrases(row)
        lines.append(StatsLine(row.group, p.events, p.slipped, p.median, p.streak))
    return lines


def _moved(store: Store, event: EventRecord, changes: list[ChangeRecord], zone: tzinfo) -> MovedEvent:
    story = store.story(event.id, [c.id for c in changes])
    slips = slip_text(story.slips, story.total_delay) if story.slips else ""
    return MovedEvent(
        event=event,
        now=when_text(event.when, zone),
        details=details_text(event),
        changes=[moved_line(c, zone) for c in changes],
        slips=slips,
        link=story.link if story.link and story.link.startswith(("http://", "https://")) else None,
    )


def moved_line(change: ChangeRecord, zone: tzinfo) -> ChangeLine:
    """One change in the digest's "what moved" list, worded as everywhere else."""
    return ChangeLine(
        change.kind, WORDS[change.kind], change_text(change, zone), instant_text(change.observed_at, zone)
    )


# ---- rendering -------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str


def _finalize_text(value: Any) -> Any:
    """Every value printed in the text part: control characters made visible, never run."""
    return plain(value) if isinstance(value, str) else value


@cache
def _environments() -> tuple[Environment, Environment]:
    loader = PackageLoader("tracker.notify", "templates")
    common: dict[str, Any] = {
        "loader": loader,
        "undefined": StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
    }
    text = Environment(autoescape=False, finalize=_finalize_text, **common)
    html = Environment(
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=True),
        finalize=_finalize_text,  # control characters made visible, then escaped
        **common,
    )
    return text, html


def render_digest(digest: Digest, unsubscribe_link: str | None = None) -> RenderedDigest:
    """Subject, plain text and HTML of a digest; ``unsubscribe_link`` goes in both parts."""
    text_env, html_env = _environments()
    context: dict[str, Any] = {"d": digest, "unsubscribe": unsubscribe_link}
    text = text_env.get_template("digest.txt.j2").render(context)
    html = html_env.get_template("digest.html.j2").render(context)
    return RenderedDigest(plain(digest.subject), text, html)
