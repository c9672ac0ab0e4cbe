"""Absences: an out-of-office belongs to a person, not only to the thread it answered.

An auto-responder answers a sender once in a few days: Sieve's vacation action keeps a list of
whom it answered and answers each again only after ``:days`` (7 by default, RFC 5230 §4.1 and
§4.2), and Exchange's automatic replies answer each sender once while they are on. So a second
invoice, or a follow-up, to a person who is away brings no second out-of-office: silence is not
a return, and the return date an out-of-office gave is remembered for the person. And many
responders write a new message, with their own subject and no In-Reply-To, rather than a reply
in the thread: such an out-of-office still postpones the invoices sent to its writer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime

from ..core.model import AutoReply, Event, EventKind, Invoice
from .store import Store

AUTO_REPLY_KIND = "auto_reply"  # the kind observe records for an out-of-office

AddEvent = Callable[[str, Event], None]


def away_for_all(store: Store, away: AutoReply, sender: str, when: datetime, mid: str,
                 add: AddEvent) -> str | None:
    """An out-of-office from ``sender`` that belongs to no invoice's thread postpones every
    invoice sent to them (To or Cc) on or before the day it came. Returns the invoice to
    file the message under when there is exactly one, else None."""
    keys = [inv.key for inv in store.invoices()
            if sender in inv.all_recipients and inv.issue_date <= when.date()]
    for key in keys:
        add(key, Event(EventKind.AUTO_REPLY, when, until=away.until, message_id=mid))
    return keys[0] if len(keys) == 1 else None


def remembered_absence(store: Store, invoice: Invoice, when: datetime, add: AddEvent) -> None:
    """A new invoice sent at ``when`` to someone whose last dated out-of-office says they are
    away past that day waits for their return, as if the out-of-office had answered it."""
    for address in invoice.recipients:
        for row in store.messages_of_kind(AUTO_REPLY_KIND, sender=address):
            until = json.loads(row["summary"] or "{}").get("until")
            if isinstance(until, str) and until >= when.date().isoformat():
                add(invoice.key, Event(EventKind.AUTO_REPLY, when,
                                       until=date.fromisoformat(until),
                                       message_id=row["message_id"]))
                return
