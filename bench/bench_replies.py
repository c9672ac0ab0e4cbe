"""Benchmark of reading what comes back: out-of-office replies and clients' replies.

Per corpus (tests/data/autoreplies/corpus/ and tests/data/replies/corpus/, each with its
expectations.toml), it prints as ratios:

- auto-replies: recognised (classified as the table's kind), return date right (``until``, the
  first day back, or None when no date is given);
- replies: intent right (paid, promise, dispute, question, other), promised date right (on the
  promises);

for three readers measured in the same run: the baseline (the readers of commit
``BASELINE``, the code before this work, read with ``git show`` into a temporary package), the
readers of this checkout, and this checkout's rules with their date finder swapped for
dateparser's ``search_dates`` (when dateparser is installed), which is how the date library was
weighed against the hand-written rules. Nothing is asserted; tests/core/test_autoreply.py and
tests/core/test_intent.py assert every row of the tables.

Run from the checkout:  .venv/bin/python -m bench.bench_replies [--misses]
"""

from __future__ import annotations

import argparse
import importlib
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from bench.baseline import core_module
from relance.daemon.core import autoreply, intent
from relance.daemon.core.dates import FoundDate
from relance.daemon.core.message import parse

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
BASELINE = "f75f229"  # main when this work began
LATER = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)  # after every message of the corpora


def table(folder: str) -> list[dict[str, Any]]:
    with open(DATA / folder / "corpus" / "expectations.toml", "rb") as handle:
        rows: list[dict[str, Any]] = tomllib.load(handle)["message"]
    return rows


def kind_of(result: object) -> str:
    return {"AutoReply": "auto_reply", "Reply": "reply", "Bounce": "bounce",
            "PaymentNotice": "payment"}.get(type(result).__name__, "other")


def measure(classify: Callable[..., object], show: bool) -> dict[str, tuple[int, int]]:
    """Return, per measure, (right, out of)."""
    counts = {"auto-reply recognised": [0, 0], "return date right": [0, 0],
              "intent right": [0, 0], "promised date right": [0, 0]}

    def count(measure_name: str, ok: bool, what: str) -> None:
        counts[measure_name][1] += 1
        counts[measure_name][0] += ok
        if show and not ok:
            print(f"  miss [{measure_name}] {what}")

    for row in table("autoreplies"):
        msg = parse((DATA / "autoreplies" / "corpus" / row["file"]).read_bytes())
        result = classify(msg, now=LATER)
        kind = kind_of(result)
        count("auto-reply recognised", kind == row["kind"], f"{row['file']}: {kind}")
        if row["kind"] == "auto_reply":
            until = getattr(result, "until", "not an auto-reply")
            count("return date right", until == row.get("until"),
                  f"{row['file']}: {until} (expected {row.get('until')})")
    for row in table("replies"):
        msg = parse((DATA / "replies" / "corpus" / row["file"]).read_bytes())
        result = classify(msg, now=LATER)
        got = str(getattr(result, "intent", kind_of(result)))
        count("intent right", got == row["intent"], f"{row['file']}: {got}")
        if row["intent"] == "promise":
            promised = getattr(result, "promised_date", None)
            count("promised date right", got == "promise" and promised == row.get("promised"),
                  f"{row['file']}: {promised} (expected {row.get('promised')})")
    return {name: (right, total) for name, (right, total) in counts.items()}


def dateparser_finder() -> Callable[..., list[FoundDate]] | None:
    """Return a stand-in for ``dates.find_dates`` built on dateparser's ``search_dates``, or
    None when dateparser is not installed."""
    try:
        search_dates = importlib.import_module("dateparser.search").search_dates
    except ImportError:
        return None
    languages = ["en", "fr", "ro", "de", "es", "it", "nl", "pt"]

    def find(text: str, reference: date, *, short_forms: bool = False) -> list[FoundDate]:
        settings = {"RELATIVE_BASE": datetime(reference.year, reference.month, reference.day),
                    "PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY"}
        found = search_dates(text, languages=languages, settings=settings) or []
        out: list[FoundDate] = []
        position = 0
        for substring, moment in found:
            start = text.find(substring, position)
            if start < 0:
                continue
            position = start + len(substring)
            exact = any(ch.isdigit() for ch in substring)
            out.append(FoundDate(moment.date(), start, position, exact))
        return out

    return find


@contextmanager
def finder(find: Callable[..., list[FoundDate]]) -> Iterator[None]:
    """Let the readers find dates with ``find`` while the block runs."""
    name = "find_dates"  # the name both readers import from relance.daemon.core.dates
    saved = [(module, getattr(module, name)) for module in (autoreply, intent)]
    for module, _ in saved:
        setattr(module, name, find)
    try:
        yield
    finally:
        for module, original in saved:
            setattr(module, name, original)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list what each reader got wrong")
    args = parser.parse_args()
    from relance.daemon.core.classify import classify

    figures: dict[str, dict[str, tuple[int, int]]] = {}
    with tempfile.TemporaryDirectory(prefix="relance-bench-") as tmp:
        old = core_module(BASELINE, "classify", Path(tmp))
        if args.misses:
            print(f"baseline ({BASELINE}):")
        figures[f"baseline {BASELINE}"] = measure(old.classify, args.misses)
    if args.misses:
        print("this checkout:")
    figures["this checkout (rules)"] = measure(classify, args.misses)
    find = dateparser_finder()
    if find is not None:
        if args.misses:
            print("rules with dateparser's dates:")
        with finder(find):
            figures["rules, dates by dateparser"] = measure(classify, args.misses)
    names = list(next(iter(figures.values())))
    width = max(len(n) for n in names)
    print(f"{'':{width}}  " + "  ".join(f"{reader:>28}" for reader in figures))
    for name in names:
        cells = []
        for reader in figures.values():
            right, total = reader[name]
            cells.append(f"{right:>4}/{total:<4} {100 * right / max(total, 1):6.1f}%".rjust(28))
        print(f"{name:{width}}  " + "  ".join(cells))


if __name__ == "__main__":
    main()
