"""Composition of follow-ups: the context a template sees, the body, and the whole reply
message. The template set itself (sandbox, filters, export) is in ``templating``.

What a template sees (``followup_context``): ``client_name`` (may be empty: greet neutrally),
``invoice_number``, ``amount`` (``Money`` or None), ``issue_date``, ``due_date``, ``today``,
``days_overdue`` (negative before the due date), ``days_until_due``, ``late_fee``, ``interest``,
``total_due`` (``Money``, or None when not configured or not yet due), ``interest_rate``,
``payment_methods`` (lines), ``sender_name``, ``company``, ``phone``, ``signature`` (the
configured one, else name and company), ``stage``, ``stage_key``, ``attached`` (the invoice
file goes along), and for statements ``invoices`` (``StatementLine``) and ``totals`` (one
``Money`` per currency). Filters: ``money``, ``date``, ``percent``, ``number``, ``days``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from .model import Invoice, LateFees, Money, PaymentTerms, Sender, Stage, StageKind
from .templating import (  # noqa: F401 - re-exported for callers
    BUILTIN,
    DEFAULT_LANGUAGE,
    LOCALES,
    TEMPLATE_SUFFIX,
    RenderedBody,
    TemplateSet,
    export_templates,
    locale_filters,
)
from .threads import reply_headers

CENT = Decimal("0.01")

AttachmentFile = tuple[str, str, bytes]  # filename, content type, content

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


def _interest(amount: Money, fees: LateFees, days: int) -> Money:
    """Simple interest to date: amount × rate/100 × days/365, rounded half up to the cent."""
    value = amount.amount * fees.annual_interest_percent / 100 * Decimal(days) / 365
    return Money(value.quantize(CENT, rounding=ROUND_HALF_UP), amount.currency)


def _totals(lines: Sequence[StatementLine]) -> list[Money]:
    sums: dict[str, Decimal] = {}
    for line in lines:
        if line.amount is not None:
            currency = line.amount.currency
            sums[currency] = sums.get(currency, Decimal(0)) + line.amount.amount
    return [Money(total, currency) for currency, total in sorted(sums.items())]


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
) -> dict[str, object]:
    """Return the variables a template sees (listed in this module's docstring).

    Late fee and interest are given only when configured, overdue, and the amount is known; the
    fixed fee is taken in the invoice's currency.
    """
    overdue = (today - invoice.due_date).days
    amount = invoice.amount
    late_fee = interest = total_due = None
    if fees.enabled and amount is not None and overdue > 0:
        if fees.fixed > 0:
            late_fee = Money(fees.fixed.quantize(CENT), amount.currency)
        if fees.annual_interest_percent > 0:
            interest = _interest(amount, fees, overdue)
        extra = sum((m.amount for m in (late_fee, interest) if m is not None), Decimal(0))
        total_due = Money(amount.amount + extra, amount.currency)
    everyone = {invoice.key: invoice, **{i.key: i for i in covered}}
    lines = sorted(
        (
            StatementLine(i.number, i.amount, i.issue_date, i.due_date, (today - i.due_date).days)
            for i in everyone.values()
        ),
        key=lambda line: (line.due_date, line.number),
    )
    sender_name = sender.name or invoice.sender_name
    signature = sender.signature.strip() or "\n".join(p for p in (sender_name, sender.company) if p)
    return {
        "client_name": client_name.strip(),
        "invoice_number": invoice.number,
        "amount": amount,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "today": today,
        "days_overdue": overdue,
        "days_until_due": max(0, -overdue),
        "late_fee": late_fee,
        "interest": interest,
        "interest_rate": fees.annual_interest_percent,
        "total_due": total_due,
        "payment_methods": list(payment.methods),
        "sender_name": sender_name,
        "company": sender.company,
        "phone": sender.phone,
        "signature": signature,
        "stage": stage.value,
        "stage_key": stage_key,
        "attached": attached,
        "invoices": lines,
        "totals": _totals(lines),
    }


# ---------------------------------------------------------------------------------------------
# Body and message


def _stage_parts(stage: Stage | StageKind, stage_key: str | None) -> tuple[StageKind, str]:
    if isinstance(stage, Stage):
        return stage.kind, stage_key or stage.key
    return stage, stage_key or stage.value


def render_body(
    invoice: Invoice,
    stage: Stage | StageKind,
    *,
    today: date,
    sender: Sender,
    payment: PaymentTerms,
    fees: LateFees,
    language: str,
    templates: TemplateSet,
    covered: Sequence[Invoice] = (),
    client_name: str = "",
    stage_key: str | None = None,
    attached: bool = False,
) -> RenderedBody:
    """Return the plain-text body of the follow-up (what ``relance preview`` shows)."""
    kind, key = _stage_parts(stage, stage_key)
    context = followup_context(
        invoice, kind, key, today=today, sender=sender, payment=payment, fees=fees,
        covered=covered, client_name=client_name, attached=attached,
    )
    return templates.render(kind, language, context)


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


def compose_followup(
    invoice: Invoice,
    stage: Stage | StageKind,
    *,
    today: date,
    sender: Sender,
    payment: PaymentTerms,
    fees: LateFees,
    language: str,
    templates: TemplateSet,
    message_id: str,
    date_header: datetime,
    latest_message_id: str = "",
    latest_references: Sequence[str] = (),
    latest_in_reply_to: str = "",
    attachment: AttachmentFile | None = None,
    covered: Sequence[Invoice] = (),
    client_name: str = "",
    stage_key: str | None = None,
) -> EmailMessage:
    """Return the follow-up as a message ready to be drafted: ``multipart/alternative`` of
    text/plain and text/html (inside ``multipart/mixed`` with the invoice file when
    ``attachment`` is given).

    From is the invoice's sender; To and Cc are the invoice's own, nothing else. The threading
    headers come from ``reply_headers`` (RFC 5322 §3.6.4) on the latest message of the thread
    (the invoice itself when ``latest_message_id`` is empty); ``Message-ID`` is ``message_id``
    (see ``threads.followup_message_id``); ``X-Relance-Stage`` carries the stage key and
    ``Content-Language`` (RFC 3282) the language of the template used.
    """
    if date_header.tzinfo is None or date_header.utcoffset() is None:
        raise ValueError("date_header must be an aware datetime (RFC 5322 §3.3 needs a zone)")
    if not invoice.recipients:
        raise ValueError(f"invoice {invoice.number} has no To address to follow up with")
    kind, key = _stage_parts(stage, stage_key)
    body = render_body(
        invoice, kind, today=today, sender=sender, payment=payment, fees=fees, language=language,
        templates=templates, covered=covered, client_name=client_name, stage_key=key,
        attached=attachment is not None,
    )
    threading = reply_headers(
        invoice.subject,
        latest_message_id or invoice.message_id,
        latest_references,
        latest_in_reply_to=latest_in_reply_to,
    )
    msg = EmailMessage()
    msg["From"] = Address(display_name=invoice.sender_name or sender.name, addr_spec=invoice.sender)
    msg["To"] = [Address(addr_spec=a) for a in invoice.recipients]
    cc = [a for a in invoice.cc if a not in invoice.recipients]
    if cc:
        msg["Cc"] = [Address(addr_spec=a) for a in cc]
    msg["Subject"] = threading.subject
    msg["Date"] = format_datetime(date_header)
    msg["Message-ID"] = message_id
    msg["In-Reply-To"] = threading.in_reply_to
    msg["References"] = threading.references_header
    msg["X-Relance-Stage"] = key
    msg.set_content(body.text, cte="quoted-printable")
    rich = text_to_html(body.text, body.language)
    msg.add_alternative(rich, subtype="html", cte="quoted-printable")
    if attachment is not None:
        filename, content_type, content = attachment
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
