"""Follow filters: parse what a user types, and decide whether an event matches."""

from __future__ import annotations

from tracker.errors import UserError
from tracker.models import EventRecord, Follow
from tracker.textmatch import has_phrase

KEYS = ("all", "event", "provider", "vehicle", "site", "kind", "type", "words")
_ALIASES = {"rocket": "vehicle", "location": "site", "pad": "site", "agency": "provider", "lsp": "provider"}


def parse_filter(tokens: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``vehicle:"Falcon 9" kind:launch`` → criteria; bare words become ``words``.

    A ``key:value`` token takes the following bare words too, so that
    ``vehicle:Falcon 9`` works without shell quotes.
    """
    criteria: dict[str, str] = {}
    current: str | None = None
    for token in tokens:
        key, sep, value = token.partition(":")
        key = _ALIASES.get(key.lower(), key.lower())
        if sep and key in KEYS:
            current = key
            criteria[key] = (criteria.get(key, "") + " " + value).strip()
        elif token.lower() == "all" and not criteria:
            criteria["all"] = "yes"
            current = None
        elif sep and key.isalpha() and len(key) > 1 and not value[:1].isdigit():
            raise UserError(
                f"unknown filter {key!r}: use {', '.join(k + ':' for k in KEYS[1:])} or plain words"
            )
        else:
            target = current or "words"
            criteria[target] = (criteria.get(target, "") + " " + token).strip()
    if "event" in criteria and not criteria["event"].isdigit():
        raise UserError(f"event:{criteria['event']} should be an event id (see `tracker upcoming`)")
    empty = [k for k, v in criteria.items() if not v]
    if empty or not criteria:
        raise UserError(
            "say what to follow: e.g. `vehicle:Falcon 9`, `site:Baikonur`, `kind:static fire`, or `all`"
        )
    return criteria


def describe(criteria: dict[str, str]) -> str:
    if "all" in criteria:
        return "everything"
    return " ".join(f'{k}:"{v}"' if " " in v else f"{k}:{v}" for k, v in criteria.items())


def _kind_matches(event: EventRecord, value: str) -> bool:
    low = value.lower()
    if low in ("launch", "launches"):
        return event.kind.value == "launch"
    if low in ("event", "events"):
        return event.kind.value == "event"
    return has_phrase(event.type, value)


def criterion_matches(event: EventRecord, key: str, value: str) -> bool:
    if key == "all":
        return True
    if key == "event":
        return value.isdigit() and event.id == int(value)
    if key == "provider":
        return has_phrase(event.provider, value)
    if key == "vehicle":
        return has_phrase(event.vehicle, value) or has_phrase(event.title, value)
    if key == "site":
        return has_phrase(event.site, value)
    if key == "kind":
        return _kind_matches(event, value)
    if key == "type":
        return has_phrase(event.type, value)
    fields = (event.title, event.mission, event.vehicle, event.provider, event.site, event.type)
    return any(has_phrase(text, value) for text in fields)


def matches(follow: Follow, event: EventRecord) -> bool:
    return all(criterion_matches(event, key, value) for key, value in follow.criteria.items())


def follows_event(follows: list[Follow], event: EventRecord) -> bool:
    return any(matches(f, event) for f in follows)
