"""The read-only JSON API: the same documents as the CLI's ``--json`` (``tracker.contract``),
and an OpenAPI description of it at ``/openapi.json``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tracker.contract import change_json, event_json, history_json, source_json, stats_json
from tracker.stats import GROUPINGS, GroupBy, GroupStats
from tracker.web import query
from tracker.web.app import Context
from tracker.web.views import FILTER_KEYS, _event, group_stats

MAX_LIMIT = 1000


def upcoming(ctx: Context, request: Request) -> Response:
    params = query.checked(request.query_params, request.url.query, (*FILTER_KEYS, "limit", "page"))
    size = query.limit(params, 100, MAX_LIMIT)
    number = query.page(params)
    found = ctx.store.browse.events(
        [query.criteria(params)], after=ctx.clock(), limit=size, offset=(number - 1) * size
    )
    return JSONResponse([event_json(e) for e in found])


def history(ctx: Context, request: Request) -> Response:
    query.checked(request.query_params, request.url.query, ())
    event = _event(ctx, request)
    store = ctx.store
    return JSONResponse(history_json(event, store.history(event.id), store.changes(event_id=event.id)))


def changes(ctx: Context, request: Request) -> Response:
    params = query.checked(
        request.query_params, request.url.query, (*FILTER_KEYS, "since", "change", "limit")
    )
    found = ctx.store.browse.changes(
        [query.criteria(params)],
        limit=query.limit(params, 100, MAX_LIMIT),
        since=query.since(params, ctx.clock()),
        until=ctx.clock(),
        kinds=query.change_kinds(params),
    )
    return JSONResponse([change_json(c) for c in reversed(found)])  # oldest first, as the CLI


def sources(ctx: Context, request: Request) -> Response:
    query.checked(request.query_params, request.url.query, ())
    return JSONResponse([source_json(h) for h in ctx.store.sources()])


def stats(ctx: Context, request: Request) -> Response:
    params = query.checked(request.query_params, request.url.query, ("by", "since"))
    by = cast(GroupBy, query.choice(params, "by", GROUPINGS))
    rows = group_stats(ctx, by, query.since(params, ctx.clock()), params.get("since", ""))
    return JSONResponse([stats_json(cast(GroupStats, g), by) for g in rows])


def openapi(ctx: Context, request: Request) -> Response:
    return JSONResponse(openapi_document(ctx.settings.base_url))


def routes(
    bind: Callable[[Callable[..., Any]], Callable[[Request], Any]],
) -> list[Route]:
    return [
        Route("/api/upcoming", bind(upcoming)),
        Route("/api/events/{event_id:int}", bind(history)),
        Route("/api/changes", bind(changes)),
        Route("/api/sources", bind(sources)),
        Route("/api/stats", bind(stats)),
        Route("/openapi.json", bind(openapi)),
    ]


# ---- the OpenAPI description ---------------------------------------------------------


def _param(
    name: str, description: str, schema: dict[str, Any] | None = None, where: str = "query"
) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": schema or {"type": "string", "maxLength": query.MAX_VALUE},
    }


_FILTERS = [
    _param("kind", "launch, event, or an event type such as 'static fire'"),
    _param("provider", "words of the provider's name, e.g. SpaceX"),
    _param("vehicle", "words of the vehicle's name (or title), e.g. 'Falcon 9'"),
    _param("site", "words of the pad or location, e.g. 'Cape Canaveral'"),
    _param("q", 'plain words, or a follow filter: vehicle:"Falcon 9" site:Cape'),
]
_LIMIT = _param(
    "limit", "at most this many", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 100}
)
_SINCE = _param("since", "24h, 7d, 2w, 30m or an ISO date/time (UTC when no zone)")
_NULL_STR = {"type": ["string", "null"]}
_WHEN = {
    "start": {**_NULL_STR, "format": "date-time"},
    "end": {**_NULL_STR, "format": "date-time"},
    "precision": {
        "type": "string",
        "enum": ["second", "minute", "hour", "day", "week", "month", "quarter", "half", "year", "unknown"],
    },
    "net": {"type": "boolean"},
    "t0": {**_NULL_STR, "format": "date-time"},
}
_EVENT = {
    "type": "object",
    "properties": {
        "event_id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["launch", "event"]},
        "type": _NULL_STR,
        "title": {"type": "string"},
        **_WHEN,
        "status": _NULL_STR,
        "provider": _NULL_STR,
        "vehicle": _NULL_STR,
        "mission": _NULL_STR,
        "site": _NULL_STR,
        "listed": {"type": "boolean"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}
_CHANGE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "event_id": {"type": "integer"},
        "title": {"type": "string"},
        "change": {"type": "string"},
        **{f"old_{k}": v for k, v in _WHEN.items()},
        **{f"new_{k}": v for k, v in _WHEN.items()},
        "old_status": _NULL_STR,
        "new_status": _NULL_STR,
        "delay_seconds": {"type": ["integer", "null"]},
        "source": {"type": "string"},
        "source_ref": {"type": "string"},
        "observed_at": {"type": "string", "format": "date-time"},
    },
}


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "200": {"description": description, "content": {"application/json": {"schema": schema}}},
        "400": {"description": 'a malformed parameter: {"error": ..., "status": 400}'},
    }


def array(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


def openapi_document(base_url: str) -> dict[str, Any]:
    """OpenAPI 3.1: every route under /api, with the contract's fields (README: JSON contract)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "launch tracker",
            "version": "1",
            "description": "Read-only: the same documents as the CLI's --json. Instants are UTC ISO-8601 "
            "with a Z; fields are only ever added.",
        },
        "servers": [{"url": base_url or "/"}],
        "paths": {
            "/api/upcoming": {
                "get": {
                    "summary": "What is coming, soonest first (tracker upcoming --json)",
                    "parameters": [
                        *_FILTERS,
                        _LIMIT,
                        _param("page", "page number from 1", {"type": "integer", "minimum": 1}),
                    ],
                    "responses": _ok("events", array(_EVENT)),
                }
            },
            "/api/events/{event_id}": {
                "get": {
                    "summary": "An event's whole timeline (tracker history --json)",
                    "parameters": [_param("event_id", "the event's id", {"type": "integer"}, "path")],
                    "responses": {
                        **_ok(
                            "the event with slips, total_delay_seconds, revisions and changes",
                            {"type": "object"},
                        ),
                        "404": {"description": "no such event"},
                    },
                }
            },
            "/api/changes": {
                "get": {
                    "summary": "What moved, oldest first (tracker changes --json)",
                    "parameters": [
                        *_FILTERS,
                        _SINCE,
                        _LIMIT,
                        _param("change", "change kinds, comma-separated: slip,advance,..."),
                    ],
                    "responses": _ok("changes", array(_CHANGE)),
                }
            },
            "/api/sources": {
                "get": {
                    "summary": "Source health (the sources of tracker status --json)",
                    "responses": _ok("sources", array({"type": "object"})),
                }
            },
            "/api/stats": {
                "get": {
                    "summary": "Slip statistics (tracker stats --json)",
                    "parameters": [
                        _param("by", "grouping", {"type": "string", "enum": list(GROUPINGS)}),
                        _SINCE,
                    ],
                    "responses": _ok("one object per group", array({"type": "object"})),
                }
            },
        },
    }
