"""Russian words for `tracker.extract`: tokens with their lemmas and grammar, from pymorphy3.

Russian inflects every word a cue list would hold ("перенесён", "перенесли", "переноса",
"переносится" are one verb and its noun), so cues and names are matched by lemma, never by
form. The analyser loads its dictionaries once (about a second) and only when Russian text
is read, so the CLI and English-only use never pay for it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = ["Token", "is_russian", "tokens"]

_WORD = re.compile(r"[А-Яа-яЁё]+|[A-Za-z]+|\d+")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")


@functools.cache
def _analyzer():  # type: ignore[no-untyped-def]
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@dataclass(frozen=True)
class Token:
    """A word of a sentence: where it is, its text, its most likely lemma and grammemes."""

    start: int
    end: int
    text: str
    lemma: str
    tags: frozenset[str]

    def has(self, *grammemes: str) -> bool:
        return all(g in self.tags for g in grammemes)


@functools.lru_cache(maxsize=50_000)
def _parse(word: str) -> tuple[str, frozenset[str]]:
    if not _CYRILLIC.search(word):
        return word.lower(), frozenset()
    best = _analyzer().parse(word)[0]
    return best.normal_form.replace("ё", "е"), frozenset(str(best.tag).replace(" ", ",").split(","))


def tokens(text: str) -> list[Token]:
    out = []
    for m in _WORD.finditer(text):
        lemma, tags = _parse(m[0])
        out.append(Token(m.start(), m.end(), m[0], lemma, tags))
    return out


def is_russian(text: str) -> bool:
    """Whether most letters of ``text`` are Cyrillic."""
    letters = [c for c in text[:5000] if c.isalpha()]
    return bool(letters) and sum(bool(_CYRILLIC.match(c)) for c in letters) > len(letters) / 2
