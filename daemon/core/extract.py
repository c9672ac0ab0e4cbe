"""Invoice extraction: from one sent message to an ``Invoice``, or a named ``NotAnInvoice``.

It reads the subject, the body (plain text, else HTML) and the text of attached PDFs, in
English, French, Romanian, German and Spanish. Pure: the only library beyond the standard one
is pypdf, a parser (see ``pdftext``).

What makes a sent message an invoice, unless the user forces it (``relance track`` or the
track keyword in the subject):

1. it is not a reply or forward ("Re:", "Fwd:", "TR:", "AW:", ...): the user answering in an
   invoice's thread does not issue a new invoice — unless the reply attaches a PDF naming an
   invoice number in a thread whose subject names none ("Re: could you send the invoice?");
2. nothing says it is a credit note, a receipt / payment confirmation, a pro forma, or a quote
   — the subject decides first, then the opening of the body and of the PDF;
3. an invoice word appears ("invoice", "facture", "factură", "Rechnung", "factura") and it has
   an invoice number and an amount — or a number and an attached PDF whose amount could not be
   read (a scanned invoice), or an amount and the invoice word in the subject (the number is
   then generated from the Message-ID, as for forced invoices).

The issue and due dates are read as ``invoicedates`` says.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

from .amounts import best_amount
from .invoicedates import invoice_dates, written_reference
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
from .model import NOT_AN_INVOICE, Attachment, Invoice, Money, NotAnInvoice
from .parsing import UNREADABLE, unreadable
from .pdftext import looks_like_pdf, pdf_text
from .text import fold

MAX_TEXT_CHARS = 200_000  # per body or PDF: an invoice is never longer; a log dump may be
MAX_PDFS = 3  # attached PDFs read per message
MAX_DATES_CHARS = 20_000  # dates and terms are looked for in the opening of each text

REPLY = NotAnInvoice("a reply or forward in an existing thread, not a new invoice")
QUOTE = NotAnInvoice("a quote, estimate or pro forma: nothing is owed yet")
CREDIT_NOTE = NotAnInvoice("a credit note: money goes back to the client, nothing to chase")
RECEIPT = NotAnInvoice("a receipt or payment confirmation: already paid")
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


# --- what kind of document ------------------------------------------------------------------
# All patterns below are matched on folded text (lower case, no diacritics).

# Blanks are possessive ("\s*+") wherever optional parts stand between them: "\s*(x)?\s*" tried
# every split of a run of blanks, and three of them after "devis" took 26 s on 1,500 blanks.
_REPLY_PREFIX = re.compile(r"^\s*+(?:re|fwd?|tr|aw|wg|rv|enc|sv|antw|raspuns)\s*+(?:\[\d+\])?\s*+:")
_INVOICE_WORD = re.compile(r"\b(?:invoice|factur|rechnung)\w*")
# "Avoir" is also the French verb "to have": alone it only counts at the start of a subject.
_CREDIT = re.compile(
    r"credit[ -]?note|facture d'avoir|\bavoir\s*(?:n\s*[°o.]|#|numero|:)"
    r"|\bavoir\s+[a-z]{0,4}[-/]?\d|nota de credit|\bstorno\b|gutschrift|nota de credito")
_CREDIT_SUBJECT = re.compile(_CREDIT.pattern + r"|^\s*avoir\b")
# A receipt says so in its subject; in a body only unmistakable phrases count, because invoices
# often ask to "confirm receipt" or promise "un recibo" once paid.
_RECEIPT_PHRASES = (
    r"payment (?:received|confirmation|confirmed)|received your payment"
    r"|thank you for your payment|paiement recu|bien recu votre (?:paiement|reglement)"
    r"|confirmation de paiement|merci pour votre (?:paiement|reglement)|facture acquittee"
    r"|am primit plata|plata (?:a fost )?(?:primita|confirmata|receptionata)"
    r"|confirmare (?:de )?plata|zahlungs(?:bestatigung|eingang)|zahlung erhalten"
    r"|pago recibido|hemos recibido (?:su|tu) pago|confirmacion de pago")
_RECEIPT_BODY = re.compile(_RECEIPT_PHRASES)
_RECEIPT_SUBJECT = re.compile(_RECEIPT_PHRASES + r"|\breceipt\b|\brecu\b|\bchitanta\b"
                              r"|\bquittung\b|\brecibo\b")
_PROFORMA = re.compile(r"\bpro[ -]?forma\b")
_QUOTE = re.compile(r"\b(?:quote|quotation|estimate|proposal|devis|oferta|ofertei|angebot"
                    r"|kostenvoranschlag|presupuesto|cotizacion)\b")
_QUOTE_NUMBERED = re.compile(_QUOTE.pattern + r"\s*+(?:n\s*+[°o.]|no\.?|nr\.?|#)?\s*+[:.]?\s*+"
                             r"[a-z]{0,5}[-/]?\d")

# --- invoice numbers -----------------------------------------------------------------------

_TOKEN = r"(?P<num>(?=[a-z0-9\-/_.]*\d)[a-z0-9][a-z0-9\-/_.]{0,30})"
_NO = (r"(?:n\s*+[°º]|n\.\s*+[°º]|n\.o\b|no\b\.?|nr\b\.?|num\b\.?|number|numero|nummer"
       r"|numar(?:ul)?|#)")
_NUMBER_RES = (
    # Factura seria ABC nr. 0077: Romanian invoices carry a series and a number
    re.compile(r"\bfactur\w*(?:\s+fiscal\w*)?\s+seri[ae]\s*+:?\s*+(?P<series>[a-z]{1,8})\s*+"
               + _NO + r"?\s*+[:.]?\s*+" + _TOKEN),
    # Invoice INV-2024-031, Invoice #1042, Facture n° F-1042, Rechnung Nr. RE-2026-5,
    # Factura n.º 2026/031, Invoice number: 1042
    re.compile(r"\b(?:invoice|facture|factura|rechnung)(?:\s+fiscala)?\s*+" + _NO
               + r"?\s*+[:.]?\s*+" + _TOKEN),
    # N° de facture : F-1042, Număr factură: 77, Número de factura: 31
    re.compile(r"(?<![a-z])" + _NO + r"\s*+(?:de\s+(?:la\s+)?)?(?:invoice|facture|factura)\s*+"
               r"[:.]?\s*+" + _TOKEN),
    re.compile(r"\brechnungs-?(?:nummer|nr\b\.?)\s*+[:.]?\s*+" + _TOKEN),
)
# In a subject that calls itself an invoice: "Your invoice from Atelier Martin (#1042)".
_SUBJECT_NUMBER = re.compile(r"#\s*" + _TOKEN + r"|\b(?P<code>[a-z]{1,5}-?\d[a-z0-9\-/_]*)")


def _number_match(text: str) -> tuple[int, str] | None:
    """Return the position and the value (as written) of the first invoice number in
    ``text``, or None."""
    folded = fold(text)
    best: tuple[int, str] | None = None
    for pattern in _NUMBER_RES:
        match = pattern.search(folded)
        if match is None or (best is not None and match.start() >= best[0]):
            continue
        value = text[match.start("num"):match.end("num")].rstrip(".-/_")
        if "series" in pattern.groupindex:
            value = text[match.start("series"):match.end("series")].upper() + " " + value
        best = (match.start(), value)
    return best


def _number_in(text: str) -> str | None:
    """Return the first invoice number written in ``text``, as written, or None."""
    found = _number_match(text)
    return found[1] if found else None


def _subject_number(subject: str) -> str | None:
    match = _SUBJECT_NUMBER.search(fold(subject))
    if match is None:
        return None
    group = "num" if match.group("num") else "code"
    return subject[match.start(group):match.end(group)].rstrip(".-/_")


def _generated_number(msg_id: str) -> str:
    """A stable reference for an invoice that states no number, from its Message-ID."""
    return "MSG-" + hashlib.sha1(msg_id.encode("utf-8", "replace")).hexdigest()[:8].upper()


# --- reading the message ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Texts:
    subject: str
    body: str
    pdf: str
    attachment: Attachment | None  # the invoice PDF when there is one
    has_pdf: bool


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
    pdfs = [(att, data) for att, data in attachments(msg) if _is_pdf(att, data)]
    texts = [(att, pdf_text(data)) for att, data in pdfs[:MAX_PDFS]]
    chosen = next((att for att, text in texts if _INVOICE_WORD.search(fold(text))), None)
    chosen = chosen or next((att for att, _d in pdfs if _INVOICE_WORD.search(
        fold(att.filename))), None) or (pdfs[0][0] if pdfs else None)
    return _Texts(
        subject=header(msg, "Subject"),
        body=(text_body(msg) or _undivided_body(msg))[:MAX_TEXT_CHARS],
        pdf="\n\n".join(text for _att, text in texts)[:MAX_TEXT_CHARS],
        attachment=chosen,
        has_pdf=bool(pdfs),
    )


class _Said(enum.Enum):
    """What a subject says when it rejects nothing."""

    INVOICE = "the subject calls it an invoice"
    UNDECIDED = "the subject leaves the kind of document open"


def _subject_kind(subject: str) -> NotAnInvoice | _Said:
    """Return what the subject says the document is: a rejection, ``_Said.INVOICE`` or
    ``_Said.UNDECIDED``. A receipt or credit note named with its invoice ("Receipt for invoice
    #1042") is still a receipt."""
    folded = fold(subject)
    if _REPLY_PREFIX.match(folded):
        return REPLY
    for pattern, verdict in ((_CREDIT_SUBJECT, CREDIT_NOTE), (_PROFORMA, QUOTE),
                             (_RECEIPT_SUBJECT, RECEIPT)):
        if pattern.search(folded):
            return verdict
    invoice_word, quote_word = _INVOICE_WORD.search(folded), _QUOTE.search(folded)
    if invoice_word and _number_in(subject):
        return _Said.INVOICE  # "Invoice F-12 for quote Q-3" is the invoice
    if quote_word and (invoice_word is None or quote_word.start() < invoice_word.start()):
        return QUOTE  # "Devis D-5 accepté, facture à suivre"
    return _Said.INVOICE if invoice_word else _Said.UNDECIDED


def _replies_with_an_invoice(texts: _Texts) -> bool:
    """A reply that attaches a numbered invoice in a thread not itself about a numbered invoice
    ("Re: could you send the invoice?") issues one; "Re: Invoice F-12" only talks about it."""
    return bool(texts.pdf) and _number_in(texts.pdf) is not None \
        and _number_in(texts.subject) is None


def _rejection(texts: _Texts) -> NotAnInvoice | None:
    """Return why the message is not an invoice by the kind of document it says it is, or
    None when nothing says so. The subject decides first; a neutral subject leaves it to the
    opening of the body and of the PDF, where the first numbered document wins ("Devis n° D-5
    ... la facture suivra" is a quote). When in doubt the answer is "not an invoice": chasing a
    client who owes nothing is worse than missing an invoice the user can still track."""
    kind = _subject_kind(texts.subject)
    if kind is REPLY and _replies_with_an_invoice(texts):
        kind = _Said.UNDECIDED
    if kind is _Said.INVOICE:
        return None
    if isinstance(kind, NotAnInvoice):
        return kind
    head = texts.body[:1500] + "\n" + texts.pdf[:1500]
    folded = fold(head)
    for pattern, verdict in ((_CREDIT, CREDIT_NOTE), (_PROFORMA, QUOTE),
                             (_RECEIPT_BODY, RECEIPT)):
        if pattern.search(folded):
            return verdict
    quote, invoice = _QUOTE_NUMBERED.search(folded), _number_match(head)
    if quote and (invoice is None or quote.start() < invoice[0]):
        return QUOTE
    return None


def extract_invoice(msg: EmailMessage, *, default_terms_days: int = 30,
                    track_keyword: str = "[invoice]", forced: bool = False,
                    languages: Sequence[str] = ("en", "fr", "ro", "de", "es"),
                    fallback_date: date | None = None) -> Invoice | NotAnInvoice:
    """Return the invoice a sent message carries, or a ``NotAnInvoice`` saying why not.

    ``forced`` (or ``track_keyword`` in the subject, case-insensitive) skips the tests of the
    module docstring: the user says it is an invoice, so whatever can be read is used, the
    number falling back to the subject's and then to one generated from the Message-ID, the
    amount possibly None. ``fallback_date`` is the mailbox's received date (IMAP INTERNALDATE,
    Gmail internalDate), used as the issue date when the message has no Date header.

    Never raises: a message past the caps of ``parsing``, or one whose reading raises, is
    ``NotAnInvoice("unreadable: ...")`` (``reading.read_sent`` returns it as ``Unreadable``)."""
    refused = unreadable(msg)
    if refused is None:
        try:
            found = _extract(msg, default_terms_days, track_keyword, forced, languages,
                             fallback_date)
        except Exception as exc:
            return NotAnInvoice(f"{UNREADABLE}{type(exc).__name__}: {exc}"[:200])
        refused = unreadable(msg)  # a header cut to its cap while reading
        if refused is None:
            return found
    return NotAnInvoice(UNREADABLE + refused.reason)


def _extract(msg: EmailMessage, default_terms_days: int, track_keyword: str, forced: bool,
             languages: Sequence[str], fallback_date: date | None) -> Invoice | NotAnInvoice:
    texts = _read(msg)
    forced = forced or bool(track_keyword) and track_keyword.lower() in texts.subject.lower()
    mid = message_id(msg)
    # A Sent copy sent with Bcc only keeps its Bcc header; the user's own address (a copy to
    # self) is never someone to follow up with.
    me = sender(msg)
    recipients = tuple(a for a in (addresses(msg, "To") or addresses(msg, "Bcc")
                                   or addresses(msg, "Cc")) if a != me)
    if not forced:
        rejection = _rejection(texts)
        if rejection is not None:
            return rejection
    subject_says_invoice = forced or bool(_INVOICE_WORD.search(fold(texts.subject)))
    number = (_number_in(texts.subject) or _number_in(texts.body) or _number_in(texts.pdf)
              or (_subject_number(texts.subject) if subject_says_invoice else None))
    amount = best_amount((texts.body, texts.pdf, texts.subject))
    if not forced:
        if not any(_INVOICE_WORD.search(fold(t)) for t in (texts.subject, texts.body, texts.pdf)):
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
    number = number or _generated_number(mid)
    return _dated_invoice(msg, texts, number, amount, recipients, default_terms_days,
                          languages, fallback_date)


def _dated_invoice(msg: EmailMessage, texts: _Texts, number: str, amount: Money | None,
                   recipients: tuple[str, ...], default_terms_days: int,
                   languages: Sequence[str], fallback_date: date | None,
                   ) -> Invoice | NotAnInvoice:
    """Return the invoice with its issue and due dates, or ``NO_DATE``."""
    sources = tuple(t[:MAX_DATES_CHARS] for t in (texts.body, texts.pdf, texts.subject))
    when = sent_at(msg)
    reference = when.date() if when else fallback_date or written_reference(sources)
    if reference is None:
        return NO_DATE
    issued, due, source = invoice_dates(sources, reference, default_terms_days)
    from_address = sender(msg)
    cc = tuple(a for a in addresses(msg, "Cc") if a not in recipients and a != from_address)
    return Invoice(
        number=number, amount=amount, issue_date=issued, due_date=due, due_source=source,
        sender=from_address, recipients=recipients, message_id=message_id(msg),
        subject=texts.subject,
        language=detect_language(texts.subject + "\n" + texts.body + "\n" + texts.pdf[:3000],
                                 languages),
        cc=cc, sender_name=display_names(msg, "From").get(from_address, ""),
        attachment=texts.attachment,
    )
