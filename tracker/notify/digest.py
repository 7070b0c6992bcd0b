"""The daily digest: what moved in the last 24 hours and what is coming, for one subscriber.

Built as plain data from the store (``build_digest``), then rendered with Jinja2
(``render_digest``): the plain-text part neutralises control characters in every
value, the HTML part autoescapes every value. Only ``tracker.notify.email`` sends it.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from tracker.display import age_text, instant_text, plain, when_text
from tracker.follows import matches
from tracker.models import ChangeKind, ChangeRecord, EventRecord, Subscriber
from tracker.notify.render import WORDS, change_text, details_text, slip_text
from tracker.status import status_label
from tracker.store.repo import Store, Story
from tracker.store.subscriptions import Audience
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

    ``as_of``: every value as it stood at ``end`` (a look back), not as it stands now.
    The subscriber-independent part is read once for every digest ending at ``end``
    (``digest_run``) while the store has not changed."""
    return digest_run(store, end, as_of=as_of).digest(subscriber)


RUN_LIFETIME = 60.0  # seconds a DigestRun is reused at most, even when the store looks unchanged
RUNS_KEPT = 4  # runs kept per store: digests queued at different times (zones, retries) interleave

_RUNS: weakref.WeakKeyDictionary[Store, dict[tuple[datetime, bool], DigestRun]] = weakref.WeakKeyDictionary()
_RUNS_LOCK = threading.Lock()


def digest_run(store: Store, end: datetime, *, as_of: bool = False) -> DigestRun:
    """The shared part of the digests ending at ``end``: the one made before for this store
    while the store's stamp (its newest fetch run, revision and change, the subscriptions'
    version) is unchanged and it is younger than ``RUN_LIFETIME``, else a new one."""
    stamp = store.stamp()  # read first: a write after it makes the next call rebuild
    key = (end, as_of)
    with _RUNS_LOCK:
        run = _RUNS.get(store, {}).get(key)
    if run is not None and run.stamp == stamp and time.monotonic() - run.made < RUN_LIFETIME:
        return run
    run = DigestRun(store, end, as_of=as_of, stamp=stamp)
    with _RUNS_LOCK:
        kept = _RUNS.setdefault(store, {})
        kept.pop(key, None)
        kept[key] = run  # the newest last
        while len(kept) > RUNS_KEPT:
            del kept[next(iter(kept))]
    return run


class DigestRun:
    """What every digest ending at ``end`` has in common, read from the store once: the
    changes of the 24 hours and their events, what is coming in the next days, the health
    of every source; each event's story, its lines in a zone and the statistics of a set of
    vehicles are worked out the first time a digest needs them. A subscriber's digest is
    then a selection from these (``digest``), with no query of its own."""

    def __init__(self, store: Store, end: datetime, *, as_of: bool = False, stamp: object = None) -> None:
        self.store, self.end, self.as_of, self.stamp = store, end, as_of, stamp
        self.made = time.monotonic()
        self.start = end - WINDOW
        then = store.events_as_of(end) if as_of else None
        by_event: dict[int, list[ChangeRecord]] = {}
        for change in store.changes(since=self.start):
            if self.start < change.observed_at <= end:  # (start, end]: consecutive digests never overlap
                by_event.setdefault(change.event_id, []).append(change)
        self.moved: list[tuple[EventRecord, list[ChangeRecord]]] = []
        for event_id, changes in by_event.items():
            event = then.get(event_id) if then is not None else store.event(event_id)
            if event is not None:
                self.moved.append((event, changes))
        coming = store.upcoming_as_of(end, days=AHEAD_DAYS) if as_of else store.upcoming(end, days=AHEAD_DAYS)
        self.coming = [e for e in coming if e.when.earliest is not None]
        self.health = [
            (h, store.last_ok(h.name, until=end) if as_of else h.last_ok_at) for h in store.sources()
        ]
        self._audience: Audience | None = None
        self._candidates = [e for e, _ in self.moved] + self.coming
        self._matched: dict[int, tuple[dict[str, str], frozenset[int]]] = {}  # criteria -> ids they match
        self._stories: dict[int, Story] = {}
        self._lines: dict[tuple[int, str], MovedEvent] = {}
        self._coming: dict[tuple[int, str], ComingEvent] = {}
        self._sources: dict[str, list[SourceLine]] = {}
        self._stats: dict[tuple[str, ...], list[StatsLine]] = {}
        self._zones: dict[str, tzinfo] = {}

    def subscriber(self, name: str) -> Subscriber:
        """The subscriber named so, as the run's stamp saw them: from the audience when
        active (no query), else from the database (a UserError when there is none)."""
        if self._audience is None:  # on first use: a preview of one digest loads no one else
            self._audience = self.store.subscriptions.audience()  # as new as the stamp, or newer
        found = self._audience.by_name.get(name)
        return found if found is not None else self.store.subscriptions.get(name)

    def digest(self, subscriber: Subscriber) -> Digest:
        """This subscriber's digest: what they follow (and have not muted), in their zone."""
        name = subscriber.timezone
        if name not in self._zones:  # kept: ZoneInfo's own cache holds only a few zones
            self._zones[name] = zone_of(name)
        zone = self._zones[name]
        wanted = self._wanted(subscriber)
        moved = [
            self._moved_line(event, changes, name, zone)
            for event, changes in self.moved
            if event.id in wanted
        ]
        upcoming = [e for e in self.coming if e.id in wanted]
        shown = upcoming[:MAX_UPCOMING]
        vehicles = {m.event.vehicle for m in moved} | {e.vehicle for e in shown}
        local_end = self.end.astimezone(zone)
        return Digest(
            subscriber=subscriber.name,
            zone_name=subscriber.timezone,
            start=self.start,
            end=self.end,
            day=f"{local_end:%A} {local_end.day} {local_end:%B %Y}",
            moved=moved,
            coming=[self._coming_line(e, name, zone) for e in shown],
            more_coming=max(0, len(upcoming) - MAX_UPCOMING),
            sources=self._source_lines(name, zone),
            stats=self._stats_of(tuple(sorted(v for v in vehicles if v))),
        )

    def _wanted(self, subscriber: Subscriber) -> set[int]:
        """Ids of this run's events that the subscriber follows and has not muted; each
        distinct follow is matched against the events once per run, whoever has it."""
        wanted: set[int] = set()
        for follow in subscriber.follows:
            # Subscribers from one load share equal criteria (one dict): keyed by identity,
            # the dict kept alive beside its result so that no other can take its id.
            found = self._matched.get(id(follow.criteria))
            if found is None or found[0] is not follow.criteria:
                found = (follow.criteria, frozenset(e.id for e in self._candidates if matches(follow, e)))
                self._matched[id(follow.criteria)] = found
            wanted |= found[1]
        return wanted - subscriber.muted

    def _moved_line(
        self, event: EventRecord, changes: list[ChangeRecord], name: str, zone: tzinfo
    ) -> MovedEvent:
        key = (event.id, name)
        if key not in self._lines:
            if event.id not in self._stories:
                self._stories[event.id] = self.store.story(event.id, [c.id for c in changes])
            self._lines[key] = _moved(self._stories[event.id], event, changes, zone)
        return self._lines[key]

    def _coming_line(self, event: EventRecord, name: str, zone: tzinfo) -> ComingEvent:
        key = (event.id, name)
        if key not in self._coming:
            self._coming[key] = ComingEvent(
                event, when_text(event.when, zone), status_label(event.status), details_text(event)
            )
        return self._coming[key]

    def _source_lines(self, name: str, zone: tzinfo) -> list[SourceLine]:
        if name not in self._sources:
            self._sources[name] = [
                SourceLine(
                    name=h.name,
                    fresh=age_text(checked, self.end),
                    checked=instant_text(checked, zone),
                    problem=(
                        f"last {h.failures_in_row} fetch{'es' if h.failures_in_row > 1 else ''} failed: "
                        f"{h.last_outcome}"
                        if h.failures_in_row
                        else ""
                    ),
                )
                for h, checked in self.health
            ]
        return self._sources[name]

    def _stats_of(self, vehicles: tuple[str, ...]) -> list[StatsLine]:
        if vehicles not in self._stats:
            self._stats[vehicles] = _stats(self.store, list(vehicles))
        return self._stats[vehicles]


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


def _moved(story: Story, event: EventRecord, changes: list[ChangeRecord], zone: tzinfo) -> MovedEvent:
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
