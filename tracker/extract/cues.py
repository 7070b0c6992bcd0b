"""Cue words of news prose for `tracker.extract`: whether a schedule moved, and what a time is.

Two kinds of table. Sentence cues say that a change is stated at all: a move
("postponed", "pushed ... to Saturday", "stood down"), an advance ("moved up"), a scrub,
"indefinitely", a stated target ("scheduled for", "NET", "won't launch before", "as soon
as", "will try again"). Role cues, the words just before a time, say what that time is:
the old plan ("from", "initially scheduled for", "a scrub on"), the new one ("to", "now",
"no earlier than"), a plan that a later verb moves ("the launch, scheduled for June 5, has
been postponed"), an event that already happened ("launched on"), something done on that
day ("rolled out on Tuesday", "moved the rocket to the pad on Wednesday": a report, not a
plan), or a date that is not the event's at all ("said on", "a news conference at",
"fiscal year 2027").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

__all__ = [
    "ADVANCE",
    "CURRENT_MOVE",
    "FINITE_MOVE",
    "HEDGE",
    "NET_BEFORE",
    "NUMBER",
    "PAST_ACTION",
    "SCRUB",
    "SLIP",
    "SLIP_VERB",
    "SPAN",
    "SPAN_START",
    "TARGET",
    "TBD",
    "TBD_OUTRIGHT",
    "WEAK",
    "Amount",
    "amount",
    "deltas",
    "explicit_new",
    "moved_on",
    "reported",
    "role",
    "said_on",
]

_NUM_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty-four": 24, "forty-eight": 48,
    "a couple of": 2, "couple of": 2,
}  # fmt: skip
NUMBER = r"(?:\d{1,4}|" + "|".join(sorted(_NUM_WORDS, key=len, reverse=True)).replace(" ", r"\s+") + ")"
_NUM = NUMBER
_UNIT = r"(?:minute|hour|day|week|month|year)s?"
# What "pushed ... to" must be followed by to be a move to a date: "pushed NASA to act" is not one.
_DATE_AHEAD = (
    r"(?=\d|(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)\b"
    r"|Q[1-4]\b|H[12]\b|NET\b|no earlier|not earlier|tomorrow|today|tonight|next\b"
    r"|(?:the )?(?:end|first|second|third|fourth|early|mid|late)\b)"
)
SLIP = re.compile(
    r"\b(?:postpon(?:e|ed|es|ing|ement)|delay(?:s|ed|ing)?|slip(?:s|ped|ping)?|reschedul(?:e|ed|es|ing)"
    r"|deferr?(?:ed|al)?|push(?:ed|es|ing)?\b(?:\s+[\w'’-]+){0,6}?\s+(?:back|out|past|beyond)"
    rf"|(?:push|shift)(?:ed|es|s|ing)?\b(?:\s+[\w'’.-]+){{0,10}}?\s+to\s+{_DATE_AHEAD}"
    r"|mov(?:e|ed|es|ing) (?:back )?(?:to|from)\s+(?=[A-Z0-9]|(?:the )?(?:end|first|second|third|fourth|early|mid|late|next))"
    r"|mov(?:e|ed|es|ing) back|stood down|stand(?:s|ing)? down|set back|instead of)\b",
    re.I,
)  # fmt: skip
SLIP_VERB = re.compile(
    r"\b(?:postpon(?:e|ed|es|ing)|delay(?:ed|ing)|pushed back|slipped|reschedul(?:ed|ing)|deferred)\b", re.I
)
ADVANCE = re.compile(
    r"\b(?:mov(?:ed|es|ing|e) (?:up|forward)|pull(?:ed|s|ing)? (?:in|forward|up|ahead)|brought forward"
    r"|bring(?:s|ing)? forward|advanced|earlier than (?:\w+ )?(?:planned|expected|scheduled|announced))\b"
    r"|\b(?:mov(?:ed|es|ing|e)|pull(?:ed|s|ing)?)\s+(?:the|its|their)\s+(?:[\w'’.-]+\s+){0,6}?(?:up|forward|ahead)\b"
    r"(?=\s*(?:by|to|a|an|one|two|three|\d|,|\.|$))"
    rf"|\b{_NUM}[\s-]{_UNIT}\s+(?:earlier|sooner)\b(?=\s+(?:than|to)\b)",
    re.I,
)  # fmt: skip
SCRUB = re.compile(r"\b(?:scrub(?:s|bed|bing)?|called off|aborted)\b", re.I)
# "postponed indefinitely": no new date, said outright (it outranks a scrub word in the sentence).
TBD_OUTRIGHT = re.compile(
    r"\b(?:indefinitely|until further notice|to be determined|no new (?:launch )?date)\b|\bTB[DA]\b"
)
# ... and said in passing ("the new launch date and time are yet to be decided", "has not announced a
# new target date", "until more information is available"), which a scrub word outranks.
TBD = re.compile(
    r"\b(?:indefinitely|until further notice|to be determined|no new (?:launch )?date"
    r"|(?:yet|have|has) to be (?:decided|determined|announced|set|scheduled)"
    r"|not (?:yet )?(?:been )?(?:announced|set|decided|determined)"
    r"|will be announced (?:as soon as|once|when|later)|no (?:launch |target )?(?:date|timeline)\b[^.]{0,40}\bannounced"
    r"|until more information is available)\b|\bTB[DA]\b",
    re.I,
)
# "won't launch before April", "will not happen before mid-2027": a NET statement, not a deadline.
# The verb must be the event's: "won't decide before Friday" says nothing of a launch date.
_NOT_BEFORE = (
    r"\bnot before|\b(?:won['’]t|will not|wouldn['’]t|would not|cannot|can['’]t)"
    r"(?:\s+[\w'’.-]+){0,5}?\s+(?:launch|fly|lift off|happen|take place|occur|debut|roll out|dock|undock"
    r"|land|return|be ready)\b(?:\s+(?!(?:and|but|while)\b)[\w'’.-]+){0,6}?\s+before"
)
TARGET = re.compile(
    r"\b(?:scheduled|set (?:for|to)|slated|target(?:s|ed|ing)?|no earlier than|not earlier than"
    r"|as early as|as soon as(?! possible)|planned|plans? (?:for|to)|expected to|aims? (?:for|to)|aiming"
    r"|due to (?:launch|lift|fly|blast|roll|dock|undock|land)|window open(?:s|ing)"
    rf"|(?:try|tries|trying) again|new (?:launch |target )?date|{_NOT_BEFORE}"
    r"|next (?:launch )?(?:attempt|opportunity|try)|the (?:new )?plan is to|scheduling"
    r"|(?:a |the )?new (?:launch )?window)\b|\bNET\b"
    r"|\blaunch (?:date|time)\s*:",  # "Launch Date: August 12, 2017" in an agency's notice
    re.I,
)
WEAK = re.compile(
    r"\bwill (?:now )?(?:launch|fly|lift off|blast off|roll out|have|attempt|dock|undock|land|conduct"
    r"|perform|try)\b|\battempt on\b",
    re.I,
)
HEDGE = re.compile(
    r"\b(?:could|might|maybe|possibly|perhaps|if all goes well|hopes? to|tentative(?:ly)?|rumou?red)\b"
    r"|\bmay\b(?!\s+\d)",
    re.I,
)
# "has been postponed", "is now delayed", "has slipped": the verb that moves a plan named before it.
FINITE_MOVE = re.compile(
    r"\b(?:(?:has|have|had) been|was|were|is|are|has|have)\s+(?:now\s+|again\s+|further\s+|also\s+)?"
    r"(?:postponed|delayed|pushed|moved|slipped|rescheduled|scrubbed|called off|deferred|put on hold)\b",
    re.I,
)
# A move stated as standing now ("has been postponed", "is delayed", "indefinitely"), not told as history.
CURRENT_MOVE = re.compile(
    r"\b(?:has|have)\s+(?:now\s+|again\s+|also\s+|further\s+)?(?:been\b|slipped|moved|shifted)"
    r"|\b(?:is|are)\s+(?:now\s+|again\s+|also\s+)?(?:postponed|delayed|pushed|moved|rescheduled|deferred)\b"
    r"|\b(?:indefinitely|until further notice|no new (?:launch )?date)\b",
    re.I,
)

# ---- roles ----------------------------------------------------------------------------

_SAID_BEFORE = re.compile(
    r"(?<!previously )(?<!originally )(?<!initially )\b(?:said|says|saying|announced|announces|told(?: \w+)?"
    r"|reported|reports|stated|wrote|tweeted|posted|confirmed|published|since|postponed|delayed)\b"
    r"[\s,]*(?:on|in|at|last|this)?[\s,]*$"
    r"|\b(?:said|announced|confirmed|reported|wrote|posted)(?:\s+(?!(?:that|to|the launch|launch)\b)[\w'’-]+){1,4}?"
    r"\s+(?:on|last|this)\s*$"  # "announced the postponement on Monday", "said in a statement on Tuesday"
    r"|\b(?:said|announced|wrote|posted)\s+(?:on|in)\s+(?:its|his|her|their|a|an)\s+[\w'’-]+\s*$"
    r"|\b(?:its|the|their) (?:last|most recent|prior) (?:launch|flight|mission)\s+(?:on|in)\s*$"
    r"|\b(?:fiscal(?: year)?|FY)\s*$"
    # "winds are expected to continue, with weather unlikely to improve until at least Thursday"
    r"|\b(?:weather|winds?|forecast|conditions)\b[^.;]{0,60}\b(?:improve|continue|clear)\b[^.;]{0,30}$",  # "fiscal year 2027" starts in October 2026: not the calendar year
    re.I,
)
# An event that already happened: its date is history, and so is the sentence's statement about it.
_DONE_BEFORE = re.compile(
    r"(?<!be )(?<!been )\b(?:launched|flew|landed|docked|undocked|splashed down|lifted off|conducted"
    r"|performed|completed|happened|took place|occurred|debuted)\b"
    r"(?:\s+(?!(?:and|but|while|then|will|is|are|was|were)\b)[\w'’.-]+){0,4}?[\s,]*(?:on|in|at|last|this)?[\s,]*$",
    re.I,
)  # fmt: skip
# Dates of something else named just before: a briefing, the broadcast, a results call, a contract
# ("a news conference at 4 p.m."; not "a statement that the launch is postponed to ...").
_ASIDE_BEFORE = re.compile(
    r"\b(?:news conference|press conference|briefing|teleconference|webcast|broadcast|livestream|coverage"
    r"|results|earnings|conference call|contract|backup|founded|statement|interview|press release|every)\b"
    r"(?:(?!\b(?:that|said|says|now|launch|launches|liftoff|lift|flight|mission)\b)[^.;,]){0,60}$"
    r"|\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|\w+teen|twenty|several|dozens of)\s+(?:times"
    r"|launches|flights|missions)\s+(?:in|by|this|during)\s*$",
    re.I,
)
_OLD_BEFORE = re.compile(
    r"\bfrom\s+(?:(?:the|its|an?|their)\s+)?(?:(?:original|previous|earlier|planned|initial|prior)\s+)?"
    r"(?:(?:target|date|launch date|slot)\s+(?:of\s+)?)?$"
    r"|\b(?:scrub|scrubbed|called off|aborted|stood down)\s+(?:on|at)?\s*$|(?<!no )(?<!not )\blater than\b"
    r"|\b(?:instead of|original(?:ly)?|initial(?:ly)?|previous(?:ly)?|(?<!no )(?<!not )earlier"
    r"|supposed to|(?:was|were) (?:scheduled|set|planned|expected|due|targeted|slated)|had been|had planned"
    r"|past|beyond)\b",
    re.I,
)
_NEW_BEFORE = re.compile(
    r"(?<!supposed )(?<!expected )(?<!\bscheduled )(?<!planned )(?<!\bset )(?<!\bdue )(?<!going )(?<!have )"
    r"\bto\b|\b(?:now|until|till|into|no earlier than|not earlier than|not before|as early as|as soon as)\b"
    r"|(?<!original )\bNET\b",
    re.I,
)  # fmt: skip
NET_BEFORE = re.compile(
    rf"(?:\b(?:no|not) earlier than|\bas early as|\bas soon as)[\s,]*(?:on|at)?\s*$"
    rf"|(?:{_NOT_BEFORE})\b[^.;]{{0,60}}$",  # "won't launch before the FAA review ends in April"
    re.I,
)
# Something done on the day named after it: "rolled out on Tuesday", "moved the rocket to the pad on
# Wednesday". Not after "to", "for", "until"...: "moved to Wednesday" is a new date.
_ACTED = (
    r"(?<!\bbe )(?<!\bbeen )(?<!\bto )(?<!\bwill )\b(?:rolled|moved|transported|hauled|arrived|raised|lowered"
    r"|lifted(?! off)|stacked|mated|integrated|fuell?ed|loaded|fired|tested|shipped|delivered|encapsulated"
    r"|installed|returned|departed|left|reached|went|began|started|finished|received|unveiled|marked)\b"
)
PAST_ACTION = re.compile(_ACTED, re.I)
_ACTED_BEFORE = re.compile(
    _ACTED + r"(?:\s+(?!(?:and|but|while|then|will|is|are|now|planned|scheduled|set|targeted|slated"
    r"|expected|ahead|before|after|until)\b)[\w'’.-]+){0,14}?[\s,]*(?:on|last|this|early|late)?[\s,]*$",
    re.I,
)
_NOT_ACTED = re.compile(r"\b(?:to|for|until|till|from|than|into|by|of|NET)\s*$", re.I)
# "delayed for a fourth time Thursday", "postponed the launch Tuesday": the day the move was made, when
# only a weekday follows the verb with no "to", "until", "for" or "on" before it.
_MOVED_ON = re.compile(
    r"\b(?:postponed|delayed|scrubbed|pushed back|called off|stood down|announced)\b"
    r"(?:\s+(?!(?:to|until|till|into|on|from|before|than|now|NET)\b)[\w'’-]+){0,6}\s*$",
    re.I,
)
_REPORTED = re.compile(r"\b(?:scrub|scrubbed|called off|aborted|stood down)\s+(?:on|at)?\s*$", re.I)
# "The launch, scheduled for June 5, ...": a plan, which the rest of the sentence may move.
_PLANNED_BEFORE = re.compile(
    r"(?<!\bis )(?<!\bare )(?<!\bbe )(?<!\bbeen )(?<!\bnow )(?<!\bstill )(?<!\bcurrently )(?<!\bremains )"
    r"\b(?:scheduled|planned|slated|set|targeted|due)\s+(?:for|on|at)\s*$",
    re.I,
)


# "from April 1 to April 6" with no move word is a window, not a move from one to the other.
SPAN = re.compile(r"^\s*(?:to|through|until|till|and|[-–])\s*$", re.I)
SPAN_START = re.compile(r"\b(?:from|between)\s*$", re.I)


def role(pre: str) -> str:
    """What a time is, from the words just before it.

    "old", "new", "planned" (new unless the sentence moves it), "done" (an event that
    happened: history), "acted" (something done that day, which is neither a plan nor the
    event itself) or "ignore" (a date of something else).
    """
    if _DONE_BEFORE.search(pre):
        return "done"
    if _ACTED_BEFORE.search(pre) and not _NOT_ACTED.search(pre):
        return "acted"
    if _SAID_BEFORE.search(pre) or _ASIDE_BEFORE.search(pre):
        return "ignore"
    old = max((m.end() for m in _OLD_BEFORE.finditer(pre)), default=-1)
    new = max((m.end() for m in _NEW_BEFORE.finditer(pre)), default=-1)
    if old > new:
        return "old"
    return "planned" if _PLANNED_BEFORE.search(pre) else "new"


_SAID_AFTER = re.compile(r"^\s*,?\s*(?:announced|said|confirmed|reported|told|tweeted|wrote|posted)\b", re.I)


def said_on(post: str) -> bool:
    """Whether the words after a time make it the day something was said ("ULA on Friday announced")."""
    return bool(_SAID_AFTER.match(post))


def moved_on(pre: str) -> bool:
    """Whether a bare weekday after ``pre`` is the day a move was made ("delayed ... Thursday")."""
    return bool(_MOVED_ON.search(pre))


# "it was not known if the same issue was a factor Friday": a weekday in a clause told in the past.
_PAST_CLAUSE = re.compile(
    r"\b(?:was|were)\b(?![^.;]*\b(?:to|for|until|now|scheduled|set|planned|targeted|slated|expected)\b)[^.;]{0,60}$",
    re.I,
)


def reported(pre: str) -> bool:
    """Whether a time is when something was done ("scrubbed on Tuesday"): a bare weekday there
    is the most recent such day, not the next one."""
    acted = _ACTED_BEFORE.search(pre) and not _NOT_ACTED.search(pre)
    return bool(_REPORTED.search(pre) or acted or _PAST_CLAUSE.search(pre))


def explicit_new(pre: str) -> bool:
    """Whether the words before a time mark it as the new one ("to", "now", "no earlier than")."""
    return _NEW_BEFORE.search(pre) is not None


# ---- amounts ----------------------------------------------------------------------------

_ABOUT = r"(?:about\s+|roughly\s+|around\s+|at least\s+|another\s+|up to\s+|nearly\s+|some\s+)?"
_DELTA = re.compile(
    rf"\bby\s+{_ABOUT}(?P<n>{_NUM})[\s-](?P<u>{_UNIT})\b(?!\s+ago\b)"
    rf"|\b(?P<n2>{_NUM})[\s-](?P<u2>{_UNIT})\s+(?:late\b|delay|slip|(?:later|earlier|sooner)(?=\s+(?:than|to)\b))"
    rf"|\b(?:delay(?:ed)?|postponed|pushed back|slipped|moved (?:back|up|forward)|pulled (?:in|forward|up)"
    rf"|brought forward|set back|delay of)\s+{_ABOUT}(?P<n3>{_NUM})[\s-](?P<u3>{_UNIT})\b(?!\s+ago\b)",
    re.I,
)  # fmt: skip
# "delayed the Crew-11 launch 24 hours to 11:43 a.m.": an amount before the new time, after a move verb.
_DELTA_TO = re.compile(rf"\b(?P<n>{_NUM})[\s-](?P<u>{_UNIT})\s+to\s+{_DATE_AHEAD}", re.I)


@dataclass(frozen=True)
class Amount:
    """A stated amount of a move. ``months`` is set for months and years ("slipped by two months"):
    ``delta`` then counts 30 days a month (365 a year), and an old time derived from it moves by
    calendar months instead."""

    delta: timedelta
    months: int = 0


def amount(n_text: str, unit: str) -> Amount:
    """ "two" "weeks" as an Amount; the number is digits or one of the words in `NUMBER`."""
    n = int(n_text) if n_text.isdigit() else _NUM_WORDS[" ".join(n_text.lower().split())]
    unit = unit.lower().rstrip("s")
    if unit in ("month", "year"):
        months = n * (12 if unit == "year" else 1)
        return Amount(timedelta(days=365 * n if unit == "year" else 30 * n), months)
    return Amount(timedelta(**{unit + "s": n}))


def deltas(masked: str) -> list[tuple[int, Amount]]:
    """Stated amounts of a move ("by 24 hours", "pushed back a week", "a three-month delay"), by position.

    The sign is left to the caller: whether the move is an advance is a sentence cue.
    """
    out = []
    for m in _DELTA.finditer(masked):
        n, u = next((m[f"n{i}"], m[f"u{i}"]) for i in ("", "2", "3") if m[f"n{i}"])
        out.append((m.start(), amount(n, u)))
    for m in _DELTA_TO.finditer(masked):
        before = masked[: m.start()]
        if (SLIP.search(before) or ADVANCE.search(before)) and all(abs(p - m.start()) > 30 for p, _ in out):
            out.append((m.start(), amount(m["n"], m["u"])))
    return sorted(out, key=lambda pair: pair[0])
