"""Invoice extraction: from one sent message to an ``Invoice``, or a named ``NotAnInvoice``.

It reads the subject, the body (plain text, else HTML), the text of attached PDFs and any
structured e-invoice (UBL or CII XML attached, or embedded in a Factur-X / ZUGFeRD PDF), in
English, French, Romanian, German and Spanish. Pure: beyond the standard library only parsers
of the bytes given (pypdf, see ``pdftext``; defusedxml, see ``einvoice``).

A structured e-invoice comes first: its number, issue and due dates, amount payable and
currency are taken as stated (EN 16931 BT-1, BT-2, BT-9, BT-115, BT-5), and its type code says
whether it is an invoice at all (a credit note, a corrected invoice or a pro forma is not). The
text fills only what the XML leaves out (a MINIMUM profile states no due date; the payment
terms in the e-mail then give it).

Otherwise, what makes a sent message an invoice, unless the user forces it (``relance track``
or the track keyword in the subject):

1. it is not a reply or forward ("Re:", "Fwd:", "TR:", "AW:", ...): the user answering in an
   invoice's thread does not issue a new invoice — unless the reply attaches a PDF naming an
   invoice number in a thread whose subject names none ("Re: could you send the invoice?");
2. nothing says it is a credit note, a corrective invoice, a receipt / payment confirmation, a
   pro forma, or a quote (``dockind``);
3. an invoice word appears ("invoice", "facture", "factură", "Rechnung", "Ausgangsrechnung",
   "factura") and it has an invoice number (``invoicenumber``) and an amount (``amounts``) —
   or a number and an attached PDF whose amount could not be read (a scanned invoice), or an
   amount and the invoice word in the subject (the number is then generated from the
   Message-ID, as for forced invoices).

The issue and due dates are read as ``invoicedates`` says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

from .dockind import (
    CORRECTIVE,
    CREDIT_NOTE,
    INVOICE_WORD,
    QUOTE,
    RECEIPT,
    REMINDER,
    REPLY,
    STATEMENT,
    rejection,
    subject_kind,
)
from .einvoice import EInvoice, Kind, looks_like_xml, read_einvoice
from .invoicedates import invoice_dates, written_reference
from .invoicenumber import generated_number, number_in, subject_number
from .language import detect_language
from .message import (
    addresses,
    attachments,
    display_names,
    header,
    message_id,
    sender,
    sent_at,
    text_body,
)
from .model import NOT_AN_INVOICE, Attachment, DueSource, Invoice, Money, NotAnInvoice
from .parsing import UNREADABLE, unreadable
from .pdftext import looks_like_pdf, read_pdf
from .scoring import Candidate, best_candidate
from .text import fold

__all__ = ["AMOUNT_ONLY", "CORRECTIVE", "CREDIT_NOTE", "NO_DATE", "NO_DETAILS", "NO_MESSAGE_ID",
           "NO_RECIPIENT", "NUMBER_ONLY", "QUOTE", "RECEIPT", "REMINDER", "REPLY", "STATEMENT",
           "detect_language", "doubts", "extract_invoice"]

MAX_TEXT_CHARS = 200_000  # per body or PDF: an invoice is never longer; a log dump may be
MAX_PDFS = 3  # attached PDFs read per message
MAX_XMLS = 3  # attached XML files read per message
MAX_DATES_CHARS = 20_000  # dates and terms are looked for in the opening of each text

NO_DETAILS = NotAnInvoice("mentions an invoice but gives no invoice number and no amount")
NUMBER_ONLY = NotAnInvoice("names an invoice number but has no amount and no attached PDF: "
                           "a message about an invoice rather than the invoice")
AMOUNT_ONLY = NotAnInvoice("gives an amount but no invoice number, and its subject does not "
                           "call it an invoice; tag it with the track keyword if it is one")
NO_RECIPIENT = NotAnInvoice("has no To, Cc or Bcc address: there is nobody to follow up with")
NO_MESSAGE_ID = NotAnInvoice("has no Message-ID, so a follow-up could not be threaded under "
                             "it; send the invoice again from a normal mail client")
NO_DATE = NotAnInvoice("has no Date header and its text gives no invoice date; pass the "
                       "mailbox's received date as fallback_date")


# --- reading the message ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Texts:
    subject: str
    body: str
    pdf: str
    attachment: Attachment | None  # the invoice PDF when there is one
    has_pdf: bool
    einvoice: EInvoice | None = None  # the first structured e-invoice found


def _is_xml(att: Attachment, data: bytes) -> bool:
    name, ctype = att.filename.lower(), att.content_type
    return (name.endswith(".xml") or ctype in ("application/xml", "text/xml")) \
        and looks_like_xml(data)


def _first_einvoice(candidates: Sequence[bytes]) -> EInvoice | None:
    for data in candidates:
        found = read_einvoice(data)
        if isinstance(found, EInvoice):
            return found
    return None


def _is_pdf(att: Attachment, data: bytes) -> bool:
    if att.content_type == "application/pdf" or att.filename.lower().endswith(".pdf"):
        return True
    return att.content_type == "application/octet-stream" and looks_like_pdf(data)


def _undivided_body(msg: EmailMessage) -> str:
    """The raw text of a multipart message whose boundary never occurs in its body (a defect
    some hand-rolled mailers produce: the header names one boundary, the parts use another).
    The parser then keeps the body as one string; its parts' text is still readable in it."""
    payload = msg.get_payload() if msg.get_content_maintype() == "multipart" else None
    return payload if isinstance(payload, str) else ""


def _read(msg: EmailMessage) -> _Texts:
    files = attachments(msg)
    pdfs = [(att, data) for att, data in files if _is_pdf(att, data)]
    contents = [(att, read_pdf(data)) for att, data in pdfs[:MAX_PDFS]]
    xmls = [data for att, data in files if _is_xml(att, data)][:MAX_XMLS]
    embedded = [xml for _att, content in contents for xml in content.xml]
    chosen = next((att for att, content in contents
                   if content.xml or INVOICE_WORD.search(fold(content.text))), None)
    chosen = chosen or next((att for att, _d in pdfs if INVOICE_WORD.search(
        fold(att.filename))), None) or (pdfs[0][0] if pdfs else None)
    return _Texts(
        subject=header(msg, "Subject"),
        body=(text_body(msg) or _undivided_body(msg))[:MAX_TEXT_CHARS],
        pdf="\n\n".join(content.text for _att, content in contents)[:MAX_TEXT_CHARS],
        attachment=chosen,
        has_pdf=bool(pdfs),
        einvoice=_first_einvoice(embedded + xmls),
    )


def extract_invoice(msg: EmailMessage, *, default_terms_days: int = 30,
                    track_keyword: str = "[invoice]", forced: bool = False,
                    languages: Sequence[str] = ("en", "fr", "ro", "de", "es"),
                    fallback_date: date | None = None,
                    default_currency: str | None = None) -> Invoice | NotAnInvoice:
    """Return the invoice a sent message carries, or a ``NotAnInvoice`` saying why not.

    ``forced`` (or ``track_keyword`` in the subject, case-insensitive) skips the tests of the
    module docstring: the user says it is an invoice, so whatever can be read is used, the
    number falling back to the subject's and then to one generated from the Message-ID, the
    amount possibly None. ``fallback_date`` is the mailbox's received date (IMAP INTERNALDATE,
    Gmail internalDate), used as the issue date when the message has no Date header.
    ``default_currency`` (the client's or the user's) is the currency of totals printed without
    any currency mark in a document that states none (see ``scoring``).

    Never raises: a message past the caps of ``parsing``, or one whose reading raises, is
    ``NotAnInvoice("unreadable: ...")`` (``reading.read_sent`` returns it as ``Unreadable``)."""
    refused = unreadable(msg)
    if refused is None:
        try:
            found = _extract(msg, _Options(default_terms_days, track_keyword, forced,
                                           tuple(languages), fallback_date, default_currency))
        except Exception as exc:
            return NotAnInvoice(f"{UNREADABLE}{type(exc).__name__}: {exc}"[:200])
        refused = unreadable(msg)  # a header cut to its cap while reading
        if refused is None:
            return found
    return NotAnInvoice(UNREADABLE + refused.reason)


@dataclass(frozen=True)
class _Options:
    """The settings of one extraction, as ``extract_invoice`` documents them."""

    default_terms_days: int
    track_keyword: str
    forced: bool
    languages: tuple[str, ...]
    fallback_date: date | None
    default_currency: str | None


def _extract(msg: EmailMessage, options: _Options) -> Invoice | NotAnInvoice:
    texts = _read(msg)
    keyword = options.track_keyword
    forced = options.forced or bool(keyword) and keyword.lower() in texts.subject.lower()
    mid = message_id(msg)
    # A Sent copy sent with Bcc only keeps its Bcc header; the user's own address (a copy to
    # self) is never someone to follow up with.
    me = sender(msg)
    recipients = tuple(a for a in (addresses(msg, "To") or addresses(msg, "Bcc")
                                   or addresses(msg, "Cc")) if a != me)
    if texts.einvoice is not None and subject_kind(texts.subject) is not REPLY:
        return _structured(msg, texts, texts.einvoice, recipients, options, forced)
    if not forced:
        refused = rejection(texts.subject, texts.body, texts.pdf)
        if refused is not None:
            return refused
    subject_says_invoice = forced or bool(INVOICE_WORD.search(fold(texts.subject)))
    number, number_from = _number(texts, subject_says_invoice)
    candidate = best_candidate((texts.body, texts.pdf, texts.subject), options.default_currency)
    amount = candidate.money if candidate else None
    if not forced:
        if not any(INVOICE_WORD.search(fold(t)) for t in (texts.subject, texts.body, texts.pdf)):
            return NOT_AN_INVOICE
        if number is None and amount is None:
            return NO_DETAILS
        if amount is None and not texts.has_pdf:
            return NUMBER_ONLY
        if number is None and not subject_says_invoice:
            return AMOUNT_ONLY
    if not mid:
        return NO_MESSAGE_ID
    if not recipients:
        return NO_RECIPIENT
    evidence = (("number", number_from if number else GENERATED),
                *_amount_evidence(candidate))
    return _dated_invoice(msg, texts, number or generated_number(mid), amount, recipients,
                          options, evidence=evidence)


_SOURCES = ("body", "PDF", "subject")  # the order the texts are given to the scorer


def _number(texts: _Texts, subject_says_invoice: bool) -> tuple[str | None, str]:
    """The invoice number and the text it was read in."""
    for where, text in (("subject", texts.subject), ("body", texts.body), ("PDF", texts.pdf)):
        found = number_in(text)
        if found:
            return found, where
    if subject_says_invoice:
        return subject_number(texts.subject), "subject"
    return None, ""


GENERATED = "generated from the Message-ID"
NO_AMOUNT_READ = "none found"
NOT_A_TOTAL = " (not labelled as a total)"


def _amount_evidence(candidate: Candidate | None) -> tuple[tuple[str, str], ...]:
    if candidate is None:
        return (("amount", NO_AMOUNT_READ),)
    label = f": '{candidate.label}'" if candidate.label else ", unlabelled"
    doubt = NOT_A_TOTAL if candidate.score <= 0 else ""
    return (("amount", f"{_SOURCES[candidate.source]}{label}{doubt}"),
            ("currency", candidate.currency_from))


def doubts(invoice: Invoice) -> tuple[str, ...]:
    """What the user should check before a follow-up names this invoice's figures, from its
    evidence: a number relance made up, no amount, an amount no total label vouches for, a
    currency taken from the configuration. Empty when every figure was read as stated."""
    said = dict(invoice.evidence)
    found: list[str] = []
    if said.get("number") == GENERATED:
        found.append("no invoice number was read; relance made one up from the Message-ID")
    if invoice.amount is None or said.get("amount") == NO_AMOUNT_READ:
        found.append("no amount was read")
    elif said.get("amount", "").endswith(NOT_A_TOTAL):
        found.append("the amount is not labelled as a total")
    if said.get("currency") == "the configured default":
        found.append("the currency is the configured default, the invoice names none")
    return tuple(found)


_NOT_OWED = {Kind.CREDIT_NOTE: CREDIT_NOTE, Kind.CORRECTIVE: CORRECTIVE, Kind.PRO_FORMA: QUOTE}


def _structured(msg: EmailMessage, texts: _Texts, found: EInvoice,
                recipients: tuple[str, ...], options: _Options,
                forced: bool) -> Invoice | NotAnInvoice:
    """The invoice a structured e-invoice states; the text only fills what it leaves out."""
    if found.kind in _NOT_OWED and not forced:
        return _NOT_OWED[found.kind]
    if not message_id(msg):
        return NO_MESSAGE_ID
    if not recipients:
        return NO_RECIPIENT
    xml = f"the e-invoice ({found.syntax})"
    evidence: tuple[tuple[str, str], ...] = (("number", f"{xml}, BT-1"),)
    if found.amount is not None:
        amount: Money | None = found.amount
        evidence += (("amount", f"{xml}, BT-115 amount due for payment"),
                     ("currency", f"{xml}, BT-5"))
    else:
        candidate = best_candidate((texts.body, texts.pdf, texts.subject),
                                   options.default_currency)
        amount = candidate.money if candidate else None
        evidence += _amount_evidence(candidate)
    return _dated_invoice(msg, texts, found.number, amount, recipients, options,
                          stated=(found.issue_date, found.due_date), evidence=evidence)


def _dated_invoice(msg: EmailMessage, texts: _Texts, number: str, amount: Money | None,
                   recipients: tuple[str, ...], options: _Options,
                   stated: tuple[date | None, date | None] = (None, None),
                   evidence: tuple[tuple[str, str], ...] = (),
                   ) -> Invoice | NotAnInvoice:
    """Return the invoice with its issue and due dates, or ``NO_DATE``. ``stated`` holds the
    issue and due dates an e-invoice states, which win over anything written; ``evidence``
    says where the other values were read, and the due date's source is added to it."""
    sources = tuple(t[:MAX_DATES_CHARS] for t in (texts.body, texts.pdf, texts.subject))
    when = sent_at(msg)
    reference = stated[0] or (when.date() if when else options.fallback_date
                              or written_reference(sources))
    if reference is None:
        return NO_DATE
    issued, due, source = invoice_dates(sources, reference, options.default_terms_days,
                                        issued=stated[0], due=stated[1])
    from_address = sender(msg)
    cc = tuple(a for a in addresses(msg, "Cc") if a not in recipients and a != from_address)
    return Invoice(
        number=number, amount=amount, issue_date=issued, due_date=due, due_source=source,
        sender=from_address, recipients=recipients, message_id=message_id(msg),
        subject=texts.subject,
        language=detect_language(texts.subject + "\n" + texts.body + "\n" + texts.pdf[:3000],
                                 options.languages),
        cc=cc, sender_name=display_names(msg, "From").get(from_address, ""),
        attachment=texts.attachment,
        evidence=(*evidence, ("due", "the e-invoice, BT-9" if due == stated[1]
                              else _DUE_FROM[source])),
    )


_DUE_FROM = {DueSource.EXPLICIT: "the date written next to a due-date word",
             DueSource.TERMS: "the payment terms written", DueSource.DEFAULT: "the default terms"}
