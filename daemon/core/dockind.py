"""What kind of document a sent message carries: an invoice, or one of the documents that use
invoice words and must never be chased — a credit note ("facture d'avoir", "Gutschrift", "nota
de credit", "credit memo", "note de crédit", "factura de abono"), a corrective invoice
("factura rectificativa", "Rechnungskorrektur"), a receipt or payment confirmation ("Payment
receipt", "facture acquittée", "chitanță"), a pro forma, a quote, or a statement of account
("Statement from ...", "relevé de compte", "Offene Posten", "extracto de cuenta", "situația
facturilor neachitate"), or a reminder about an invoice already sent ("Reminder: invoice
INV-42 is overdue", "Zahlungserinnerung"; from the subject only).

The subject decides first. A neutral subject leaves it to the opening of the body and of the
PDF, where the first numbered document wins ("Devis n° D-5 ... la facture suivra" is a quote).
A subject that calls the message an invoice is still overruled by the document's own title in
that opening: "Facture FA-2026-019" whose body sends "la facture d'avoir FA-2026-019", or
"Factura R260002" that is "la factura rectificativa R260002". When in doubt the answer is "not
an invoice": chasing a client who owes nothing is worse than missing an invoice the user can
still track. All patterns are matched on folded text (lower case, no diacritics).
"""

from __future__ import annotations

import enum
import re

from .invoicenumber import number_in, number_match
from .model import NotAnInvoice
from .text import fold

REPLY = NotAnInvoice("a reply or forward in an existing thread, not a new invoice")
QUOTE = NotAnInvoice("a quote, estimate or pro forma: nothing is owed yet")
CREDIT_NOTE = NotAnInvoice("a credit note: money goes back to the client, nothing to chase")
CORRECTIVE = NotAnInvoice("a corrective invoice: it amends an earlier invoice; check what is "
                          "owed and track it yourself if the client must pay more")
RECEIPT = NotAnInvoice("a receipt or payment confirmation: already paid")
REMINDER = NotAnInvoice("a reminder about an invoice already sent, not a new invoice")
STATEMENT = NotAnInvoice("a statement of account: it lists invoices already sent, each "
                         "followed up on its own")

HEAD_CHARS = 1500  # of the body and of the PDF, where a document says what it is

# Blanks are possessive ("\s*+") wherever optional parts stand between them: "\s*(x)?\s*" tried
# every split of a run of blanks, and three of them after "devis" took 26 s on 1,500 blanks.
_REPLY_PREFIX = re.compile(r"^\s*+(?:re|fwd?|tr|aw|wg|rv|enc|sv|antw|raspuns)\s*+(?:\[\d+\])?\s*+:")
# German compounds carry the word inside: "Ausgangsrechnung", "Abschlagsrechnung"; Austrian
# freelancers write a "Honorarnote".
INVOICE_WORD = re.compile(r"\b(?:invoice|factur|(?:ausgangs|schluss|teil|abschlags|sammel"
                          r"|storno)?rechnung|honorarnote)\w*")
# "Avoir" is also the French verb "to have": alone it only counts at the start of a subject.
_CREDIT = re.compile(
    r"credit[ -]?note|credit memo|facture d'avoir|\bavoir\s*(?:n\s*[°o.]|#|numero|:)"
    r"|\bavoir\s+[a-z]{0,4}[-/]?\d|\bun avoir\b|nota de credit|\bstorno\b|stornorechnung"
    r"|gutschrift|nota de credito|note de credit|factura de abono|nota de abono"
    r"|refund amount|amount refunded|refunded to|your refund")
# A refund sends money back as a credit note does: "Your refund from ...", "Refund amount".
_CREDIT_SUBJECT = re.compile(_CREDIT.pattern + r"|^\s*avoir\b|\brefund\b")
_CORRECTIVE = re.compile(
    r"rechnungskorrektur|korrekturrechnung|factura rectificativa|facture rectificative"
    r"|facture corrective|factura corectiva|factura de corectie|corrected invoice"
    r"|corrective invoice|invoice correction")
# A receipt says so in its subject; in a body only unmistakable phrases count, because invoices
# often ask to "confirm receipt" or promise "un recibo" once paid.
_RECEIPT_PHRASES = (
    r"payment (?:received|confirmation|confirmed|receipt)|received your payment"
    r"|thank you for your payment|amount received|date paid"
    r"|paiement recu|bien recu votre (?:paiement|reglement)"
    r"|confirmation de paiement|merci pour votre (?:paiement|reglement)|facture acquittee"
    r"|am primit plata|plata (?:a fost )?(?:primita|confirmata|receptionata)"
    r"|confirmare (?:de )?plata|zahlungs(?:bestatigung|eingang)|zahlung erhalten"
    r"|pago recibido|hemos recibido (?:su|tu) pago|confirmacion de pago")
_RECEIPT_BODY = re.compile(_RECEIPT_PHRASES)
_RECEIPT_SUBJECT = re.compile(_RECEIPT_PHRASES + r"|\breceipt\b|\brecu\b|\bchitanta\b"
                              r"|\bquittung\b|\brecibo\b|\bacquittee\b")
# A statement of account lists the open invoices with a total due: every invoice word is there.
_STATEMENT_PHRASES = (r"statement of account|customer statement|account statement"
                      r"|releve de compte|releve client|kontoauszug|offene posten"
                      r"|extracto de cuenta|estado de cuenta|extras de cont"
                      r"|situatia facturilor|fisa (?:de )?client")
_STATEMENT_BODY = re.compile(_STATEMENT_PHRASES)
_STATEMENT_SUBJECT = re.compile(_STATEMENT_PHRASES
                                + r"|^\s*+statement\b|\bstatement (?:from|for)\b")
# A reminder the user writes by hand says so in its subject: "Reminder: invoice INV-42 is
# overdue", "Relance facture F-12", "Zahlungserinnerung", "Recordatorio de pago".
_REMINDER_SUBJECT = re.compile(
    r"\breminder\b|\boverdue\b|\brelance\b|\brappel\b|\bimpayee|zahlungserinnerung"
    r"|\bmahnung\b|recordatorio|reamintire|factura (?:restanta|neachitata)")
_PROFORMA = re.compile(r"\bpro[ -]?forma\b")
_QUOTE = re.compile(r"\b(?:quote|quotation|estimate|proposal|devis|oferta|ofertei|angebot"
                    r"|kostenvoranschlag|presupuesto|cotizacion)\b")
_NUMBERED = (r"\s*+(?:seri[ae]\s++[a-z]{1,8}\s++)?(?:n\s*+[°o.]|no\.?|nr\.?|#)?\s*+[:.]?\s*+"
             r"[a-z]{0,5}[-/]?\d")
_QUOTE_NUMBERED = re.compile(_QUOTE.pattern + _NUMBERED)
# A credit note or corrective invoice that names itself with its number: its title.
_TITLED = ((re.compile(r"(?:" + _CREDIT.pattern + r")" + _NUMBERED), CREDIT_NOTE),
           (re.compile(r"(?:" + _CORRECTIVE.pattern + r")" + _NUMBERED), CORRECTIVE))


class Said(enum.Enum):
    """What a subject says when it rejects nothing."""

    INVOICE = "the subject calls it an invoice"
    UNDECIDED = "the subject leaves the kind of document open"


def subject_kind(subject: str) -> NotAnInvoice | Said:
    """Return what the subject says the document is: a rejection, ``Said.INVOICE`` or
    ``Said.UNDECIDED``. A receipt or credit note named with its invoice ("Receipt for invoice
    #1042") is still a receipt."""
    folded = fold(subject)
    if _REPLY_PREFIX.match(folded):
        return REPLY
    for pattern, verdict in ((_CREDIT_SUBJECT, CREDIT_NOTE), (_CORRECTIVE, CORRECTIVE),
                             (_PROFORMA, QUOTE), (_RECEIPT_SUBJECT, RECEIPT),
                             (_STATEMENT_SUBJECT, STATEMENT), (_REMINDER_SUBJECT, REMINDER)):
        if pattern.search(folded):
            return verdict
    invoice_word, quote_word = INVOICE_WORD.search(folded), _QUOTE.search(folded)
    if invoice_word and number_in(subject):
        return Said.INVOICE  # "Invoice F-12 for quote Q-3" is the invoice
    if quote_word and (invoice_word is None or quote_word.start() < invoice_word.start()):
        return QUOTE  # "Devis D-5 accepté, facture à suivre"
    return Said.INVOICE if invoice_word else Said.UNDECIDED


def _replies_with_an_invoice(subject: str, pdf: str) -> bool:
    """A reply that attaches a numbered invoice in a thread not itself about a numbered invoice
    ("Re: could you send the invoice?") issues one; "Re: Invoice F-12" only talks about it."""
    return bool(pdf) and number_in(pdf) is not None and number_in(subject) is None


def _titled(folded_head: str) -> NotAnInvoice | None:
    for pattern, verdict in _TITLED:
        if pattern.search(folded_head):
            return verdict
    return None


def rejection(subject: str, body: str, pdf: str) -> NotAnInvoice | None:
    """Return why the message is not an invoice by the kind of document it says it is, or
    None when nothing says so (see the module docstring)."""
    kind = subject_kind(subject)
    if kind is REPLY and _replies_with_an_invoice(subject, pdf):
        kind = Said.UNDECIDED
    if isinstance(kind, NotAnInvoice):
        return kind
    head = body[:HEAD_CHARS] + "\n" + pdf[:HEAD_CHARS]
    folded = fold(head)
    if kind is Said.INVOICE:
        return _titled(folded)
    for pattern, verdict in ((_CREDIT, CREDIT_NOTE), (_CORRECTIVE, CORRECTIVE),
                             (_PROFORMA, QUOTE), (_RECEIPT_BODY, RECEIPT),
                             (_STATEMENT_BODY, STATEMENT)):
        if pattern.search(folded):
            return verdict
    quote, invoice = _QUOTE_NUMBERED.search(folded), number_match(head)
    if quote and (invoice is None or quote.start() < invoice[0]):
        return QUOTE
    return None
