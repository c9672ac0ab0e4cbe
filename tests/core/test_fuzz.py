"""The seeded mutation fuzz of issue 10, in CI: a few thousand hostile variants of the messages in
tests/data (tests/core/mutants.py), each read as received and as sent through the entry points
the cycle calls (daemon/core/reading.py). No exception may escape them, none may be swallowed
by their last-resort guard (a reader that raises is a bug even when the guard holds), and no
message may take longer than ``BOUND``.

``BOUND`` is a safety bound, not a speed claim: the slowest mutant reads in about half of it on
this machine (``python -m bench.bench_reading`` prints the figures). Another run of mutants:
``RELANCE_FUZZ_SEED=7 RELANCE_FUZZ_COUNT=20000 pytest tests/core/test_fuzz.py``; a failure
names the seed and index that rebuild its mutant (``mutants.mutant``).
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

from relance.daemon.core.model import (
    AutoReply,
    Bounce,
    Invoice,
    NotAnInvoice,
    Other,
    PaymentNotice,
    Reply,
    Unreadable,
)
from relance.daemon.core.reading import read_received, read_sent
from tests.core.mutants import corpus, mutant

SEED = int(os.environ.get("RELANCE_FUZZ_SEED", "20260303"))
COUNT = int(os.environ.get("RELANCE_FUZZ_COUNT", "3200"))
BOUND = 2.0  # seconds of CPU per read: wall time would also count what else the machine runs
RECEIVED = (Bounce, AutoReply, PaymentNotice, Reply, Other, Unreadable)
SENT = (Invoice, NotAnInvoice, Unreadable)
# Reasons that mean a reader raised and only the guard held.
RAISED = ("reading it raised", "reading took longer")


def _problem(label: str, read: str, found: object, took: float, kinds: tuple[type, ...]) -> str:
    if took > BOUND:
        return f"{label}: {read} took {took:.2f} s of CPU"
    if not isinstance(found, kinds):
        return f"{label}: {read} returned {found!r}"
    if isinstance(found, Unreadable) and found.reason.startswith(RAISED):
        return f"{label}: {read} gave {found.reason}"
    return ""


def fuzz(indices: range) -> tuple[list[str], Counter[str]]:
    """Read the mutants ``indices`` of run ``SEED``; return the problems and the answers."""
    logging.disable(logging.CRITICAL)  # flufl.bounce and pypdf speak of what they trip on
    seeds = [raw for _name, raw in corpus()]
    problems: list[str] = []
    outcomes: Counter[str] = Counter()
    for index in indices:
        label, raw = mutant(seeds, SEED, index)
        for read, kinds in ((read_received, RECEIVED), (read_sent, SENT)):
            start = time.process_time()
            try:
                found: object = read(raw)
            except BaseException as exc:  # noqa: B036 -- what escapes is exactly the question
                problems.append(f"{label}: {read.__name__} raised {exc!r}")
                continue
            problem = _problem(label, read.__name__, found, time.process_time() - start, kinds)
            if problem:
                problems.append(problem)
            outcomes[type(found).__name__] += 1
    return problems, outcomes


def test_no_mutant_raises_or_stalls_the_entry_points():
    workers = min(2, os.cpu_count() or 1)  # the mutants are independent: one range per core
    ranges = [range(n, COUNT, workers) for n in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(fuzz, ranges))
    problems = [p for found, _outcomes in results for p in found]
    outcomes = sum((o for _problems, o in results), Counter[str]())
    assert not problems, f"{len(problems)} problems, the first ones:\n" + "\n".join(problems[:20])
    assert sum(outcomes.values()) == 2 * COUNT >= 6_000
    # The mutants reach every kind of answer, refusals included, so the caps are exercised.
    assert {"Unreadable", "Bounce", "Reply", "Invoice", "NotAnInvoice"} <= set(outcomes)
