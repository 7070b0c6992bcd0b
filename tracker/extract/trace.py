"""Why the prose reader said what it said, for `tracker extract --explain`.

The reader's parts note why they set a candidate aside (a dateline, a date of something done,
a plan already past, a date with no cue word); `collecting` gathers those notes for one call
and is off otherwise, so plain extraction pays nothing for it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

__all__ = ["collecting", "note"]

_NOTES: ContextVar[list[str] | None] = ContextVar("prose_notes", default=None)


def note(message: str) -> None:
    """Record why a candidate was dropped, when someone is collecting."""
    notes = _NOTES.get()
    if notes is not None and message not in notes:
        notes.append(message)


@contextlib.contextmanager
def collecting() -> Iterator[list[str]]:
    """Collect the notes made inside the block into the list it yields."""
    notes: list[str] = []
    token = _NOTES.set(notes)
    try:
        yield notes
    finally:
        _NOTES.reset(token)
