"""The store's rows read back as the core's values: an invoice, an event."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from decimal import Decimal

from ..core.model import Attachment, DueSource, Event, EventKind, Intent, Invoice, Money


def invoice_from_row(row: sqlite3.Row) -> Invoice:
    """The ``Invoice`` of a row of ``invoices``."""
    amount = Money(Decimal(row["amount"]), row["currency"]) if row["amount"] else None
    attachment = Attachment(**json.loads(row["attachment"])) if row["attachment"] else None
    return Invoice(
        number=row["number"], amount=amount,
        issue_date=date.fromisoformat(row["issue_date"]),
        due_date=date.fromisoformat(row["due_date"]),
        due_source=DueSource(row["due_source"]), sender=row["sender"],
        recipients=tuple(json.loads(row["recipients"])), message_id=row["key"],
        subject=row["subject"], language=row["language"], cc=tuple(json.loads(row["cc"])),
        sender_name=row["sender_name"], attachment=attachment, thread_id=row["thread_id"],
    )


def event_from_row(row: sqlite3.Row) -> Event:
    """The ``Event`` of a row of ``events``."""
    return Event(
        kind=EventKind(row["kind"]), at=datetime.fromisoformat(row["at"]),
        until=date.fromisoformat(row["until"]) if row["until"] else None,
        intent=Intent(row["intent"]) if row["intent"] else None,
        stage=row["stage"] or None, message_id=row["message_id"] or None,
        detail=row["detail"],
    )
