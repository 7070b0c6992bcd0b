"""Registry of source kinds: ``kind -> module:Class``, imported only when used."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

    from tracker.sources.base import Source

SOURCE_KINDS: dict[str, str] = {
    "ll2-launches": "tracker.sources.ll2:LL2Launches",
    "ll2-events": "tracker.sources.ll2:LL2Events",
    "json": "tracker.sources.json_mapped:MappedJson",
    "rss": "tracker.sources.rss:RssFeed",
    "news": "tracker.sources.news:NewsFeed",
    "ical": "tracker.sources.ical:ICalendar",
    "html": "tracker.sources.html_selectors:HtmlSelectors",
    "spaceflightinsider": "tracker.sources.spaceflightinsider:SpaceflightInsider",
}


def source_class(kind: str) -> type[Source[Any]]:
    """The class for a source kind; KeyError names the known kinds."""
    try:
        target = SOURCE_KINDS[kind]
    except KeyError:
        known = ", ".join(sorted(SOURCE_KINDS))
        raise KeyError(f"unknown source kind {kind!r} (known: {known})") from None
    module_name, _, class_name = target.partition(":")
    cls: type[Source[Any]] = getattr(importlib.import_module(module_name), class_name)
    return cls


def options_model(kind: str) -> type[BaseModel]:
    """The pydantic model that validates a source kind's ``options`` table."""
    return source_class(kind).Options


def build_source(
    kind: str, name: str, url: str | None = None, options: Any = None, trust: int = 50
) -> Source[Any]:
    """A ready source of ``kind`` named ``name``."""
    return source_class(kind)(name, url or None, options, kind=kind, trust=trust)
