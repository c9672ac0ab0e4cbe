"""The words of relance as frozen dataclasses: invoices, what a received message is, events,
stages, settings the pure decisions need, and the plan.

Nothing here does IO. Empty answers are named (``NOT_AN_INVOICE``), never a bare ``None``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

# ---------------------------------------------------------------------------------------------
# Money and invoices


@dataclass(frozen=True)
class Money:
    """An amount in one currency. ``currency`` is an ISO 4217 code such as ``EUR`` or ``RON``."""

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount:.2f} {self.currency}"


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message, by name; the bytes stay in the message."""

    filename: str
    content_type: str
    size: int


class DueSource(enum.StrEnum):
    """Where an invoice's due date came from."""

    EXPLICIT = "explicit"  # the message or its PDF states the date
    TERMS = "terms"  # computed from payment terms such as "Net 30" or "à 30 jours"
    DEFAULT = "default"  # the configured default payment terms


@dataclass(frozen=True)
class Invoice:
    """An invoice found in (or declared from) a sent message.

    ``key`` identifies the invoice everywhere: it is the sent message's Message-ID, which is
    unique, whereas invoice numbers may repeat across clients.
    """

    number: str
    amount: Money | None
    issue_date: date
    due_date: date
    due_source: DueSource
    sender: str  # the user's address the invoice went out from
    recipients: tuple[str, ...]  # To, lower-cased addresses
    message_id: str  # with angle brackets, as in the header
    subject: str
    language: str  # "en", "fr", "ro", "de", "es"
    cc: tuple[str, ...] = ()
    sender_name: str = ""
    attachment: Attachment | None = None
    thread_id: str | None = None  # the mailbox's own thread id (Gmail), when it has one
    # Where extraction read each value, for the user to check: ("amount", "PDF: 'Total TTC'
    # 2 400,00 EUR, its currency stated: 'Montants exprimés en euros'"), ("number", ...), ...
    # Extraction's alone: not stored, not compared.
    evidence: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def key(self) -> str:
        return self.message_id

    @property
    def client(self) -> str:
        """The client is the first To address; follow-ups are addressed from it."""
        return self.recipients[0] if self.recipients else ""

    @property
    def all_recipients(self) -> tuple[str, ...]:
        return self.recipients + tuple(a for a in self.cc if a not in self.recipients)


@dataclass(frozen=True)
class NotAnInvoice:
    """The named answer of extraction for a sent message that carries no invoice."""

    reason: str


NOT_AN_INVOICE = NotAnInvoice("no invoice number and amount found")


@dataclass(frozen=True)
class Unreadable:
    """A message, sent or received, that relance could not read within its bounds (see
    ``core/parsing.py`` and ``core/reading.py``): too large, nested too deep, a header past its
    cap, over the time budget, or an error while reading it. ``reason`` says which, for the log
    and ``relance status``; such a message is recorded once and not read again."""

    reason: str


# ---------------------------------------------------------------------------------------------
# What a received message is (checked in this order: bounce, auto-reply, payment, reply)


@dataclass(frozen=True)
class Bounce:
    """A delivery failure report (RFC 3464 or one of the common non-standard forms)."""

    permanent: bool  # hard when any recipient failed hard (5.x.x but full mailbox / expiry)
    recipients: tuple[str, ...]  # every address that failed, hard ones first, lower-cased
    original_message_id: str | None  # Message-ID of the bounced message, with angle brackets
    status: str | None = None  # enhanced status code such as "5.1.1" (RFC 3463), when given
    diagnostic: str = ""
    transient: tuple[str, ...] = ()  # those of ``recipients`` whose failure is only soft


@dataclass(frozen=True)
class AutoReply:
    """An automatic answer (RFC 3834), usually out of office; ``until`` is the return date."""

    until: date | None


@dataclass(frozen=True)
class PaymentNotice:
    """A payment processor's or a bank's notice that money arrived."""

    provider: str  # "stripe", "paypal", "wise", "bank", ...
    references: tuple[str, ...]  # invoice numbers named in the notice
    amount: Money | None
    # The From domain the receiving server vouched for (DKIM or DMARC pass in its own
    # Authentication-Results, see core/authres.py); "" when none did: then the notice is only
    # a claim, like a client's "I've paid", and closes nothing.
    vouched_by: str = ""


class Intent(enum.StrEnum):
    """What a human reply says, read from its new text only."""

    PAID = "paid"
    PROMISE = "promise"
    DISPUTE = "dispute"
    QUESTION = "question"
    OTHER = "other"


@dataclass(frozen=True)
class Reply:
    """A message written by a person."""

    intent: Intent
    promised_date: date | None = None
    excerpt: str = ""  # the first words of the new text, for `relance status`


@dataclass(frozen=True)
class Other:
    """Nothing relance acts on (a newsletter, an unrelated message, an unreadable one)."""

    reason: str


Classification = Bounce | AutoReply | PaymentNotice | Reply | Other


# ---------------------------------------------------------------------------------------------
# Events: what has been observed about an invoice


class EventKind(enum.StrEnum):
    SENT = "sent"
    BOUNCED_HARD = "bounced_hard"
    BOUNCED_SOFT = "bounced_soft"
    AUTO_REPLY = "auto_reply"
    REPLY = "reply"
    PAYMENT = "payment"  # a payment notice the receiving server vouched for: closes it
    PAYMENT_CLAIMED = "payment_claimed"  # a payment notice nobody vouched for: only a claim
    ADDRESS_PROPOSED = "address_proposed"  # a reply asks for another address (``detail``)
    MARKED_PAID = "marked_paid"
    PAUSED = "paused"
    RESUMED = "resumed"
    STOPPED = "stopped"
    FOLLOWUP_DRAFTED = "followup_drafted"
    FOLLOWUP_SENT = "followup_sent"
    FOLLOWUP_CANCELLED = "followup_cancelled"
    WROTE = "wrote"  # the user wrote to the client in the invoice's thread (contact)
    NEEDS_CHECK = "needs_check"  # a figure was read with doubt (``detail``): nothing goes out
    CONFIRMED = "confirmed"  # the user confirmed or corrected the figures (``detail``)


@dataclass(frozen=True)
class Event:
    """One thing observed about one invoice, at an aware UTC moment."""

    kind: EventKind
    at: datetime
    until: date | None = None  # auto-reply return date, promised date, pause end
    intent: Intent | None = None  # for REPLY
    stage: str | None = None  # for FOLLOWUP_* events: the stage key
    message_id: str | None = None  # the message that caused it, when one did
    detail: str = ""


# ---------------------------------------------------------------------------------------------
# Settings the pure decisions need (the config loader builds these)


@dataclass(frozen=True)
class CadenceSettings:
    """When each stage of the cadence becomes due, in business days around the due date."""

    reminder_before_due: int = 2  # gentle reminder, business days before the due date (0 = off)
    first_notice_after: int = 3  # grace after the due date before the first notice
    urgent_after: int = 7  # urgent notice, business days after the due date
    further_every: int = 7  # further notices, every N business days after the urgent one
    further_max: int = 2  # how many further notices at most
    final_after: int = 7  # final notice, business days after the last further notice
    min_gap: int = 3  # never two follow-ups to one invoice closer than this
    draft_lead_days: int = 2  # drafts appear this many days before their slot, for review
    out_of_office_default: int = 5  # postponement when an auto-reply gives no return date
    soft_bounce_recheck: int = 2  # business days to wait after a soft bounce
    thank_you: bool = False  # write a thank-you when an invoice is paid
    consolidate: bool = True  # one statement for several overdue invoices to one client


@dataclass(frozen=True)
class SendWindow:
    """When follow-ups may go out, in the recipient's time zone."""

    weekdays: tuple[int, ...] = (1, 2, 3)  # Monday is 0: Tuesday, then Wednesday, then Thursday
    start: time = time(5, 0)
    end: time = time(6, 0)  # exclusive
    holiday_country: str | None = None  # ISO 3166 code for the `holidays` package, e.g. "FR"
    holiday_subdivision: str | None = None
    any_business_day_after: int = 7  # calendar days with no preferred weekday before any will do
    # A slot missed while relance was not running (a laptop asleep at 05:16) still goes out when
    # relance runs again before this time of that same business day; None: the next slot.
    missed_until: time | None = time(10, 0)


# ---------------------------------------------------------------------------------------------
# The plan


class StageKind(enum.StrEnum):
    REMINDER = "reminder"  # gentle, before the due date
    FIRST_NOTICE = "first_notice"
    URGENT = "urgent"
    FURTHER = "further"
    FINAL = "final"
    STATEMENT = "statement"  # several invoices to one client in one message
    THANK_YOU = "thank_you"


@dataclass(frozen=True)
class Stage:
    """One step of the cadence. ``key`` is unique per invoice ("further-2"); ``kind`` names
    the template."""

    key: str
    kind: StageKind
    earliest: date  # first day it may go out
    latest: date | None = None  # last day it still makes sense (the reminder: before due)


@dataclass(frozen=True)
class PlannedFollowUp:
    """A follow-up that should exist now: for an invoice (and the invoices it also covers when it
    is a statement), at a stage, going out at ``slot`` (aware, in the recipient's zone)."""

    invoice_key: str
    stage: Stage
    slot: datetime
    covers: tuple[tuple[str, str], ...] = ()  # (invoice key, stage key) a statement speaks for


class HoldReason(enum.StrEnum):
    """Why an invoice has no follow-up planned right now."""

    PAID = "paid"
    CLAIMED_PAID = "claimed_paid"  # the client (or an unvouched notice) says it is paid
    REPLIED = "replied"
    DISPUTED = "disputed"
    UNDELIVERED = "undelivered"
    STOPPED = "stopped"
    PAUSED = "paused"
    OUT_OF_OFFICE = "out_of_office"
    PROMISED = "promised"
    SOFT_BOUNCE = "soft_bounce"
    NOT_YET = "not_yet"  # the next stage is in the future
    DONE = "done"  # every stage has gone out
    COVERED = "covered"  # a statement to the same client speaks for it
    CHECK = "check"  # a figure was read with doubt; waits for ``relance fix``


@dataclass(frozen=True)
class Hold:
    """The named answer of planning for an invoice that gets no follow-up now."""

    reason: HoldReason
    until: date | None = None  # when planning should look again, if known
    next_stage: Stage | None = None


@dataclass(frozen=True)
class Sender:
    """Who the follow-ups are from and how they are signed."""

    name: str = ""
    company: str = ""
    signature: str = ""
    phone: str = ""


@dataclass(frozen=True)
class LateFees:
    """What a late invoice costs, when the user's terms say so (off by default)."""

    fixed: Decimal = Decimal(0)  # e.g. 40 EUR fixed recovery fee in France
    annual_interest_percent: Decimal = Decimal(0)
    currency: str | None = None  # ISO 4217 code ``fixed`` is stated in; None = the invoice's

    @property
    def enabled(self) -> bool:
        return self.fixed > 0 or self.annual_interest_percent > 0


@dataclass(frozen=True)
class PaymentTerms:
    default_days: int = 30
    methods: tuple[str, ...] = field(default_factory=tuple)  # "Bank transfer to IBAN ...", ...
    # The currency of totals an invoice prints without any (no mark, no statement); None: such
    # a total is not taken as an amount.
    currency: str | None = None
