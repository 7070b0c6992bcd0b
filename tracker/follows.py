"""Follow filters: parse what a user types, and decide whether an event matches.

A follow may exclude: after ``except``, ``but not``, ``not`` or ``without`` (or on a token
written ``-key:value`` / ``-word``) criteria exclude instead of select, so that "all launches
except Starlink" and "Falcon 9 but not Starlink" read as they are written. Exclusions are
stored as ``not_<key>`` with phrases separated by commas; any one of them matching excludes.
"""

from __future__ import annotations

import re

from tracker.errors import UserError
from tracker.models import EventRecord, Follow
from tracker.textmatch import has_phrase

KEYS = ("all", "event", "provider", "vehicle", "site", "kind", "type", "words")
EXCLUDABLE = ("provider", "vehicle", "site", "kind", "type", "words")
NOT = "not_"
_ALIASES = {"rocket": "vehicle", "location": "site", "pad": "site", "agency": "provider", "lsp": "provider"}
_EXCEPT = ("except", "not", "without", "excluding")
_ALL_OF = {"launches": "launch", "launch": "launch", "events": "event", "event": "event"}


def parse_filter(tokens: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``vehicle:"Falcon 9" kind:launch except Starlink`` → criteria; bare words become ``words``.

    A ``key:value`` token takes the following bare words too, so that
    ``vehicle:Falcon 9`` works without shell quotes; "all launches" is ``all`` of kind launch.
    """
    criteria: dict[str, str] = {}
    current: str | None = None
    excluding = False
    words = list(tokens)
    for i, raw in enumerate(words):
        low = raw.lower()
        if low == "but" and i + 1 < len(words) and words[i + 1].lower() in _EXCEPT:
            continue
        if low in _EXCEPT and (criteria or i + 1 < len(words)):
            excluding, current = True, None
            continue
        token, negated = (raw[1:], True) if raw.startswith("-") and len(raw) > 1 else (raw, excluding)
        key, sep, value = token.partition(":")
        key = _ALIASES.get(key.lower(), key.lower())
        if sep and key in KEYS:
            if negated and key not in EXCLUDABLE:
                raise UserError(f"{key}: cannot be excluded; exclude by {', '.join(EXCLUDABLE)}")
            current = NOT + key if negated else key
            criteria[current] = _joined(criteria.get(current), value, negated)
        elif low == "all" and not criteria:
            criteria["all"] = "yes"
            current = None
        elif criteria.keys() == {"all"} and current is None and not negated and low in _ALL_OF:
            criteria["kind"] = _ALL_OF[low]  # "all launches"
        elif sep and key.isalpha() and len(key) > 1 and not value[:1].isdigit():
            raise UserError(
                f"unknown filter {key!r}: use {', '.join(k + ':' for k in KEYS[1:])} or plain words"
            )
        else:
            if raw.startswith("-"):  # "-Starlink" is one phrase on its own
                criteria[NOT + "words"] = _joined(criteria.get(NOT + "words"), token, True)
                continue
            target = current if current and current.startswith(NOT) == negated else None
            target = target or (NOT + "words" if negated else "words")
            criteria[target] = (criteria.get(target, "") + " " + token).strip()
    if "event" in criteria and not criteria["event"].isdigit():
        raise UserError(f"event:{criteria['event']} should be an event id (see `tracker upcoming`)")
    empty = [k for k, v in criteria.items() if not v.strip(", ")]
    if excluding and not any(k.startswith(NOT) for k in criteria):
        empty.append("except")
    if empty or not criteria:
        raise UserError(
            "say what to follow: e.g. `vehicle:Falcon 9`, `site:Baikonur`, `kind:static fire`, or `all`"
            + (" (and after `except`, what to leave out)" if empty else "")
        )
    if not any(not k.startswith(NOT) for k in criteria):
        criteria = {"all": "yes", **criteria}  # "except Starlink" alone: everything else
    return {k: _tidy(v) if k.startswith(NOT) else v for k, v in criteria.items()}


def _joined(before: str | None, value: str, negated: bool) -> str:
    """A second ``key:`` of the same kind adds a phrase: to the one phrase of a selection
    (as before), as one more alternative of an exclusion."""
    if not before:
        return value
    return f"{before}, {value}" if negated else f"{before} {value}".strip()


def _tidy(value: str) -> str:
    """Exclusion phrases: split on commas, "or" and "and", one comma-separated list."""
    parts = [p.strip() for p in re.split(r",|\s+(?:or|and|nor)\s+", value) if p.strip()]
    return ", ".join(parts)


def exclusions(value: str) -> list[str]:
    return [p.strip() for p in value.split(",") if p.strip()]


def describe(criteria: dict[str, str]) -> str:
    """``vehicle:"Falcon 9" except words:Starlink``; "everything" for ``all``."""
    chosen = {k: v for k, v in criteria.items() if not k.startswith(NOT)}
    left_out = {k[len(NOT) :]: v for k, v in criteria.items() if k.startswith(NOT)}
    if "all" in chosen:
        rest = {k: v for k, v in chosen.items() if k != "all"}
        text = " ".join(["everything", *(_pair(k, v) for k, v in rest.items())])
    else:
        text = " ".join(_pair(k, v) for k, v in chosen.items())
    if left_out:
        text += " except " + " ".join(_pair(k, v) for k, v in left_out.items())
    return text


def _pair(key: str, value: str) -> str:
    return f'{key}:"{value}"' if " " in value or "," in value else f"{key}:{value}"


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
    """Every selecting criterion matches and no excluding phrase does."""
    for key, value in follow.criteria.items():
        if key.startswith(NOT):
            if any(criterion_matches(event, key[len(NOT) :], phrase) for phrase in exclusions(value)):
                return False
        elif not criterion_matches(event, key, value):
            return False
    return True


def follows_event(follows: list[Follow], event: EventRecord) -> bool:
    return any(matches(f, event) for f in follows)


def families(events: list[EventRecord], limit: int = 3) -> list[str]:
    """The mission families ("Starlink", "Transporter") that recur among ``events`` without
    being all of them: what a follower most likely wants to leave out, most frequent first."""
    from collections import Counter

    from tracker.matching import mission_part

    counts: Counter[str] = Counter()
    for event in events:
        first = next(iter(_FAMILY.findall(mission_part(event.title, event.mission))), None)
        if first:
            counts[first] += 1
    return [name for name, n in counts.most_common(limit) if 2 <= n < len(events)]


_FAMILY = re.compile(r"\b[A-Za-z][A-Za-z]{2,}\b")
