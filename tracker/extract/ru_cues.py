"""Cue words of Russian news for `tracker.extract.russian`, matched by lemma (`tracker.extract.morph`).

The counterpart of `tracker.extract.cues`: whether a sentence states a move, an abort, no new
date or a plan, and what the words before a time make of it (the old plan, a plan a verb may
move, something done, a date of something else, the new one). Each table holds lemmas, so one
entry stands for every form: "перенести" is "перенесён", "перенесли", "переносится".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise

from tracker.extract.cues import Amount
from tracker.extract.morph import Token

__all__ = [
    "BACKGROUND",
    "MOVE",
    "SCRUB",
    "Cues",
    "amounts",
    "cue_words",
    "event_words",
    "role",
    "sentence_cues",
]

MOVE = {
    "перенести", "переносить", "перенос", "перенестись", "переноситься", "отложить", "откладывать",
    "сдвинуть", "сдвигать", "сдвигаться", "сдвиг", "задерживаться", "задержка", "отсрочка",
    "скорректировать", "корректировать", "отсрочить",
}  # fmt: skip
SCRUB = {"отменить", "отмена", "отбой", "отменять"}
_PLAN = {
    "запланировать", "планировать", "планироваться", "наметить", "намечать", "намечаться", "назначить",
    "установить", "решение",
}  # fmt: skip
_WILL = {"состояться", "пройти", "ориентировочно", "задумать"}
_DONE = {
    "запустить", "стартовать", "вывести", "доставить", "прибыть", "пристыковаться", "состыковаться",
    "отправиться", "приземлиться", "провести", "выйти", "успешно",
}  # fmt: skip
# Words that hand the time after them to something else: a broadcast, a meeting, a rehearsal, the
# ship before ("сдвига запуска предыдущего корабля с 27 мая"), someone staying on ("задержаться до").
_ASIDE = {
    "трансляция", "заседание", "госкомиссия", "репетиция", "тренировка", "совещание", "задержаться",
    "предыдущий",
}  # fmt: skip
_SAID = {"сообщить", "заявить", "сказать", "написать", "объявить", "подтвердить", "рассказать"}
_OLD_WORDS = {"первоначально", "изначально", "ранее", "прежде", "вместо", "предварительно"}
_HEDGE = {"возможно", "вероятно", "ориентировочно", "если"}  # "если позволит погода": a condition
BACKGROUND = {"ранее", "напомнить", "прежде", "изначально", "первоначально"}
_EVENTS = {
    "пуск": "launch", "запуск": "launch", "старт": "launch", "полет": "launch", "стартовать": "launch",
    "запустить": "launch", "вывоз": "rollout", "вывезти": "rollout", "транспортировка": "rollout",
    "стыковка": "docking", "пристыковаться": "docking", "расстыковка": "undocking",
    "отстыковка": "undocking", "отстыковаться": "undocking", "посадка": "landing",
    "приземление": "landing", "возвращение": "landing", "приземлиться": "landing",
}  # fmt: skip
_UNITS = {"сутки": timedelta(days=1), "день": timedelta(days=1), "час": timedelta(hours=1),
          "неделя": timedelta(weeks=1), "месяц": timedelta(days=30)}  # fmt: skip
_NUMBERS = {"один": 1, "два": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "десять": 10}


@dataclass(frozen=True)
class Cues:
    move: bool
    scrub: bool
    tbd: bool
    plan: bool
    advance: bool
    hedge: bool


def sentence_cues(toks: list[Token]) -> Cues:
    lem = [t.lemma for t in toks]
    pairs = set(pairwise(lem))
    text = " ".join(lem)
    tbd = (
        ("неопределенный", "срок") in pairs
        or ("быть", "определить") in pairs
        or ("быть", "объявить") in pairs
        or "дата пуск быть определить" in text
        or ("не", "называться") in pairs
        or ("не", "сообщаться") in pairs
        or ("скорректировать", "срок") in pairs
        or ("пока", "не") in pairs
    )
    return Cues(
        move=any(x in MOVE for x in lem),
        scrub=any(x in SCRUB for x in lem),
        tbd=tbd,
        plan=any(x in _PLAN or x in _WILL for x in lem) or ("новый", "дата") in pairs,
        advance=("более", "ранний") in pairs or "раньше" in (t.text.lower() for t in toks),
        hedge=any(x in _HEDGE for x in lem)
        or ("может", "быть") in {(a.text.lower(), b) for a, b in zip(toks, lem[1:], strict=False)}
        or ("не", "исключить") in pairs,
    )


def role(before: list[Token], context: list[Token], later_time: bool) -> str:
    """What a time is, from the tokens before it since the previous time (``before``) and the
    few before it whatever they are (``context``); see the module doc."""
    if any(t.lemma in _ASIDE for t in context):
        return "ignore"
    # "резервная дата — 29 марта" is a backup, unless a move or plan names it;
    # "после огневых испытаний 22 марта" is another event's, unless a move follows ("после этого ... перенесен").
    for i, t in enumerate(context):
        later = context[i + 1 :]
        named = any(u.lemma in MOVE for u in context[max(0, i - 3) : i]) or any(
            u.lemma in MOVE | _PLAN for u in later
        )  # "перенесен на резервную дату", "резервная дата установлена на 28 апреля": the new date
        if t.lemma == "резервный" and not named:
            return "ignore"
        if t.lemma in ("после", "перед") and not any(u.lemma in MOVE for u in later):
            return "ignore"
    lem = [t.lemma for t in before]
    last = before[-1] if before else None
    if last is not None and last.lemma in ("с", "со") and later_time:
        return "old"
    said = [i for i, t in enumerate(before) if t.lemma in _SAID and i >= len(before) - 6]
    cue_after = said and any(t.lemma in MOVE | _PLAN | _WILL | {"дата", "теперь"} for t in before[said[-1] :])
    if said and not cue_after:
        return "ignore"
    not_before = {i + 1 for i, x in enumerate(lem[:-1]) if x == "не"}  # "не ранее 15 марта" is no old time
    if any(x in _OLD_WORDS and i not in not_before for i, x in enumerate(lem)) or (
        "должный" in lem and "быть" in lem
    ):
        return "old"
    for i, t in reversed(list(enumerate(before))):
        if t.lemma in _PLAN:
            if t.has("PRTF"):
                return "planned"
            if t.has("VERB", "past") or any(
                u.lemma == "быть" and u.has("past") for u in before[max(0, i - 2) : i]
            ):
                return "old"
            return "new"
        if t.lemma in MOVE or t.lemma in _WILL:
            return "new"
        done = t.lemma in _DONE and t.has("past") and not t.has("PRTF")
        if done and "будет" not in [u.text for u in before]:
            return "done"
    return "new"


def amounts(toks: list[Token]) -> list[tuple[int, Amount]]:
    """ "на сутки", "на 24 часа", "почти на неделю", "на пять дней": the amount of a move."""
    out = []
    for i, t in enumerate(toks):
        if t.lemma != "на" or i + 1 >= len(toks):
            continue
        n, j = 1, i + 1
        if toks[j].text.isdigit():
            n, j = int(toks[j].text), j + 1
        elif toks[j].lemma in _NUMBERS:
            n, j = _NUMBERS[toks[j].lemma], j + 1
        if j < len(toks) and toks[j].lemma in _UNITS:
            unit = toks[j].lemma
            months = n if unit == "месяц" else 0
            out.append((t.start, Amount(_UNITS[unit] * n, months)))
    return out


def event_words(toks: list[Token], spacewalks: bool) -> list[tuple[int, str]]:
    """Event words by position; in an article about a spacewalk ("выход в открытый космос"), a
    bare "выход" later on is that spacewalk too."""
    out = []
    for i, t in enumerate(toks):
        kind = _EVENTS.get(t.lemma)
        outside = any(u.lemma in ("космос", "борт") for u in toks[i + 1 : i + 5])
        if t.lemma in ("выход", "выйти") and (outside or spacewalks):
            kind = "spacewalk"
        if kind:
            out.append((t.start, kind))
    return out


def cue_words(toks: list[Token], cues: Cues) -> str:
    """The words that made the change, by lemma: "перенесен (перенести: a move)"."""
    kinds = [(MOVE, "a move"), (SCRUB, "an abort"), (_PLAN | _WILL, "a plan")]
    found = [f"{t.text!r} ({t.lemma}: {label})" for t in toks for words, label in kinds if t.lemma in words]
    if cues.tbd:
        found.append("no new date stated")
    if cues.hedge:
        found.append("hedged: lower confidence")
    return ", ".join(dict.fromkeys(found)) or "none"
