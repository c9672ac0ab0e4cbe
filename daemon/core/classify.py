"""What a received message is to relance, checked in a fixed order: a bounce, an automatic
reply, a payment notice, a person's reply, or something else.

The order matters and is deliberate. A bounce often carries ``Auto-Submitted: auto-replied``
(RFC 3464 §5 asks MTAs to mark DSNs as automatic), so bounces are checked before auto-replies.
An out-of-office may quote the word "paid" from the invoice it answers, so auto-replies are
checked before anything that reads words. A processor's notice is automatic too but is no
auto-reply (RFC 3834 §5.1 "auto-generated"), so it comes next. Only then is a message read as a
person's words; mail that is still machine-made (lists, bulk, no-reply senders, reports) is
``Other``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage

from .autoreply import bulk_evidence, detect_auto_reply
from .bounce import detect_bounce, is_report
from .intent import read_intent
from .message import header, sender, sent_at
from .model import AutoReply, Bounce, Classification, Money, Other, PaymentNotice
from .parsing import UNREADABLE, unreadable
from .payment import UNKNOWN_PROVIDER, detect_payment, provider_of

# Local parts that no person reads or writes from.
_NO_REPLY = re.compile(r"^(no-?reply|do-?not-?reply|donotreply|notifications?|newsletter|"
                       r"mailer|info-noreply)[^@]*@", re.IGNORECASE)


def classify(msg: EmailMessage, *, now: datetime | None = None,
             open_invoices: Sequence[tuple[str, Money | None]] = (),
             authserv_ids: Collection[str] = (),
             trusted_senders: Collection[str] = ()) -> Classification:
    """Return what a received message is: ``Bounce``, ``AutoReply``, ``PaymentNotice``,
    ``Reply`` or ``Other(reason)``. Never raises: a message that cannot be read at all is
    ``Other("unreadable: ...")``.

    ``open_invoices`` are the user's open (invoice number, amount) pairs, which let a payment
    notice be recognised; ``authserv_ids`` and ``trusted_senders`` say whose word vouches for
    a notice's sender (``payment.detect_payment``). Relative dates ("back Monday", "I'll pay
    on Friday") are read from the day the message was written (its Date header), or from
    ``now`` when the Date is missing or lies in the future of ``now``. A message past the
    caps of ``parsing`` is ``Other("unreadable: ...")`` too (``reading.read_received`` returns
    both as ``Unreadable``)."""
    refused = unreadable(msg)
    if refused is None:
        try:
            found = _classify(msg, _reference(msg, now), open_invoices,
                              _Vouching(tuple(authserv_ids), tuple(trusted_senders)))
        except Exception as exc:
            return Other(f"{UNREADABLE}{type(exc).__name__}: {exc}"[:200])
        refused = unreadable(msg)  # a header cut to its cap while reading
        if refused is None:
            return found
    return Other(UNREADABLE + refused.reason)


@dataclass(frozen=True)
class _Vouching:
    authserv_ids: tuple[str, ...] = ()
    trusted_senders: tuple[str, ...] = ()


def _classify(msg: EmailMessage, reference: date | None,
              open_invoices: Sequence[tuple[str, Money | None]],
              vouching: _Vouching = _Vouching()) -> Classification:
    if not list(msg.keys()):
        return Other("no headers")
    bounce = detect_bounce(msg)
    if isinstance(bounce, Bounce):
        return bounce
    if is_report(msg):
        # RFC 6522 reports that are no failure: delivered/relayed DSNs, read receipts
        # (RFC 8098). They often carry Auto-Submitted but answer nobody.
        return Other("a report without a delivery failure (delivered, relayed or a read receipt)")
    auto = detect_auto_reply(msg, reference)
    if isinstance(auto, AutoReply):
        return auto
    payment = detect_payment(msg, open_invoices, authserv_ids=vouching.authserv_ids,
                             trusted_senders=vouching.trusted_senders)
    if isinstance(payment, PaymentNotice):
        return payment
    machine = _machine_reason(msg)
    if machine:
        return Other(machine)
    return read_intent(msg, reference)


def _machine_reason(msg: EmailMessage) -> str:
    """Return why a message that is neither a bounce, an auto-reply nor a payment notice was
    still written by a machine, or "" when a person may have written it."""
    evidence = bulk_evidence(msg)
    if evidence:
        return "automatic or bulk mail: " + ", ".join(evidence)
    provider = provider_of(msg)
    if provider != UNKNOWN_PROVIDER:
        return f"a message from {provider} that is not a payment notice for an open invoice"
    address = sender(msg)
    if not address:
        return "no sender"
    if _NO_REPLY.match(address):
        return f"sent from a no-reply address ({address})"
    return ""


def _reference(msg: EmailMessage, now: datetime | None) -> date | None:
    """Return the day relative dates are counted from: the Date header's day in the writer's
    own zone, unless it is missing or more than a day after ``now`` (a sender's clock that is
    wrong), in which case ``now``'s day."""
    try:
        written = sent_at(msg) if header(msg, "Date") else None
    except Exception:
        written = None
    if written is not None and (now is None or _aware(now) + timedelta(days=1) >= written):
        return written.date()
    return now.date() if now is not None else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
