"""Benchmark of an idle daemon: CPU, memory and mailbox calls over one simulated day.

A folder mailbox holds 500 open invoices to 500 clients (due dates spread over eight weeks, so
that some are not yet due and others have a follow-up drafted for next week). After the first
cycle has read them all, the daemon's loop (``Runner.step``, exactly what the sync alarm wakes)
runs every five simulated minutes through a Saturday — a day with no send slot, nothing new in
the mailbox: the daemon only looks. Figures are printed against the targets (under 1 s of CPU
per idle hour, under 150 MB resident); nothing is asserted.

Run from the checkout:  .venv/bin/python bench/bench_idle.py [--invoices 500] [--every 5]
"""

from __future__ import annotations

import argparse
import logging
import resource
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from relance.daemon.core.model import SendWindow
from relance.daemon.cycle.config import default_config
from relance.daemon.cycle.engine import Engine
from relance.daemon.cycle.runner import Runner, RunSettings
from relance.daemon.cycle.store import Store
from relance.gmail.folder.mailbox import FolderMailbox
from tests import mails
from tests.clock import Clock

SATURDAY = datetime(2026, 3, 14, 0, 0, tzinfo=timezone.utc)


class Counting:
    """A mailbox that counts the calls made to the one it wraps."""

    def __init__(self, inner: FolderMailbox) -> None:
        self._inner = inner
        self.address = inner.address
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target):
            return target

        def call(*args: object, **kwargs: object) -> object:
            self.calls[name] += 1
            return target(*args, **kwargs)
        return call


def seed(root: Path, count: int) -> None:
    """``count`` English invoices to as many clients, issued over the 80 days before SATURDAY."""
    for n in range(count):
        sent = SATURDAY - timedelta(days=20 + (n * 60) // count, hours=n % 9)
        due = (sent + timedelta(days=30)).date().isoformat()
        mails.file_into(root / "sent", f"inv-{n:04d}", mails.invoice(
            f"INV-2026-{n + 1:04d}", f"EUR {100 + n},00", due, sent,
            to=f"accounts@client{n:04d}.test"))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=500)
    parser.add_argument("--every", type=int, default=5, help="minutes between two syncs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="relance-bench-idle-") as tmp:
        root = Path(tmp)
        seed(root / "mailbox", args.invoices)
        config = default_config({"HOME": tmp})
        config = replace(config, store_path=root / "relance.sqlite3", timezone="Europe/Paris",
                         account=replace(config.account, address=mails.ME),
                         window=SendWindow(holiday_country="FR"))
        clock = Clock(SATURDAY)
        mailbox = Counting(FolderMailbox(root / "mailbox", mails.ME))
        logging.getLogger("relance.bench").addHandler(logging.NullHandler())
        with Store.open(config.store_path) as store:
            engine = Engine(config=config, store=store, mailbox=mailbox,  # type: ignore[arg-type]
                            clock=clock)
            runner = Runner(engine, reopen=lambda: mailbox,  # type: ignore[arg-type,return-value]
                            settings=RunSettings(sync_every=timedelta(minutes=args.every)),
                            log=logging.getLogger("relance.bench"))
            started = time.process_time()
            first = runner.step("start")
            first_cpu = time.process_time() - started
            assert first.report is not None
            drafted = len(store.followups("drafted"))
            print(f"first cycle: {len(first.report.observed.invoices)} invoices read, "
                  f"{drafted} follow-ups drafted for later, {first_cpu:.2f} s CPU, "
                  f"{rss_mb():.0f} MB resident")
            mailbox.calls.clear()
            steps, actions = 0, 0
            started = time.process_time()
            while clock.now < SATURDAY + timedelta(days=1) - timedelta(minutes=args.every):
                clock.now += timedelta(minutes=args.every)
                outcome = runner.step("sync")
                actions += len(outcome.report.actions) if outcome.report else 0
                steps += 1
            cpu = time.process_time() - started
    per_hour = cpu / 24
    print(f"idle day: {steps} syncs, {actions} actions, {cpu:.2f} s CPU in all")
    print(f"CPU per idle hour:   {per_hour:.3f} s   (target < 1 s)   "
          f"{'OK' if per_hour < 1 else 'OVER'}")
    print(f"peak resident:       {rss_mb():.0f} MB   (target < 150 MB)   "
          f"{'OK' if rss_mb() < 150 else 'OVER'}")
    hourly = {name: count / 24 for name, count in sorted(mailbox.calls.items())}
    print("mailbox calls per idle hour: " + ", ".join(f"{n} {c:g}" for n, c in hourly.items())
          + f" (total {sum(hourly.values()):g})")


if __name__ == "__main__":
    main()
