"""Reading one message, sent or received, as the cycle must: bounded, and never raising.

The entry points for the cycle (and ``relance inspect``):

- ``read_received(source, now=..., open_invoices=..., ...)`` → ``Classification | Unreadable``
  — what a message in the Inbox is (``classify``);
- ``read_sent(source, default_terms_days=..., ...)`` → ``Invoice | NotAnInvoice | Unreadable``
  — the invoice a message in Sent carries (``extract_invoice``);
- ``guarded(read, source)`` → ``read(msg)`` or ``Unreadable``: the same guard around any
  reader of one message.

``source`` is the raw message (``bytes``) or a message ``message.parse`` returned; the cycle
parses first (its Message-ID, Date and Subject are readable even when the rest is not), then
reads. Either way the message is read within the caps of ``parsing`` and a time budget of
``READ_BUDGET_SECONDS`` (``budget``; from the call, parse included when given bytes). Anything
past a cap or the budget, and any exception while reading, gives ``Unreadable(reason)``: one
message can never stop a cycle, and the cycle records it once (it is not read again: the same
bytes would give the same answer), logs it, shows it and saves its cursor.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime
from email.message import EmailMessage
from typing import TypeVar

from .budget import Clock, OverBudget, spending
from .classify import classify
from .extract import extract_invoice
from .model import Classification, Invoice, Money, NotAnInvoice, Other, Unreadable
from .parsing import UNREADABLE, parse, unreadable

READ_BUDGET_SECONDS = 5.0  # per message; the slowest of the test corpus reads in about 0.1 s

T = TypeVar("T")


def guarded(read: Callable[[EmailMessage], T], source: bytes | EmailMessage, *,
            seconds: float = READ_BUDGET_SECONDS, clock: Clock = time.monotonic,
            ) -> T | Unreadable:
    """Return ``read(msg)`` for the message ``source`` is, or ``Unreadable(reason)`` when it
    is past a cap of ``parsing`` (before or while reading), when reading takes longer than
    ``seconds`` on ``clock``, or when ``read`` raises. Never raises an ``Exception``."""
    try:
        with spending(seconds, clock):
            msg = parse(bytes(source)) if isinstance(source, bytes | bytearray) else source
            refused = unreadable(msg)
            if refused is not None:
                return refused
            found = read(msg)
            return unreadable(msg) or found
    except OverBudget as over:
        return Unreadable(str(over))
    except Exception as exc:
        return Unreadable(f"reading it raised {type(exc).__name__}: {exc}"[:200])


def read_received(source: bytes | EmailMessage, *, now: datetime | None = None,
                  open_invoices: Sequence[tuple[str, Money | None]] = (),
                  authserv_ids: Collection[str] = (), trusted_senders: Collection[str] = (),
                  seconds: float = READ_BUDGET_SECONDS, clock: Clock = time.monotonic,
                  ) -> Classification | Unreadable:
    """Return what a received message is (``classify``, whose arguments these are), or
    ``Unreadable(reason)`` (see ``guarded``; ``classify``'s own ``Other("unreadable: ...")``
    comes back as ``Unreadable`` too)."""
    def read(msg: EmailMessage) -> Classification:
        return classify(msg, now=now, open_invoices=open_invoices, authserv_ids=authserv_ids,
                        trusted_senders=trusted_senders)

    found = guarded(read, source, seconds=seconds, clock=clock)
    if isinstance(found, Other) and found.reason.startswith(UNREADABLE):
        return Unreadable(found.reason.removeprefix(UNREADABLE))
    return found


def read_sent(source: bytes | EmailMessage, *, default_terms_days: int = 30,
              track_keyword: str = "[invoice]", forced: bool = False,
              languages: Sequence[str] = ("en", "fr", "ro", "de", "es"),
              fallback_date: date | None = None, default_currency: str | None = None,
              seconds: float = READ_BUDGET_SECONDS, clock: Clock = time.monotonic,
              ) -> Invoice | NotAnInvoice | Unreadable:
    """Return the invoice a sent message carries or why it carries none (``extract_invoice``,
    whose arguments these are), or ``Unreadable(reason)`` (see ``guarded``;
    ``extract_invoice``'s own ``NotAnInvoice("unreadable: ...")`` comes back as
    ``Unreadable`` too)."""
    def read(msg: EmailMessage) -> Invoice | NotAnInvoice:
        return extract_invoice(msg, default_terms_days=default_terms_days,
                               track_keyword=track_keyword, forced=forced,
                               languages=languages, fallback_date=fallback_date,
                               default_currency=default_currency)

    found = guarded(read, source, seconds=seconds, clock=clock)
    if isinstance(found, NotAnInvoice) and found.reason.startswith(UNREADABLE):
        return Unreadable(found.reason.removeprefix(UNREADABLE))
    return found
