"""Benchmark of the daemon over whole weeks: CPU, memory and mailbox calls.

A folder mailbox holds the open invoices of a freelancer or a small agency: several invoices per
client (four by default), due dates spread over eight weeks, so that some are not yet due, some
have a follow-up drafted and some are sent during the run. Behind them, when ``--open`` is under
1, lies the history of a daemon that has run for a year: the closed invoices (paid, with their
follow-ups and the client's messages) are already in the store, as relance left them, and no
longer in the mailbox's recent changes.

After the first cycle has read the mailbox, the daemon's loop (``Runner.step``, what the sync
alarm wakes) runs every five simulated minutes for ``--days`` days from a Monday: send slots come
(Tuesday to Thursday mornings, a ``slot`` wake-up sends what is due), and through the working
hours replies, out-of-office answers and bounces arrive for some open invoices. Printed: the
first cycle's CPU per invoice, the CPU per hour of the whole run and of the syncs that found
nothing, of the quiet hours (no slot came, no answer arrived: what the clock alone brings,
drafts of stages coming within the lead included) and of the idle hours (quiet, and relance
had nothing to do: the cost of waiting), the full cycles' CPU, peak resident memory, mailbox
calls per hour,
and the load average (the machine's other work inflates CPU time a little; figures taken under
a load above the cores are flagged). Targets (issue 14): under 1 s CPU per idle hour, under
150 MB resident at 50,000 invoices. Nothing is asserted.

Run from the checkout:  .venv/bin/python -m bench.bench_idle --invoices 5000 [--open 0.1]
                        [--days 7] [--every 5] [--per-client 4]
"""

from __future__ import annotations

import argparse
import email
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from relance.daemon.core.model import DueSource, Event, EventKind, Invoice, Money, SendWindow
from relance.daemon.cycle.config import default_config
from relance.daemon.cycle.engine import Engine
from relance.daemon.cycle.runner import Runner, RunSettings
from relance.daemon.cycle.store import FollowUpState, Store
from relance.gmail.folder.mailbox import FolderMailbox
from tests import mails
from tests.clock import Clock

MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)
HISTORY_DAYS = 365


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


def client_of(n: int, per_client: int) -> str:
    return f"accounts@client{n // per_client:05d}.test"


def seed_open(root: Path, count: int, per_client: int) -> list[Path]:
    """``count`` English invoices, ``per_client`` to each client, issued over the 80 days before
    MONDAY (due 30 days later); return their files, for the answers to come (the messages are
    not kept: the process's peak memory is the daemon's, not the seeding's)."""
    sent_box = root / "sent"
    found = []
    for n in range(count):
        sent = MONDAY - timedelta(days=20 + (n * 60) // max(count, 1), hours=n % 9)
        due = (sent + timedelta(days=30)).date().isoformat()
        msg = mails.invoice(f"INV-2026-{n + 1:05d}", f"EUR {100 + n % 900},00", due, sent,
                            to=client_of(n, per_client))
        found.append(mails.file_into(sent_box, f"inv-{n:05d}", msg))
    return found


def seed_history(store: Store, count: int, per_client: int) -> None:
    """A year of closed invoices as relance leaves them: the invoice, its messages (the
    invoice, a follow-up, the client's answer) and its events, ending in ``marked_paid``."""
    with store.transaction():
        for n in range(count):
            sent = MONDAY - timedelta(days=90 + (n * HISTORY_DAYS) // max(count, 1))
            key = f"<old-{n}@atelier-martin.example>"
            client = f"accounts@old{n // per_client:05d}.test"
            invoice = Invoice(
                number=f"INV-2025-{n + 1:05d}", amount=Money(Decimal(100 + n % 900), "EUR"),
                issue_date=sent.date(), due_date=(sent + timedelta(days=30)).date(),
                due_source=DueSource.EXPLICIT, sender=mails.ME, recipients=(client,),
                message_id=key, subject=f"Invoice INV-2025-{n + 1:05d}", language="en")
            store.add_invoice(invoice, mail_ref=f"sent/old-{n}.eml", sent_at=sent)
            answer = sent + timedelta(days=36)
            for mid, folder, kind, sender, when in (
                    (key, "sent", "invoice", mails.ME, sent),
                    (f"<fu-{n}@atelier-martin.example>", "sent", "followup", mails.ME,
                     sent + timedelta(days=34)),
                    (f"<re-{n}@old.test>", "inbox", "reply", client, answer)):
                store.record_message(message_id=mid, folder=folder, mail_ref="", thread_id=None,
                                     invoice_key=key, kind=kind, sender=sender,
                                     subject=invoice.subject, sent_at=when, refs=[key])
            for kind, at, stage in ((EventKind.SENT, sent, ""),
                                    (EventKind.FOLLOWUP_SENT, sent + timedelta(days=34),
                                     "first_notice"),
                                    (EventKind.MARKED_PAID, answer, "")):
                store.add_event(key, Event(kind=kind, at=at, stage=stage or None))


def answer(msg: EmailMessage, n: int, when: datetime) -> EmailMessage:
    """What a client's side sends back, in turn: a question, an out-of-office, a bounce."""
    sender = str(msg["To"])
    if n % 3 == 0:
        return mails.reply(msg, "Could you send it again with our PO number on it?", when,
                           sender=sender, name=f"re{n}")
    if n % 3 == 1:
        away = mails.out_of_office(msg, "I am out of the office until next Monday.", when)
        del away["Message-ID"]
        away["Message-ID"] = f"<ooo{n}.{when:%Y%m%d%H%M}@client.test>"
        return away
    return mails.hard_bounce(msg, when)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


@dataclass
class Tally:
    """CPU seconds and counts of the run's steps, by what they did."""

    idle_cpu: float = 0.0
    idle_steps: int = 0
    full_cpu: float = 0.0
    full_steps: int = 0
    sends: int = 0
    arrived: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    hours: dict[int, list[float]] = field(default_factory=dict)  # hour: [CPU, eventful, acted]

    def quiet_hours(self) -> list[float]:
        """The CPU of each hour in which no slot came and no answer arrived: the syncs, the
        hourly re-plan, and the work the clock brings (the drafts of the stages that come
        within the draft lead, sends held back by the caps going out)."""
        return sorted(cpu for cpu, eventful, _acted in self.hours.values() if not eventful)

    def idle_hours(self) -> list[float]:
        """The CPU of each quiet hour in which relance had nothing to do either (no draft
        made, moved or withdrawn, nothing sent): what the daemon costs while it only waits."""
        return sorted(cpu for cpu, eventful, acted in self.hours.values()
                      if not eventful and not acted)

    def quiet_hour(self) -> float:
        """The mean of ``quiet_hours``."""
        quiet = self.quiet_hours()
        return sum(quiet) / max(len(quiet), 1)

    def quiet_median(self) -> float:
        quiet = self.quiet_hours()
        return quiet[len(quiet) // 2] if quiet else 0.0

    def idle_hour(self) -> tuple[float, float]:
        """The mean and the median of ``idle_hours``."""
        idle = self.idle_hours()
        return sum(idle) / max(len(idle), 1), idle[len(idle) // 2] if idle else 0.0


def run_week(runner: Runner, clock: Clock, root: Path, pending: list[Path],
             args: argparse.Namespace) -> Tally:
    """Step the daemon through ``args.days`` days; between 08:00 and 18:00 UTC a client's
    answer lands about every ``args.answer_every`` minutes."""
    tally = Tally()
    store = runner.engine.store
    end = MONDAY + timedelta(days=args.days)
    answered = 0
    while clock.now < end - timedelta(minutes=args.every):
        before = clock.now
        clock.now += timedelta(minutes=args.every)
        minute = clock.now.hour * 60 + clock.now.minute
        if 8 * 60 <= minute < 18 * 60 and minute % args.answer_every == 0 and pending:
            msg = email.message_from_bytes(pending.pop((answered * 7919) % len(pending))
                                           .read_bytes(), policy=policy.default)
            assert isinstance(msg, EmailMessage)
            mails.file_into(root / "inbox", f"answer-{answered:05d}",
                            answer(msg, answered, clock.now))
            answered += 1
            eventful = True
        else:
            eventful = False
        # the runner's alarm rings once at each drafted slot (Runner.reschedule)
        rang = any(slot <= clock.now for slot in store.drafted_slots_after(before))
        reason = "slot" if rang else "sync"
        started = time.process_time()
        outcome = runner.step(reason)
        spent = time.process_time() - started
        hour = tally.hours.setdefault(int((clock.now - MONDAY).total_seconds() // 3600),
                                      [0.0, 0, 0])
        hour[0] += spent
        hour[1] = hour[1] or eventful or rang
        if outcome.ran:
            tally.full_cpu += spent
            tally.full_steps += 1
            for action in outcome.report.actions if outcome.report else ():
                tally.actions[action.verb] += 1
                hour[2] = hour[2] or action.verb != "deferred"
        else:
            tally.idle_cpu += spent
            tally.idle_steps += 1
    tally.arrived = answered
    return tally


def load_note() -> str:
    one, five, fifteen = os.getloadavg()
    cores = os.cpu_count() or 1
    busy = "  (BUSY MACHINE: figures inflated)" if five > cores else ""
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {cores} cores{busy}"


def report(args: argparse.Namespace, opened: int, first_cpu: float, drafted: int,
           tally: Tally, calls: Counter[str]) -> None:
    hours = args.days * 24
    total = tally.idle_cpu + tally.full_cpu
    idle_hour = tally.idle_cpu / hours
    print(f"first cycle: {opened} open invoices read, {drafted} follow-ups drafted, "
          f"{first_cpu:.2f} s CPU, {first_cpu / max(opened, 1) * 1000:.2f} ms per invoice")
    print(f"{args.days} days: {tally.idle_steps} idle syncs ({tally.idle_cpu:.2f} s CPU), "
          f"{tally.full_steps} full cycles ({tally.full_cpu:.2f} s CPU), {tally.arrived} answers "
          "arrived; actions " + ", ".join(f"{v} {c}" for v, c in sorted(tally.actions.items())))
    print(f"CPU per hour:        {total / hours:.3f} s   (every step: syncs, hourly re-plans, "
          f"answers, sends; target < 1 s)   {'OK' if total / hours < 1 else 'OVER'}")
    print(f"  of which idle:     {idle_hour:.3f} s   (the syncs that found nothing)")
    quiet, median = tally.quiet_hour(), tally.quiet_median()
    print(f"CPU per quiet hour:  {quiet:.3f} s mean, {median:.3f} s median of "
          f"{len(tally.quiet_hours())}   (an hour with no slot and no answer: syncs and the "
          f"hourly re-plan; target < 1 s)   {'OK' if quiet < 1 else 'OVER'}")
    idle_mean, idle_median = tally.idle_hour()
    print(f"CPU per idle hour:   {idle_mean:.3f} s mean, {idle_median:.3f} s median of "
          f"{len(tally.idle_hours())}   (a quiet hour in which relance had nothing to do: the "
          "syncs and the hourly re-plan alone)")
    print(f"CPU per full cycle:  {tally.full_cpu / max(tally.full_steps, 1):.3f} s")
    print(f"peak resident:       {rss_mb():.0f} MB   (target < 150 MB)   "
          f"{'OK' if rss_mb() < 150 else 'OVER'}")
    hourly = {name: count / hours for name, count in sorted(calls.items())}
    print("mailbox calls per hour: " + ", ".join(f"{n} {c:.3g}" for n, c in hourly.items())
          + f" (total {sum(hourly.values()):.3g})")
    print(load_note())
    if args.json:
        print("JSON " + json.dumps({
            "invoices": args.invoices, "open": opened, "hour": total / hours, "quiet": quiet,
            "median": median, "idle_hour": idle_mean, "idle_median": idle_median,
            "idle": idle_hour, "first_per_invoice": first_cpu / max(opened, 1),
            "rss": rss_mb(), "load": os.getloadavg()[1]}))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--invoices", type=int, default=500, help="all invoices, open or not")
    parser.add_argument("--open", type=float, default=None,
                        help="the share still open (default 1, and 0.1 from 20,000 invoices)")
    parser.add_argument("--per-client", type=int, default=4, help="invoices per client")
    parser.add_argument("--days", type=int, default=7, help="days simulated from a Monday")
    parser.add_argument("--every", type=int, default=5, help="minutes between two syncs")
    parser.add_argument("--answer-every", type=int, default=30,
                        help="minutes between two answers in working hours")
    parser.add_argument("--sizes", default="",
                        help="run each size (invoices[:open share]) in a process of its own "
                        "and compare them, e.g. 500,5000,50000:0.1 or year (12000:0.1 "
                        "against 1200)")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.open is None:
        args.open = 0.1 if args.invoices >= 20000 else 1.0
    return args


def compare(args: argparse.Namespace) -> None:
    """Run each size of ``args.sizes`` in a fresh process (so that each peak memory is its
    own) and print them side by side, with each one's ratio to the first."""
    spec = "12000:0.1,1200" if args.sizes == "year" else args.sizes
    rows = []
    for item in spec.split(","):
        count, _, share = item.partition(":")
        command = [sys.executable, "-m", "bench.bench_idle", "--invoices", count, "--json",
                   "--days", str(args.days), "--every", str(args.every),
                   "--per-client", str(args.per_client), "--answer-every",
                   str(args.answer_every)] + (["--open", share] if share else [])
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        print(out.rstrip())
        rows.append(json.loads(out.split("JSON ", 1)[1]))
    year = args.sizes == "year"
    base, last = (rows[1], rows[0]) if year else (rows[0], rows[-1])
    print("\ninvoices  open   CPU/hour  quiet hour mean / median (x baseline)   "
          "idle hour mean / median (x baseline)   first cycle/invoice  peak RSS  load")

    def two(row: dict[str, float], mean: str, median: str) -> str:
        return (f"{row[mean]:6.3f} / {row[median]:6.3f} ({row[mean] / max(base[mean], 1e-9):4.2f}x"
                f" / {row[median] / max(base[median], 1e-9):4.2f}x)")

    for row in rows:
        print(f"{row['invoices']:>8} {row['open']:>5}  {row['hour']:8.3f}  "
              f"{two(row, 'quiet', 'median')}  {two(row, 'idle_hour', 'idle_median')}  "
              f"{row['first_per_invoice'] * 1000:14.2f} ms  {row['rss']:6.0f} MB  "
              f"{row['load']:.2f}")
    what = ("the year store against one started today with the same open invoices" if year
            else f"{last['invoices']} invoices against {base['invoices']}")
    print(f"{what}: quiet hour {last['quiet'] / max(base['quiet'], 1e-9):.2f}x, idle hour "
          f"{last['idle_hour'] / max(base['idle_hour'], 1e-9):.2f}x (targets: under 2x from "
          "500 to 50,000; 1x for the year store)")


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    if args.sizes:
        compare(args)
        return
    opened = round(args.invoices * args.open)
    print(f"{args.invoices} invoices, {opened} open, {args.per_client} per client, "
          f"{args.days} days from {MONDAY:%a %d %b %Y}, a sync every {args.every} min; "
          + load_note())
    with tempfile.TemporaryDirectory(prefix="relance-bench-idle-") as tmp:
        root = Path(tmp)
        pending = seed_open(root / "mailbox", opened, args.per_client)
        config = default_config({"HOME": tmp})
        config = replace(config, store_path=root / "relance.sqlite3", timezone="Europe/Paris",
                         account=replace(config.account, address=mails.ME),
                         window=SendWindow(holiday_country="FR"))
        clock = Clock(MONDAY)
        mailbox = Counting(FolderMailbox(root / "mailbox", mails.ME))
        logging.getLogger("relance.bench").addHandler(logging.NullHandler())
        with Store.open(config.store_path) as store:
            seed_history(store, args.invoices - opened, args.per_client)
            engine = Engine(config=config, store=store, mailbox=mailbox,  # type: ignore[arg-type]
                            clock=clock)
            runner = Runner(engine, reopen=lambda: mailbox,  # type: ignore[arg-type,return-value]
                            settings=RunSettings(sync_every=timedelta(minutes=args.every)),
                            log=logging.getLogger("relance.bench"))
            started = time.process_time()
            runner.step("start")
            first_cpu = time.process_time() - started
            drafted = len(store.followups(FollowUpState.DRAFTED))
            mailbox.calls.clear()
            tally = run_week(runner, clock, root / "mailbox", pending, args)
    report(args, opened, first_cpu, drafted, tally, mailbox.calls)


if __name__ == "__main__":
    main()
