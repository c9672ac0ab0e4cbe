"""Triage from headers alone: which messages relance needs the whole of.

A mailbox plugin fetches a few header fields of every new message first and the body only of
those this says yes to, so that the cost of a first sync follows the mail that matters, not the
size of the Inbox (newsletters, new conversations with friends, notifications).

Every message in Sent is read (any may be an invoice). A received message is read when it may
be one of the four things relance acts on:
- an answer in a thread: it names a parent (``In-Reply-To`` / ``References``, RFC 5322
  §3.6.4) — human replies and most auto-replies;
- a delivery report: ``multipart/report`` (RFC 6522), a null or daemon sender, or a bounce
  subject;
- an automatic answer: ``Auto-Submitted`` other than ``no`` (RFC 3834 §5), ``X-Autoreply``,
  ``X-Autorespond``, ``Precedence: auto_reply``, or a responder's subject;
- a payment notice or a client writing afresh about money: a payment processor's address, or
  invoice and payment words in the subject.
When in doubt it reads: a missed reply costs an awkward reminder, a read body a few bytes.
"""

from __future__ import annotations

import re
from email.message import Message

from .autoreply import responder_subject
from .bounce import bounce_subject, from_mail_daemon, is_report
from .mailbox import Folder
from .message import addresses, header
from .payment import UNKNOWN_PROVIDER, provider_of
from .text import fold

# Subjects that speak of invoices or money, folded (lower-case, no diacritics).
_MONEY_SUBJECT = re.compile(
    r"invoice|inv\b|payment|paid|remittance|transfer|receipt|"
    r"factur|paiement|regl|virement|avis de credit|"
    r"plata|platit|achitat|transfer|incasare|"
    r"rechnung|zahlung|uberweisung|gutschrift|"
    r"pago|transferencia|abono"
)

# Words in a sender that may be a mail daemon or a payment processor; only then are the
# addresses parsed (the precise tests live in bounce.py and payment.py).
_MACHINE_HINT = re.compile(
    r"daemon|postmaster|bounce|exchange|stripe|paypal|wise|gocardless|sumup|revolut|mollie|square"
)


def worth_reading(folder: Folder, headers: Message) -> bool:
    """Return whether the whole message must be fetched, judging from its headers only.

    Runs for every new message of a first sync (tens of thousands), so the cheap tests come
    first and addresses are only parsed for the few messages that could be a daemon's."""
    if folder is not Folder.INBOX:
        return True
    if header(headers, "In-Reply-To") or header(headers, "References"):
        return True
    if is_report(headers):
        return True
    if header(headers, "Auto-Submitted").strip().lower() not in ("", "no"):
        return True
    if header(headers, "X-Autoreply") or header(headers, "X-Autorespond"):
        return True
    if header(headers, "Precedence").strip().lower() in ("auto_reply", "auto-reply"):
        return True
    subject = header(headers, "Subject")
    if bounce_subject(subject) or responder_subject(subject):
        return True
    if _MONEY_SUBJECT.search(fold(subject)):
        return True
    origin = (header(headers, "From") + " " + header(headers, "Return-Path")).lower()
    if not origin.strip() or "<>" in origin:
        return True  # a null reverse path: what RFC 5321 §4.5.5 asks bounces to use
    if _MACHINE_HINT.search(origin):
        senders = addresses(headers, "From", "Return-Path")
        if any(from_mail_daemon(address) for address in senders):
            return True
        return provider_of(headers) != UNKNOWN_PROVIDER
    return False
