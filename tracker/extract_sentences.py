"""Sentences of news prose for `tracker.extract`, with datelines dropped and asides blanked.

Kept apart from the rules because it knows nothing about schedules: only where a
sentence ends ("Sept." and "p.m." do not end one) and which parenthesised text to hide.
"""

from __future__ import annotations

import re

__all__ = ["mask_parens", "sentences"]

_MAX_SENTENCE = 2_000

# "SAMARA, October 2. /TASS/.", "MOSCOW (Reuters) –", "CAPE CANAVERAL, Fla., March 24 (Reuters) -":
# the place and date of filing, not a schedule.
_DATELINE = re.compile(
    r"^[A-Z][A-Z .'-]{2,}(?:,\s+[A-Z][a-z]+\.)?(?:,?\s+[A-Z][a-z]+\.?\s+\d{1,2})?\.?\s*"
    r"(?:/[A-Z]+/\.?|\([A-Za-z ]+\)\s*[-–—])\s*"
)
_ABBREV = {
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "fla", "calif",
    "mr", "mrs", "ms", "dr", "st", "no", "jr", "sr", "vs", "inc", "corp", "co", "lt", "gen", "col", "gov",
    "sen", "rep", "u.s", "p.m", "a.m", "d.c", "approx", "est", "e.g", "i.e",
}  # fmt: skip
_SPLIT = re.compile(r"[.!?][\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])|(?<=[a-z]{3}[.!?])(?=[A-Z][a-z])")


def sentences(text: str) -> list[str]:
    """Sentences of a text; every line (a title, a paragraph) starts a new one."""
    out: list[str] = []
    for raw_line in text.splitlines():
        line = _DATELINE.sub("", " ".join(raw_line.split()))
        start = 0
        for m in _SPLIT.finditer(line):
            word = re.search(r"(\S+)$", line[start : m.start()])
            if word and (word[1].lower().rstrip(".") in _ABBREV or re.fullmatch(r"[A-Z]", word[1])):
                continue
            out.append(line[start : m.start() + 1].strip())
            start = m.end()
        out.append(line[start:].strip())
    return [s[:_MAX_SENTENCE] for s in out if len(s) > 2]


_PAREN = re.compile(r"\(([^()]*)\)")
_PAREN_KEEP = re.compile(r"\b(?:from|original(?:ly)?|initial(?:ly)?|previous(?:ly)?|instead of)\b", re.I)


def mask_parens(sentence: str) -> str:
    """Blank parenthesised asides, keeping positions; keep the text of those that give an old time.

    Most asides are another rendering of a time ("(1200 GMT Thursday, Sept. 16)") or an
    expansion ("(No Earlier Than)"); reading them would double or contradict the main text.
    """

    def blank(m: re.Match[str]) -> str:
        if _PAREN_KEEP.search(m[1]):
            return " " + m[1] + " "
        return " " * len(m[0])

    return _PAREN.sub(blank, sentence)
