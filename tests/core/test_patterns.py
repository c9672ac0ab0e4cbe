r"""No regular expression of the core backtracks catastrophically: each one, searched over texts
that repeat one hostile unit (the runs of issue 10's fuzz: blanks, blank lines, "<a b", digits,
dots, address-like runs without "@", the core's own keywords), and over each word of its own
followed by a long run of blanks (where "\s*(x)?\s*" tried every split of the run: three of
them after "devis" took 26 s on 1,500 blanks), takes time linear in the text.

A pattern is tried as the core uses it: searched through the text, or, when the core only
ever calls its ``match``/``fullmatch``, matched at the start. It is flagged when eight times
the text takes more than 25 times as long (a linear one takes about 8 times, a quadratic one
64), and measured twice more before it fails, so that a busy machine is not mistaken for a
slow pattern. Patterns built inside functions are covered by tests/core/test_fuzz.py instead.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import time
from collections.abc import Callable

import pytest

import relance.daemon.core as core

UNITS = (
    " ", "\n", "\n\n", "\r\n", "\n \n", "-\n", "-", "a", "1", "a ", "a.", "1.", "1,", "a-", "a1",
    "a@", "@a.", "<", "<a b", "(", "\"", "5.1.", "12.12.", "1 000 ", "On a ", "n° ", "invoice 1 ",
    "du 1 au ", "back on 1 ", "é", "date:\n",
)
SMALL, LARGE = 1_000, 8_000
SOURCES = "\n".join(inspect.getsource(importlib.import_module(f"relance.daemon.core.{m.name}"))
                    for m in pkgutil.iter_modules(core.__path__))


def core_patterns() -> dict[str, re.Pattern[str]]:
    """Every compiled pattern held at module level in the core, by module and name."""
    found: dict[str, re.Pattern[str]] = {}
    for info in pkgutil.iter_modules(core.__path__):
        module = importlib.import_module(f"relance.daemon.core.{info.name}")
        for name, value in vars(module).items():
            items = value if isinstance(value, tuple | list) else (value,)
            for index, item in enumerate(items):
                item = item[0] if isinstance(item, tuple) and item else item
                if isinstance(item, re.Pattern) and isinstance(item.pattern, str):
                    found[f"{info.name}.{name}[{index}]"] = item
    return found


def use(name: str, pattern: re.Pattern[str]) -> Callable[[str], object]:
    """How the core applies the pattern: ``match`` when that is all it ever calls on it (by its
    name in the core's source), else every match of a search through the text."""
    variable = name.split(".", 1)[1].split("[", 1)[0]
    called = set(re.findall(rf"\b{re.escape(variable)}\.(\w+)\(", SOURCES))
    if called and called <= {"match", "fullmatch"}:
        return pattern.match
    return lambda text: list(pattern.finditer(text))


def seconds(apply: Callable[[str], object], unit: str, size: int, lead: str = "") -> float:
    text = lead + (unit * (size // len(unit) + 1))[:size]
    start = time.perf_counter()
    apply(text)
    return time.perf_counter() - start


def superlinear(apply: Callable[[str], object], unit: str, lead: str = "") -> bool:
    """Whether the text ``lead`` + a run of ``unit`` takes superlinear time. A pattern that is
    slow on the small text already (a cubic one) is not tried on the large one."""
    small = seconds(apply, unit, SMALL, lead)
    if small > 0.05:
        return True
    large = seconds(apply, unit, LARGE, lead)
    return large > 0.05 and large > 25 * max(small, 1e-4)


def words_of(pattern: re.Pattern[str]) -> list[str]:
    """The first words the pattern spells out, to lead a run of blanks with."""
    return list(dict.fromkeys(re.findall(r"[a-z]{3,}", pattern.pattern.lower())))[:12]


PATTERNS = core_patterns()


def test_the_core_has_patterns_to_check():
    assert len(PATTERNS) > 50


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_a_core_pattern_is_linear_on_hostile_runs(name):
    pattern = PATTERNS[name]
    apply = use(name, pattern)
    runs = [("", unit) for unit in UNITS]
    runs += [(word, blank) for word in words_of(pattern) for blank in (" ", "\n")]
    slow = [lead + unit for lead, unit in runs if superlinear(apply, unit, lead)
            and all(superlinear(apply, unit, lead) for _ in range(2))]
    assert not slow, f"{name} backtracks on runs after {slow!r}: {pattern.pattern[:120]!r}"
