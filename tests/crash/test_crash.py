"""Exactly once under SIGKILL: the crash harness on a folder mailbox (always available).

The default run walks one mailbox through eight weeks with a few kills; ``RELANCE_FULL=1`` walks
several mailboxes with a kill at most steps, well over 200 kills in all:

    RELANCE_FULL=1 .venv/bin/python -m pytest tests/crash -q -s

Each walk is compared with a walk of the same mailbox without crashes: the same follow-ups must
reach the clients, each exactly once; none after the client answered, the address bounced or the
user marked the invoice paid; no follow-up is left half-sent; the database passes SQLite's
integrity check.
"""

from __future__ import annotations

import os
from pathlib import Path

import harness
import pytest


def _expected(root: Path, seed: int) -> set[str]:
    world = harness.make_world(root / f"reference-{seed}", seed)
    log = harness.walk(world, seed=seed, crash_rate=0.0)
    assert log.deliveries, "the reference walk must send follow-ups, or it proves nothing"
    return {d.message_id for d in log.deliveries}


def _crashed_walk(root: Path, seed: int, rate: float) -> harness.WalkLog:
    expected = _expected(root, seed)
    world = harness.make_world(root / f"crashed-{seed}", seed)
    log = harness.walk(world, seed=seed, crash_rate=rate)
    verdict = harness.judge(world, log, expected)
    assert verdict.duplicates == {}, f"delivered more than once: {verdict.duplicates}"
    assert verdict.missing == set(), f"due but never delivered: {verdict.missing}"
    assert verdict.unexpected == set(), f"delivered but not due: {verdict.unexpected}"
    assert verdict.after_closing == [], "sent after a reply, a bounce or a payment"
    assert verdict.stuck_sending == []
    assert verdict.integrity == "ok"
    return log


def test_a_walk_with_kills_during_syncs_and_sends_delivers_each_followup_once(tmp_path):
    log = _crashed_walk(tmp_path, seed=11, rate=0.12)
    assert log.kills >= 3, harness.summary([log])
    print("\ncrash harness (folder mailbox):", harness.summary([log]))


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("RELANCE_FULL"), reason="the full crash run takes "
                    "minutes: RELANCE_FULL=1 pytest tests/crash")
def test_full_crash_run_over_200_kills(tmp_path):
    logs = []
    seed = 100
    while sum(log.kills for log in logs) < 200:
        logs.append(_crashed_walk(tmp_path, seed=seed, rate=0.3))
        seed += 1
    print("\ncrash harness, full run (folder mailbox):", harness.summary(logs))
