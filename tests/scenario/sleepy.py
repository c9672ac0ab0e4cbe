"""Three weeks of a freelancer whose laptop sleeps from midnight to seven every night.

Twenty invoices to twelve clients, sent from the freelancer's own mail program before the
walk starts and due between late April and late May 2026, so that reminders, first notices,
urgent notices and statements fall due inside the three weeks — across two French public
holidays on Fridays (1 May, 8 May) and Ascension on Thursday 14 May, a preferred weekday. Two
clients answer: one while the laptop sleeps on the morning of a slot, one in the afternoon.

The same walk runs on any mailbox through a ``Backend``: the folder mailbox (the sample
provider's), a real Dovecot with a real SMTP server, or the Gmail-compatible test server.
Time is the test's ``Clock``: the laptop "sleeps" by not running any cycle between 00:00 and
07:00 Paris time; awake, it runs
the cycle every three hours and at each draft's slot, as the daemon's alarms would (a machine
that never sleeps, the reference, does the same around the clock).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from relance.daemon.core.model import EventKind
from relance.daemon.cycle.engine import Engine
from tests import mails
from tests.clock import Clock

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 4, 27, 7, 0, tzinfo=PARIS)  # a Monday morning
END = START + timedelta(days=21)
WAKE = time(7, 0)
STEP = timedelta(hours=3)
HOLIDAYS = {date(2026, 5, 1), date(2026, 5, 8), date(2026, 5, 14)}  # FR, inside the walk

# (number, client, due date): several invoices to some clients, so statements and the
# per-client cap come into play.
INVOICES = [
    (f"F-2026-{100 + n:03d}", client, due) for n, (client, due) in enumerate([
        (0, "2026-04-23"), (1, "2026-04-24"), (2, "2026-04-28"), (3, "2026-04-29"),
        (4, "2026-04-30"), (5, "2026-05-04"), (6, "2026-05-05"), (7, "2026-05-06"),
        (8, "2026-05-07"), (9, "2026-05-11"), (10, "2026-05-12"), (11, "2026-05-13"),
        (0, "2026-05-15"), (1, "2026-05-18"), (2, "2026-05-19"), (3, "2026-04-22"),
        (4, "2026-05-20"), (5, "2026-04-21"), (6, "2026-05-21"), (7, "2026-05-22"),
    ])
]
CLIENTS = 12

# (invoice index, arrival, text): a human reply in the invoice's thread.
REPLIES = [
    (6, datetime(2026, 5, 12, 3, 10, tzinfo=PARIS),  # a slot morning, while the laptop sleeps
     "Hello Claire, could you send it again with our purchase order number on it? Tom"),
    (9, datetime(2026, 5, 6, 15, 40, tzinfo=PARIS),
     "Hi, we dispute the second line: the extra revisions were never agreed. Tom"),
]


class Backend(Protocol):
    """A mailbox kind the walk runs on: where invoices and replies are filed, and what the
    clients received from relance."""

    me: str

    def client_address(self, n: int) -> str: ...
    def file_sent(self, message: EmailMessage) -> None: ...
    def deliver(self, message: EmailMessage) -> None: ...
    def received(self) -> list[EmailMessage]: ...


@dataclass(frozen=True)
class Sent:
    """One follow-up relance recorded as sent."""

    number: str
    stage: str
    at: datetime  # in Paris
    client: str
    message_id: str


@dataclass
class Walk:
    engine: Engine
    clock: Clock
    backend: Backend
    asleep: bool
    invoices: dict[str, EmailMessage] = field(default_factory=dict)  # number -> the invoice
    replied: dict[str, datetime] = field(default_factory=dict)  # number -> reply arrival
    pending: list[tuple[datetime, str, EmailMessage]] = field(default_factory=list)


def send_invoices(walk: Walk) -> None:
    """The freelancer's mail program sent the twenty invoices, 30 days before each was due."""
    for number, client, due in INVOICES:
        due_day = date.fromisoformat(due)
        sent = datetime.combine(due_day - timedelta(days=30), time(9, 30), tzinfo=PARIS)
        message = mails.invoice(number, "EUR 1,250.00", due, sent,
                                to=walk.backend.client_address(client), sender=walk.backend.me)
        walk.backend.file_sent(message)
        walk.invoices[number] = message
    for index, when, text in REPLIES:
        number, client, _ = INVOICES[index]
        answer = mails.reply(walk.invoices[number], text, when,
                             sender=walk.backend.client_address(client), name=f"re{index}")
        walk.pending.append((when, number, answer))


def _next_moment(walk: Walk) -> datetime:
    wakeup = walk.engine.next_wakeup()
    moment = min(walk.clock.now + STEP, END, *([wakeup] if wakeup else []))
    local = moment.astimezone(PARIS)
    if walk.asleep and local.time() < WAKE:
        moment = datetime.combine(local.date(), WAKE, tzinfo=PARIS)
    return max(moment, walk.clock.now + timedelta(minutes=1))


def run(walk: Walk) -> None:
    """Walk the three weeks: replies land when they arrive (the laptop asleep or not), and the
    cycle runs only while the machine is awake."""
    walk.clock.now = START
    follow = getattr(walk.backend, "at", None)  # a server whose clock follows the walk
    while walk.clock.now < END:
        if follow is not None:
            follow(walk.clock.now)
        for arrival, number, message in list(walk.pending):
            if arrival <= walk.clock.now:
                walk.backend.deliver(message)
                walk.replied[number] = arrival
                walk.pending.remove((arrival, number, message))
        walk.engine.cycle()
        walk.clock.now = _next_moment(walk)


def sent(walk: Walk) -> list[Sent]:
    """Every follow-up relance recorded as sent, oldest first (a statement once per invoice
    it covers, like the events)."""
    store = walk.engine.store
    numbers = {inv.key: inv for inv in store.invoices()}
    found = []
    for key, events in store.events().items():
        for event in events:
            if event.kind is EventKind.FOLLOWUP_SENT:
                invoice = numbers[key]
                found.append(Sent(invoice.number, event.stage or "", event.at.astimezone(PARIS),
                                  invoice.client, event.message_id or ""))
    return sorted(found, key=lambda s: (s.at, s.number))


def business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


def parse(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def eml_files(folder: Path) -> Iterator[EmailMessage]:
    for path in sorted(folder.glob("*.eml")):
        yield parse(path.read_bytes())


def config_text(account: str, *, store: Path, missed_until: str) -> str:
    """The user's configuration file: French holidays, Paris, the default cadence and window,
    sending at the slot; ``account`` is the [account] part."""
    return f"""{account}
[sender]
name = "Claire Martin"

[locale]
language = "en"
timezone = "Europe/Paris"
holiday_country = "FR"

[window]
missed_until = "{missed_until}"

[mode]
send_mode = "send"

[store]
path = "{store}"
"""
