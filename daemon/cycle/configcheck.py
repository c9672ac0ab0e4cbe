"""The checking half of the configuration loader: typed readers that collect every problem
instead of stopping at the first one, each problem placed on its line by
:class:`~relance.daemon.cycle.configlines.LineLocator`.

Nothing here reads files; ``relance.daemon.cycle.config`` does that and builds the dataclasses.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import time
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .configlines import NO_LINE, LineLocator

T = TypeVar("T")

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# ---------------------------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the file: where, which key, what is wrong with it, and the fix."""

    line: int
    key: str
    what: str  # includes the bad value, e.g. 'urgent_after = -3 is below 0'
    fix: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line != NO_LINE else "not in the file"
        return f"{where}: {self.key}: {self.what}. {self.fix}"


def toml_repr(value: object) -> str:
    """The value written back the way TOML spells it, so the user recognises it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_repr(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_repr(v)}" for k, v in value.items()) + "}"
    return str(value)


def field_names(cls: type) -> tuple[str, ...]:
    """The field names of a settings dataclass: the keys its section of the file may hold."""
    return tuple(f.name for f in fields(cls))


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """' Did you mean "x"?' for the closest candidate, or an empty string when none is close."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f' Did you mean "{close[0]}"?' if close else ""


# ---------------------------------------------------------------------------------------------
# Typed readers that collect problems


class Checker:
    """Collects the problems of one file; each reader records what is wrong and returns the
    default, so that checking goes on and every problem is reported at once."""

    def __init__(self, locator: LineLocator, home: Path, base: Path) -> None:
        self.locator = locator
        self.home = home  # what "~" means in paths
        self.base = base  # what relative paths are relative to: the config file's folder
        self.problems: list[Problem] = []

    def report(self, key: str, what: str, fix: str) -> None:
        self.problems.append(Problem(self.locator.line_of(key), key, what, fix))

    def sorted_problems(self) -> list[str]:
        ordered = sorted(self.problems, key=lambda p: (p.line == NO_LINE, p.line, p.key))
        return [str(p) for p in ordered]


class Section:
    """One table of the file, read through a :class:`Checker`."""

    def __init__(self, checker: Checker, path: str, data: Mapping[str, Any], known: Iterable[str]):
        self.checker = checker
        self.path = path
        self.data = data
        known = tuple(known)
        for key in data:
            if key not in known:
                hint = did_you_mean(key, known) or f" Known keys here: {', '.join(known)}."
                self.checker.report(
                    self.key(key), f"unknown setting {toml_repr(key)}", f"Check it for typos.{hint}"
                )

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def has(self, name: str) -> bool:
        return name in self.data

    def bad(self, name: str, what: str, fix: str) -> None:
        value = toml_repr(self.data[name]) if name in self.data else "(missing)"
        self.checker.report(self.key(name), f"{name} = {value} {what}", fix)

    def missing(self, name: str, why: str, example: str) -> None:
        """Report a required setting that is absent."""
        where = f"[{self.path}]" if self.path else "the top of the file"
        self.checker.report(self.key(name), f"is missing: {why}", f"Add {example} under {where}.")

    def sub(self, name: str, known: Iterable[str]) -> Section:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            self.bad(name, "is not a table", f"Write it as a [{self.key(name)}] section.")
            value = {}
        return Section(self.checker, self.key(name), value, known)

    def tables(self, name: str, known: Iterable[str]) -> list[Section]:
        """The elements of an array of tables such as ``[[clients]]``, counted from 1."""
        value = self.data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.bad(name, "is not a list of tables", f"Write each as a [[{name}]] section.")
            return []
        return [Section(self.checker, f"{self.key(name)}[{i}]", v, known) for i, v in
                enumerate(value, start=1)]

    def _typed(self, name: str, default: T, kind: type[T], fix: str) -> T:
        if name not in self.data:
            return default
        value = self.data[name]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            self.bad(name, f"is not {_KIND_WORDS.get(kind, 'of the right type')}", fix)
            return default
        return value

    def boolean(self, name: str, default: bool) -> bool:
        return self._typed(name, default, bool, "Write true or false, without quotes.")

    def string(self, name: str, default: str) -> str:
        return self._typed(name, default, str, 'Write it in double quotes, like "text".')

    def optional_string(self, name: str) -> str | None:
        value = self.string(name, "")
        return value or None

    def integer(self, name: str, default: int, low: int, high: int, unit: str = "") -> int:
        fix = f"Write a whole number from {low} to {high}{unit}, without quotes."
        value = self._typed(name, default, int, fix)
        if not low <= value <= high:
            self.bad(name, "is out of range", fix)
            return default
        return value

    def choice(self, name: str, default: str, choices: Iterable[str]) -> str:
        choices = tuple(choices)
        value = self.data.get(name)
        if not isinstance(value, str):
            return self.string(name, default)  # absent, or reported as not a string
        if value not in choices:
            listed = ", ".join(f'"{c}"' for c in choices)
            hint = did_you_mean(value, choices)
            self.bad(name, "is not allowed", f"Use one of {listed}.{hint}")
            return default
        return value

    def strings(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.data.get(name, default)
        if name in self.data and (not isinstance(value, list) or
                                  not all(isinstance(v, str) for v in value)):
            self.bad(name, "is not a list of strings", 'Write it like ["one", "two"].')
            return default
        return tuple(value)

    def path_value(self, name: str, default: T) -> Path | T:
        """A file or folder; "~" is the user's home, a relative path is relative to the folder
        of the configuration file."""
        value = self.string(name, "")
        if not value:
            return default
        if value == "~" or value.startswith("~/"):
            return self.checker.home / value[2:]
        return self.checker.base / value

    def decimal(self, name: str, default: Decimal, high: Decimal) -> Decimal:
        value = self.data.get(name)
        fix = f'Write a number from 0 to {high}, such as 40 or "12.5".'
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.bad(name, "is not a number", fix)
            return default
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.bad(name, "is not a number", fix)
            return default
        if not number.is_finite() or not Decimal(0) <= number <= high:
            self.bad(name, "is out of range", fix)
            return default
        return number

    def clock(self, name: str, default: time) -> time:
        """A time of day written "HH:MM" (or as a TOML local time, 05:00)."""
        value = self.data.get(name, default)
        if isinstance(value, time):
            return value
        fix = 'Write the time of day as "HH:MM" on a 24-hour clock, like "05:00".'
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", value) if isinstance(value, str) else None
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            self.bad(name, "is not a time of day", fix)
            return default
        return time(int(match.group(1)), int(match.group(2)))

    def zone(self, name: str, default: str) -> str:
        value = self.data.get(name)
        if not isinstance(value, str):
            return self.string(name, default)  # absent, or reported as not a string
        if not is_zone(value):
            hint = did_you_mean(value, zone_names())
            self.bad(name, "is not a known time zone",
                     f'Use an IANA zone name such as "Europe/Paris".{hint}')
            return default
        return value

    def weekdays(self, name: str, default: tuple[int, ...]) -> tuple[int, ...]:
        """Weekday names in order of preference → numbers with Monday as 0."""
        names = self.strings(name, ())
        if not names:
            if self.has(name) and isinstance(self.data[name], list):
                self.bad(name, "names no day", 'List at least one day, like ["tue", "wed"].')
            return default
        days = [weekday_number(n) for n in names]
        bad = [n for n, d in zip(names, days, strict=True) if d is None]
        if bad:
            hint = did_you_mean(bad[0].lower(), [w[:3] for w in WEEKDAYS] + list(WEEKDAYS))
            self.bad(name, f"names an unknown day {toml_repr(bad[0])}",
                     f'Use "mon" … "sun" or the full English names.{hint}')
            return default
        if len(set(days)) != len(days):
            self.bad(name, "names a day twice", "List each day once, the preferred first.")
            return default
        return tuple(d for d in days if d is not None)

    def holiday_country(self, name: str) -> str | None:
        value = self.optional_string(name)
        if value is None:
            return None
        code = value.upper()
        supported = _supported_countries()
        if code not in supported:
            hint = did_you_mean(code, [c for c in supported if len(c) == 2])
            self.bad(name, "is not a country the holidays calendar knows",
                     f'Use an ISO 3166 two-letter code such as "FR".{hint}')
            return None
        return code

    def holiday_subdivision(self, name: str, country: str | None) -> str | None:
        value = self.optional_string(name)
        if value is None:
            return None
        if country is None:
            if not self.data.get("holiday_country"):  # else the country itself was reported
                self.bad(name, "is set without a holiday_country", "Set holiday_country too.")
            return None
        known = _supported_countries()[country]
        canonical = {k.upper(): k for k in known}
        if value.upper() not in canonical:
            listed = ", ".join(known[:12]) + (" …" if len(known) > 12 else "")
            self.bad(name, f"is not a subdivision of {country}",
                     f"Use one of: {listed or '(this country has none; remove the line)'}.")
            return None
        return canonical[value.upper()]


_KIND_WORDS: dict[Any, str] = {
    bool: "true or false",
    str: "a string",
    int: "a whole number",
}


def weekday_number(name: str) -> int | None:
    """Monday = 0 for "mon"/"monday" in any case; None for anything else."""
    word = name.strip().lower()
    for number, full in enumerate(WEEKDAYS):
        if word in (full, full[:3]):
            return number
    return None


def is_zone(name: str) -> bool:
    """True when ``zoneinfo`` knows ``name`` as an IANA time zone."""
    if not name or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@cache
def zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _supported_countries() -> dict[str, list[str]]:
    """The holidays library's countries and their subdivisions, imported only when a
    configuration names a country (the library takes ~30 ms to import)."""
    import holidays

    return dict(holidays.list_supported_countries())
