"""Channels that deliver alerts, and the rendering they share.

``CHANNEL_KINDS`` is the registry: kind → ``"module:Class"``, imported on first use. Adding
a channel is one module (a ``tracker.notify.base.Channel`` subclass with its ``Settings``)
plus one line here; the configuration, the dispatcher and the CLI read the registry.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import BaseModel

    from tracker.notify.base import Channel

CHANNEL_KINDS: dict[str, str] = {
    "console": "tracker.notify.console:ConsoleChannel",
    "email": "tracker.notify.email:EmailChannel",
    "telegram": "tracker.notify.telegram:TelegramChannel",
    "apprise": "tracker.notify.apprise:AppriseChannel",
}


@cache
def channel_class(kind: str) -> type[Channel]:
    """The class registered for ``kind``; KeyError for an unknown kind."""
    module, _, name = CHANNEL_KINDS[kind].partition(":")
    cls: type[Channel] = getattr(importlib.import_module(module), name)
    return cls


def channel_sections() -> dict[str, type[BaseModel]]:
    """Each channel's own config section, by section name (= kind), in registry order."""
    sections: dict[str, type[BaseModel]] = {}
    for kind in CHANNEL_KINDS:
        settings = channel_class(kind).Settings
        if settings is not None:
            sections[kind] = settings
    return sections


def digest_kinds() -> set[str]:
    """The kinds of channel that send daily digests."""
    return {kind for kind in CHANNEL_KINDS if channel_class(kind).digests}
