"""Whole-token phrase matching shared by event search and follows.

"10-1" must find "Starlink Group 10-1" but not "10-10"; "Falcon 9" must find
"Falcon 9 Block 5" but not "Falcon Heavy".
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1024)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in phrase.split()]
    return re.compile(r"(?<![\w-])" + r"\s+".join(words) + r"(?![\w-])", re.IGNORECASE)


def has_phrase(text: str | None, phrase: str) -> bool:
    """True when ``phrase`` occurs in ``text`` as whole tokens (case-insensitive)."""
    if not text or not phrase.strip():
        return False
    return phrase_pattern(phrase.strip()).search(text) is not None
