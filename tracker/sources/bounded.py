"""Bounded parsing: a document may nest only so deep and list only so many elements.

A JSON nesting bomb or a list of a million tiny items is under the size cap, yet would
exhaust the parser's recursion or keep a poll busy for minutes; both are refused here
as a ``ParseError`` (a recorded ``parse_error`` run, never a crash). The limits come
from ``[http] max_depth`` and ``max_items`` (``configure``, called once when the
configuration is read) and hold for every source kind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tracker.errors import ParseError


@dataclass(frozen=True)
class ParseLimits:
    max_depth: int = 64
    max_items: int = 20_000


_limits = ParseLimits()
CONTAINERS_PER_ITEM = 50  # the richest recorded LL2 launch has under 30 nested objects and lists


def configure(max_depth: int, max_items: int) -> None:
    global _limits
    _limits = ParseLimits(max_depth, max_items)


def limits() -> ParseLimits:
    return _limits


def check_count(count: int, what: str) -> None:
    """Refuse a document listing more items than ``max_items``."""
    if count > _limits.max_items:
        raise ParseError(f"{what} lists {count} items, more than max_items = {_limits.max_items}")


def check_tree(value: Any, what: str) -> None:
    """Refuse a decoded document nested deeper than ``max_depth`` or with a list or object
    longer than ``max_items`` (walked without recursion)."""
    lim = _limits
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > lim.max_depth:
            raise ParseError(f"{what} is nested deeper than max_depth = {lim.max_depth}")
        children = node.values() if isinstance(node, dict) else node
        if len(children) > lim.max_items:
            raise ParseError(
                f"{what} has a list of {len(children)} elements, more than max_items = {lim.max_items}"
            )
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list) and child)


def load_json(body: bytes, what: str) -> Any:
    """Decode a JSON document within the limits, telling a truncated body from an HTML error page."""
    text = body.lstrip()
    if not text:
        raise ParseError(f"empty {what} document")
    if text[:1] == b"<":
        raise ParseError(f"{what} returned HTML, not JSON (an error or block page?)")
    # Decoding makes an object of every "{" and "[": a document of millions of tiny ones
    # would take gigabytes before any check could see it, so they are counted first (in
    # C, over the bytes; brackets inside strings count too, which only errs on the safe side).
    containers = body.count(b"{") + body.count(b"[")
    if containers > CONTAINERS_PER_ITEM * _limits.max_items:
        raise ParseError(
            f"{what} holds {containers} objects and lists, more than {CONTAINERS_PER_ITEM} per item "
            f"for max_items = {_limits.max_items}"
        )
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"{what} returned invalid or truncated JSON: {exc}") from exc
    except RecursionError:
        raise ParseError(f"{what} is nested deeper than max_depth = {_limits.max_depth}") from None
    if isinstance(value, dict | list):
        check_tree(value, what)
    return value
