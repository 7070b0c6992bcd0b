"""Query strings checked before they reach the store: only known keys, short values, sane
numbers. A bad one is a ``BadRequest`` that the app shows as a clear 4xx page."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from datetime import datetime

from tracker.errors import UserError
from tracker.follows import parse_filter
from tracker.models import ChangeKind
from tracker.timespec import parse_since

MAX_QUERY = 2048  # characters of the whole query string
MAX_VALUE = 120  # characters of one value
MAX_PAGE = 1000
FILTERS = {"kind": "kind", "provider": "provider", "vehicle": "vehicle", "site": "site", "q": "words"}


class BadRequest(Exception):
    """What was wrong with the request, in one line; ``status`` is the HTTP code."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def checked(params: Mapping[str, str], raw: str, allowed: Iterable[str]) -> dict[str, str]:
    """The non-empty parameters, once each, all of them known and short."""
    if len(raw) > MAX_QUERY:
        raise BadRequest(f"the query is too long ({len(raw)} characters; at most {MAX_QUERY})", 414)
    known = set(allowed)
    out: dict[str, str] = {}
    for key, value in params.items():
        if key not in known:
            raise BadRequest(f"unknown parameter {key!r}; this page takes: {', '.join(sorted(known))}")
        if len(value) > MAX_VALUE:
            raise BadRequest(f"{key} is too long ({len(value)} characters; at most {MAX_VALUE})")
        if any(ord(ch) < 32 for ch in value):
            raise BadRequest(f"{key} holds control characters")
        if value.strip():
            out[key] = " ".join(value.split())
    return out


def criteria(params: Mapping[str, str]) -> dict[str, str]:
    """The follow criteria (``tracker.follows``) the filter parameters ask for; ``all`` if none.

    ``q`` reads like a follow typed to the bot: plain words, or ``vehicle:"Falcon 9" site:Cape``."""
    found = {FILTERS[key]: value for key, value in params.items() if key in FILTERS and key != "q"}
    if "q" in params:
        try:
            typed = parse_filter(shlex.split(params["q"]))
        except ValueError as exc:  # an unbalanced quote
            raise BadRequest(f"q: {exc}") from None
        except UserError as exc:
            raise BadRequest(f"q: {exc}") from None
        typed.pop("all", None)
        for key, value in typed.items():
            if key in found:
                raise BadRequest(f"{key} is given twice (in q and as its own field)")
            found[key] = value
    return found or {"all": "yes"}


def page(params: Mapping[str, str]) -> int:
    text = params.get("page", "1")
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        raise BadRequest(f"page should be a number from 1 to {MAX_PAGE}, not {text!r}")
    return int(text)


def limit(params: Mapping[str, str], default: int, most: int) -> int:
    text = params.get("limit", str(default))
    if not text.isdigit() or not 1 <= int(text) <= most:
        raise BadRequest(f"limit should be a number from 1 to {most}, not {text!r}")
    return int(text)


def since(params: Mapping[str, str], now: datetime, default: str | None = None) -> datetime | None:
    text = params.get("since", default)
    if text is None:
        return None
    try:
        return parse_since(text, now)
    except UserError as exc:
        raise BadRequest(str(exc).replace("--since", "since")) from exc


def change_kinds(params: Mapping[str, str]) -> set[ChangeKind] | None:
    text = params.get("change")
    if not text:
        return None
    try:
        return {ChangeKind(word.strip().lower()) for word in text.replace(",", " ").split()}
    except ValueError:
        raise BadRequest(
            f"change should be one or more of {', '.join(k.value for k in ChangeKind)}, not {text!r}"
        ) from None


def choice(params: Mapping[str, str], key: str, options: tuple[str, ...]) -> str:
    value = params.get(key, options[0])
    if value not in options:
        raise BadRequest(f"{key} should be one of {', '.join(options)}, not {value!r}")
    return value
