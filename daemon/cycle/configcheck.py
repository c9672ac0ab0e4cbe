"""The checking half of the configuration loader: where each key sits in the file, and typed
readers that collect every problem instead of stopping at the first one.

``tomllib`` gives values but no positions, so :class:`LineLocator` scans the text once for table
headers (``[a.b]``, ``[[clients]]``) and ``key =`` lines and maps key paths such as
``cadence.urgent_after`` or ``clients[2].language`` to line numbers. Elements of an array of
tables are counted from 1, as a person reading the file would count them.

Nothing here reads files; ``relance.daemon.config`` does that and builds the dataclasses.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays

T = TypeVar("T")

NO_LINE = 0  # the key is nowhere in the file (a required setting that was left out)

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


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """' Did you mean "x"?' for the closest candidate, or an empty string when none is close."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f' Did you mean "{close[0]}"?' if close else ""


# ---------------------------------------------------------------------------------------------
# Where keys are


_BARE_OR_QUOTED = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED = rf"{_BARE_OR_QUOTED}(?:\s*\.\s*{_BARE_OR_QUOTED})*"
_ARRAY_HEADER = re.compile(rf"^\s*\[\[\s*({_DOTTED})\s*\]\]\s*(?:#.*)?$")
_TABLE_HEADER = re.compile(rf"^\s*\[\s*({_DOTTED})\s*\]\s*(?:#.*)?$")
_KEY_LINE = re.compile(rf"^\s*({_DOTTED})\s*=")
_PART = re.compile(_BARE_OR_QUOTED)


def _parts(dotted: str) -> list[str]:
    """The parts of a dotted TOML key, quotes removed (``a."b.c"`` is two parts)."""
    return [p.strip("\"'") for p in _PART.findall(dotted)]


class LineLocator:
    """Key path → line number (1-based) for one TOML text.

    It follows the TOML layout well enough for error messages: headers, dotted keys, arrays of
    tables, multi-line strings and arrays are understood; keys inside inline tables are not
    located separately and fall back to the line of the table that holds them.
    """

    def __init__(self, text: str) -> None:
        self._lines: dict[str, int] = {}
        self._arrays: dict[str, int] = {}  # array-of-tables path → elements seen so far
        self._scan(text)

    def line_of(self, path: str) -> int:
        """The line of ``path``, else of its closest enclosing table, else ``NO_LINE``."""
        while path:
            if path in self._lines:
                return self._lines[path]
            indexed = re.fullmatch(r"(.+)\[\d+\]", path)  # clients[2] → clients
            path = indexed.group(1) if indexed else path.rpartition(".")[0]
        return NO_LINE

    def _indexed(self, parts: list[str]) -> str:
        """The path of header parts, with the current element index of every array passed."""
        path = ""
        plain = ""
        for part in parts:
            plain = f"{plain}.{part}" if plain else part
            path = f"{path}.{part}" if path else part
            if plain in self._arrays:
                path += f"[{self._arrays[plain]}]"
        return path

    def _scan(self, text: str) -> None:
        table = ""
        state = _ScanState()
        for number, line in enumerate(text.splitlines(), start=1):
            if state.busy:
                state.feed(line)
                continue
            if match := _ARRAY_HEADER.match(line):
                parts = _parts(match.group(1))
                plain = ".".join(parts)
                self._arrays[plain] = self._arrays.get(plain, 0) + 1
                table = self._indexed(parts)
                self._lines.setdefault(table, number)
                self._lines.setdefault(plain, number)
            elif match := _TABLE_HEADER.match(line):
                table = self._indexed(_parts(match.group(1)))
                self._lines.setdefault(table, number)
            elif match := _KEY_LINE.match(line):
                key = ".".join(_parts(match.group(1)))
                self._lines.setdefault(f"{table}.{key}" if table else key, number)
                state.feed(line[match.end() :])


class _ScanState:
    """Whether the scan is inside a multi-line string or a multi-line array or inline table,
    where lines that look like ``key =`` are values, not keys."""

    def __init__(self) -> None:
        self.depth = 0
        self.open_string = ""  # '"""' or "'''" while inside a multi-line string

    @property
    def busy(self) -> bool:
        return self.depth > 0 or bool(self.open_string)

    def feed(self, text: str) -> None:
        i = 0
        while i < len(text):
            if self.open_string:
                end = text.find(self.open_string, i)
                if end < 0:
                    return
                i = end + 3
                self.open_string = ""
                continue
            char = text[i]
            if text.startswith(('"""', "'''"), i):
                self.open_string = text[i : i + 3]
                i += 3
            elif char in "\"'":
                i = _end_of_string(text, i)
            elif char == "#":
                return
            else:
                self.depth += (char in "[{") - (char in "]}")
                i += 1


def _end_of_string(text: str, start: int) -> int:
    """The index just after the one-line string that opens at ``start``."""
    quote = text[start]
    i = start + 1
    while i < len(text):
        if quote == '"' and text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i + 1
        i += 1
    return i


def syntax_error_line(message: str) -> int:
    """The line named by a ``tomllib.TOMLDecodeError`` message ("... (at line 3, column 5)")."""
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else NO_LINE


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

    def _typed(self, name: str, default: T, kind: type, fix: str) -> T:
        value = self.data.get(name, default)
        if name in self.data and (not isinstance(value, kind) or
                                  (isinstance(value, bool) and kind is int)):
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
        if not isinstance(self.data.get(name), str):
            return self.string(name, default)  # absent, or reported as not a string
        value = self.data[name]
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
        if not isinstance(self.data.get(name), str):
            return self.string(name, default)  # absent, or reported as not a string
        value = self.data[name]
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
        bad = [n for n, d in zip(names, days) if d is None]
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
        supported = holidays.list_supported_countries()
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
        known = holidays.list_supported_countries()[country]
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
