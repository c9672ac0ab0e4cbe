"""Where each key of a TOML text sits, for error messages that name the line.

``tomllib`` gives values but no positions, so :class:`LineLocator` scans the text once for table
headers (``[a.b]``, ``[[clients]]``) and ``key =`` lines and maps key paths such as
``cadence.urgent_after`` or ``clients[2].language`` to line numbers. Elements of an array of
tables are counted from 1, as a person reading the file would count them.
"""

from __future__ import annotations

import re

NO_LINE = 0  # the key is nowhere in the file (a required setting that was left out)


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
