"""Composition of follow-ups: the context a template sees, the body, and the whole reply
message, all made from one ``Letter``. The template set itself (sandbox, filters) is in
``templating``; reading it from disk is the cycle's.

What a template sees (``followup_context``): ``greeting`` and ``closing`` (the opening and
closing lines, in the register the invoice e-mail used: see ``greeting``), ``client_name``
(the person greeted; may be empty), ``invoice_number``, ``amount`` (``Money`` or None),
``issue_date``, ``due_date``, ``today``, ``days_overdue`` (negative before the due date),
``days_until_due``, ``late_fee``, ``interest``, ``total_due`` (``Money``, or None when not
configured or not yet due), ``interest_rate``, ``statutory`` (``StatutoryInterest`` when the
user turned statutory interest on and the law's table covers the lateness, else None) with
``statutory_basis`` (the law, named in the template's language), ``payment_methods`` (lines),
``pay_link`` (the invoice e-mail's pay-now or portal link, or ""),
``sender_name``, ``company``, ``phone``, ``signature`` (the configured one, else name and
company), ``stage``, ``stage_key``, ``attached`` (the invoice file goes along),
``attached_names`` (every file that goes along) and ``not_attached`` (files left out for size),
``paid_late`` (thank-you: paid after the due date, or the payment day is unknown), and for
statements ``invoices`` (``StatementLine``, with each invoice's statutory ``interest`` and
``compensation`` when the law is on), ``totals``, ``statement_interest`` and
``statement_compensation`` (one ``Money`` per currency each).
Filters: ``money``, ``date``, ``percent``, ``number``, ``days``.

The fixed late fee is stated in its own currency (``LateFees.currency``, else the invoice's).
``total_due`` is in the invoice's currency: it adds the fee only when the fee is in that
currency too; a fee in another currency stands apart (``late_fee.currency`` then differs from
``total_due.currency``, and ``late_fee_apart`` is true), never converted, never summed. The
same holds for a law's compensation (the 40 EUR of a French, German, Spanish or Romanian
claim on an invoice in RON or GBP).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from .fees import fees_context
from .greeting import salutation
from .interest import Law, StatutoryInterest, statutory_interest
from .model import Invoice, LateFees, Money, PaymentTerms, Sender, Stage, StageKind
from .templating import RenderedBody, TemplateSet
from .threads import reply_headers

Day = date  # a name the dataclass fields below cannot shadow

AttachmentFile = tuple[str, str, bytes]  # filename, content type, content
# What goes along with one follow-up, at most: Gmail refuses a message over 25 MB, and base64
# makes a file a third larger on the wire. The files that do not fit are named in the body.
MAX_ATTACHED_BYTES = 15 * 1024 * 1024

# ---------------------------------------------------------------------------------------------
# The context


@dataclass(frozen=True)
class StatementLine:
    """One invoice in a statement."""

    number: str
    amount: Money | None
    issue_date: date
    due_date: date
    days_overdue: int
    interest: Money | None = None  # statutory interest to the send date, when on and known
    compensation: Money | None = None  # the law's fixed sum for this invoice


def _totals(amounts: Iterable[Money | None]) -> list[Money]:
    """One sum per currency, sorted by currency code; None amounts left out."""
    sums: dict[str, Decimal] = {}
    for money in amounts:
        if money is not None:
            sums[money.currency] = sums.get(money.currency, Decimal(0)) + money.amount
    return [Money(total, currency) for currency, total in sorted(sums.items())]


def _statement_line(invoice: Invoice, today: date, law: Law | None) -> StatementLine:
    line = StatementLine(invoice.number, invoice.amount, invoice.issue_date, invoice.due_date,
                         (today - invoice.due_date).days)
    if law is None or invoice.amount is None:
        return line
    found = statutory_interest(law, invoice.amount, invoice.due_date, today)
    if not isinstance(found, StatutoryInterest):
        return line
    return replace(line, interest=found.interest, compensation=found.compensation)


def _statement_lines(invoice: Invoice, covered: Sequence[Invoice], today: date,
                     law: Law | None = None) -> list[StatementLine]:
    """The invoice and those it covers, each once, oldest due date first; with the law's
    interest and compensation on each when ``law`` is given."""
    everyone = {invoice.key: invoice, **{i.key: i for i in covered}}
    return sorted((_statement_line(i, today, law) for i in everyone.values()),
                  key=lambda line: (line.due_date, line.number))


@dataclass(frozen=True)
class Circumstances:
    """What else a follow-up depends on: the language written in, the late-payment law the
    user turned on (None: off, or a client who is not a business), the invoice e-mail's text
    and To display name (to greet as the user greeted), the files that go along and those left
    out, the day the invoice was paid (thank-you; None when unknown), and the pay-now or
    portal link of the invoice e-mail (``paylink``; "" when it had none)."""

    language: str = "en"
    law: Law | None = None
    invoice_text: str = ""
    to_name: str = ""
    attached_names: tuple[str, ...] = ()
    not_attached: tuple[str, ...] = ()
    paid_on: date | None = None
    pay_link: str = ""


def followup_context(
    invoice: Invoice,
    stage: StageKind,
    stage_key: str,
    *,
    today: date,
    sender: Sender,
    payment: PaymentTerms,
    fees: LateFees,
    covered: Sequence[Invoice] = (),
    client_name: str = "",
    attached: bool = False,
    more: Circumstances = Circumstances(),
) -> dict[str, object]:
    """Return the variables a template sees (listed in this module's docstring).

    Late fee and interest are given only when configured, overdue, and the amount is known (see
    ``fees_due`` for the currencies).
    """
    overdue = (today - invoice.due_date).days
    lines = _statement_lines(invoice, covered, today, more.law)
    sender_name = sender.name or invoice.sender_name
    signature = sender.signature.strip() or "\n".join(p for p in (sender_name, sender.company) if p)
    greet = salutation(more.language, invoice_text=more.invoice_text, to_name=more.to_name,
                       configured=client_name)
    law = more.law
    return {
        "greeting": greet.greeting,
        "closing": greet.closing,
        "client_name": greet.name,
        "invoice_number": invoice.number,
        "amount": invoice.amount,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "today": today,
        "days_overdue": overdue,
        "days_until_due": max(0, -overdue),
        **fees_context(invoice, fees, law, today),
        "statutory_basis": law.basis_in(more.language) if law else "",
        "payment_methods": list(payment.methods),
        "pay_link": more.pay_link,
        "sender_name": sender_name,
        "company": sender.company,
        "phone": sender.phone,
        "signature": signature,
        "stage": stage.value,
        "stage_key": stage_key,
        "attached": attached,
        "attached_names": list(more.attached_names),
        "not_attached": list(more.not_attached),
        "paid_late": more.paid_on is None or more.paid_on > invoice.due_date,
        "invoices": lines,
        "totals": _totals(line.amount for line in lines),
        "statement_interest": _totals(line.interest for line in lines),
        "statement_compensation": _totals(line.compensation for line in lines),
    }


# ---------------------------------------------------------------------------------------------
# Body and message


@dataclass(frozen=True)
class LatestMessage:
    """The newest message of the invoice's thread, which the follow-up answers: its
    Message-ID (empty: the invoice itself), References and In-Reply-To (RFC 5322 §3.6.4)."""

    message_id: str = ""
    references: tuple[str, ...] = ()
    in_reply_to: str = ""


@dataclass(frozen=True)
class Letter:
    """Everything one follow-up is made from: what it is about (the invoice, the stage, the
    invoices a statement also covers, who it greets and in which language), the user's terms
    and templates, and how it goes out (the message it answers, its Message-ID and Date, the
    invoice file sent again)."""

    invoice: Invoice
    stage: Stage | StageKind
    today: date
    language: str
    sender: Sender
    payment: PaymentTerms
    fees: LateFees
    templates: TemplateSet
    message_id: str  # see ``threads.followup_message_id``
    date: datetime  # aware: the Date header needs a zone (RFC 5322 §3.3)
    latest: LatestMessage = LatestMessage()
    attachment: AttachmentFile | None = None
    covered: tuple[Invoice, ...] = ()
    client_name: str = ""
    stage_key: str | None = None  # with a bare ``StageKind``: the key ("further-2")
    attachments: tuple[AttachmentFile, ...] = ()  # a statement's other invoices' files
    law: Law | None = None  # statutory interest ([late_fees] statutory), for business clients
    invoice_text: str = ""  # the invoice e-mail's own words: how the user greeted the client
    to_name: str = ""  # the invoice's To display name
    paid_on: Day | None = None  # thank-you: the day it was paid, when known
    pay_link: str = ""  # the invoice e-mail's pay-now or portal link, offered again

    def files(self) -> tuple[list[AttachmentFile], list[str]]:
        """Return the files that go along (the invoice's, then each covered invoice's, each
        name once) and the names of those left out because the message would grow past
        ``MAX_ATTACHED_BYTES``."""
        kept: list[AttachmentFile] = []
        left: list[str] = []
        size = 0
        seen: set[str] = set()
        for file in (self.attachment, *self.attachments):
            if file is None or file[0] in seen:
                continue
            seen.add(file[0])
            if size + len(file[2]) > MAX_ATTACHED_BYTES:
                left.append(file[0])
                continue
            size += len(file[2])
            kept.append(file)
        return kept, left

    @property
    def kind(self) -> StageKind:
        return self.stage.kind if isinstance(self.stage, Stage) else self.stage

    @property
    def key(self) -> str:
        """The stage key: ``stage_key`` when given, else the stage's own."""
        if self.stage_key:
            return self.stage_key
        return self.stage.key if isinstance(self.stage, Stage) else self.stage.value


def render_body(letter: Letter) -> RenderedBody:
    """Return the plain-text body of the follow-up (what ``relance preview`` shows)."""
    kept, left = letter.files()
    more = Circumstances(
        language=letter.templates.resolve(letter.language), law=letter.law,
        invoice_text=letter.invoice_text, to_name=letter.to_name,
        attached_names=tuple(f[0] for f in kept), not_attached=tuple(left),
        paid_on=letter.paid_on, pay_link=letter.pay_link)
    context = followup_context(
        letter.invoice, letter.kind, letter.key, today=letter.today, sender=letter.sender,
        payment=letter.payment, fees=letter.fees, covered=letter.covered,
        client_name=letter.client_name, attached=bool(kept), more=more,
    )
    return letter.templates.render(letter.kind, letter.language, context)


def text_to_html(text: str, language: str) -> str:
    """Return an HTML document with the same words as ``text``: every character escaped, blank
    lines separating paragraphs, single line breaks kept."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    body = "\n".join(
        "<p>" + "<br>\n".join(html.escape(line) for line in p.splitlines()) + "</p>"
        for p in paragraphs
    )
    lang = html.escape(language, quote=True)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8"></head>\n'
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def compose_followup(letter: Letter) -> EmailMessage:
    """Return the follow-up as a message ready to be drafted: ``multipart/alternative`` of
    text/plain and text/html (inside ``multipart/mixed`` with the invoice files when the letter
    has an ``attachment`` or ``attachments``: see ``Letter.files``).

    From is the invoice's sender; To and Cc are the invoice's own, nothing else. The threading
    headers come from ``reply_headers`` (RFC 5322 §3.6.4) on the latest message of the thread
    (the invoice itself when ``latest.message_id`` is empty); ``Message-ID`` is the letter's;
    ``X-Relance-Stage`` carries the stage key and ``Content-Language`` (RFC 3282) the language
    of the template used.
    """
    invoice = letter.invoice
    if letter.date.tzinfo is None or letter.date.utcoffset() is None:
        raise ValueError("the date must be an aware datetime (RFC 5322 §3.3 needs a zone)")
    if not invoice.recipients:
        raise ValueError(f"invoice {invoice.number} has no To address to follow up with")
    body = render_body(letter)
    msg = _headers(letter)
    msg.set_content(body.text, cte="quoted-printable")
    rich = text_to_html(body.text, body.language)
    msg.add_alternative(rich, subtype="html", cte="quoted-printable")
    for filename, content_type, content in letter.files()[0]:
        maintype, _, subtype = content_type.partition("/")
        if not maintype or not subtype:
            maintype, subtype = "application", "octet-stream"
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    # The standard library stamps every part it creates with MIME-Version, which RFC 2045 §4
    # asks for only at the top.
    for part in msg.walk():
        if part is not msg:
            del part["MIME-Version"]
    # Last: building the MIME tree moves Content-* headers down into the first part.
    msg["Content-Language"] = body.language
    return msg


def _headers(letter: Letter) -> EmailMessage:
    """Return an empty message with the follow-up's addresses, threading and identity."""
    invoice, latest = letter.invoice, letter.latest
    threading = reply_headers(
        invoice.subject,
        latest.message_id or invoice.message_id,
        latest.references,
        latest_in_reply_to=latest.in_reply_to,
    )
    msg = EmailMessage()
    name = invoice.sender_name or letter.sender.name
    msg["From"] = Address(display_name=name, addr_spec=invoice.sender)
    msg["To"] = [Address(addr_spec=a) for a in invoice.recipients]
    cc = [a for a in invoice.cc if a not in invoice.recipients]
    if cc:
        msg["Cc"] = [Address(addr_spec=a) for a in cc]
    msg["Subject"] = threading.subject
    msg["Date"] = format_datetime(letter.date)
    msg["Message-ID"] = letter.message_id
    msg["In-Reply-To"] = threading.in_reply_to
    msg["References"] = threading.references_header
    msg["X-Relance-Stage"] = letter.key
    return msg
