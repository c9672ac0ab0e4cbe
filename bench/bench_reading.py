"""Benchmark of bounded reading (daemon/core/reading.py): the time to read one message, as
received and as sent, over the test corpus (every .eml of tests/data) and over hostile mutants
of it (tests/core/mutants.py, full sizes: megabyte headers and parts, 1,000-deep nesting), and
the peak memory on the largest message of each. Every figure stands next to a baseline measured
in the same run on the same bytes: the standard library's ``email.message_from_bytes`` with
the default policy (the parse relance did before), stopped after ``--stop`` seconds, for it
does not end on some mutants. Also: how many header parses reading a message takes, the
readers on that stdlib parse against relance's bounded parse.

Figures are printed; nothing is asserted (tests/core/test_fuzz.py asserts the bounds).

Run from the checkout:  .venv/bin/python -m bench.bench_reading [--mutants 1000] [--seed 1]
"""

from __future__ import annotations

import argparse
import email
import email.headerregistry
import email.policy
import logging
import re
import signal
import statistics
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from relance.daemon.core import message as mail
from relance.daemon.core.classify import classify
from relance.daemon.core.extract import extract_invoice
from relance.daemon.core.model import Unreadable
from relance.daemon.core.reading import read_received, read_sent
from tests.core.mutants import FULL, corpus, mutants


class Stopped(BaseException):
    """The baseline ran past its time (a BaseException: the readers catch Exception)."""


@contextmanager
def stopped_after(seconds: float) -> Iterator[None]:
    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise Stopped

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def stdlib_parse(raw: bytes) -> object:
    return email.message_from_bytes(raw, policy=email.policy.default)


def timed(read: Callable[[bytes], object], raw: bytes, stop: float | None) -> float:
    """Seconds ``read(raw)`` took; ``stop`` when stopped there (or when it raised, which the
    standard library does on deep nesting: a reading that did not end)."""
    start = time.perf_counter()
    if stop is None:
        read(raw)
        return time.perf_counter() - start
    try:
        with stopped_after(stop):
            read(raw)
    except (Stopped, RecursionError):
        return stop
    return time.perf_counter() - start


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return (f"{statistics.median(ordered) * 1000:9.2f} ms {p99 * 1000:9.2f} ms "
            f"{ordered[-1] * 1000:9.2f} ms")


def peak_mib(read: Callable[[bytes], object], raw: bytes, stop: float) -> str:
    tracemalloc.start()
    try:
        with stopped_after(stop):
            read(raw)
    except (Stopped, RecursionError):
        pass
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return f"{peak / 2**20:8.1f} MiB"


def header_parses(read: Callable[[], object]) -> int:
    """The header parses (header factory calls) ``read()`` makes."""
    count = 0
    factory = email.headerregistry.HeaderRegistry.__call__

    def counting(self: email.headerregistry.HeaderRegistry, name: str, value: str) -> object:
        nonlocal count
        count += 1
        return factory(self, name, value)

    email.headerregistry.HeaderRegistry.__call__ = counting  # type: ignore[method-assign]
    try:
        read()
    finally:
        email.headerregistry.HeaderRegistry.__call__ = factory  # type: ignore[method-assign]
    return count


def both(raw: bytes) -> None:
    read_received(raw)
    read_sent(raw)


def readers_on_stdlib(raw: bytes) -> None:
    """What reading was before bounded parsing: the readers on the stdlib parse."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    classify(msg)
    extract_invoice(msg)


def readers_on_relance(raw: bytes) -> None:
    msg = mail.parse(raw)
    classify(msg)
    extract_invoice(msg)


def report(title: str, raws: list[bytes], stop: float) -> None:
    print(f"\n{title}: {len(raws):,} messages, {sum(map(len, raws)):,} bytes")
    print(f"{'per message':48} {'p50':>12} {'p99':>12} {'max':>12}")
    rows: list[tuple[str, Callable[[bytes], object], float | None]] = [
        ("baseline: stdlib parse", stdlib_parse, stop),
        ("baseline: readers on the stdlib parse, both", readers_on_stdlib, stop),
        ("relance read_received", read_received, None),
        ("relance read_sent", read_sent, None),
    ]
    for name, read, limit in rows:
        print(f"{name:48} {percentiles([timed(read, raw, limit) for raw in raws])}")
    print(f"(a baseline is stopped at {stop:g} s, or when it raises RecursionError)")
    largest = max(raws, key=len)
    print(f"peak memory on the largest ({len(largest):,} bytes): stdlib parse "
          f"{peak_mib(stdlib_parse, largest, stop)}, relance both reads "
          f"{peak_mib(both, largest, stop)}")
    refused = Counter(re.sub(r"\d[\d,]*", "N", found.reason) for raw in raws
                      if isinstance(found := read_received(raw), Unreadable))
    print(f"unreadable as received: {sum(refused.values()):,}"
          + "".join(f"\n  {n:5,}  {reason}" for reason, n in refused.most_common(8)))


def parses_per_message(raws: list[bytes]) -> None:
    before = [header_parses(lambda r=raw: readers_on_stdlib(r)) for raw in raws]
    after = [header_parses(lambda r=raw: readers_on_relance(r)) for raw in raws]
    print(f"\nheader parses to read a message of the corpus as received and as sent, mean (max):"
          f"\n  readers on the stdlib parse (baseline) {statistics.mean(before):6.1f} "
          f"({max(before)})\n  readers on relance's parse             "
          f"{statistics.mean(after):6.1f} ({max(after)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stop", type=float, default=2.0,
                        help="seconds after which a baseline parse is stopped")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # flufl.bounce and pypdf speak of what they trip on
    seeds = [raw for _name, raw in corpus()]
    for raw in seeds:  # imports done (pypdf takes 80 ms) and caches warm, for both sides
        readers_on_stdlib(raw)
        both(raw)
    report("corpus (tests/data)", seeds, args.stop)
    hostile = [raw for _label, raw in mutants(seeds, args.mutants, args.seed, FULL)]
    report(f"mutants (seed {args.seed}, full sizes)", hostile, args.stop)
    parses_per_message(seeds)


if __name__ == "__main__":
    main()
