"""Dates as people write them in invoices and replies, in English, French, Romanian, German and
Spanish, and the month and weekday names of Italian, Dutch and Portuguese out-of-office replies:
"15/03/2026", "2026-03-15", "15 mars 2026", "March 15th", "revin pe 3 martie", "5 gennaio",
"vendredi", "tomorrow", "fin du mois", "in 10 days".

``find_dates`` returns every date found in a text with its position, so a caller can pick the
one next to the words it cares about ("due", "échéance", "back on", "je paie le"). With
``short_forms`` it also reads what people write in a reply but no invoice prints: a day and
month without the year ("du 21/12 au 04/01", "am 22.12.", "on 12/28") and a day of the month
alone ("le 15", "on the 15th", "el día 15").
"""

from __future__ import annotations

import bisect
import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .text import fold


@dataclass(frozen=True)
class FoundDate:
    """A date found in a text, at ``text[start:end]``."""

    value: date
    start: int
    end: int
    exact: bool  # written as a calendar date, rather than "Friday" or "next week"


# Month names and their usual abbreviations, diacritics folded. Order within a month does not
# matter; longer spellings are tried first by the regex built below.
_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("january", "jan", "janvier", "janv", "ianuarie", "ian", "januar", "janner", "enero", "ene",
        "gennaio", "januari", "janeiro"),
    2: ("february", "feb", "fevrier", "fevr", "fev", "februarie", "februar", "febrero",
        "febbraio", "februari", "fevereiro"),
    3: ("march", "mar", "mars", "martie", "marz", "maerz", "marzo", "maart", "mrt", "marco"),
    4: ("april", "apr", "avril", "avr", "aprilie", "abril", "abr", "aprile"),
    5: ("may", "mai", "mayo", "maggio", "mei", "maio"),
    6: ("june", "jun", "juin", "iunie", "iun", "juni", "junio", "giugno", "junho"),
    7: ("july", "jul", "juillet", "juil", "iulie", "iul", "juli", "julio", "luglio", "julho"),
    8: ("august", "aug", "aout", "agosto", "ago", "augustus"),
    9: ("september", "sept", "sep", "septembre", "septembrie", "septiembre", "setiembre",
        "settembre", "setembro"),
    10: ("october", "oct", "octobre", "octombrie", "oktober", "okt", "octubre", "ottobre",
         "outubro"),
    11: ("november", "nov", "novembre", "noiembrie", "noi", "noviembre", "novembro"),
    12: ("december", "dec", "decembre", "decembrie", "dezember", "dez", "diciembre", "dic",
         "dicembre", "dezembro"),
}
_MONTH_OF = {name: month for month, names in _MONTHS.items() for name in names}
_MONTH_RE = "|".join(sorted(_MONTH_OF, key=len, reverse=True))

_WEEKDAYS: dict[int, tuple[str, ...]] = {
    0: ("monday", "lundi", "luni", "montag", "lunes", "lunedi", "maandag", "segunda-feira"),
    1: ("tuesday", "mardi", "marti", "dienstag", "martes", "martedi", "dinsdag", "terca-feira"),
    2: ("wednesday", "mercredi", "miercuri", "mittwoch", "miercoles", "mercoledi", "woensdag",
        "quarta-feira"),
    3: ("thursday", "jeudi", "joi", "donnerstag", "jueves", "giovedi", "donderdag",
        "quinta-feira"),
    4: ("friday", "vendredi", "vineri", "freitag", "viernes", "venerdi", "vrijdag", "sexta-feira"),
    5: ("saturday", "samedi", "sambata", "samstag", "sabado", "zaterdag"),
    6: ("sunday", "dimanche", "duminica", "sonntag", "domingo", "domenica", "zondag"),
}
_WEEKDAY_OF = {name: day for day, names in _WEEKDAYS.items() for name in names}
_WEEKDAY_RE = "|".join(sorted(_WEEKDAY_OF, key=len, reverse=True))

_DAY = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th|er|e|ème|eme|\.)?"
_YEAR = r"(?P<y>(?:19|20)\d\d)"

_PATTERNS = [
    # 2026-03-15
    re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)\b"),
    # 15/03/2026, 15.03.2026, 15-03-26 (day first; month first only when the day can't be)
    re.compile(r"\b(?P<a>[0-3]?\d)[./-](?P<b>[01]?\d|[0-3]\d)[./-](?P<y>(?:19|20)?\d\d)\b"),
    # 15 March 2026, 1er mars, 3 de marzo de 2026, 15. März 2026, the 3rd of March
    re.compile(
        r"\b" + _DAY + r"\s*(?:of\s+|de\s+)?(?P<mn>" + _MONTH_RE + r")\b\.?"
        r"(?:,?\s*(?:de\s+|del\s+)?" + _YEAR + r"\b)?"
    ),
    # March 15, 2026 / March 15th
    re.compile(
        r"\b(?P<mn>" + _MONTH_RE + r")\.?\s+" + _DAY + r"(?!\d)(?:,?\s*" + _YEAR + r"\b)?"
    ),
]

_RELATIVE = [
    (re.compile(r"\b(tomorrow|demain|maine|morgen|manana)\b"), "tomorrow"),
    (re.compile(r"\b(today|aujourd'hui|azi|astazi|heute|hoy)\b"), "today"),
    (re.compile(r"\b(next week|la semaine prochaine|semaine prochaine|saptamana viitoare|"
                r"nachste woche|naechste woche|la proxima semana|proxima semana)\b"), "next_week"),
    (re.compile(r"\b(end of (?:the |this )?month|fin (?:du|de ce) mois|"
                r"(?:la )?sfarsitul (?:acestei |lunii)(?:luni)?|ende des monats|monatsende|"
                r"fin(?:al)? de(?:l)? mes|fin de mois)\b"), "month_end"),
    (re.compile(r"\b(?:in|within|dans|sous|in|în|en)\s+(?P<n>\d{1,3})\s+"
                r"(?:days?|jours?|zile|tagen?|dias?)\b"), "in_days"),
]


# Short forms, read only when asked (see the module docstring). A day and month without a year:
# "21/12", "12/28", "04/01" (slashes), "22.12." (German, with its closing dot). Not "24/7".
_DAY_MONTH = re.compile(r"(?<![\d/.,])(?P<a>[0-3]?\d)/(?P<b>[0-3]?\d)(?![\d/]|\.\d)(?<!24/7)"
                        r"|(?<![\d/.,])(?P<c>[0-3]?\d)\.(?P<e>[01]?\d)\.(?!\d)")
# A day of the month alone, after the word that introduces it: "le 15", "on the 15th", "am
# 15.", "el día 15", "pe 15", "il 15" — never before a month, an hour, money or a unit.
_DAY_ALONE = re.compile(
    r"\b(?:le|on the|by the|the|am|el dia|el|pe|il|op de|no dia)\s+(?P<d>[0-3]?\d)"
    r"(?:st|nd|rd|th|er|\.)?(?![\d.,:/%h€$]|\s*(?:h\b|€|eur|lei|ron|%|days?|jours?|zile|"
    r"tage|dias?|[a-z]+\s+\d{4}))"
)


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _full_year(text: str | None, month: int, day: int, reference: date) -> date | None:
    """Return the date with its year: as written, or — when the text gives none — the one that
    makes sense for a message written on ``reference`` (a date more than two months in the past
    is taken as next year's: "back on 5 January" written on 28 December)."""
    if text:
        year = int(text)
        if year < 100:
            year += 2000
        return _make(year, month, day)
    found = _make(reference.year, month, day)
    if found is None:
        return None
    if found < reference - timedelta(days=60):
        return _make(reference.year + 1, month, day)
    return found


def _absolute(match: re.Match[str], reference: date) -> date | None:
    groups = match.groupdict()
    if "a" in groups and groups.get("a"):
        first, second = int(groups["a"]), int(groups["b"])
        day, month = (first, second) if second <= 12 else (second, first)
        return _full_year(groups["y"], month, day, reference)
    month = int(groups["m"]) if groups.get("m") else _MONTH_OF[groups["mn"]]
    return _full_year(groups.get("y"), month, int(groups["d"]), reference)


def _relative(kind: str, match: re.Match[str], reference: date) -> date:
    if kind == "tomorrow":
        return reference + timedelta(days=1)
    if kind == "today":
        return reference
    if kind == "next_week":
        # "next week" as a promise is kept by its Friday at the latest.
        return reference + timedelta(days=7 - reference.weekday() + 4)
    if kind == "month_end":
        last = calendar.monthrange(reference.year, reference.month)[1]
        if reference.day == last:
            nxt = reference + timedelta(days=1)
            return nxt.replace(day=calendar.monthrange(nxt.year, nxt.month)[1])
        return reference.replace(day=last)
    return reference + timedelta(days=int(match.group("n")))


def _day_month(first: int, second: int, reference: date) -> date | None:
    """Return the day a yearless "first/second" names: day first ("21/12"), unless only month
    first can be ("12/28"); when both can, the reading nearer ``reference`` ("03/09" written on
    2 March is 9 March, written on 20 August 3 September): a reply speaks of the coming weeks."""
    readings = [_full_year(None, month, day, reference)
                for day, month in ((first, second), (second, first))]
    valid = [r for r in readings if r is not None]
    if not valid:
        return None
    return min(valid, key=lambda r: abs((r - reference).days))


def _next_day_of_month(day: int, reference: date) -> date | None:
    """Return the next ``day`` of a month on or after ``reference`` ("le 15")."""
    year, month = reference.year, reference.month
    for _ in range(3):
        found = _make(year, month, day)
        if found is not None and found >= reference:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _short_forms(folded: str, reference: date) -> list[FoundDate]:
    found = []
    for match in _DAY_MONTH.finditer(folded):
        if match.group("a"):
            value = _day_month(int(match.group("a")), int(match.group("b")), reference)
        else:
            value = _full_year(None, int(match.group("e")), int(match.group("c")), reference)
        if value is not None:
            found.append(FoundDate(value, match.start(), match.end(), True))
    for match in _DAY_ALONE.finditer(folded):
        value = _next_day_of_month(int(match.group("d")), reference)
        if value is not None:
            found.append(FoundDate(value, match.start("d"), match.end(), False))
    return found


def find_dates(text: str, reference: date, *, short_forms: bool = False) -> list[FoundDate]:
    """Return every date written in ``text``, in order of position, none overlapping.

    ``reference`` is the day the text was written: it resolves a missing year, weekday names
    (the next such day after it) and relative words ("tomorrow", "in 10 days"). With
    ``short_forms``, yearless day/month and a day of the month alone are read too (see the
    module docstring); a day alone is not ``exact``."""
    folded = fold(text)
    found: list[FoundDate] = []
    taken = _Spans()
    free = taken.free

    for pattern in _PATTERNS:
        for match in pattern.finditer(folded):
            if not free(match.start(), match.end()):
                continue
            value = _absolute(match, reference)
            if value is not None:
                found.append(FoundDate(value, match.start(), match.end(), True))
                taken.append((match.start(), match.end()))
    for item in _short_forms(folded, reference) if short_forms else []:
        if free(item.start, item.end):
            found.append(item)
            taken.append((item.start, item.end))
    for pattern, kind in _RELATIVE:
        for match in pattern.finditer(folded):
            if free(match.start(), match.end()):
                value = _relative(kind, match, reference)
                found.append(FoundDate(value, match.start(), match.end(), False))
                taken.append((match.start(), match.end()))
    for match in re.finditer(r"\b(?P<w>" + _WEEKDAY_RE + r")\b", folded):
        if free(match.start(), match.end()):
            ahead = (_WEEKDAY_OF[match.group("w")] - reference.weekday() - 1) % 7 + 1
            found.append(FoundDate(reference + timedelta(days=ahead), match.start(), match.end(),
                                   False))
            taken.append((match.start(), match.end()))
    return sorted(found, key=lambda f: f.start)


class _Spans:
    """The spans of text already read as dates: disjoint, kept in order, so that whether a new
    one overlaps them is two bisections (a text of thousands of dates, compared pairwise,
    took seconds)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def free(self, start: int, end: int) -> bool:
        at = bisect.bisect_right(self.starts, start)
        before_ends_first = at == 0 or self.ends[at - 1] <= start
        return before_ends_first and (at == len(self.starts) or end <= self.starts[at])

    def append(self, span: tuple[int, int]) -> None:
        at = bisect.bisect_right(self.starts, span[0])
        self.starts.insert(at, span[0])
        self.ends.insert(at, span[1])


def starting_within(dates: Sequence[FoundDate], low: int, high: int) -> list[FoundDate]:
    """Return the dates, in order of position as ``find_dates`` gives them, that start within
    ``low``..``high`` (both included), found by bisection: reading the dates after each of
    thousands of keywords must not cost keywords times dates."""
    first = bisect.bisect_left(dates, low, key=lambda found: found.start)
    last = bisect.bisect_right(dates, high, key=lambda found: found.start)
    return list(dates[first:last])


def date_near(text: str, keywords: re.Pattern[str], reference: date,
              window: int = 80) -> date | None:
    """Return the first date written within ``window`` characters after a keyword match (e.g.
    "due" or "de retour"), or None when no keyword is followed by a date. ``keywords`` is
    matched against the text lower-cased and without diacritics ("scadenta", "echeance")."""
    folded = fold(text)
    dates = find_dates(text, reference)
    for match in keywords.finditer(folded):
        near = starting_within(dates, match.start(), match.end() + window)
        if near:
            return near[0].value
    return None
