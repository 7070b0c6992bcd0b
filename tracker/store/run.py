"""One run of one source inside one transaction: identities, matching across sources,
which source decides an event's value, revisions, changes and their alerts."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, aliased

from tracker.models import Change, Decides, EventSnapshot, FetchOutcome
from tracker.policy import AlertPolicy
from tracker.store.convert import event_from, snapshot_columns, snapshot_from, when_columns, when_from
from tracker.store.outbox import enqueue_for_changes
from tracker.store.tables import ChangeRow, EventRow, FetchRunRow, IdentityRow, RevisionRow, SourceRow

_BATCH = 500  # ids per IN (...): well under every backend's limit on bound parameters


def _now() -> datetime:
    return datetime.now(UTC)


def _joined_because(reason: str | None, snap: EventSnapshot) -> str | None:
    """Why an identity joined its event; for a claim read from prose, also what it was read from."""
    claim = snap.claim
    if claim is None or not claim.reason:
        return reason
    said = " ".join(claim.reason.split())
    said = said if len(said) <= 240 else said[:239] + "…"
    read = f"read from “{said}” (confidence {claim.confidence:.2f})"
    return f"{reason}; {read}" if reason else read


# How a run's changes become alerts: "live" (a fetch: the source speaks of the present) alerts
# every worthy change; a replay by default ("now") alerts nothing about an event long past by
# the clock; "recorded" judges that against the snapshot's own time (the past as it was lived);
# "off" queues none (a backfill).
ALERT_MODES = ("live", "now", "recorded", "off")


@dataclass
class Known:
    """What the store knows of one source identity before a run."""

    identity_id: int
    event_id: int
    listed: bool
    view: EventSnapshot | None


@dataclass
class RunState:
    """The source's memory, read at the start of a run."""

    baseline: bool  # no successful fetch yet: this run records silently
    last_ok_count: int | None
    suspicious_streak: int
    etag: str | None
    last_modified: str | None
    moved_url: str | None = None
    disabled_reason: str | None = None


@dataclass(frozen=True)
class Plan:
    """Where a snapshot goes: its identity (if known), its event (if any yet), why it
    joined that event, whether its source decides the event's value, and the view
    changes are computed against."""

    known: Known | None
    event_id: int | None
    reason: str | None
    mode: Decides
    previous: EventSnapshot | None


@dataclass
class RunResult:
    outcome: FetchOutcome
    items: int = 0
    revisions: int = 0
    changes: list[Change] = field(default_factory=list)
    error: str | None = None
    baseline: bool = False
    deliveries: int = 0
    retry_after: float | None = None  # seconds the source asked us to wait (Retry-After)


class SourceRun:
    """One run of one source inside one transaction. Used by the pipeline only."""

    def __init__(
        self,
        session: Session,
        source: SourceRow,
        observed_at: datetime,
        replay_of: str | None,
        policy: AlertPolicy | None = None,
        trust: int = 50,
        started_at: datetime | None = None,
        alerts: str = "live",
    ) -> None:
        self._policy = policy or AlertPolicy()
        self._alerts = alerts  # see ALERT_MODES
        self._new_changes: list[tuple[ChangeRow, Change]] = []
        self.trust = trust
        source.trust = trust
        self._trusts: dict[int, int] = {source.id: trust}
        self._s = session
        self._source = source
        self.source_name = source.name
        self.observed_at = observed_at
        ok_before = session.scalar(  # whether, not how many: a count would read a year of runs
            select(FetchRunRow.id)
            .where(FetchRunRow.source_id == source.id, FetchRunRow.outcome == FetchOutcome.OK.value)
            .limit(1)
        )
        self.state = RunState(
            baseline=ok_before is None,
            last_ok_count=source.last_ok_count,
            suspicious_streak=source.suspicious_streak,
            etag=source.etag,
            last_modified=source.last_modified,
            moved_url=source.moved_url,
            disabled_reason=source.disabled_reason,
        )
        self._run = FetchRunRow(
            source_id=source.id,
            observed_at=observed_at,
            started_at=started_at or _now(),
            outcome="running",
            replay_of=replay_of,
        )
        session.add(self._run)
        session.flush()
        self._known: dict[str, Known] = {}
        self._looked_up: set[str] = set()  # refs already asked of the store (found or not)
        self._seen: list[int] = []  # identities seen unchanged: their last_seen is set in one statement
        self.result = RunResult(FetchOutcome.OK, baseline=self.state.baseline)

    def load(self, refs: Collection[str], *, listed: bool) -> dict[str, Known]:
        """Read what the store knows of ``refs`` (the identities a fetch lists) and, with
        ``listed``, of every identity the source still lists (a complete list must tell
        which of those left it). Only these: a run's cost follows what the source says
        now, not the years of identities it has ever had."""
        wanted = [ref for ref in dict.fromkeys(refs) if ref not in self._looked_up]
        self._looked_up.update(wanted)
        query = (
            select(IdentityRow, RevisionRow)
            .outerjoin(RevisionRow, RevisionRow.id == IdentityRow.last_revision_id)
            .where(IdentityRow.source_id == self._source.id)
        )
        batches = [
            query.where(IdentityRow.source_ref.in_(wanted[n : n + _BATCH]))
            for n in range(0, len(wanted), _BATCH)
        ]
        if listed:
            batches.append(query.where(IdentityRow.listed.is_(True)))
        for batch in batches:
            for ident, rev in self._s.execute(batch):
                if ident.source_ref not in self._known:
                    view = snapshot_from(rev, ident.source_ref) if rev else None
                    self._known[ident.source_ref] = Known(ident.id, ident.event_id, ident.listed, view)
        return self._known

    def known(self) -> dict[str, Known]:
        """The identities read so far by :meth:`load` (and those this run created)."""
        return self._known

    def plan(self, snap: EventSnapshot) -> Plan:
        """Which event ``snap`` belongs to (matching a new identity against events other
        sources know), how this source stands to the event's value, and that value."""
        known = self.load([snap.source_ref], listed=False).get(snap.source_ref)
        event_id, reason = (known.event_id, None) if known else self._match(snap)
        if event_id is None:
            return Plan(known, None, None, Decides.NEW, None)
        event = self._s.get_one(EventRow, event_id)
        owner = event.owner_identity_id
        mine = known.identity_id if known else None
        if owner is None or owner == mine:
            return Plan(known, event_id, reason, Decides.OWN, known.view if known else None)
        owner_row = self._s.get_one(IdentityRow, owner)
        owner_view = self._view_of(owner_row)
        if owner_row.source_id == self._source.id:
            # Another item of this same source (a later article about the same event): the latest word wins.
            return Plan(known, event_id, reason, Decides.TAKEOVER, owner_view)
        if self.trust > self._trust_of(owner_row.source_id):
            return Plan(known, event_id, reason, Decides.TAKEOVER, owner_view)
        if not owner_row.listed:
            return Plan(known, event_id, reason, Decides.FALLBACK, owner_view)
        return Plan(known, event_id, reason, Decides.FOLLOW, owner_view)

    def _view_of(self, ident: IdentityRow) -> EventSnapshot | None:
        if ident.last_revision_id is None:
            return None
        return snapshot_from(self._s.get_one(RevisionRow, ident.last_revision_id), ident.source_ref)

    def _trust_of(self, source_id: int) -> int:
        if source_id not in self._trusts:
            self._trusts[source_id] = self._s.get_one(SourceRow, source_id).trust
        return self._trusts[source_id]

    def _match(self, snap: EventSnapshot) -> tuple[int | None, str | None]:
        """An event another source already knows that ``snap`` is, or (None, None)."""
        from tracker.matching import NEAR, Candidate, best_match, claim_windows

        # "Not an event this source already has" is a correlated NOT EXISTS: checked through
        # the index on identities.event_id for the few rows kind, time and ref leave, never a
        # NOT IN over every identity the source has had.
        theirs = aliased(IdentityRow)
        mine = ~(
            select(theirs.id)
            .where(theirs.event_id == EventRow.id, theirs.source_id == self._source.id)
            .correlate(EventRow)
            .exists()
        )
        same_ref = self._s.scalar(
            select(IdentityRow.event_id)
            .join(EventRow, EventRow.id == IdentityRow.event_id)
            .where(IdentityRow.source_ref == snap.source_ref, IdentityRow.source_id != self._source.id)
            .where(mine)
            .limit(1)
        )
        query = select(EventRow).where(EventRow.kind == snap.kind.value)
        if snap.claim is None:  # two items of one list are two events; two articles may be about one
            query = query.where(mine)
        windows = claim_windows(snap) if snap.claim is not None else [snap.when] if snap.when.known else []
        if same_ref is None and windows:
            near = [
                (EventRow.earliest < w.latest + NEAR) & (EventRow.latest > w.earliest - NEAR)
                for w in windows
                if w.earliest and w.latest
            ]
            query = query.where(or_(EventRow.earliest.is_(None), *near))
        elif same_ref is not None:
            query = query.where(EventRow.id == same_ref)
        events = list(self._s.scalars(query.limit(500)))
        if not events:
            return None, None
        refs: dict[int, set[str]] = {}
        for event_id, ref in self._s.execute(
            select(IdentityRow.event_id, IdentityRow.source_ref).where(
                IdentityRow.event_id.in_([e.id for e in events])
            )
        ):
            refs.setdefault(event_id, set()).add(ref)
        candidates = [Candidate(event_from(e), frozenset(refs.get(e.id, ()))) for e in events]
        found = best_match(snap, candidates)
        return (found[0].id, found[1]) if found else (None, None)

    def write(
        self,
        snap: EventSnapshot,
        changes: list[Change],
        plan: Plan | None = None,
        governs: bool = True,
        quiet: str | None = None,
    ) -> None:
        """Store ``snap`` as a new revision (it differs from the last view) and its changes.

        The event's current value follows ``snap`` only when this source ``governs`` it;
        otherwise the revision is kept, marked when it disagrees with that value. With
        ``quiet`` (why not), the changes are recorded, saying why, but alert nobody."""
        plan = plan or self.plan(snap)
        known = plan.known
        if known is None:
            if plan.event_id is None:
                event = EventRow(created_at=self.observed_at, updated_at=self.observed_at, listed=True)
                self._apply_event(event, snap)
                self._s.add(event)
                self._s.flush()
            else:
                event = self._s.get_one(EventRow, plan.event_id)
            ident = IdentityRow(
                source_id=self._source.id,
                source_ref=snap.source_ref,
                event_id=event.id,
                first_seen=self.observed_at,
                last_seen=self.observed_at,
                listed=True,
                match_reason=_joined_because(plan.reason, snap),
            )
            self._s.add(ident)
            self._s.flush()
            known = Known(ident.id, event.id, True, None)
            self.known()[snap.source_ref] = known
        else:
            event = self._s.get_one(EventRow, known.event_id)
        current_when = when_from(event)
        if governs:
            self._apply_event(event, snap)
            event.owner_identity_id = known.identity_id
            event.updated_at = self.observed_at
        revision = RevisionRow(
            event_id=known.event_id,
            identity_id=known.identity_id,
            fetch_run_id=self._run.id,
            observed_at=self.observed_at,
            disagrees=not governs and current_when != snap.when,
            **snapshot_columns(snap),
        )
        self._s.add(revision)
        self._s.flush()
        ident_row = self._s.get_one(IdentityRow, known.identity_id)
        ident_row.last_revision_id = revision.id
        ident_row.last_seen = self.observed_at
        ident_row.listed = True
        known.view, known.listed = snap, True
        self.result.revisions += 1
        for change in changes:
            if quiet:
                change = replace(change, detail=f"{change.detail}; {quiet}" if change.detail else quiet)
            self._add_change(known, change, revision.id, alert=not quiet)

    def contradicted_by(self, event_id: int, snap: EventSnapshot) -> str | None:
        """A more trusted source that lists the event with another value than ``snap``'s, if any."""
        rows = self._s.execute(
            select(IdentityRow, SourceRow)
            .join(SourceRow, SourceRow.id == IdentityRow.source_id)
            .where(
                IdentityRow.event_id == event_id, IdentityRow.listed.is_(True), SourceRow.trust > self.trust
            )
        ).all()
        for ident, source in rows:
            view = self._view_of(ident)
            if view is not None and view.when != snap.when:
                return source.name
        return None

    def rekey(self, old_ref: str, new_ref: str, reason: str) -> None:
        """The source now calls the item ``old_ref`` by ``new_ref``: the identity, its event
        and its revisions carry on under the new ref, so the next write sees a change, not a new item."""
        known = self.known().pop(old_ref)
        ident = self._s.get_one(IdentityRow, known.identity_id)
        ident.source_ref = new_ref
        renamed = f"renamed from {old_ref!r}: {reason}"
        ident.match_reason = f"{ident.match_reason}; {renamed}" if ident.match_reason else renamed
        self._s.flush()
        self.known()[new_ref] = known
        if known.view is not None:
            known.view = replace(known.view, source_ref=new_ref)

    def seen(self, ref: str, changes: list[Change] | None = None) -> None:
        """The identity is in this fetch with no field changed."""
        known = self.known()[ref]
        if known.listed:
            self._seen.append(known.identity_id)  # the common case: no read, one write per run
        else:
            ident = self._s.get_one(IdentityRow, known.identity_id)
            ident.last_seen = self.observed_at
            ident.listed = known.listed = True
            self._s.get_one(EventRow, known.event_id).listed = True
        for change in changes or []:
            self._add_change(known, change, None)

    def drop(self, ref: str, change: Change | None) -> None:
        """The identity left the source's complete list. The event stays listed while
        another source lists it (which then decides its value); otherwise it is dropped."""
        known = self.known()[ref]
        ident = self._s.get_one(IdentityRow, known.identity_id)
        ident.listed = known.listed = False
        event = self._s.get_one(EventRow, known.event_id)
        others = [
            i
            for i in self._s.scalars(
                select(IdentityRow).where(IdentityRow.event_id == event.id, IdentityRow.listed.is_(True))
            )
            if i.id != ident.id
        ]
        if others:
            return  # still listed elsewhere; the value stays until another source moves it
        event.listed = False
        if change is not None and event.owner_identity_id in (None, ident.id):
            self._add_change(known, change, None)

    def _apply_event(self, event: EventRow, snap: EventSnapshot) -> None:
        """The event takes ``snap``'s value; a field the source does not give keeps its value."""
        event.kind = snap.kind.value
        event.title = snap.title
        event.type = snap.type or event.type
        event.provider = snap.provider or event.provider
        event.vehicle = snap.vehicle or event.vehicle
        event.mission = snap.mission or event.mission
        event.site = snap.site or event.site
        event.status = snap.status or event.status
        event.listed = True
        for key, value in when_columns(snap.when).items():
            setattr(event, key, value)

    def _add_change(self, known: Known, change: Change, revision_id: int | None, alert: bool = True) -> None:
        columns = {}
        if change.old_when is not None:
            columns.update(when_columns(change.old_when, "old_"))
        if change.new_when is not None:
            columns.update(when_columns(change.new_when, "new_"))
        for prefix, window in (("old_", change.old_window), ("new_", change.new_window)):
            if window is not None:
                columns[f"{prefix}window_start"], columns[f"{prefix}window_end"] = window
        row = ChangeRow(
            event_id=known.event_id,
            identity_id=known.identity_id,
            revision_id=revision_id,
            fetch_run_id=self._run.id,
            observed_at=self.observed_at,
            kind=change.kind.value,
            detail=change.detail,
            old_status=change.old_status,
            new_status=change.new_status,
            **columns,
        )
        self._s.add(row)
        if alert:
            self._new_changes.append((row, change))
        self.result.changes.append(change)

    def moved(self, url: str) -> None:
        """The server moved the source for good: fetch ``url`` from now on."""
        self._source.moved_url = url

    def disable(self, reason: str) -> None:
        """The server says the source is gone: stop polling it until the config changes."""
        self._source.disabled_reason = reason

    def finish(
        self,
        outcome: FetchOutcome,
        *,
        items: int = 0,
        http_status: int | None = None,
        error: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> RunResult:
        run, source = self._run, self._source
        run.outcome = outcome.value
        run.items = items
        run.http_status = http_status
        run.error = error
        run.revisions = self.result.revisions
        run.changes = len(self.result.changes)
        run.baseline = self.state.baseline and outcome is FetchOutcome.OK
        run.duration_ms = int((_now() - run.started_at).total_seconds() * 1000)
        if outcome is FetchOutcome.OK:
            for n in range(0, len(self._seen), _BATCH):
                self._s.execute(
                    update(IdentityRow)
                    .where(IdentityRow.id.in_(self._seen[n : n + _BATCH]))
                    .values(last_seen=self.observed_at)
                    .execution_options(synchronize_session=False)
                )
            self._s.flush()
            # The alerts are written in the same transaction as their changes: both land or neither.
            if self._alerts != "off":
                now = _now()
                judged = {"now": now, "recorded": self.observed_at}.get(self._alerts)
                self.result.deliveries = enqueue_for_changes(
                    self._s, self._new_changes, self._policy, now, judged_at=judged
                )
            source.last_ok_count = items
            source.suspicious_streak = 0
            if etag or last_modified:
                source.etag, source.last_modified = etag, last_modified
        elif outcome is FetchOutcome.SUSPICIOUS_DROP:
            source.suspicious_streak += 1
        self.result.outcome, self.result.items, self.result.error = outcome, items, error
        return self.result
