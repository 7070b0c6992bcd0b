"""Which parts of a news sentence speak of a subject's schedule, for `tracker.extract`.

A sentence is cut into clauses (a roundup names one vehicle's slip and another's plan).
Within a clause, some words hand the rest of a phrase to another event: "the delay pushes
the mission into conflict with the Crew-13 launch in August" moves the mission, not
Crew-13. Such a phrase is `Aside`: after "conflict with", "to make room for", "clear the
way for", "behind", "in favor of", "to accommodate" it is always another event; after
"ahead of", "before", "after", "following" it is another event when it names a vehicle or
mission other than those the sentence names outside it, and otherwise the subject's own
sequence ("after a scrub on Saturday", "following SN10's static fire"), whose times may
fill a gap but do not override the clause's own. "before April" and "until after March 5"
are times, not such phrases; "until after the Starliner undocking" is one.

Two kinds of clause tell of the past and state no schedule: one narrating something done
("On Wednesday, SpaceX rolled out the Falcon 9", with no plan or change word) and a
retrospective ("marked ten years since", "the 60th anniversary of", "two years ago").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from tracker.extract.cues import ADVANCE, PAST_ACTION, SCRUB, SLIP, TARGET, TBD, WEAK

__all__ = ["Aside", "asides", "blank", "clauses", "past_narration", "retrospectives"]

_CLAUSE_BREAK = re.compile(r";|,\s+(?=(?:while|whereas|but|meanwhile|and)\b)|\s+(?=while\b)", re.I)


def clauses(masked: str) -> list[tuple[int, int]]:
    """Spans of a sentence's clauses: a roundup sentence names one vehicle's slip and another's plan."""
    cuts = [0] + [m.end() for m in _CLAUSE_BREAK.finditer(masked)] + [len(masked)]
    return [(a, b) for a, b in pairwise(cuts) if b > a]


_OTHER = re.compile(
    r"\b(?:(?:in\s+)?conflicts?\s+with|conflicting\s+with|clash(?:es|ing)?\s+with"
    r"|(?:make|makes|making|made)\s+(?:room|way)\s+for|clear(?:s|ed|ing)?\s+the\s+way\s+for"
    r"|behind(?!\s+schedule)|in\s+favou?r\s+of|accommodate[sd]?)\b",
    re.I,
)
_SEQUENCE = re.compile(
    r"(?<!\bthe )\b(?:ahead\s+of|before|after|following"
    r"|in\s+the\s+wake\s+of)\b",
    re.I,
)
_PHRASE_END = re.compile(
    r"[,;:()–—]|\s-\s|\b(?:while|whereas|but|which|who|where|when)\b"
    r"|\band\s+(?:is|are|was|were|has|have|had|will|would|now|then|it|they)\b",
    re.I,
)


@dataclass(frozen=True)
class Aside:
    """A phrase about another event (``other``), or about the subject's own sequence."""

    start: int
    end: int
    other: bool


def asides(masked: str, time_starts: set[int], named: list[tuple[int, str]]) -> list[Aside]:
    """The phrases after the words of `_OTHER` and `_SEQUENCE` (see the module doc).

    ``time_starts`` are where time expressions begin (a phrase that is a time is not one of
    these); ``named`` are the vehicles and missions named, by position.
    """
    out: list[Aside] = []
    intros = sorted(
        [(m, True) for m in _OTHER.finditer(masked)] + [(m, False) for m in _SEQUENCE.finditer(masked)],
        key=lambda pair: pair[0].start(),
    )
    for m, other in intros:
        if out and m.start() < out[-1].end:
            continue  # inside a phrase already set aside
        body = m.end() + len(masked[m.end() :]) - len(masked[m.end() :].lstrip())
        if not other and body in time_starts:
            continue  # "before April", "after March 5": a time, not another event
        end_m = _PHRASE_END.search(masked, m.end())
        end = end_m.start() if end_m else len(masked)
        inside = {name for pos, name in named if m.end() <= pos < end}
        outside = {name for pos, name in named if not m.start() <= pos < end}
        out.append(Aside(m.start(), end, other or bool(inside and outside - inside)))
    return out


def blank(text: str, spans: list[Aside]) -> str:
    """``text`` with the spans replaced by spaces, positions kept."""
    chars = list(text)
    for a in spans:
        chars[a.start : a.end] = " " * (a.end - a.start)
    return "".join(chars)


_FUTURE = re.compile(
    r"\b(?:will|shall|going to|to be|set to|due to|plans?|planned|expects?|expected|hopes?|aims?|next"
    r"|upcoming|tomorrow|tonight|now)\b|['’]ll\b",
    re.I,
)


def past_narration(clause: str) -> bool:
    """A clause telling of something done, with no plan or change in it: its times are when
    things happened ("On Wednesday, SpaceX rolled out the Falcon 9 to the pad")."""
    if not PAST_ACTION.search(clause) or _FUTURE.search(clause):
        return False
    return not any(c.search(clause) for c in (SLIP, ADVANCE, SCRUB, TBD, TARGET, WEAK))


_RETRO = re.compile(
    r"\banniversary\b|\b(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|\w+teen|\w+ty)\s+years?"
    r"\s+(?:ago|since|to the day)\b",
    re.I,
)


def retrospectives(masked: str) -> list[Aside]:
    """Clauses looking back ("SpaceX marked ten years since the first landing ...", "Two years
    ago, NASA said ..."): their dates, names and cue words are history, set aside like another
    event's."""
    return [Aside(a, b, True) for a, b in clauses(masked) if _RETRO.search(masked[a:b])]
