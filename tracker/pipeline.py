"""fetch → parse → guard → store → detect, one transaction per source run.

``tracker poll``, ``tracker replay`` and the scheduler all come through here, so a
recorded file is treated exactly like a fetched one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.changes import detect, dropped
from tracker.display import counted
from tracker.errors import ParseError, SourceError, UserError
from tracker.matching import claim_alert_blocker, claim_may_create, renames
from tracker.models import Change, Decides, EventSnapshot, FetchOutcome, RawDocument
from tracker.policy import AlertPolicy
from tracker.sources.base import Source
from tracker.sources.bounded import check_count
from tracker.store.repo import Store
from tracker.store.run import Known, Plan, RunResult, SourceRun

if TYPE_CHECKING:
    from tracker.sources.http import Http

log = logging.getLogger(__name__)


# What each guarded field of a snapshot looks like when the source gave it. A value of the
# wrong type is read as absent by the parsers (never as a status or a date), so renamed
# and retyped fields both show here as a field that vanished.
_PRESENT: dict[str, Callable[[EventSnapshot], bool]] = {
    "date": lambda s: s.when.t0 is not None,
    "status": lambda s: s.status is not None,
    "vehicle": lambda s: s.vehicle is not None,
    "provider": lambda s: s.provider is not None,
    "site": lambda s: s.site is not None,
    "window": lambda s: s.window_start is not None,
}


@dataclass(frozen=True)
class DropGuard:
    """Reject a fetch that looks broken rather than report what it lost as news.

    Two checks, both before anything is written: the item count fell suspiciously (a
    half-rendered page, a filter gone wrong; after ``confirmations`` such fetches in a
    row the new count is believed), or the schema drifted: a field the stored view had
    for an event is gone from most of the events listed again (a renamed ``net``, a
    ``status`` sent as a number). Drift is never believed by repetition: the source's
    mapping has to be fixed, and until then nothing it says is alerted."""

    min_items_ratio: float = 0.5
    min_items_baseline: int = 8
    confirmations: int = 3
    drift_ratio: float = 0.5  # more than this share of the events that had a field lost it
    drift_min_items: int = 3

    def suspicious(self, count: int, last_ok_count: int | None, streak: int) -> bool:
        if not last_ok_count or last_ok_count < self.min_items_baseline:
            return False
        if count >= last_ok_count * self.min_items_ratio:
            return False
        return streak + 1 < self.confirmations

    def drifted(self, items: list[EventSnapshot], known: dict[str, Known]) -> str | None:
        """Why this fetch looks like schema drift, or None. Compared per event with the
        last stored view of the same identity, so one launch going TBD is news and all of
        them going TBD at once is a broken feed."""
        pairs = [(known[s.source_ref].view, s) for s in items if s.source_ref in known]
        problems = []
        for name, present in _PRESENT.items():
            had = [new for old, new in pairs if old is not None and present(old)]
            lost = sum(1 for new in had if not present(new))
            if len(had) >= self.drift_min_items and lost > len(had) * self.drift_ratio:
                problems.append(f"field {name} missing in {lost} of {len(had)} items; last good fetch had it")
        return "schema drift: " + "; ".join(problems) if problems else None


def ingest(run: SourceRun, source: Source[Any], doc: RawDocument, guard: DropGuard) -> RunResult:
    """Apply one document to the store through ``run``."""
    etag = {"etag": doc.etag, "last_modified": doc.last_modified}
    if doc.not_modified:
        return run.finish(FetchOutcome.NOT_MODIFIED, http_status=doc.status)
    try:
        parsed = source.parse(doc)
    except ParseError as exc:
        return run.finish(FetchOutcome.PARSE_ERROR, http_status=doc.status, error=str(exc))
    except RecursionError:  # a markup nesting bomb (HTML, XML, iCalendar): the page's fault, not a bug
        error = "the document is nested too deeply to read (a broken or hostile page); nothing was applied"
        log.warning("source %s: %s", run.source_name, error)
        return run.finish(FetchOutcome.PARSE_ERROR, http_status=doc.status, error=error)
    except Exception as exc:  # a document shaped in a way the parser never met
        log.exception("source %s: the parser failed on %s", run.source_name, doc.url or "a document")
        error = f"parser failed: {type(exc).__name__}: {exc}"
        return run.finish(FetchOutcome.PARSE_ERROR, http_status=doc.status, error=error)
    items = _unique(parsed.items)
    count = len(items)
    if count == 0 and not parsed.entries:
        return run.finish(FetchOutcome.EMPTY, http_status=doc.status, error="the document lists no events")
    try:
        check_count(count, doc.url or "the document")
    except ParseError as exc:
        return run.finish(FetchOutcome.PARSE_ERROR, items=count, http_status=doc.status, error=str(exc))
    state = run.state
    if guard.suspicious(count, state.last_ok_count, state.suspicious_streak):
        message = f"{counted(count, 'event')} where the last good fetch had {state.last_ok_count}"
        return run.finish(FetchOutcome.SUSPICIOUS_DROP, items=count, http_status=doc.status, error=message)
    known = run.load([snap.source_ref for snap in items], listed=parsed.complete)
    if (drift := guard.drifted(items, known)) is not None:
        log.error("source %s: %s", run.source_name, drift)
        return run.finish(FetchOutcome.PARSE_ERROR, items=count, http_status=doc.status, error=drift)
    if parsed.complete and not state.baseline:
        _follow_renames(run, items)
    seen: set[str] = set()
    for snap in items:
        seen.add(snap.source_ref)
        mine = known.get(snap.source_ref)
        own = mine.view if mine else None
        if own is not None and own.fields() == snap.fields():
            run.seen(snap.source_ref)  # unchanged: no event lookups on this, the common path
            continue
        plan = run.plan(snap)
        if plan.mode is Decides.NEW and snap.claim is not None and not claim_may_create(snap.claim):
            log.info("source %s: %s matches no known event and is not sure enough for a new one",
                     run.source_name, snap.source_ref)  # fmt: skip
            continue
        changes, governs = decide(plan, own, snap)
        quiet = None
        if snap.claim is not None and changes:
            against = run.contradicted_by(plan.event_id, snap) if plan.event_id is not None else None
            quiet = claim_alert_blocker(snap.claim, against)
        run.write(snap, [] if state.baseline else changes, plan, governs, quiet)
    if parsed.complete:
        for ref, item in list(known.items()):
            if item.listed and ref not in seen:
                run.drop(ref, None if state.baseline else _departure(item.view, run.observed_at))
    return run.finish(FetchOutcome.OK, items=count, http_status=doc.status, **etag)


def _unique(items: list[EventSnapshot]) -> list[EventSnapshot]:
    """The first snapshot of each identity: an event listed twice (on two pages of a
    paginated list) counts once, so it cannot inflate the last good count."""
    first: dict[str, EventSnapshot] = {}
    for snap in items:
        first.setdefault(snap.source_ref, snap)
    return list(first.values())


def _follow_renames(run: SourceRun, items: list[EventSnapshot]) -> None:
    """Carry identities the source re-keyed over to their new ids (see ``matching.renames``)."""
    known = run.known()
    listed = {snap.source_ref for snap in items}
    new = list({snap.source_ref: snap for snap in reversed(items) if snap.source_ref not in known}.values())
    gone = [k.view for ref, k in known.items() if k.listed and k.view is not None and ref not in listed]
    if not new or not gone:
        return
    for new_ref, (old_ref, reason) in renames(new, gone).items():
        log.info("source %s: %r is now %r", run.source_name, old_ref, new_ref)
        run.rekey(old_ref, new_ref, reason)


def decide(plan: Plan, own: EventSnapshot | None, snap: EventSnapshot) -> tuple[list[Change], bool]:
    """The changes ``snap`` makes to its event's value, and whether it sets that value.

    Changes are about the event, so they are measured from the value users were told
    (``plan.previous``), and only a source that decides the value reports them: a more
    trusted one always; a less trusted one only when the deciding source no longer lists
    the event and this source itself saw the value move, or, for a claim read from prose,
    states the move (no flapping between sources that merely disagree; the disagreement
    is kept in the revisions).
    """
    if plan.mode is Decides.NEW:
        return detect(None, snap), True
    if plan.mode in (Decides.OWN, Decides.TAKEOVER):
        return (detect(plan.previous, snap) if plan.previous is not None else []), True
    moved = snap.claim is not None or (own is not None and bool(detect(own, snap)))
    if plan.mode is Decides.FALLBACK and moved:
        return (detect(plan.previous, snap) if plan.previous is not None else []), True
    return [], False


def _departure(view: EventSnapshot | None, observed_at: datetime) -> Change | None:
    """A "dropped" change, unless the event's time had come: then it simply happened."""
    if view is None:
        return None
    start = view.when.earliest
    if start is not None and start <= observed_at:
        return None
    return dropped(view)


def poll(
    store: Store,
    source: Source[Any],
    http: Http,
    guard: DropGuard | None = None,
    policy: AlertPolicy | None = None,
) -> RunResult:
    """Fetch ``source`` now and apply what came back. The fetch happens before the
    run's transaction opens, so no network wait ever holds the database's write lock."""
    guard = guard or DropGuard()
    observed_at = datetime.now(UTC)
    configured = source.url
    gone = store.disabled_reason(source.name, configured)
    if gone:  # nothing is fetched or recorded until the configured URL changes
        return RunResult(FetchOutcome.HTTP_ERROR, error=f"disabled: {gone}")
    etag, last_modified, moved_url = store.fetch_hints(source.name, configured)
    source.url = moved_url or configured
    failure: SourceError | None = None
    try:  # the network is waited on before the run's transaction opens, never inside it
        with http.deadline() if http is not None else nullcontext():  # (a source that fetches nothing)
            doc = source.fetch(http, etag=etag, last_modified=last_modified)
    except SourceError as exc:
        failure = exc
    finally:
        source.url = configured
    with store.source_run(
        source.name, source.kind, configured, observed_at, policy=policy, trust=source.trust
    ) as run:
        if failure is not None:
            result = _failed(run, source, failure)
        else:
            if doc.moved_to and doc.moved_to != run.state.moved_url:
                run.moved(doc.moved_to)
                log.warning("source %s moved permanently to %s; update its url in the configuration",
                            source.name, doc.moved_to)  # fmt: skip
            result = ingest(run, source, doc, guard)
    _log_result(source.name, result)
    return result


def _failed(run: SourceRun, source: Source[Any], exc: SourceError) -> RunResult:
    """Record a fetch that failed; a Retry-After rides on the result so the scheduler can defer."""
    log.info("source %s: %s", source.name, exc)
    if exc.status == 410:
        run.disable(
            f"{source.url} answered 410 Gone; change or remove this source's url in the configuration"
        )
        log.error("source %s is gone (HTTP 410) and will not be polled until its url changes", source.name)
    result = run.finish(exc.outcome, http_status=exc.status, error=str(exc))
    result.retry_after = exc.retry_after
    return result


_STAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2})(\d{2})(\d{2})?Z")


def stamp_of(path: Path) -> datetime:
    """The UTC time written in a recorded file's name (``YYYY-MM-DDTHHMM[SS]Z``)."""
    match = _STAMP.search(path.name)
    if not match:
        raise UserError(f"{path.name}: no UTC time in the file name (expected YYYY-MM-DDTHHMM[SS]Z)")
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise UserError(f"{path.name}: {match[0]} is not a real time ({exc})") from None


def recorded_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files in the order given; a folder contributes its files in name order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.is_file() and _STAMP.search(p.name))
        elif path.is_file():
            yield path
        else:
            raise UserError(f"{path}: no such file or folder")


def replay(
    store: Store,
    source: Source[Any],
    paths: Iterable[Path],
    guard: DropGuard | None = None,
    policy: AlertPolicy | None = None,
    max_bytes: int = 20_000_000,
    *,
    alerts: str = "now",
) -> Iterator[tuple[Path, RunResult]]:
    """Apply recorded files as if each had been fetched at the time in its name; a file
    over ``max_bytes`` (``[http] max_bytes``, as for a fetch) is refused unread.

    ``alerts`` (see ``store.run.ALERT_MODES``): by default no alert is made about an event
    that is long over by now; "off" makes none (a backfill). Files older than what the
    source already holds are refused before anything is applied: history is appended to,
    never rewritten (an older snapshot would read as every later change undone)."""
    guard = guard or DropGuard()
    files = list(recorded_files(paths))
    stamps = [(stamp_of(path), path) for path in files]
    _check_order(store, source.name, stamps)
    for observed_at, path in stamps:
        too_big = path.stat().st_size > max_bytes
        body = b"" if too_big else path.read_bytes()  # never read whole what would be refused
        doc = RawDocument(body, observed_at, url=path.resolve().as_uri(), status=200)
        with store.source_run(
            source.name,
            source.kind,
            source.url,
            observed_at,
            replay_of=str(path),
            policy=policy,
            trust=source.trust,
            alerts=alerts,
        ) as run:
            if too_big:
                error = f"{path.name} is larger than max_bytes = {max_bytes}; not read"
                result = run.finish(FetchOutcome.PARSE_ERROR, error=error)
            else:
                result = ingest(run, source, doc, guard)
        yield path, result


def _check_order(store: Store, source: str, stamps: list[tuple[datetime, Path]]) -> None:
    newest = store.last_ok(source)
    for observed_at, path in stamps:
        if newest is not None and observed_at < newest:
            raise UserError(
                f"{path.name} ({observed_at:%Y-%m-%d %H:%M} UTC) is older than the newest snapshot "
                f"source {source!r} already holds ({newest:%Y-%m-%d %H:%M} UTC); replay only newer "
                "files, or into a fresh database"
            )
        newest = observed_at


def _log_result(name: str, result: RunResult) -> None:
    if result.outcome.healthy:
        log.info(
            "source %s: %s, %d events, %d revisions, %d changes",
            name,
            result.outcome.value,
            result.items,
            result.revisions,
            len(result.changes),
        )
    else:
        log.info("source %s: %s: %s", name, result.outcome.value, result.error)
