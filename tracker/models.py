"""Plain domain types shared by every stage (no SQLAlchemy here).

Sources produce `EventSnapshot`s, the detector turns two views of one event into
`Change`s, and the store hands these same types back to the CLI and notifiers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta


class Precision(enum.IntEnum):
    """How precise a schedule value is; a smaller value is finer."""

    SECOND = 0
    MINUTE = 1
    HOUR = 2
    DAY = 3
    WEEK = 4
    MONTH = 5
    QUARTER = 6
    HALF = 7
    YEAR = 8
    UNKNOWN = 9


class EventKind(enum.StrEnum):
    LAUNCH = "launch"
    EVENT = "event"


@dataclass(frozen=True)
class TimeSpec:
    """A schedule value: the interval ``[earliest, latest)`` it could fall in.

    ``t0`` is the instant the source wrote (for LL2 the ``net``; for a month-end
    placeholder the placeholder itself), kept so that users and tests can see the
    raw value. ``earliest``/``latest`` are None only for UNKNOWN ("TBD").
    """

    earliest: datetime | None
    latest: datetime | None
    precision: Precision
    net: bool = False
    t0: datetime | None = None

    @property
    def known(self) -> bool:
        return self.earliest is not None and self.latest is not None

    @property
    def width(self) -> timedelta | None:
        if self.earliest is None or self.latest is None:
            return None
        return self.latest - self.earliest

    def contains(self, other: TimeSpec) -> bool:
        """True when ``other`` lies entirely inside this interval."""
        if not (self.known and other.known):
            return False
        assert self.earliest and self.latest and other.earliest and other.latest
        return self.earliest <= other.earliest and other.latest <= self.latest

    @classmethod
    def unknown(cls, net: bool = False) -> TimeSpec:
        return cls(None, None, Precision.UNKNOWN, net, None)


@dataclass(frozen=True)
class Claim:
    """What a snapshot read from prose adds: how sure the reader is, the old value the text
    stated, and the bars the source sets (its options) for such a claim to make a new event
    and to alert. `tracker.matching` applies the bars; the store never sees them."""

    confidence: float
    old: TimeSpec | None = None
    change: str = ""  # as the text states it: slip, advance, scrub, tbd, target, occurred
    new_event_confidence: float = 0.8
    alert_confidence: float = 0.7
    reason: str = ""  # why the reader made the finding, for the revision's record


@dataclass(frozen=True)
class Briefing:
    """What a source says about a launch beyond its date, for the alerts of a launch night:
    the webcast, the odds, the weather, why it holds or failed, and the newest librarian note."""

    webcast: str | None = None  # the first http(s) video link
    webcast_live: bool = False
    probability: int | None = None  # percent chance of favourable weather
    weather: str | None = None
    hold_reason: str | None = None
    fail_reason: str | None = None
    note: str | None = None  # the newest update (LL2 ``updates[].comment``)

    @property
    def empty(self) -> bool:
        return self == Briefing()


@dataclass(frozen=True)
class EventSnapshot:
    """One source's view of one event at one moment: the output of ``parse``."""

    source_ref: str  # the source's own id for the event
    kind: EventKind
    title: str
    when: TimeSpec
    status: str | None = None  # normalised status word (see tracker.status)
    type: str | None = None  # launch, static fire, docking, EVA, ...
    provider: str | None = None
    vehicle: str | None = None
    mission: str | None = None
    site: str | None = None  # pad, location or station
    window_start: datetime | None = None
    window_end: datetime | None = None
    url: str | None = None
    claim: Claim | None = None  # set by sources that read prose (news); None for schedules
    briefing: Briefing | None = None

    def fields(self) -> dict[str, object]:
        """The normalised fields a revision is compared on."""
        return {
            "title": self.title,
            "type": self.type,
            "status": self.status,
            "provider": self.provider,
            "vehicle": self.vehicle,
            "mission": self.mission,
            "site": self.site,
            "when": self.when,
            "window_start": self.window_start,
            "window_end": self.window_end,
            "briefing": self.briefing if self.briefing and not self.briefing.empty else None,
        }


class ChangeKind(enum.StrEnum):
    SLIP = "slip"
    ADVANCE = "advance"
    FIRMED = "firmed"
    LOOSENED = "loosened"
    RETIMED = "retimed"
    STATUS = "status"
    WINDOW = "window"
    NEW = "new"
    DROPPED = "dropped"

    @property
    def is_time_change(self) -> bool:
        return self in TIME_CHANGES


TIME_CHANGES = frozenset(
    {ChangeKind.SLIP, ChangeKind.ADVANCE, ChangeKind.FIRMED, ChangeKind.LOOSENED, ChangeKind.RETIMED}
)


Window = tuple[datetime | None, datetime | None]  # a launch window: (start, end)


@dataclass(frozen=True)
class Change:
    """A classified difference between two views of one event."""

    kind: ChangeKind
    old_when: TimeSpec | None = None
    new_when: TimeSpec | None = None
    old_status: str | None = None
    new_status: str | None = None
    detail: str = ""
    old_window: Window | None = None
    new_window: Window | None = None


class FetchOutcome(enum.StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    HTTP_ERROR = "http_error"
    NETWORK_ERROR = "network_error"
    EMPTY = "empty"
    PARSE_ERROR = "parse_error"
    SUSPICIOUS_DROP = "suspicious_drop"

    @property
    def healthy(self) -> bool:
        return self in HEALTHY_OUTCOMES


HEALTHY_OUTCOMES = frozenset({FetchOutcome.OK, FetchOutcome.NOT_MODIFIED})
"""The outcomes of a fetch that worked (the source is up, whether or not anything changed)."""


@dataclass(frozen=True)
class RawDocument:
    """Bytes as fetched (or read from a recording) with what we know about them."""

    body: bytes
    observed_at: datetime
    url: str = ""
    status: int | None = None
    content_type: str | None = None
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    extra_pages: list[bytes] = field(default_factory=list)
    moved_to: str | None = None  # the server redirected permanently (301/308) to this URL
    linked: dict[str, bytes] = field(default_factory=dict)  # pages followed from it (articles), by URL


@dataclass(frozen=True)
class ChangeRecord:
    """A stored change with the context the CLI and notifiers need."""

    id: int
    event_id: int
    title: str
    kind: ChangeKind
    observed_at: datetime
    source: str
    source_ref: str
    old_when: TimeSpec | None
    new_when: TimeSpec | None
    old_status: str | None
    new_status: str | None
    detail: str = ""
    old_window: Window | None = None
    new_window: Window | None = None


@dataclass(frozen=True)
class EventRecord:
    """An event's current value, as listed by ``upcoming``."""

    id: int
    kind: EventKind
    type: str | None
    title: str
    when: TimeSpec
    status: str | None
    provider: str | None
    vehicle: str | None
    mission: str | None
    site: str | None
    listed: bool
    updated_at: datetime


@dataclass(frozen=True)
class RevisionRecord:
    """One entry of an event's timeline: what a source said, and when."""

    id: int
    observed_at: datetime
    source: str
    source_ref: str
    snapshot: EventSnapshot
    disagrees: bool = False  # a less trusted source said something else than the event's value


@dataclass(frozen=True)
class IdentityRecord:
    """One source's id for an event, and why it was joined to the event."""

    source: str
    source_ref: str
    trust: int
    first_seen: datetime
    last_seen: datetime
    listed: bool
    match_reason: str | None
    decides: bool  # this source currently sets the event's value


@dataclass(frozen=True)
class SourceHealth:
    name: str
    kind: str
    url: str
    last_outcome: str | None
    last_run_at: datetime | None
    last_error: str | None
    last_ok_at: datetime | None
    runs: int
    failures_in_row: int
    events: int
    moved_url: str | None = None
    disabled_reason: str | None = None


@dataclass(frozen=True)
class Parsed:
    """What a source made of one document.

    ``complete`` is True when the items are the source's whole list, so that an
    identity missing from them has really left it.
    """

    items: list[EventSnapshot]
    complete: bool = True
    # For items drawn from a document's entries rather than being them (findings in a news
    # feed's articles): how many entries it held. A feed read whole whose articles state no
    # change today is a good fetch with no items, not an empty document.
    entries: int | None = None


class HealthState(enum.StrEnum):
    """What the operator was last told about a source (so each state is announced once)."""

    OK = "ok"
    FAILING = "failing"
    STALE = "stale"


class Decides(enum.StrEnum):
    """How a source's snapshot stands to its event's value (the "which source decides" rule)."""

    NEW = "new"  # no event yet: this snapshot makes one
    OWN = "own"  # this source decides the value
    TAKEOVER = "takeover"  # it outranks the source that decides, and takes over
    FALLBACK = "fallback"  # the deciding source no longer lists the event
    FOLLOW = "follow"  # a more trusted source decides; this one is only recorded


class DeliveryKind(enum.StrEnum):
    """What one outbox row delivers."""

    CHANGE = "change"  # an alert about one or more changes to an event
    REMINDER = "reminder"  # a reminder before T-0
    DIGEST = "digest"  # a subscriber's daily digest
    TEST = "test"  # `tracker test-alert`: sent at once, never queued


class ChannelKind(enum.StrEnum):
    """The built-in channel kinds, by name; ``tracker.notify.CHANNEL_KINDS`` is the full list,
    so a channel's kind is stored and passed as a plain string."""

    CONSOLE = "console"
    TELEGRAM = "telegram"
    EMAIL = "email"


@dataclass(frozen=True)
class Channel:
    """Where one subscriber receives alerts: a console sink, a Telegram chat, an address."""

    id: int
    kind: str  # a key of tracker.notify.CHANNEL_KINDS
    address: str
    active: bool = True


@dataclass(frozen=True)
class SeenChat:
    """A Telegram chat the bot has seen (private, group, supergroup or channel)."""

    id: int
    type: str
    title: str | None
    username: str | None
    last_seen: datetime


@dataclass(frozen=True)
class Follow:
    """What a subscriber follows: every criterion must match (AND); follows combine with OR.

    Keys: ``all``, ``event`` (id), ``provider``, ``vehicle``, ``site``, ``kind``
    (launch, event, or an event type such as "static fire"), ``type``, ``words``.
    """

    id: int
    criteria: dict[str, str]


@dataclass(frozen=True)
class Subscriber:
    id: int
    name: str
    timezone: str
    active: bool
    channels: list[Channel]
    follows: list[Follow]
    policy: dict[str, object]  # per-subscriber overrides of the [alerts] policy
    muted: frozenset[int] = frozenset()


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed; the outcome of the send is not yet recorded
    RETRY = "retry"
    SENT = "sent"
    DEAD = "dead"
    CANCELLED = "cancelled"  # e.g. a reminder whose date moved before it went out


@dataclass(frozen=True)
class SendResult:
    """What a channel says about one send: sent (with its message id), retry later, or never."""

    sent: bool
    message_id: str | None = None
    retry_after: float | None = None  # seconds; None with sent=False means permanent failure
    error: str | None = None
    deactivate: bool = False  # the recipient is gone for good (blocked the bot, chat deleted)
    new_address: str | None = None  # the recipient moved (a group became a supergroup): resend there

    @classmethod
    def ok(cls, message_id: str) -> SendResult:
        return cls(True, message_id)

    @classmethod
    def retry(cls, seconds: float, error: str) -> SendResult:
        return cls(False, None, seconds, error)

    @classmethod
    def permanent(cls, error: str) -> SendResult:
        return cls(False, None, None, error)

    @classmethod
    def gone(cls, error: str) -> SendResult:
        return cls(False, None, None, error, deactivate=True)

    @classmethod
    def moved(cls, new_address: str, error: str) -> SendResult:
        return cls(False, None, 0.0, error, new_address=new_address)
