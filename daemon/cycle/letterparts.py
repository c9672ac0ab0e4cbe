"""What a follow-up says beyond its stage, gathered from the store and the mailbox: the law's
late-payment interest (for business clients, when the user turned it on), the invoice e-mail's
own greeting and To display name (so the follow-up greets the client as the user did), the
files of every invoice a statement speaks for, the day the invoice was paid (a thank-you
praises promptness only when the payment was on time), and the pay-now or portal link the
invoice e-mail carried (``core.paylink``), offered again.

The engine passes these to ``core.compose.Letter``; reading the mailbox is the only IO here,
and a message that cannot be read only costs its part (no greeting, no file), never the
follow-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from email.message import EmailMessage
from typing import TypedDict

from ..core import message as mail
from ..core.compose import AttachmentFile
from ..core.interest import Law
from ..core.mailbox import Mailbox, MailRef
from ..core.model import EventKind, Invoice
from ..core.paylink import pay_link
from .config import Config
from .configfees import law_for
from .store import Store

PAID_KINDS = (EventKind.MARKED_PAID, EventKind.PAYMENT)


class LetterParts(TypedDict):
    """The ``Letter`` fields this module fills in."""

    law: Law | None
    invoice_text: str
    to_name: str
    attachments: tuple[AttachmentFile, ...]
    paid_on: date | None
    pay_link: str


def invoice_mail(store: Store, box: Mailbox | None, invoice: Invoice) -> EmailMessage | None:
    """Return the invoice e-mail as it was sent, or None when there is no mailbox or the
    message cannot be read now."""
    ref = store.invoice_mail_ref(invoice.key)
    if box is None or not ref:
        return None
    try:
        return mail.parse(box.fetch(MailRef.decode(ref)))
    # Any mailbox failure only costs the greeting or the file; the cycle handles the rest.
    except Exception:
        return None


def invoice_file(found: EmailMessage | None, invoice: Invoice) -> AttachmentFile | None:
    """Return the invoice's own file (name, type, bytes) from its e-mail, or None."""
    if found is None or invoice.attachment is None:
        return None
    for part, payload in mail.attachments(found):
        if part.filename == invoice.attachment.filename:
            return part.filename, part.content_type, payload
    return None


def paid_on(store: Store, invoice: Invoice) -> date | None:
    """Return the day the invoice was paid: the date the user gave to ``relance paid``, else
    the day the payment was recorded; None when it is not known to be paid."""
    events = [e for e in store.events_of(invoice.key) if e.kind in PAID_KINDS]
    if not events:
        return None
    last = events[-1]
    return last.until or last.at.date()


def letter_parts(config: Config, store: Store, box: Mailbox | None, invoice: Invoice,
                 covered: Sequence[Invoice]) -> LetterParts:
    """Return the ``Letter`` fields this module provides, by name: ``law``,
    ``invoice_text``, ``to_name``, ``attachments`` (the covered invoices' files, when
    attaching is on) and ``paid_on``."""
    client = config.client_for(invoice.client)
    found = invoice_mail(store, box, invoice)
    files: tuple[AttachmentFile, ...] = ()
    if config.followups.attach_original:
        files = tuple(f for i in covered
                      if (f := invoice_file(invoice_mail(store, box, i), i)) is not None)
    return {  # a LetterParts
        "law": law_for(config.statutory, client.statutory, client.business),
        "invoice_text": mail.text_body(found) if found is not None else "",
        "to_name": mail.display_names(found, "To").get(invoice.client, "") if found else "",
        "attachments": files,
        "paid_on": paid_on(store, invoice),
        "pay_link": pay_link(found) if found is not None else "",
    }
