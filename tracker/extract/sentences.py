"""Sentences of news prose for `tracker.extract`, with datelines dropped and asides blanked.

Kept apart from the rules because it knows nothing about schedules: only where a
sentence ends ("Sept." and "p.m." do not end one) and which parenthesised text to hide.
"""

from __future__ import annotations

import re

__all__ = ["dateline", "mask_parens", "sentences", "text_date"]

_MAX_SENTENCE = 2_000

# "SAMARA, October 2. /TASS/.", "MOSCOW (Reuters) –", "CAPE CANAVERAL, Fla., March 24 (Reuters) -":
# the place and date of filing, not a schedule.
# Russian agencies: "МОСКВА, 20 марта. /ТАСС/.", "МОСКВА, 14 дек - РИА Новости.", "Байконур. 16 сентября.
# INTERFAX.RU - ". English ones with the agency in brackets: "Tokyo, Oct. 19 (Jiji Press)--", "April 3
# (UPI) --", "Cape Canaveral, Florida (AFP) Nov 4, 2010"; or a capitalised place and a dash: "WASHINGTON —",
# "NEW ORLEANS, La. —", "CAPE CANAVERAL, Fla. –".
_AGENCY = r"\((?:Reuters|AP|AFP|UPI|Jiji Press|Kyodo|Xinhua|TASS|RIA|Interfax|Bloomberg)\)"
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z .'-]{2,}(?:,\s+[A-Z][a-z]+\.)?(?:,?\s+(?P<date>[A-Z][a-z]+\.?\s+\d{1,2}))?\.?\s*"
    r"(?:/[A-Z]+/\.?|\([A-Za-z ]+\)\s*[-–—]+|[-–—]+(?=\s))"
    rf"|(?:[A-Z][A-Za-z.'-]*(?:\s+[A-Z][A-Za-z.'-]*)*(?:,\s+[A-Z][A-Za-z.]+)*,?\s+)?"
    rf"(?:(?P<date2>[A-Z][a-z]{{2,8}}\.?\s+\d{{1,2}})\s+)?{_AGENCY}\s*"
    r"(?:[-–—]+|(?P<date3>[A-Z][a-z]{2}\.?\s+\d{1,2},\s+\d{4})?)"
    r"|[А-ЯЁ][А-ЯЁа-яё -]{2,}[.,]\s+(?P<ru_date>\d{1,2}\s+[а-яё]+)\.?\s*"
    r"(?:/ТАСС/\.?|[-–—]\s*РИА Новости\.?|INTERFAX\.RU\s*[-–—]|\([А-Яа-яЁё ]+\)\s*[-–—]))\s*"
)
# "Published: March 3, 2021", "Updated on 2021-03-03": a date line at the top of a pasted article.
_DATE_LINE = re.compile(r"^(?:Published|Posted|Updated)(?:\s+on)?\s*:?\s*(?P<date>\S.*?)\s*$", re.I)
_ABBREV = {
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "fla", "calif",
    "mr", "mrs", "ms", "dr", "st", "no", "jr", "sr", "vs", "inc", "corp", "co", "lt", "gen", "col", "gov",
    "sen", "rep", "u.s", "p.m", "a.m", "d.c", "approx", "est", "e.g", "i.e", "pref", "la", "sun", "mon",
    "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "г", "гг", "т", "им", "ул",
}  # fmt: skip
_SPLIT = re.compile(
    r"[.!?][\"”’»)]*\s+(?=[\"“‘«(]?[A-ZА-ЯЁ0-9])|(?<=[a-zа-яё]{3}[.!?])(?=[A-ZА-ЯЁ][a-zа-яё])"
)


def sentences(text: str) -> list[str]:
    """Sentences of a text; every line (a title, a paragraph) starts a new one."""
    out: list[str] = []
    for raw_line in text.splitlines():
        line = _DATELINE.sub("", " ".join(raw_line.split()))
        start = 0
        for m in _SPLIT.finditer(line):
            word = re.search(r"(\S+)$", line[start : m.start()])
            bare = word[1].lstrip('(["“‘«') if word else ""
            if word and (bare.lower().rstrip(".") in _ABBREV or re.fullmatch(r"[A-Z]", bare)):
                continue
            out.append(line[start : m.start() + 1].strip())
            start = m.end()
        out.append(line[start:].strip())
    return [s[:_MAX_SENTENCE] for s in out if len(s) > 2]


def dateline(line: str) -> str | None:
    """The dateline a line opens with ("МОСКВА, 14 дек - РИА Новости."), if any."""
    m = _DATELINE.match(" ".join(line.split()))
    return m[0].strip() if m else None


def _english_date(ru_date: str | None) -> str | None:
    """ "20 марта" as "March 20", for the date parser, which reads English."""
    if not ru_date:
        return None
    from tracker.extract.ru_times import expressions

    groups = expressions(ru_date)
    return groups[0][0].text if groups and groups[0][0].kind == "mday" else None


def text_date(text: str) -> tuple[str, str] | None:
    """The date a text says it was written, and where it says so: the date of a dateline on its
    first line ("SAMARA, October 2. /TASS/.": "October 2", "dateline") or of a "Published: March 3,
    2021" line among its first five ("date line"). None when it says neither."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()][:5]
    if lines:
        m = _DATELINE.match(lines[0])
        date = m and (m["date"] or m["date2"] or m["date3"] or _english_date(m["ru_date"]))
        if m and date:
            return date, "dateline"
    for line in lines:
        m = _DATE_LINE.match(line)
        if m:
            return m["date"], "date line"
    return None


_PAREN = re.compile(r"\(([^()]*)\)")
_PAREN_KEEP = re.compile(
    r"\b(?:from|original(?:ly)?|initial(?:ly)?|previous(?:ly)?|instead of)\b|^\s*мск\s*$", re.I
)  # "в 19:55 (мск)": the zone of the clock before it


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
