"""The crash-injection harness: a freelancer's mailbox walked through weeks of simulated time by
`relance run --once`, with some runs started as real subprocesses and killed with SIGKILL in the
middle of a sync or a send, then restarted.

A backend is the mailbox and the clients' side: here the folder mailbox, whose ``outbox/`` is
what the clients received (the harness moves each arrival into ``delivered/`` under a fresh name,
so a follow-up delivered twice shows up as two files although the mailbox writes both under the
same name); ``imap_backend.py`` has Dovecot with an SMTP server that delivers over LMTP;
``gmail_backend.py`` the Gmail-compatible server. A backend may name a local Gmail server
(``gmail_endpoint``) and be told each moment the walk reaches (``at(now)``), for servers that
keep the walk's time.

The daemon runs at the walk's moment through ``RELANCE_NOW``, as a user would run it; a killed
run is ``python -m tests.crash.launch`` (``launch.py``), which registers the faulty mailbox in
the product's wiring before it calls the command.

A walk is fully determined by its seed; a reference walk of the same seed without crashes says
which follow-ups were due, and the crashed walk must deliver exactly those, once each.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path

from relance.daemon.cli.env import Environment
from relance.daemon.cli.main import main
from relance.daemon.cycle.store import Store
from tests import mails
from tests.crash import launch

ROOT = Path(__file__).resolve().parents[2]  # the child runs `python -m tests.crash.launch` here

START = datetime(2026, 2, 2, 9, tzinfo=timezone.utc)
END = datetime(2026, 3, 27, 9, tzinfo=timezone.utc)
STEP = timedelta(days=2)

# Where a run may be made to die: before or after the n-th call of a mailbox method. A cycle
# that sends calls sync twice (the last look before sending), find_sent before send_draft.
CRASH_POINTS = (
    "before:send_draft", "after:send_draft", "before:find_sent", "after:find_sent",
    "after:get_draft", "before:create_draft", "after:create_draft", "after:delete_draft",
    "before:sync", "after:sync", "after:sync:2",
)


@dataclass(frozen=True)
class Arrival:
    """A message that lands in the inbox at ``at`` (a reply, a bounce)."""

    at: datetime
    name: str
    message: EmailMessage
    invoice_key: str
    closes: bool  # after it, nothing may go to that invoice


class FolderBackend:
    """The folder mailbox: ``outbox/`` is what the clients received."""

    name = "folder"

    def __init__(self, root: Path) -> None:
        self.mailbox = root / "mailbox"
        (self.mailbox / "outbox").mkdir(parents=True)
        (root / "delivered").mkdir()
        self.root = root
        self.address = mails.ME
        self.taken = 0

    def account_config(self) -> str:
        return f'[account]\nprovider = "sample"\naddress = "{self.address}"\n\n'

    def client(self, name: str) -> str:
        return f"accounts@{name}.test"

    def file_sent(self, name: str, message: EmailMessage) -> None:
        mails.file_into(self.mailbox / "sent", name, message)

    def file_inbox(self, name: str, message: EmailMessage) -> None:
        mails.file_into(self.mailbox / "inbox", name, message)

    def take_deliveries(self) -> list[bytes]:
        """What reached the clients since the last call; each file moved to delivered/ under a
        fresh name, so that a second delivery of the same message is a second file."""
        found = []
        for path in sorted((self.mailbox / "outbox").glob("*.eml")):
            found.append(path.read_bytes())
            self.taken += 1
            path.replace(self.root / "delivered" / f"{self.taken:05d}-{path.name}")
        return found

    def leftover_drafts(self) -> int:
        return len(list((self.mailbox / "drafts").glob("*.eml")))


@dataclass
class World:
    root: Path
    config: Path
    store: Path
    backend: FolderBackend
    arrivals: list[Arrival]
    paid: list[tuple[str, str, datetime]]  # (number, key, when the user marks it paid)
    closed_at: dict[str, datetime] = field(default_factory=dict)  # invoice key → moment


@dataclass
class Delivery:
    message_id: str
    invoice_key: str
    stage: str
    step: datetime


@dataclass
class WalkLog:
    deliveries: list[Delivery] = field(default_factory=list)
    runs: int = 0
    subprocess_runs: int = 0
    kills: int = 0
    kill_points: Counter[str] = field(default_factory=Counter)
    leftover_drafts: int = 0  # drafts in the mailbox at the end (orphans would add up here)
    # follow-ups a kill from outside left in "sending": it may have died inside send_draft
    killed_sending: set[str] = field(default_factory=set)
    lost: int = 0  # of those, the ones the clients never received


def make_world(root: Path, seed: int, backend: FolderBackend | None = None) -> World:
    """Six invoices to six clients, with due dates, a reply, a bounce and a payment drawn from
    ``seed``; two invoices are left to the whole cadence."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    backend = backend or FolderBackend(root)
    store = root / "relance.sqlite3"
    config = root / "config.toml"
    config.write_text(
        backend.account_config() +
        '[locale]\nlanguage = "en"\ntimezone = "Europe/Paris"\nholiday_country = "FR"\n\n'
        f'[store]\npath = "{store}"\n\n[mode]\nsend_mode = "send"\n', encoding="utf-8")
    names = ["northwind", "harbour", "quarry", "lumen", "orchard", "tallis"]
    invoices = []
    for index, name in enumerate(names):
        sent = START - timedelta(days=rng.randint(20, 34), hours=rng.randint(0, 9))
        due = (sent + timedelta(days=30)).date()
        inv = mails.invoice(f"INV-2026-{40 + index:03d}", f"EUR {rng.randint(4, 90)}0.00",
                            due.isoformat(), sent, to=backend.client(name))
        inv.replace_header("From", f"Claire Martin <{backend.address}>")
        backend.file_sent(f"invoice-{index}", inv)
        invoices.append((inv, sent, due))
    arrivals = []
    replied, bounced = invoices[0], invoices[1]
    when = datetime.combine(replied[2], datetime.min.time(), timezone.utc) + timedelta(
        days=rng.randint(1, 16), hours=rng.randint(0, 23))
    answer = mails.reply(replied[0], "We are checking this with our accountant and will "
                         "come back to you.", when, sender=str(replied[0]["To"]))
    arrivals.append(Arrival(when, "reply", answer, str(replied[0]["Message-ID"]), True))
    when = bounced[1] + timedelta(hours=1)
    arrivals.append(Arrival(when, "bounce", mails.hard_bounce(bounced[0], when),
                            str(bounced[0]["Message-ID"]), True))
    for arrival in arrivals:
        arrival.message.replace_header("To", backend.address)
    paid = invoices[2]
    paid_when = datetime.combine(paid[2], datetime.min.time(), timezone.utc) + timedelta(
        days=rng.randint(2, 20))
    paid_when = max(paid_when, START + timedelta(days=1))  # once relance knows the invoice
    return World(root, config, store, backend, arrivals,
                 [(str(paid[0]["Subject"]).split()[1], str(paid[0]["Message-ID"]), paid_when)])


def _environ(world: World, now: datetime) -> dict[str, str]:
    """The daemon's whole environment: no proxy variables, nothing of the test's own."""
    passed = {k: os.environ[k] for k in ("PATH", "PYTHONPATH") if k in os.environ}
    return {"HOME": str(world.root), "RELANCE_NOW": now.isoformat(), **passed}


def _gmail_endpoint(world: World) -> str | None:
    return getattr(world.backend, "gmail_endpoint", None)


def _in_process(world: World, now: datetime, *argv: str) -> int:
    env = Environment(environ=_environ(world, now), clock=lambda: now)
    with launch.faults(gmail_endpoint=_gmail_endpoint(world)):
        return main(["--config", str(world.config), *argv], env)


def _subprocess(world: World, now: datetime, rng: random.Random, log: WalkLog) -> bool:
    """One `relance run --once` in a child process that dies on the way: at a chosen mailbox
    call, or killed from outside a random moment after it started. True if it was killed."""
    environ = {**_environ(world, now), "PYTHONUNBUFFERED": "1"}
    faults = []
    point = ""
    if rng.random() < 0.75:
        point = rng.choice(CRASH_POINTS)
        faults += ["--crash-at", point]
    if endpoint := _gmail_endpoint(world):
        faults += ["--gmail-endpoint", endpoint]
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.crash.launch", *faults, "--", "--config",
         str(world.config), "run", "--once"], cwd=ROOT, env=environ,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    if not point:
        child.stderr.readline()  # "relance started on ...": the cycle begins now
        time.sleep(rng.uniform(0, 0.08))
        child.send_signal(signal.SIGKILL)
        point = "external"
    _, err = child.communicate(timeout=60)
    log.subprocess_runs += 1
    if child.returncode == -signal.SIGKILL:
        log.kills += 1
        log.kill_points[point] += 1
        if point == "external":  # only a kill from outside can land inside send_draft
            with Store.open(world.store) as store:
                log.killed_sending |= {r.message_id for r in store.followups("sending")}
        return True
    assert child.returncode == 0, f"relance run --once exited {child.returncode}: " + \
        err.decode(errors="replace")[-2000:]
    return False


def _drain(world: World, now: datetime, log: WalkLog) -> None:
    """Record what reached the clients since the last look, one entry per delivery."""
    parser = BytesHeaderParser(policy=policy.default)
    for raw in world.backend.take_deliveries():
        headers = parser.parsebytes(raw)
        refs = str(headers.get("References", "")).split()
        log.deliveries.append(Delivery(str(headers["Message-ID"]).strip(),
                                       refs[0] if refs else "",
                                       str(headers.get("X-Relance-Stage", "")), now))


def _next_step(world: World, now: datetime) -> datetime:
    with Store.open(world.store) as store:
        slots = [r.slot for r in store.followups("drafted") if r.slot > now]
    return min([now + STEP, *[s + timedelta(seconds=30) for s in slots]])


def walk(world: World, *, seed: int, crash_rate: float) -> WalkLog:
    """Walk the world from START to END. At each step a run is, with ``crash_rate`` (higher at
    a slot), a subprocess that dies, followed by restarts until one run completes."""
    rng = random.Random(seed * 7919 + 1)
    log = WalkLog()
    now = START
    at_slot = False
    while now < END:
        follow_time = getattr(world.backend, "at", None)
        if follow_time is not None:
            follow_time(now)
        for arrival in world.arrivals:
            if arrival.at <= now and arrival.invoice_key not in world.closed_at:
                world.backend.file_inbox(arrival.name, arrival.message)
                if arrival.closes:
                    world.closed_at[arrival.invoice_key] = now
        for number, key, when in world.paid:
            if when <= now and key not in world.closed_at:
                assert _in_process(world, now, "paid", number) == 0
                world.closed_at[key] = now
        rate = min(1.0, crash_rate * 3) if at_slot else crash_rate
        for _attempt in range(3):
            if not (rng.random() < rate and _subprocess(world, now, rng, log)):
                break
            _drain(world, now, log)
        assert _in_process(world, now, "run", "--once") == 0
        log.runs += 1
        _drain(world, now, log)
        following = _next_step(world, now)
        at_slot = following != now + STEP
        now = following
    return log


@dataclass(frozen=True)
class Verdict:
    duplicates: dict[str, int]
    missing: set[str]  # due, never delivered, and no kill inside its send explains it
    lost_in_send: set[str]  # due, never delivered: the process was killed while sending it
    unexpected: set[str]
    after_closing: list[Delivery]
    stuck_sending: list[str]
    integrity: str


def judge(world: World, log: WalkLog, expected: set[str]) -> Verdict:
    """Compare what the clients received with the reference walk, and look at the store."""
    counts = Counter(d.message_id for d in log.deliveries)
    after = [d for d in log.deliveries
             if d.invoice_key in world.closed_at and d.step >= world.closed_at[d.invoice_key]]
    with Store.open(world.store) as store:
        stuck = [r.message_id for r in store.followups("sending")]
    db = sqlite3.connect(world.store)
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    missing = expected - set(counts)
    return Verdict({m: n for m, n in counts.items() if n > 1}, missing - log.killed_sending,
                   missing & log.killed_sending, set(counts) - expected, after, stuck,
                   integrity)


def summary(logs: list[WalkLog]) -> str:
    points: Counter[str] = Counter()
    for log in logs:
        points.update(log.kill_points)
    return json.dumps({
        "walks": len(logs), "runs": sum(w.runs for w in logs),
        "subprocess_runs": sum(w.subprocess_runs for w in logs),
        "kills": sum(w.kills for w in logs),
        "deliveries": sum(len(w.deliveries) for w in logs),
        "drafts_left": sum(w.leftover_drafts for w in logs),
        "killed_while_sending": sum(len(w.killed_sending) for w in logs),
        "lost_in_send": sum(w.lost for w in logs), "kills_by_point": dict(points)})
