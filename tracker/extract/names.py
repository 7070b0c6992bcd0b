"""The names prose extraction recognises: vehicles, missions and event types.

A hand-kept table (no model): each entry is a pattern and the canonical name it
gives, so "Baiterek" and "Soyuz-5" are one vehicle and "hot fire" is a static fire.
Extend it here when a news source names something the tracker should follow.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Namer = Callable[[re.Match[str]], str]
_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}


def _fixed(name: str) -> Namer:
    return lambda _m: name


def _pattern(template: str) -> Namer:
    return lambda m: template.format(*m.groups())


VEHICLES: list[tuple[re.Pattern[str], Namer]] = [
    (re.compile(p), n)
    for p, n in [
        (r"\bStarship\s+(?:serial\s+number\s+|SN\s?)(\d+)", _pattern("Starship SN{0}")),
        (r"\bSN(\d{1,2})\b", _pattern("Starship SN{0}")),
        (r"\bBooster\s+(\d+)\b", _pattern("Super Heavy Booster {0}")),
        (r"\bShip\s+(\d{2,3})\b", _pattern("Starship Ship {0}")),  # "Ship 39": the upper stages after SN
        (r"\bSoyuz[- ]5\b|\bBaiterek\b", _fixed("Soyuz-5")),  # Baiterek: the Soyuz-5 project/complex
        (r"\bSoyuz[- ]2\.1([abv])\b(?:/Fregat(?:-M)?)?", _pattern("Soyuz-2.1{0}")),
        (r"\bFalcon\s?9\b", _fixed("Falcon 9")),
        (r"\bFalcon Heavy\b", _fixed("Falcon Heavy")),
        (r"\bNew Glenn\b", _fixed("New Glenn")),
        (r"\bNew Shepard\b", _fixed("New Shepard")),
        (r"\bSLS\b|\bSpace Launch System\b", _fixed("SLS")),
        (r"\bVulcan(?: Centaur)?\b", _fixed("Vulcan")),
        (r"\bAtlas V\b", _fixed("Atlas V")),
        (r"\bDelta IV Heavy\b", _fixed("Delta IV Heavy")),
        (r"\bDelta (?:IV|4)\b(?! Heavy)", _fixed("Delta IV")),
        (
            r"\b(?:(?:space )?shuttle )?(Discovery|Atlantis|Endeavour|Columbia)\b(?=[^.]*\b(?:shuttle|launch|STS|orbiter|liftoff|mission)\b)|(?<=\bshuttle )(Discovery|Atlantis|Endeavour|Columbia)\b",
            lambda m: m[1] or m[2],
        ),
        (r"\b(?i:ares) (?:I|1)-X\b", _fixed("Ares I-X")),
        (r"\bElectron\b", _fixed("Electron")),
        (r"\bNeutron\b", _fixed("Neutron")),
        (r"\bAriane\s?([56])\b", _pattern("Ariane {0}")),
        (r"\bVega[- ]C\b", _fixed("Vega-C")),
        (r"\bH3\b", _fixed("H3")),
        (r"\bH-?IIA\b|\bH-?2A\b", _fixed("H-IIA")),
        (r"\bPSLV\b", _fixed("PSLV")),
        (r"\bGSLV\b", _fixed("GSLV")),
        (r"\bLVM3\b", _fixed("LVM3")),
        (r"\bLong March[- ](\d+[A-Z]?)\b", _pattern("Long March {0}")),
        (r"\bAngara(?:-A5)?\b", _fixed("Angara")),
        (r"\bProton(?:-M)?\b", _fixed("Proton")),
        (r"\bSpectrum\b", _fixed("Spectrum")),
        (r"\bAntares\b", _fixed("Antares")),
        (r"\bStarliner\b", _fixed("Starliner")),
        (r"\bDream Chaser\b", _fixed("Dream Chaser")),
        (r"\bSuper Heavy\b", _fixed("Super Heavy")),
        (r"\bStarship\b(?! Flight)", _fixed("Starship")),
    ]
]
MISSIONS: list[tuple[re.Pattern[str], Namer]] = [
    (re.compile(p), n)
    for p, n in [
        (r"\bInspiration\s?4\b", _fixed("Inspiration4")),
        (r"\bPolaris Dawn\b", _fixed("Polaris Dawn")),
        (r"\bArtemis\s+(I{1,3}|IV)\b", _pattern("Artemis {0}")),
        (r"\bArtemis\s+([1-4])\b", lambda m: f"Artemis {_ROMAN[m[1]]}"),
        (r"\bCrew-(\d+)\b", _pattern("Crew-{0}")),
        (r"\bAx(?:iom)?-(\d+)\b", _pattern("Ax-{0}")),
        (r"\bNG-(\d+)\b", _pattern("NG-{0}")),
        (r"\b(Progress|Soyuz)[ -]MS-?(\d+)\b", lambda m: f"{m[1]} MS-{int(m[2]):02d}"),
        (r"\bCRS-(\d+)\b", _pattern("CRS-{0}")),
        (r"\bSTS-(\d+)\b", _pattern("STS-{0}")),
        (r"\bStarlink(?: Group)? (\d+-\d+|\d+)\b", _pattern("Starlink {0}")),
        (r"\bCAS500-(\d)\b", _pattern("CAS500-{0}")),
        (r"\b(Shenzhou|Tianzhou|Chang['’]e)[- ](\d+)\b", _pattern("{0}-{1}")),
        (r"\b(Transporter|Bandwagon|NROL|USSF)-(\d+)\b", _pattern("{0}-{1}")),
        (r"\b(?:Starship )?Flight (\d+)\b", _pattern("Starship Flight {0}")),
        (r"\bU\.?S\.? (?:spacewalk|EVA) (\d+)\b", _pattern("US EVA {0}")),  # NASA numbers ISS spacewalks
        (r"\bRussian (?:spacewalk|EVA) (\d+)\b|\bVKD-(\d+)\b", lambda m: f"VKD-{m[1] or m[2]}"),
        (r"\bGaganyaan\b", _fixed("Gaganyaan")),
        (r"\bEuropa Clipper\b", _fixed("Europa Clipper")),
    ]
]

EVENTS: list[tuple[str, re.Pattern[str]]] = [
    (kind, re.compile(p, re.I))
    for kind, p in [
        ("wet dress rehearsal", r"\bwet[- ]dress(?: rehearsal)?\b|\bWDR\b"),
        ("static fire", r"\bstatic[- ]fires?\b|\bhot[- ]?fires?\b|\bhot[- ]tests?\b"),
        ("stacking", r"\bstacking\b"),
        (
            "rollout",
            r"\broll(?:-| )?outs?\b|\brolled out\b|\brolling out\b|\btransport(?:ation)?\b(?= of| to)"
            r"|\bmov(?:e|es|ed|ing)\b[^.;]{0,40}?\bto (?:the )?(?:launch )?pad\b"
            r"|\bhauls?\b[^.;]{0,60}?\bto (?:the )?pad\b|\bleaves? the vehicle assembly building\b",
        ),
        ("undocking", r"\bundock(?:ing|s|ed)?\b"),
        ("docking", r"\bdock(?:ing|s|ed)?\b|\bberthing\b"),
        ("spacewalk", r"\bspace ?walks?\b|\bEVA\b"),
        ("landing", r"\blanding\b|\bsplash ?down\b|\breturn(?= of\b| to Earth\b)|\bre-?entry\b"),
        (
            "launch",
            r"\blaunch(?:es|ed|ing)?\b(?! (?:vehicle|complex|pad|site|services?|provider|contract|rate|system"
            r"|cadence|manifest|tower|mount|control|director|operator|compan|market|facilit|infrastructure"
            r"|campaign|preview|roundup|team|industry|sector))"
            r"|\blift(?:-| )?off\b|\bblast(?:s|ed)?[- ]off\b|\bflights?\b|\bdebut\b|\bmaiden\b|\bfly\b"
            r"|\bflies\b|\bmission\b|\brideshare\b|\bT-(?:0|zero)\b",
        ),
    ]
]


# ---- Russian ------------------------------------------------------------------------------
# Vehicles and programmes as Russian news writes them, by lemma (pymorphy3 gives "союз" for
# "Союза", "Союзе", "Союзом"), with the English spelling the rest of the tracker uses. The
# suffix after the word ("-5", "-2.1б", " МС-25", "-М") is kept apart and transliterated.
_RU_WORDS: dict[str, tuple[str, str]] = {
    "союз": ("Soyuz", "vehicle"),
    "прогресс": ("Progress", "mission"),
    "протон": ("Proton", "vehicle"),
    "ангара": ("Angara", "vehicle"),
    "рокот": ("Rokot", "vehicle"),
    "байтерек": ("Soyuz-5", "vehicle"),
    "иртыш": ("Soyuz-5", "vehicle"),
    "наука": ("Nauka", "mission"),  # the ISS module, only when quoted: «Наука»
}
_QUOTED_ONLY = {"наука"}
_RU_NAME = re.compile(
    r"(?P<quote>[«\"“„])?(?P<word>[А-ЯЁ][а-яё]+)"
    r"(?P<suffix>(?:-|\s)(?:(?:МС|MS)(?:-\d{1,2})?|СТ-[АБ]|ФГ|\d(?:\.\d[абв]?)?(?![\d.])|[МК]|А5[МВ]?|1\.2|НЖ)\b)?"
)
_RU_LETTERS = str.maketrans({"а": "a", "б": "b", "в": "v", "А": "A", "Б": "B", "В": "V", "М": "M", "К": "K"})


def _ru_name(base: str, suffix: str) -> tuple[str, str]:
    """ "Soyuz" + " МС-25" is the mission Soyuz MS-25, "-2.1б" the vehicle Soyuz-2.1b; the
    Proton-M and Angara-A5 variants are their families, as the English table has them."""
    s = suffix.strip(" -")
    if not s or base in ("Proton", "Angara", "Rokot", "Soyuz-5") or s.startswith("СТ"):
        return base, ""  # Soyuz-ST-A/B: the Kourou Soyuz, reported as Soyuz
    if s.startswith(("МС", "MS")):
        return f"{base} MS{s[2:]}", "mission"
    if s == "ФГ":
        return f"{base}-FG", ""
    return f"{base}-{s.translate(_RU_LETTERS)}", ""


def russian_names(sentence: str, lemma_of: Callable[[str], str]) -> list[tuple[int, str, str]]:
    """(position, English name, "vehicle" or "mission") for each name in a Russian sentence; names
    written in Latin letters ("Falcon 9", "Crew-6") are read with the English table."""
    out = [(m.start(), namer(m), "vehicle") for p, namer in VEHICLES for m in p.finditer(sentence)]
    out += [(m.start(), namer(m), "mission") for p, namer in MISSIONS for m in p.finditer(sentence)]
    for m in _RU_NAME.finditer(sentence):
        lemma = lemma_of(m["word"])
        known = _RU_WORDS.get(lemma)
        if known is None or (lemma in _QUOTED_ONLY and not m["quote"]):
            continue
        base, kind = known
        name, suffix_kind = _ru_name(base, m["suffix"] or "")
        out.append((m.start("word"), name, suffix_kind or kind))
    return sorted(out)
