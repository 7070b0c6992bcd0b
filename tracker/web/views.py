"""The HTML pages, the feeds and the unsubscribe endpoint. Each handler checks its query
(``tracker.web.query``), makes a few bounded reads and renders one template."""

from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta
from typing import cast
from urllib.parse import parse_qs, urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from tracker.changes import Step, format_duration, slip_summary, timeline
from tracker.display import age_text, instant_text, when_text
from tracker.models import ChangeRecord, EventRecord, Subscriber
from tracker.notify.render import WORDS, change_text, details_text
from tracker.stats import GROUPINGS, GroupBy, slip_stats, stat_phrases
from tracker.status import status_label
from tracker.web import feeds, query
from tracker.web.app import Context, conditional, page
from tracker.web.tokens import Purpose, check_token

MAX_ID = 2**31 - 1
FEED_EVENTS = 500  # at most, in one calendar
FEED_CHANGES = 100  # newest, in one Atom feed
FEED_PAST = timedelta(days=30)  # a calendar keeps what happened in the last 30 days
STATS_SECONDS = 600.0  # a cold computation reads every event (seconds on 100 000)
MAX_FORM = 4096  # bytes of the unsubscribe POST body
FILTER_KEYS = tuple(query.FILTERS)


def _params(request: Request, *extra: str) -> dict[str, str]:
    return query.checked(request.query_params, request.url.query, (*FILTER_KEYS, *extra))


def _event(ctx: Context, request: Request) -> EventRecord:
    event_id = cast(int, request.path_params["event_id"])
    found = ctx.store.event(event_id) if event_id <= MAX_ID else None
    if found is None:
        raise HTTPException(404, f"There is no event #{event_id}.")
    return found


def _feed_query(params: dict[str, str]) -> str:
    chosen = {k: v for k, v in params.items() if k in FILTER_KEYS}
    return f"?{urlencode(chosen)}" if chosen else ""


# ---- pages -----------------------------------------------------------------------


def upcoming(ctx: Context, request: Request) -> Response:
    params = _params(request, "page")
    wanted = query.criteria(params)
    number = query.page(params)
    size = ctx.settings.page_size
    now = ctx.clock()
    found = ctx.store.browse.events([wanted], after=now, limit=size + 1, offset=(number - 1) * size)
    rows = [
        {
            "event": e,
            "when": when_text(e.when, ctx.zone),
            "status": status_label(e.status),
            "details": details_text(e),
        }
        for e in found[:size]
    ]
    more = {**params, "page": str(number + 1)}
    return page(
        ctx,
        request,
        "upcoming.html.j2",
        title="Upcoming",
        rows=rows,
        params=params,
        next_page=f"?{urlencode(more)}" if len(found) > size else None,
        feeds=_feed_query(params),
        zone=str(ctx.zone),
    )


def event_page(ctx: Context, request: Request) -> Response:
    query.checked(request.query_params, request.url.query, ())
    event = _event(ctx, request)
    store = ctx.store
    revisions = store.history(event.id)
    changes = store.changes(event_id=event.id)
    slips, total = slip_summary(changes)
    health = {h.name: h for h in store.sources()}
    now = ctx.clock()
    sources = []
    for ident in store.identities(event.id):
        h = health.get(ident.source)
        sources.append(
            {
                "ident": ident,
                "fresh": age_text(h.last_ok_at if h else None, now),
                "checked": instant_text(h.last_ok_at if h else None, ctx.zone),
                "failing": h.failures_in_row if h else 0,
            }
        )
    entries = [
        {
            "at": instant_text(e.observed_at, ctx.zone),
            "when": when_text(e.when, ctx.zone) if e.when else "",
            "status": status_label(e.status) if e.when else "",
            "source": e.source,
            "label": _label(e),
            "slip": any(n.startswith("slip") for n in e.noted),
            "dropped": e.when is None,
            "disagrees": not e.decided,
        }
        for e in timeline(revisions, changes)
    ]
    known = {r.snapshot.when for r in revisions if r.snapshot.when.known and not r.disagrees}
    link = next((r.snapshot.url for r in reversed(revisions) if r.snapshot.url), None)
    return page(
        ctx,
        request,
        "event.html.j2",
        title=event.title,
        event=event,
        when=when_text(event.when, ctx.zone),
        status=status_label(event.status),
        details=details_text(event),
        slips=slips,
        total=format_duration(total) if total else "none",
        entries=entries,
        sources=sources,
        link=link,
        chart=len(known) >= 2,
        charts_installed=_charts_installed(),
    )


def _label(step: Step) -> str:
    """What a timeline entry did, as ``tracker history`` words it."""
    if step.when is None:
        return f"left the {step.source} list (not a cancellation)"
    label = ", ".join(step.noted) or "recorded"
    return label if step.decided else label + "; disagrees with the decided value"


def _charts_installed() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def chart(ctx: Context, request: Request) -> Response:
    query.checked(request.query_params, request.url.query, ())
    event = _event(ctx, request)
    if not _charts_installed():
        raise HTTPException(501, "The slip chart needs matplotlib: pip install 'launch-tracker[charts]'.")
    store = ctx.store
    changes = store.changes(event_id=event.id)
    today = ctx.clock().date()
    key = ("chart", event.id, changes[-1].id if changes else 0, today, event.updated_at)

    def draw() -> bytes | None:
        from tracker.charts import event_chart

        return event_chart(event, store.history(event.id), changes, ctx.zone, ctx.clock())

    png = ctx.cached(key, 3600.0, draw)
    if png is None:
        raise HTTPException(404, f"Event #{event.id} has had fewer than two known dates: no slip chart yet.")
    return Response(png, media_type="image/png", headers={"Cache-Control": "public, max-age=300"})


def _change_rows(ctx: Context, changes: list[ChangeRecord]) -> list[dict[str, object]]:
    rows = []
    for c in changes:
        rows.append({"change": c, "words": WORDS[c.kind], "text": change_text(c, ctx.zone),
                     "seen": instant_text(c.observed_at, ctx.zone)})  # fmt: skip
    return rows


def changes_page(ctx: Context, request: Request) -> Response:
    params = _params(request, "since", "change")
    now = ctx.clock()
    since = query.since(params, now, default="24h")
    kinds = query.change_kinds(params)
    found = ctx.store.browse.changes(
        [query.criteria(params)], limit=ctx.settings.page_size, since=since, until=now, kinds=kinds
    )
    return page(
        ctx,
        request,
        "changes.html.j2",
        title="What moved",
        rows=_change_rows(ctx, found),
        params=params,
        since=params.get("since", "24h"),
        limit=ctx.settings.page_size,
        feeds=_feed_query(params),
    )


def sources_page(ctx: Context, request: Request) -> Response:
    query.checked(request.query_params, request.url.query, ())
    now = ctx.clock()
    rows = [
        {"h": h, "fresh": age_text(h.last_ok_at, now), "last": instant_text(h.last_run_at, ctx.zone)}
        for h in ctx.store.sources()
    ]
    return page(ctx, request, "sources.html.j2", title="Sources", rows=rows)


def group_stats(ctx: Context, by: GroupBy, since: datetime | None, since_text: str) -> list[object]:
    """Slip statistics, remembered for ten minutes: they read every event."""
    return cast(
        list[object],
        ctx.cached(
            ("stats", by, since_text),
            STATS_SECONDS,
            lambda: slip_stats(ctx.store.browse.stats_facts(since), by),
        ),
    )


def stats_page(ctx: Context, request: Request) -> Response:
    params = query.checked(request.query_params, request.url.query, ("by", "since"))
    by = cast(GroupBy, query.choice(params, "by", GROUPINGS))
    since = query.since(params, ctx.clock())
    rows = group_stats(ctx, by, since, params.get("since", ""))
    phrased = [{"g": g, "p": stat_phrases(g)} for g in rows]  # type: ignore[arg-type]
    return page(
        ctx,
        request,
        "stats.html.j2",
        title="Slip statistics",
        rows=phrased,
        by=by,
        groupings=GROUPINGS,
        since=params.get("since", ""),
    )


# ---- feeds -----------------------------------------------------------------------


def _calendar(
    ctx: Context,
    request: Request,
    follows: list[dict[str, str]],
    muted: frozenset[int],
    name: str,
    private: bool,
) -> Response:
    browse = ctx.store.browse
    after = ctx.clock() - FEED_PAST
    events = browse.events(follows, after=after, limit=FEED_EVENTS, muted=muted) if follows else []
    ids = [e.id for e in events]
    body = feeds.calendar(events, browse.moves(ids), browse.links(ids), ctx.site, name)
    modified = max((e.updated_at for e in events), default=None)
    return conditional(request, body, "text/calendar; charset=utf-8", modified, private=private)


def _atom(
    ctx: Context,
    request: Request,
    follows: list[dict[str, str]],
    muted: frozenset[int],
    title: str,
    private: bool,
) -> Response:
    browse, now = ctx.store.browse, ctx.clock()
    found = browse.changes(follows, limit=FEED_CHANGES, until=now, muted=muted) if follows else []
    updated = found[0].observed_at if found else None
    path = request.url.path
    body = feeds.atom(found, ctx.site, title=title, self_path=path, updated=updated or now)
    return conditional(request, body, "application/atom+xml; charset=utf-8", updated, private=private)


def public_calendar(ctx: Context, request: Request) -> Response:
    wanted = query.criteria(_params(request))
    return _calendar(ctx, request, [wanted], frozenset(), "Launch tracker", private=False)


def public_atom(ctx: Context, request: Request) -> Response:
    wanted = query.criteria(_params(request))
    return _atom(ctx, request, [wanted], frozenset(), "Launch tracker: what moved", private=False)


def _subscriber(ctx: Context, request: Request, purpose: Purpose, token: str) -> Subscriber | None:
    if ctx.secret is None:
        raise HTTPException(503, "This server has no token secret configured ([serve] secret_env).")
    found = check_token(token, ctx.secret, purpose) if len(token) <= 200 else None
    return ctx.store.subscriptions.by_id(found) if found is not None else None


def _followed(ctx: Context, request: Request) -> Subscriber:
    query.checked(request.query_params, request.url.query, ())
    sub = _subscriber(ctx, request, Purpose.FEED, cast(str, request.path_params["token"]))
    if sub is None or not sub.active:
        raise HTTPException(404, "There is no feed at this address.")
    return sub


def private_calendar(ctx: Context, request: Request) -> Response:
    sub = _followed(ctx, request)
    follows = [f.criteria for f in sub.follows]
    return _calendar(ctx, request, follows, sub.muted, "Launches I follow", private=True)


def private_atom(ctx: Context, request: Request) -> Response:
    sub = _followed(ctx, request)
    follows = [f.criteria for f in sub.follows]
    return _atom(ctx, request, follows, sub.muted, "What moved in what I follow", private=True)


# ---- unsubscribe -----------------------------------------------------------------


async def unsubscribe(ctx: Context, request: Request) -> Response:
    """GET shows a button (mail scanners follow links; only a POST acts); POST, from that
    button or a mail client's RFC 8058 one-click, turns the subscriber's digest off."""
    from starlette.concurrency import run_in_threadpool

    params = query.checked(request.query_params, request.url.query, ("token",))
    token = params.get("token", "")
    if request.method == "POST":
        body = b""
        async for chunk in request.stream():  # read no more than a form this small can be
            body += chunk
            if len(body) > MAX_FORM:
                raise HTTPException(413, f"The form is too large (at most {MAX_FORM} bytes).")
        form = parse_qs(body.decode("utf-8", "replace"))
        token = token or (form.get("token") or [""])[0]
    sub = await run_in_threadpool(_subscriber, ctx, request, Purpose.UNSUBSCRIBE, token)
    if sub is None:
        raise HTTPException(400, "This unsubscribe link is not valid (it was altered, or is not ours).")
    if request.method == "GET":
        return page(ctx, request, "unsubscribe.html.j2", title="Stop the digest", token=token, done=False)
    await run_in_threadpool(ctx.store.subscriptions.set_policy, sub.name, {"digest": "off"})
    return page(ctx, request, "unsubscribe.html.j2", title="Digest stopped", token=token, done=True)
