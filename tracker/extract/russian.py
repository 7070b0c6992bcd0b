"""Read Russian news prose for `tracker.extract`: TASS, RIA Novosti, Interfax, Roscosmos.

The same steps as the English rules (`tracker.extract.rules`), with the words matched by lemma
(`tracker.extract.morph`, pymorphy3) instead of by form, so "перенесён", "перенесли",
"переносится" and "перенос" are all one cue:

1. Sentences as in English (`sentences`: datelines such as "МОСКВА, 14 дек - РИА Новости."
   and "Байконур. 16 сентября. INTERFAX.RU -" are dropped); times by `ru_times`; names by
   `names.russian_names`, in English spelling ("Союза-5" is Soyuz-5).
2. The words before a time give its role: the old plan ("с 24 июня на 7 июля", "вместо",
   "первоначально", "ранее", "был запланирован", "планировался", "должен был"), a plan a verb
   may move (the full participle: "запланированный на 24 марта ..., перенесен на 26 марта"),
   something done ("был запущен 31 июля", "стартовал"), a date of something else ("трансляция
   ... пройдет", "сообщил в среду") or the new one ("перенесен на", "теперь", "состоится",
   "новая дата запуска - 23 марта").
3. Cues: a move (перенести, отложить, перенос, сдвинуть, сдвиг, задерживаться, отсрочка,
   скорректировать), an abort (отменить, отбой), no new date ("на неопределённый срок",
   "дата ... будет определена", "будет объявлено дополнительно"), a plan (запланировать,
   наметить, назначить, состояться, планироваться), an amount ("на сутки", "на 24 часа", "на
   неделю"; with only an old time, the new one is the old moved by it), hedges ("может быть",
   "возможно", "не исключено").
4. A sentence that names nothing is about the article's topic (the most named vehicle or
   mission); an unnumbered spacewalk is the station's (ISS). Sentences that retell earlier
   reports ("Ранее сообщалось...", and "После этого ..." after one) only lend old times when
   the article states a current plan.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime, timedelta
from typing import TypeVar

from tracker.extract.article import Draft, day_start, shift
from tracker.extract.morph import Token, tokens
from tracker.extract.names import russian_names
from tracker.extract.ru_cues import (
    BACKGROUND,
    Cues,
    amounts,
    cue_words,
    event_words,
    role,
    sentence_cues,
)
from tracker.extract.ru_times import expressions
from tracker.extract.sentences import mask_parens
from tracker.extract.times import Time, read
from tracker.extract.trace import note
from tracker.timespec import utc

__all__ = ["russian_drafts"]

_T = TypeVar("_T")


def _nearest(items: list[tuple[int, _T]], pos: int) -> _T | None:
    """The item nearest before ``pos``, else the first after it."""
    before = [x for p, x in items if p < pos]
    if before:
        return before[-1]
    return items[0][1] if items else None


def russian_drafts(lines: list[str], published: datetime) -> list[Draft]:
    """Drafts of findings from the sentences of a Russian article (see the module doc)."""
    published = utc(published)
    lemma_of = _lemma
    counts: Counter[tuple[str, str]] = Counter()
    for line in lines:
        for _pos, name, kind in russian_names(mask_parens(line), lemma_of):
            counts[(name, kind)] += 1
    named_in_article = {name for name, _kind in counts}
    merged: Counter[tuple[str, str]] = Counter()
    for (name, kind), n in counts.items():
        merged[(_specific(name, named_in_article), kind)] += n
    topic = max(merged, key=lambda k: merged[k], default=None)
    spacewalks = "открытый космос" in " ".join(lines).lower()
    topic_event: str | None = None
    drafts: list[Draft] = []
    retold: set[int] = set()  # drafts from sentences retelling earlier reports
    background = False
    for index, raw in enumerate(lines):
        line = mask_parens(raw)
        toks = tokens(line)
        if not toks:
            continue
        first = toks[0].lemma
        retelling = first == "как" and any(
            t.lemma in ("сообщаться", "известно", "известный") for t in toks[1:3]
        )
        background = first in BACKGROUND or (background and first == "после") or retelling
        events = event_words(toks, spacewalks)
        names = [(p, _specific(n, named_in_article), k) for p, n, k in russian_names(line, lemma_of)]
        cues = sentence_cues(toks)
        found = _sentence(line, toks, names, events, cues, topic, topic_event, published, index)
        for d in found:
            d.hedged = cues.hedge
            if background:
                retold.add(id(d))
        drafts.extend(found)
        if events:
            topic_event = events[-1][1]
    _moved_by_amount(drafts)
    current = {(d.vehicle, d.mission, d.event_type) for d in drafts if id(d) not in retold and d.new}
    for d in drafts:
        if id(d) in retold and (d.vehicle, d.mission, d.event_type) in current:
            if d.new is not None:
                note(f"{d.sentence!r}: retells an earlier report; the article states a current plan")
            d.change, d.new = None, None  # an earlier report: it lends its old time only
    return drafts


def _moved_by_amount(drafts: list[Draft]) -> None:
    """ "Первоначально планировалось ... 20 октября в 14:34. ... решено перенести на 24 часа": an
    amount with no new time, and an old time in another sentence, give the new time."""
    with_new = {x.key for x in drafts if x.new is not None}
    for d in drafts:
        if d.change is None or d.new is not None or d.delta is None or d.key in with_new:
            continue
        old = next((x.old for x in drafts if x.key == d.key and x.old is not None), None)
        if old is not None:
            d.old, d.new = old, Time(old.start, old.end, shift(old.spec, d.delta), False)
            d.change = "advance" if d.delta < timedelta(0) else "slip"


def _specific(name: str, article: set[str]) -> str:
    """A family name ("Soyuz") stands for the one variant the article names ("Soyuz-2.1b",
    "Soyuz MS-02"), if it names exactly one."""
    variants = {n for n in article if n != name and (n.startswith(name + "-") or n.startswith(name + " "))}
    return variants.pop() if len(variants) == 1 else name


def _lemma(word: str) -> str:
    found = tokens(word)
    return found[0].lemma if found else word.lower()


def _sentence(
    line: str,
    toks: list[Token],
    names: list[tuple[int, str, str]],
    events: list[tuple[int, str]],
    cues: Cues,
    topic: tuple[str, str] | None,
    topic_event: str | None,
    published: datetime,
    index: int,
) -> list[Draft]:
    drafts: dict[tuple[str | None, str | None, str | None], Draft] = {}

    def draft_at(pos: int) -> Draft:
        """The draft of the subject and event a time at ``pos`` belongs to: the event word nearest
        before it, and the name that follows that word ("запуск «Прогресса МС-04» в связи с
        проблемами на «Союзе МС-02» перенесен на ..." is Progress MS-04's), else the nearest name."""
        event_pos = max((p for p, _ in events if p < pos), default=-1)

        def pick(kind: str) -> str | None:
            of_kind = [(p, n) for p, n, k in names if k == kind]
            after_event = [n for p, n in of_kind if event_pos < p < pos]
            return after_event[0] if after_event else _nearest(of_kind, pos)

        vehicle, mission = pick("vehicle"), pick("mission")  # "ракеты «Союз» с кораблём «Прогресс»": both
        if not names and topic:
            vehicle, mission = (topic[0], None) if topic[1] == "vehicle" else (None, topic[0])
        event = _nearest(events, pos) or topic_event or "launch"
        if event == "spacewalk" and mission is None:
            vehicle, mission = "ISS", None  # an unnumbered spacewalk: the station's
        key = (vehicle, mission, event)
        if key not in drafts:
            drafts[key] = Draft(vehicle, mission, event, line, index, named=bool(names))
            source = "named in the sentence" if names else "from the article's most named subject"
            if vehicle == "ISS":
                source = "an unnumbered spacewalk: the station's"
            drafts[key].reasons.append(f"subject {mission or vehicle!r} {source}")
        drafts[key].positions.append(pos)
        return drafts[key]

    groups = expressions(line)
    prev_end = 0
    for gi, group in enumerate(groups):
        start = group[0].start
        before = [t for t in toks if prev_end <= t.start and t.end <= start][-25:]
        context = [t for t in toks if t.end <= start][-8:]
        prev_end = group[-1].end
        what = role(before, context, later_time=gi + 1 < len(groups))
        text = line[start : group[-1].end]
        if what in ("ignore", "done"):
            why = "the date of something else" if what == "ignore" else "the date of something done"
            note(f"{text!r} in {line!r}: {why}")
            continue
        found = read(group, published)
        if found is None:
            continue
        latest = found.spec.latest
        if what == "new" and latest is not None and latest <= day_start(published):
            note(f"{text!r} in {line!r}: a day already past, no plan")
            continue  # a day already past is no plan: a quote of an earlier one
        if [t.text.lower() for t in before[-2:]] in (["не", "ранее"], ["не", "раньше"]):
            found = dataclasses.replace(
                found, spec=dataclasses.replace(found.spec, net=True)
            )  # "не ранее 15 марта"
        d = draft_at(start)
        tail = " ".join(t.text for t in before[-3:])
        d.reasons.append(f"{what} time {text!r}" + (f" after {tail!r}" if tail else ""))
        if what == "old":
            d.old = d.old or found
        elif what == "planned":
            d.planned.append(found)
        else:
            d.new, d.new_explicit = found, True
    for pos, amount in amounts(toks):
        d = draft_at(pos)
        d.delta, d.months = amount.delta, amount.months
        d.reasons.append(f"amount {line[pos : pos + 12].strip()!r}")
    if not drafts and (cues.move or cues.scrub or cues.tbd) and (names or topic):
        draft_at(next((p for p, _ in events), 0))
    out = []
    for d in drafts.values():
        if not (d.vehicle or d.mission):
            continue
        had_new = d.new is not None
        _settle(d, cues)
        if d.change is not None:
            d.reasons.append(f"cue: {cue_words(toks, cues)}")
        elif had_new:
            note(f"{line!r}: a date but no word that states a plan or a move")
        if d.change is not None or d.old is not None:
            out.append(d)
    return out


def _settle(d: Draft, cues: Cues) -> None:
    """The draft's change and base confidence from the sentence's cues."""
    for planned in d.planned:
        if d.old is None and (cues.move or cues.scrub or cues.tbd or (d.new and d.new.start > planned.start)):
            d.old = planned
        elif d.new is None:
            d.new = planned
    if d.new is None and d.old is not None and d.delta is not None and (cues.move or cues.scrub):
        d.new = Time(d.old.start, d.old.end, shift(d.old.spec, d.delta), False)
    new, old = d.new, d.old
    moved = new is not None and old is not None and new.spec.earliest and old.spec.earliest
    if moved and new.spec.earliest != old.spec.earliest:  # type: ignore[union-attr]
        d.change, d.base = ("slip" if new.spec.earliest > old.spec.earliest else "advance"), 0.6  # type: ignore[union-attr,operator]
        return
    if new is None and cues.tbd:
        d.change, d.base = "tbd", 0.6
    elif new is None and cues.scrub:
        d.change, d.base = "scrub", 0.6
    elif cues.move and new is not None:
        d.change, d.base = ("advance" if cues.advance else "slip"), 0.6
    elif cues.move and d.delta is None:
        d.change, d.base = "tbd", 0.45
    elif cues.move:
        d.change, d.base = "slip", 0.5
    elif new is not None and cues.plan:
        d.change, d.base = "target", 0.5
    if d.change is None:
        d.new = None
