"""fetch → parse → guard → store → detect, one transaction per source run.

``tracker poll``, ``tracker replay`` and the scheduler all come through here, so a
recorded file is treated exactly like a fetched one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.changes import detect, dropped
from tracker.errors import ParseError, SourceError, UserError
from tracker.matching import renames
from tracker.models import Change, Decides, EventSnapshot, FetchOutcome, RawDocument
from tracker.policy import AlertPolicy
from tracker.sources.base import Source
from tracker.store.repo import Store
from tracker.store.run import Plan, RunResult, SourceRun

if TYPE_CHECKING:
    from tracker.sources.http import Http

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DropGuard:
    """Reject a fetch whose item count fell suspiciously (a half-rendered page, a
    filter gone wrong) rather than report everything missing as dropped. After
    ``confirmations`` such fetches in a row the new count is believed."""

    min_items_ratio: float = 0.5
    min_items_baseline: int = 8
    confirmations: int = 3

    def suspicious(self, count: int, last_ok_count: int | None, streak: int) -> bool:
        if not last_ok_count or last_ok_count < self.min_items_baseline:
            return False
        if count >= last_ok_count * self.min_items_ratio:
            return False
        return streak + 1 < self.confirmations


def ingest(run: SourceRun, source: Source[Any], doc: RawDocument, guard: DropGuard) -> RunResult:
    """Apply one document to the store through ``run``."""
    etag = {"etag": doc.etag, "last_modified": doc.last_modified}
    if doc.not_modified:
        return run.finish(FetchOutcome.NOT_MODIFIED, http_status=doc.status)
    try:
        parsed = source.parse(doc)
    except ParseError as exc:
        return run.finish(FetchOutcome.PARSE_ERROR, http_status=doc.status, error=str(exc))
    except Exception as exc:  # a document shaped in a way the parser never met
        log.exception("source %s: the parser failed on %s", run.source_name, doc.url or "a document")
        error = f"parser failed: {type(exc).__name__}: {exc}"
        return run.finish(FetchOutcome.PARSE_ERROR, http_status=doc.status, error=error)
    count = len(parsed.items)
    if count == 0:
        return run.finish(FetchOutcome.EMPTY, http_status=doc.status, error="the document lists no events")
    state = run.state
    if guard.suspicious(count, state.last_ok_count, state.suspicious_streak):
        message = f"{count} events where the last good fetch had {state.last_ok_count}"
        return run.finish(FetchOutcome.SUSPICIOUS_DROP, items=count, http_status=doc.status, error=message)
    known = run.known()
    if parsed.complete and not state.baseline:
        _follow_renames(run, parsed.items)
    seen: set[str] = set()
    for snap in parsed.items:
        if snap.source_ref in seen:
            continue
        seen.add(snap.source_ref)
        mine = known.get(snap.source_ref)
        own = mine.view if mine else None
        if own is not None and own.fields() == snap.fields():
            run.seen(snap.source_ref)  # unchanged: no event lookups on this, the common path
            continue
        plan = run.plan(snap)
        changes, governs = decide(plan, own, snap)
        run.write(snap, [] if state.baseline else changes, plan, governs)
    if parsed.complete:
        for ref, item in list(known.items()):
            if item.listed and ref not in seen:
                run.drop(ref, None if state.baseline else _departure(item.view, run.observed_at))
    return run.finish(FetchOutcome.OK, items=count, http_status=doc.status, **etag)


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
    the event and this source itself saw the value move (no flapping between sources
    that merely disagree; the disagreement is kept in the revisions).
    """
    if plan.mode is Decides.NEW:
        return detect(None, snap), True
    if plan.mode in (Decides.OWN, Decides.TAKEOVER):
        return (detect(plan.previous, snap) if plan.previous is not None else []), True
    if plan.mode is Decides.FALLBACK and own is not None and detect(own, snap):
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
    """Fetch ``source`` now and apply what came back."""
    guard = guard or DropGuard()
    observed_at = datetime.now(UTC)
    configured = source.url
    gone = store.disabled_reason(source.name, configured)
    if gone:  # nothing is fetched or recorded until the configured URL changes
        return RunResult(FetchOutcome.HTTP_ERROR, error=f"disabled: {gone}")
    with store.source_run(
        source.name, source.kind, configured, observed_at, policy=policy, trust=source.trust
    ) as run:
        source.url = run.state.moved_url or configured
        try:
            doc = source.fetch(http, etag=run.state.etag, last_modified=run.state.last_modified)
        except SourceError as exc:
            log.info("source %s: %s", source.name, exc)
            if exc.status == 410:
                run.disable(
                    f"{source.url} answered 410 Gone; change or remove this source's url in the configuration"
                )
                log.error(
                    "source %s is gone (HTTP 410) and will not be polled until its url changes", source.name
                )
            return run.finish(FetchOutcome(exc.outcome), http_status=exc.status, error=str(exc))
        finally:
            source.url = configured
        if doc.moved_to and doc.moved_to != run.state.moved_url:
            run.moved(doc.moved_to)
            log.warning("source %s moved permanently to %s; update its url in the configuration", source.name,
                        doc.moved_to)  # fmt: skip
        result = ingest(run, source, doc, guard)
    _log_result(source.name, result)
    return result


_STAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2})(\d{2})(\d{2})?Z")


def stamp_of(path: Path) -> datetime:
    """The UTC time written in a recorded file's name (``YYYY-MM-DDTHHMM[SS]Z``)."""
    match = _STAMP.search(path.name)
    if not match:
        raise UserError(f"{path.name}: no UTC time in the file name (expected YYYY-MM-DDTHHMM[SS]Z)")
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


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
    *,
    alerts: str = "now",
) -> Iterator[tuple[Path, RunResult]]:
    """Apply recorded files as if each had been fetched at the time in its name.

    ``alerts`` (see ``store.run.ALERT_MODES``): by default no alert is made about an event
    that is long over by now; "off" makes none (a backfill). Files older than what the
    source already holds are refused before anything is applied: history is appended to,
    never rewritten (an older snapshot would read as every later change undone)."""
    guard = guard or DropGuard()
    files = list(recorded_files(paths))
    stamps = [(stamp_of(path), path) for path in files]
    _check_order(store, source.name, stamps)
    for observed_at, path in stamps:
        doc = RawDocument(path.read_bytes(), observed_at, url=path.resolve().as_uri(), status=200)
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
