"""Time expressions in Russian news, for `tracker.extract`: found here, read by `tracker.extract.times`.

Each Russian piece becomes the `Atom` the English reader would have made ("24 марта" the
date "March 24", "в конце 2025 года" "late 2025", "в первом квартале 2026 года" "Q1 2026",
"в среду" "Wednesday", "завтра" "tomorrow", "в 15:20 по московскому времени" the clock
"15:20" in "MSK"), so one reader (`times.read`, then `tracker.timetext.parse_text`) turns
every language's times into TimeSpecs. Month, weekday and number words are recognised by
their lemma (pymorphy3), so every case ("марта", "мае", "в декабре") is one word. A bare day
before another date takes that date's month: "с 6 на 12 декабря", "с 7 на 17 июля".
"""

from __future__ import annotations

import calendar
import re

from tracker.extract.morph import tokens
from tracker.extract.times import Atom, grouped

__all__ = ["expressions"]

_MONTHS = {
    "январь": 1, "февраль": 2, "март": 3, "апрель": 4, "май": 5, "июнь": 6, "июль": 7, "август": 8,
    "сентябрь": 9, "октябрь": 10, "ноябрь": 11, "декабрь": 12,
}  # fmt: skip
# The abbreviations of RIA's datelines and headlines ("14 дек"), which no dictionary holds.
_MONTH_ABBR = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "июн": 6, "июл": 7, "авг": 8, "сен": 9, "сент": 9,
    "окт": 10, "ноя": 11, "нояб": 11, "дек": 12,
}  # fmt: skip
_WEEKDAYS = ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"]
_ORDINALS = {"первый": 1, "второй": 2, "третий": 3, "четвертый": 4}
_PARTS = {"начало": "early", "конец": "late", "середина": "mid"}
_RELATIVE = {"сегодня": "today", "завтра": "tomorrow"}
_RELATIVE_YEARS = {
    "следующий": "next year",
    "будущий": "next year",
    "этот": "this year",
    "текущий": "this year",
}
# "по московскому времени", "мск": Moscow time; another region's clock keeps only its day.
_ZONE = re.compile(
    r"\s*\(?\s*(?P<msk>мск|МСК|по\s+московскому\s+времени|по\s+времени\s+Москвы)"
    r"|\s*\(?\s*(?P<local>по\s+(?:местному|[а-яё]+скому)\s+времени)"
)
_CLOCK = re.compile(r"(?<![\d.:])(?P<h>[01]?\d|2[0-3])[:.](?P<m>[0-5]\d)(?![\d.:])")
_NUMERIC = re.compile(r"(?<![\d.])(?P<d>\d{1,2})\.(?P<mo>\d{1,2})\.(?P<y>(?:19|20)\d{2})(?![\d.])")
_YEAR = re.compile(r"(?:19|20)\d{2}")


def _month(word: str, lemma: str) -> int | None:
    return _MONTHS.get(lemma) or _MONTH_ABBR.get(word.lower().rstrip("."))


_SUFFIX = {"го", "е", "ое", "ого", "й", "м"}  # "22-го марта", "2021-го года"


def _find(sentence: str) -> list[Atom]:
    toks = [
        t
        for i, t in enumerate(tokens(sentence))
        if not (t.text in _SUFFIX and i > 0 and sentence[t.start - 1] == "-")
    ]
    atoms: list[Atom] = []
    used: set[int] = set()

    def add(kind: str, category: str, start: int, last: int, text: str, first: int) -> None:
        """An atom from ``start`` to the end of token ``last``; tokens ``first``..``last`` are used."""
        atoms.append(Atom(kind, category, start, toks[last].end, text))
        used.update(range(first, last + 1))

    def year_after(i: int) -> tuple[str, int] | None:
        """A year right after token i ("2026", "2026 года"): its text and the last token used."""
        if i + 1 < len(toks) and _YEAR.fullmatch(toks[i + 1].text):
            last = i + 1
            if last + 1 < len(toks) and toks[last + 1].lemma in ("год", "г"):
                last += 1
            return toks[i + 1].text, last
        return None

    for m in _NUMERIC.finditer(sentence):
        if 1 <= int(m["mo"]) <= 12:
            month_name = calendar.month_name[int(m["mo"])]
            atoms.append(Atom("mday", "date", m.start(), m.end(), f"{month_name} {int(m['d'])} {m['y']}"))
    numeric_spans = [(a.start, a.end) for a in atoms]
    for i, t in enumerate(toks):
        if i in used or any(a <= t.start < b for a, b in numeric_spans):
            continue
        month = _month(t.text, t.lemma) if t.text.isalpha() else None
        if t.text.isdigit() and len(t.text) <= 2 and i + 1 < len(toks):
            nxt = toks[i + 1]
            month_next = _month(nxt.text, nxt.lemma)
            if month_next and 1 <= int(t.text) <= 31:
                year = year_after(i + 1)
                text = f"{calendar.month_name[month_next]} {int(t.text)}" + (f" {year[0]}" if year else "")
                add("mday", "date", t.start, year[1] if year else i + 1, text, i)
                continue
        if month:
            if i > 0 and toks[i - 1].text.isdigit():
                continue
            part = _PARTS.get(toks[i - 1].lemma) if i > 0 else None
            start = toks[i - 1].start if part else t.start
            year = year_after(i)
            text = (f"{part} " if part else "") + calendar.month_name[month] + (f" {year[0]}" if year else "")
            if not part and i > 0 and toks[i - 1].lemma not in ("в", "на", "до", "к", "с", "по", "конец"):
                continue  # "Март" as a name, or a month that no preposition makes a time
            add("month", "date", start, year[1] if year else i, text, i)
            continue
        if t.lemma == "квартал" and i > 0 and toks[i - 1].lemma in _ORDINALS:
            year = year_after(i)
            text = f"Q{_ORDINALS[toks[i - 1].lemma]}" + (f" {year[0]}" if year else "")
            add("quarter", "date", toks[i - 1].start, year[1] if year else i, text, i)
            continue
        if t.lemma in ("половина", "полугодие") and i > 0 and toks[i - 1].lemma in ("первый", "второй"):
            year = year_after(i)
            text = f"H{_ORDINALS[toks[i - 1].lemma]}" + (f" {year[0]}" if year else "")
            add("half", "date", toks[i - 1].start, year[1] if year else i, text, i)
            continue
        if _YEAR.fullmatch(t.text):
            after = toks[i + 1].lemma if i + 1 < len(toks) else ""
            prior = toks[i - 1].lemma if i > 0 else ""
            if after in ("год", "г") or prior in ("с", "на", "в", "до", "к"):
                part = _PARTS.get(prior)
                start = toks[i - 1].start if part else t.start
                last = i + 1 if after in ("год", "г") else i
                add(
                    "part" if part else "year", "date", start, last, f"{part} {t.text}" if part else t.text, i
                )
            continue
        if t.lemma in _WEEKDAYS and i > 0 and toks[i - 1].lemma in ("в", "во", "на", "до", "к"):
            add("weekday", "weekday", t.start, i, calendar.day_name[_WEEKDAYS.index(t.lemma)], i)
            continue
        if t.lemma == "год" and i > 0 and toks[i - 1].lemma in _RELATIVE_YEARS:
            add("year", "date", toks[i - 1].start, i, _RELATIVE_YEARS[toks[i - 1].lemma], i - 1)
            continue
        if t.lemma in _RELATIVE:
            add("rel", "rel", t.start, i, _RELATIVE[t.lemma], i)
    for m in _CLOCK.finditer(sentence):
        if any(a.start <= m.start() < a.end for a in atoms):
            continue
        atoms.append(Atom("clock", "time", m.start(), m.end(), f"{int(m['h']):02d}:{m['m']}"))
        z = _ZONE.match(sentence, m.end())
        if z:
            zone = ("zone", "MSK") if z["msk"] else ("local", "local time")
            atoms.append(Atom(zone[0], "zone", m.end(), z.end(), zone[1]))
    return sorted(atoms, key=lambda a: a.start)


_JOIN = re.compile(r"^[\s,()]*(?:(?:в|во|на|года|г\.|утра|вечера|ночи|дня)\b[\s,()]*)*$", re.I)


def expressions(sentence: str) -> list[list[Atom]]:
    """Adjacent pieces of one time ("в четверг, 20 октября в 14:34 по московскому времени") grouped."""
    return _bare_days(sentence, grouped(_find(sentence), sentence, _JOIN))


_BARE_DAY = re.compile(r"(?:^|\s)(?:с|со)\s+(?P<d>\d{1,2})\s+(?:на|за|по|до)\s+$")


def _bare_days(sentence: str, groups: list[list[Atom]]) -> list[list[Atom]]:
    """ "с 6 на 12 декабря": the 6 is a day of December too, the old one."""
    out: list[list[Atom]] = []
    for group in groups:
        first = group[0]
        if first.kind == "mday":
            m = _BARE_DAY.search(sentence[max(0, first.start - 16) : first.start])
            if m:
                offset = max(0, first.start - 16)
                month_year = first.text.split(" ", 1)
                rest = month_year[1].split(" ", 1)
                text = f"{month_year[0]} {int(m['d'])}" + (f" {rest[1]}" if len(rest) > 1 else "")
                start = offset + m.start("d")
                out.append([Atom("mday", "date", start, start + len(m["d"]), text)])
        out.append(group)
    return out
