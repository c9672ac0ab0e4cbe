"""Observe: turn what the mailbox returned into invoices and events in the store.

Sent messages are read first (they may be new invoices, or relance's own follow-ups coming back
from Sent), then received ones: each is classified (bounce, auto-reply, payment, human reply) and
attached to the invoice thread it belongs to. Every message is recorded once, by Message-ID, so
a resync that returns everything again changes nothing.

A payment notice whose sender the receiving server vouched for is a ``PAYMENT`` (it closes the
invoice); any other is a ``PAYMENT_CLAIMED``, worth no more than a client's "I've paid". A reply
from a colleague at the client's domain who was not on the invoice is the client's reply, and
says so in its detail (``colleague_detail``); a reply asking for another address adds an
``ADDRESS_PROPOSED`` event for the user to decide on.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.message import EmailMessage
from typing import TypedDict

from ..core import message as mail
from ..core.extract import doubts
from ..core.mailbox import FetchedMessage, Folder
from ..core.model import (
    AutoReply,
    Bounce,
    Classification,
    Event,
    EventKind,
    Invoice,
    Other,
    PaymentNotice,
    Reply,
    Unreadable,
)
from ..core.readdress import FREEMAIL, NoProposal, colleague_of, domain_of, proposed_address
from ..core.reading import read_received, read_sent
from ..core.threads import NO_MATCH, NoMatch, ThreadLookup, match_invoice, normalize_subject
from .absence import away_for_all, remembered_absence
from .arrival import happened_at, in_order, pages
from .config import Config
from .history import Figures, StoreFigures, StoreThreads
from .store import FollowUpRow, FollowUpState, Store

STAGE_HEADER = "X-Relance-Stage"
_log = logging.getLogger("relance.observe")
UNREADABLE_KIND = "unreadable"  # the kind recorded for a message that could not be read
_COLLEAGUE = "[colleague "  # how a colleague's reply says who wrote it, in its detail


def colleague_detail(address: str, excerpt: str) -> str:
    """The detail of a reply written by a colleague not on the invoice: who, then the words."""
    return f"{_COLLEAGUE}{address}] {excerpt}"


def colleague_in(detail: str) -> str:
    """The colleague's address a reply's detail names, or "" for someone on the invoice."""
    if not detail.startswith(_COLLEAGUE):
        return ""
    return detail[len(_COLLEAGUE):].partition("]")[0]

_Parsed = tuple[FetchedMessage, EmailMessage]  # a fetched message and its parse


class _Sighting(TypedDict):
    """What is remembered of every sent message, whatever it turns out to be."""

    message_id: str
    folder: str
    mail_ref: str
    thread_id: str | None
    sender: str
    subject: str
    sent_at: datetime | None
    refs: tuple[str, ...]


@dataclass
class ObserveReport:
    """What one observation pass found."""

    invoices: list[str] = field(default_factory=list)  # keys of new invoices
    events: list[tuple[str, Event]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # refs of messages that could not be read


def stable_message_id(msg: EmailMessage, raw: bytes) -> str:
    """Return the Message-ID, or for a message without one an id derived from its bytes, so
    that it is still recorded once (some old mailers and scripts send none)."""
    found = mail.message_id(msg)
    if found:
        return found
    return f"<missing.{hashlib.sha256(raw).hexdigest()[:24]}@relance.invalid>"


class Observer:
    """Reads fetched messages into the store. One instance per pass."""

    def __init__(self, store: Store, config: Config, *, me: str, now: datetime,
                 tracked: frozenset[str] = frozenset()) -> None:
        self.store = store
        self.config = config
        self.me = me.lower()
        self.now = now
        self.tracked = tracked
        self.report = ObserveReport()
        self._open: Sequence[Figures] = ()

    def observe(self, messages: Sequence[FetchedMessage]) -> ObserveReport:
        """Record ``messages``: Sent first, then the others, each in date order."""
        if not messages:
            return self.report
        sent = [m for m in messages if m.ref.folder is Folder.SENT]
        received = [m for m in messages if m.ref.folder is Folder.INBOX]
        for page in pages(in_order(sent, self.now)):
            with self.store.transaction():
                for pair in self._parsed(page):
                    self._observe_sent(pair)
        # what a received message is matched by, asked of the store (``history.py``)
        index = StoreThreads(self.store)
        self._open = StoreFigures(self.store)
        for page in pages(in_order(received, self.now)):
            with self.store.transaction():
                for pair in self._parsed(page):
                    self._observe_received(pair, index)
        return self.report

    def _parsed(self, page: list[FetchedMessage]) -> Iterator[_Parsed]:
        """Each message of ``page`` with its parse; one that cannot be parsed is counted
        unreadable and left out."""
        for fetched in page:
            try:
                msg = mail.parse(fetched.raw)
            except Exception:
                self.report.unreadable.append(fetched.ref.encode())
                continue
            yield fetched, msg

    def _first_sight(self, fetched: FetchedMessage, msg: EmailMessage) -> str | None:
        """The message's id when it is new; None when it was recorded before. A resync (new
        UIDVALIDITY, expired history) may return a known message under a new reference: the
        new one is kept, or the invoice's file could no longer be fetched."""
        mid = stable_message_id(msg, fetched.raw)
        if self.store.seen(mid):
            self.store.update_mail_ref(mid, fetched.ref.encode())
            return None
        return mid

    # -- sent -------------------------------------------------------------------------------

    def _observe_sent(self, pair: _Parsed) -> None:
        fetched, msg = pair
        mid = self._first_sight(fetched, msg)
        if mid is None:
            return
        when = happened_at(msg, fetched, self.now)
        record = _Sighting(message_id=mid, folder=Folder.SENT.value,
                           mail_ref=fetched.ref.encode(), thread_id=fetched.thread_id,
                           sender=mail.sender(msg), subject=mail.header(msg, "Subject"),
                           sent_at=when, refs=mail.references(msg))
        rows = self.store.followups_by_message(mid)
        stage = mail.header(msg, STAGE_HEADER)
        if rows or stage:
            self._followup_came_back(mid, msg, when, rows, stage, record)
            return
        result = read_sent(
            msg, default_terms_days=self.config.payment.default_days,
            track_keyword=self.config.detection.track_keyword, forced=mid in self.tracked,
            languages=self.config.detection.languages,
            fallback_date=fetched.received_at.date() if fetched.received_at else None,
            default_currency=self.config.currency_for(next(iter(mail.addresses(msg, "To")), "")))
        if isinstance(result, Invoice):
            invoice = replace(result, thread_id=fetched.thread_id)
            if self.store.add_invoice(invoice, mail_ref=fetched.ref.encode(), sent_at=when,
                                      tracked=mid in self.tracked):
                self.report.invoices.append(invoice.key)
                self._event(invoice.key, Event(EventKind.SENT, when, message_id=mid))
                remembered_absence(self.store, invoice, when, self._event)
                doubted = doubts(invoice)
                if doubted:
                    self._event(invoice.key, Event(EventKind.NEEDS_CHECK, when, message_id=mid,
                                                   detail="; ".join(doubted)))
            self.store.record_message(invoice_key=invoice.key, kind="invoice", **record)
            return
        if isinstance(result, Unreadable):
            self._unreadable(fetched, result, record)
            return
        # The user's own message in an invoice thread (an answer to the client, say) is kept so
        # that follow-ups reply to the latest message; anything else is just remembered as seen.
        key = self._thread_of(mail.references(msg))
        self.store.record_message(invoice_key=key, kind="own" if key else "not_invoice",
                                  summary={"reason": getattr(result, "reason", "")}, **record)
        owner = self.store.invoice(key) if key else None
        if owner is not None and set(mail.addresses(msg, "To", "Cc")) & set(
                owner.all_recipients):
            # Written to the client (not a forward to the accountant): contact, which the
            # cadence counts (issue 12).
            self._event(owner.key, Event(EventKind.WROTE, when, message_id=mid))

    def _thread_of(self, references: Sequence[str]) -> str | None:
        """The invoice whose thread holds one of ``references``, newest first; a direct look-up
        per id, so that a first sync of many sent messages stays linear."""
        for mid in reversed(references):
            row = self.store.message_row(mid)
            if row is not None and row["invoice_key"]:
                return str(row["invoice_key"])
        return None

    def _followup_came_back(self, mid: str, msg: EmailMessage, when: datetime,
                            rows: list[FollowUpRow], stage: str, record: _Sighting) -> None:
        """A follow-up is in Sent: it went out (sent by relance, or by the user from Drafts)."""
        if rows and all(row.state == FollowUpState.SENT for row in rows):
            # relance sent it and recorded when; the copy's Date is the slot, which a send
            # caught up after a missed slot (the laptop asleep) no longer is.
            self.store.record_message(invoice_key=rows[0].primary_key, kind="followup", **record)
            return
        if rows:
            self.store.set_followup_state(mid, FollowUpState.SENT, note="seen in Sent")
            targets = [(row.invoice_key, row.stage) for row in rows]
            primary = rows[0].primary_key
        else:
            # A follow-up relance has no row for (a store rebuilt from scratch, or the sample
            # mailbox's history): its thread says which invoice, its header which stage.
            found = self._thread_of(mail.references(msg))
            if found is None:
                self.store.record_message(invoice_key=None, kind="followup", **record)
                return
            primary = found
            targets = [(primary, stage)]
        for invoice_key, stage_key in targets:
            self._event(invoice_key, Event(EventKind.FOLLOWUP_SENT, when, stage=stage_key,
                                           message_id=mid))
        self.store.record_message(invoice_key=primary, kind="followup", **record)

    # -- received ---------------------------------------------------------------------------

    def _observe_received(self, pair: _Parsed, index: ThreadLookup) -> None:
        fetched, msg = pair
        mid = self._first_sight(fetched, msg)
        if mid is None:
            return
        when = happened_at(msg, fetched, self.now)
        result = read_received(msg, now=self.now, open_invoices=self._open,
                               authserv_ids=self.config.detection.authserv_id,
                               trusted_senders=self.config.detection.payment_senders)
        if isinstance(result, Unreadable):
            self._unreadable(fetched, result, _Sighting(
                message_id=mid, folder=Folder.INBOX.value, mail_ref=fetched.ref.encode(),
                thread_id=fetched.thread_id, sender=mail.sender(msg),
                subject=mail.header(msg, "Subject"), sent_at=when, refs=mail.references(msg)))
            return
        sender = mail.sender(msg)
        key = match_invoice(
            index, message_id=mid, in_reply_to=mail.header(msg, "In-Reply-To"),
            references=mail.references(msg), thread_id=fetched.thread_id,
            subject=mail.header(msg, "Subject"), from_address=sender,
            bounced_message_id=result.original_message_id if isinstance(result, Bounce) else None)
        if key is NO_MATCH and isinstance(result, PaymentNotice):
            key = self._invoice_for_payment(result)
        if key is NO_MATCH and isinstance(result, Reply):
            key = _colleague_thread(self.store, mail.header(msg, "Subject"), sender)
        invoice_key = None if key is NO_MATCH else str(key)
        if invoice_key and sender == self.me and isinstance(result, Reply):
            result = Other("written by the user")  # a copy of the user's own message
        if invoice_key:
            self._answer(invoice_key, result, msg, sender, when, mid)
        elif isinstance(result, AutoReply):
            invoice_key = away_for_all(self.store, result, sender, when, mid, self._event)
        self.store.record_message(
            message_id=mid, folder=Folder.INBOX.value, mail_ref=fetched.ref.encode(),
            thread_id=fetched.thread_id, invoice_key=invoice_key, kind=_kind(result),
            sender=sender, subject=mail.header(msg, "Subject"), sent_at=when,
            refs=mail.references(msg), summary=_summary(result))

    def _unreadable(self, fetched: FetchedMessage, result: Unreadable,
                    record: _Sighting) -> None:
        """A message that could not be read (past a cap, over its time budget, or a reader
        raised) is recorded once as ``unreadable`` with its reason, so that it is never read
        again, is logged and shown by ``relance status``, and the pass goes on."""
        _log.warning("unreadable message %s (%s): %s", record["message_id"],
                     fetched.ref.encode(), result.reason,
                     extra={"fields": {"event": "unreadable", "message_id": record["message_id"],
                                       "reason": result.reason}})
        self.report.unreadable.append(fetched.ref.encode())
        self.store.record_message(invoice_key=None, kind=UNREADABLE_KIND,
                                  summary={"reason": result.reason}, **record)

    def _invoice_for_payment(self, notice: PaymentNotice) -> str | NoMatch:
        """A payment notice is not a reply: find its invoice by the number it names, else by an
        amount that only one invoice has."""
        found = self.store.invoices_numbered(notice.references)
        if not found and notice.amount is not None:
            found = self.store.invoices_of_amount(notice.amount)
        return next(iter(found)) if len(found) == 1 else NO_MATCH

    def _answer(self, invoice_key: str, result: Classification, msg: EmailMessage, sender: str,
                when: datetime, mid: str) -> None:
        """Add what a received message says to its invoice: its event, and for a person's reply
        who wrote it when not on the invoice and the address it asks for, if any."""
        events = _events_for(result, when, mid)
        invoice = self.store.invoice(invoice_key)
        if isinstance(result, Reply) and invoice is not None and events:
            if colleague_of(sender, invoice):
                events = [replace(events[0], detail=colleague_detail(sender, result.excerpt))]
            asked = proposed_address(msg, known=(*invoice.all_recipients, sender, self.me))
            if not isinstance(asked, NoProposal):
                self._event(invoice_key, Event(EventKind.ADDRESS_PROPOSED, when,
                                               message_id=mid, detail=asked))
        for event in events:
            self._event(invoice_key, event)

    def _event(self, invoice_key: str, event: Event) -> None:
        if self.store.add_event(invoice_key, event):
            self.report.events.append((invoice_key, event))


def _events_for(result: Classification, when: datetime, mid: str) -> list[Event]:
    """The events a classified message adds to its invoice (none for ``Other``). A report
    with hard and soft failures gives one of each: the hard recipients must not wait for a
    recheck, nor the soft ones be given up as undeliverable."""
    if isinstance(result, Bounce):
        if not result.permanent:
            return [Event(EventKind.BOUNCED_SOFT, when, message_id=mid,
                          detail=",".join(result.recipients))]
        hard = [a for a in result.recipients if a not in result.transient]
        soft = [a for a in result.recipients if a in result.transient] if hard else []
        events = [Event(EventKind.BOUNCED_HARD, when, message_id=mid,
                        detail=",".join(hard or result.recipients))]
        if soft:
            events.append(Event(EventKind.BOUNCED_SOFT, when, message_id=mid,
                                detail=",".join(soft)))
        return events
    if isinstance(result, AutoReply):
        return [Event(EventKind.AUTO_REPLY, when, until=result.until, message_id=mid)]
    if isinstance(result, PaymentNotice):
        kind = EventKind.PAYMENT if result.vouched_by else EventKind.PAYMENT_CLAIMED
        return [Event(kind, when, message_id=mid, detail=result.provider)]
    if isinstance(result, Reply):
        return [Event(EventKind.REPLY, when, until=result.promised_date, intent=result.intent,
                      message_id=mid, detail=result.excerpt)]
    return []


def _colleague_thread(store: Store, subject: str, sender: str) -> str | NoMatch:
    """The one invoice whose subject a reply repeats when its writer was not on the invoice but
    shares a recipient's own (not free-mail) domain: a colleague writing a new message rather
    than replying in the thread. Two such invoices, or none, is ``NO_MATCH``."""
    normalized, domain = normalize_subject(subject), domain_of(sender)
    if not normalized or not domain or domain in FREEMAIL:
        return NO_MATCH
    found = {key for address, key in store.subject_recipients(normalized)
             if domain_of(address) == domain}
    return next(iter(found)) if len(found) == 1 else NO_MATCH


def _kind(result: Classification) -> str:
    return {Bounce: "bounce", AutoReply: "auto_reply", PaymentNotice: "payment",
            Reply: "reply"}.get(type(result), "other")


def _summary(result: Classification) -> dict[str, object]:
    if isinstance(result, Other):
        return {"reason": result.reason}
    return {k: v for k, v in result.__dict__.items() if v not in (None, "", ())}
