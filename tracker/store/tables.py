"""The schema, as SQLAlchemy 2.x declarative tables. Changes go through Alembic.

No ``from __future__ import annotations`` here: with it every ``Mapped[...]`` is a string
that SQLAlchemy evaluates at import, a cost each command paid at start-up."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tracker.store.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


MAX_ID = 2**63 - 1  # the largest id a BIGINT (and SQLite INTEGER) column holds: a larger one names nothing


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SourceRow(Base):
    """A configured source and what we remember between its fetches."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(50))
    url: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_ok_count: Mapped[int | None] = mapped_column(Integer)
    suspicious_streak: Mapped[int] = mapped_column(Integer, default=0)
    trust: Mapped[int] = mapped_column(Integer, default=50, server_default="50")
    # What the operators were last told about this source: ok, failing or stale.
    health_state: Mapped[str] = mapped_column(String(20), default="ok", server_default="ok")
    # The server said the configured URL moved for good (301/308): fetch this instead.
    moved_url: Mapped[str | None] = mapped_column(Text)
    # The server said the URL is gone (410): not polled until the configured URL changes.
    disabled_reason: Mapped[str | None] = mapped_column(Text)


class FetchRunRow(Base):
    """One fetch (or replayed file) of a source, whatever its outcome."""

    __tablename__ = "fetch_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(30))
    http_status: Mapped[int | None] = mapped_column(Integer)
    items: Mapped[int] = mapped_column(Integer, default=0)
    revisions: Mapped[int] = mapped_column(Integer, default=0)
    changes: Mapped[int] = mapped_column(Integer, default=0)
    baseline: Mapped[bool] = mapped_column(Boolean, default=False)
    replay_of: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class EventRow(Base):
    """One real-world event (launch, static fire, docking...) and its current value."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    type: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    provider: Mapped[str | None] = mapped_column(Text)
    vehicle: Mapped[str | None] = mapped_column(Text)
    mission: Mapped[str | None] = mapped_column(Text)
    site: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(50))
    earliest: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    latest: Mapped[datetime | None] = mapped_column(UTCDateTime)
    precision: Mapped[str] = mapped_column(String(10))
    is_net: Mapped[bool] = mapped_column(Boolean, default=False)
    t0: Mapped[datetime | None] = mapped_column(UTCDateTime)
    listed: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The identity whose source currently decides the event's value (highest trust).
    owner_identity_id: Mapped[int | None] = mapped_column(Integer)


class IdentityRow(Base):
    """A source's own id for an event (source + external id -> event)."""

    __tablename__ = "identities"
    __table_args__ = (
        UniqueConstraint("source_id", "source_ref"),
        # A run reads the identities its source still lists, and matching looks a ref up
        # across sources: both by index, whatever the size of the history.
        Index("ix_identities_source_listed", "source_id", "listed"),
        Index("ix_identities_source_ref", "source_ref"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    source_ref: Mapped[str] = mapped_column(String(200))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    listed: Mapped[bool] = mapped_column(Boolean, default=True)
    last_revision_id: Mapped[int | None] = mapped_column(Integer)
    match_reason: Mapped[str | None] = mapped_column(Text)  # why it joined an existing event


class RevisionRow(Base):
    """An append-only record of a source's normalised view when it really changed."""

    __tablename__ = "revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id"), index=True)
    # indexed so that pruning a fetch run asks "does anything point here?" by index
    fetch_run_id: Mapped[int] = mapped_column(ForeignKey("fetch_runs.id"), index=True)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str | None] = mapped_column(String(50))
    provider: Mapped[str | None] = mapped_column(Text)
    vehicle: Mapped[str | None] = mapped_column(Text)
    mission: Mapped[str | None] = mapped_column(Text)
    site: Mapped[str | None] = mapped_column(Text)
    earliest: Mapped[datetime | None] = mapped_column(UTCDateTime)
    latest: Mapped[datetime | None] = mapped_column(UTCDateTime)
    precision: Mapped[str] = mapped_column(String(10))
    is_net: Mapped[bool] = mapped_column(Boolean, default=False)
    t0: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    url: Mapped[str | None] = mapped_column(Text)
    briefing: Mapped[str | None] = mapped_column(Text)  # JSON of models.Briefing (webcast, odds, notes)
    # A less trusted source said something else than the event's current value.
    disagrees: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ChangeRow(Base):
    """A classified change between two revisions (or an appearance / departure)."""

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_observed", "observed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id"))
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    fetch_run_id: Mapped[int] = mapped_column(ForeignKey("fetch_runs.id"), index=True)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
    old_earliest: Mapped[datetime | None] = mapped_column(UTCDateTime)
    old_latest: Mapped[datetime | None] = mapped_column(UTCDateTime)
    old_precision: Mapped[str | None] = mapped_column(String(10))
    old_is_net: Mapped[bool | None] = mapped_column(Boolean)
    old_t0: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_earliest: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_latest: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_precision: Mapped[str | None] = mapped_column(String(10))
    new_is_net: Mapped[bool | None] = mapped_column(Boolean)
    new_t0: Mapped[datetime | None] = mapped_column(UTCDateTime)
    old_status: Mapped[str | None] = mapped_column(String(50))
    new_status: Mapped[str | None] = mapped_column(String(50))
    old_window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    old_window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SubscriberRow(Base):
    """A person or a chat who follows events."""

    __tablename__ = "subscribers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    policy: Mapped[str] = mapped_column(Text, default="{}")  # JSON overrides of [alerts]
    deactivated_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelRow(Base):
    """One way to reach a subscriber: console sink, Telegram chat id, email address."""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("kind", "address"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(320))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class FollowRow(Base):
    __tablename__ = "follows"
    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    criteria: Mapped[str] = mapped_column(Text)  # JSON object of filter key -> value
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MuteRow(Base):
    __tablename__ = "mutes"
    __table_args__ = (UniqueConstraint("subscriber_id", "event_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeliveryRow(Base):
    """The outbox: one row per (change or reminder) × channel, created in the same
    transaction as the change; ``dedup_key`` makes a second copy impossible."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "state", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # change | reminder | digest
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id"))
    lead_seconds: Mapped[int | None] = mapped_column(Integer)  # reminders: how long before T-0
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the change was seen
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TelegramChatRow(Base):
    """A chat the bot has seen (private, group, supergroup or channel), for ``tracker telegram chats``."""

    __tablename__ = "telegram_chats"
    # Telegram's chat id (beyond 32 bits for supergroups and channels)
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    type: Mapped[str] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(Text)
    username: Mapped[str | None] = mapped_column(String(100))
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)


class JobStatusRow(Base):
    """What the daemon's scheduled jobs last did, for ``tracker status`` in another process."""

    __tablename__ = "job_status"
    job_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    instance: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_started: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_outcome: Mapped[str | None] = mapped_column(Text)
    next_run: Mapped[datetime | None] = mapped_column(UTCDateTime)


class VersionRow(Base):
    """A counter that every write to a group of tables bumps in the same transaction, so a
    process that caches them (the subscriptions: ``subscriptions.audience``) can tell with
    one indexed read whether its copy is still current, whichever process wrote."""

    __tablename__ = "versions"
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
