"""Normalise the many spellings of a launch status to a few stable words."""

from __future__ import annotations

from typing import Any

STATUS_WORDS = ("go", "tbc", "tbd", "hold", "in_flight", "success", "failure", "partial_failure",
                "scrubbed", "cancelled", "deployed")  # fmt: skip

_ALIASES: dict[str, str] = {
    "go": "go",
    "go for launch": "go",
    "tbc": "tbc",
    "to be confirmed": "tbc",
    "tbd": "tbd",
    "to be determined": "tbd",
    "hold": "hold",
    "on hold": "hold",
    "in flight": "in_flight",
    "launch in flight": "in_flight",
    "success": "success",
    "launch successful": "success",
    "failure": "failure",
    "launch failure": "failure",
    "partial failure": "partial_failure",
    "launch was a partial failure": "partial_failure",
    "scrubbed": "scrubbed",
    "scrub": "scrubbed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "payload deployed": "deployed",
}

LABELS: dict[str, str] = {
    "go": "Go",
    "tbc": "To be confirmed",
    "tbd": "To be determined",
    "hold": "On hold",
    "in_flight": "In flight",
    "success": "Success",
    "failure": "Failure",
    "partial_failure": "Partial failure",
    "scrubbed": "Scrubbed",
    "cancelled": "Cancelled",
    "deployed": "Payload deployed",
}


def normalise_status(value: Any) -> str | None:
    """A status word from a string or an LL2 status object; unknown text kept lower-cased.
    Any other type (a number, a list) is no status: a retyped field is never read as news."""
    if value is None or not isinstance(value, str | dict):
        return None
    if isinstance(value, dict):
        for key in ("abbrev", "name"):
            text = value.get(key)
            if isinstance(text, str) and text.strip().lower() in _ALIASES:
                return _ALIASES[text.strip().lower()]
        text = value.get("name") or value.get("abbrev")
        return str(text).strip().lower() if text else None
    text = str(value).strip().lower()
    if not text:
        return None
    return _ALIASES.get(text, text)


def status_label(word: str | None) -> str:
    if word is None:
        return "-"
    return LABELS.get(word, word)
