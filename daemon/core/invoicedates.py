"""The dates of an invoice: when it was issued, when it is due and where the due date came from.

The due date is the one written next to "due date" / "échéance" / "scadență" / "fällig am" /
"vencimiento", else the one the payment terms give ("Net 30", "à 30 jours", "în termen de 15
zile", "zahlbar innerhalb von 14 Tagen", "a 30 días", "upon receipt"), else the configured
default. "N jours fin de mois" (end of month) is read as French practice has it: N days after
the issue date, then the last day of that month (45 days end of month from 10 March: 24 April,
so 30 April).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from datetime import date, timedelta

from .amounts import find_amounts
from .dates import find_dates, starting_within
from .model import DueSource
from .text import fold

_ISSUE_KEYWORDS = re.compile(
    r"invoice date|date of issue|issue date|issued on|date de (?:la )?facture"
    r"|date de facturation|date d'emission|facture du|data emiterii|data facturii"
    r"|data facturare|rechnungsdatum|ausstellungsdatum|fecha de (?:emision|factura|expedicion)"
    r"|fecha factura|^[^\S\n]*(?:date|data|datum|fecha)\s*:", re.MULTILINE)
# "[^\S\n]*", the blanks of one line: "^\s*" crossed a run of blank lines again from each of
# its line starts (n² steps on a text of newlines).
_DUE_KEYWORDS = re.compile(
    r"due date|\bdue (?:on|by)\b|(?<!amount )(?<!balance )(?<!total )\bdue\s*:|payment due"
    r"|payable (?:by|before|on)|\bpay by"
    r"|date d'echeance|\becheance\b|a regler (?:avant|au plus tard)|a payer avant"
    r"|payable avant|date limite de (?:paiement|reglement)|data scadentei|\bscadent"
    r"|termen de plata|fallig|zahlbar bis|\bbis (?:zum|spatestens)\b"
    r"|zahlungsziel|fecha de vencimiento|\bvencimiento\b|pagadero (?:antes|hasta)"
    r"|fecha limite de pago|(?m:^)[^\S\n]*+due(?:\s*+:|\s++(?=\d|[a-z]{3,9}\.?\s+\d))")
_TERMS = re.compile(  # "\s*+": possessive, as above ("\s*-?\s*" split runs of blanks: n² steps)
    r"\bnet\s*+-?\s*+(?P<net>\d{1,3})\b"
    r"|(?P<days>\d{1,3})\s*+-?\s*+(?:days?|jours?|zile|tagen?|dias)\b"
    r"(?P<eom>\s*(?:fin de mois|end of (?:the )?month|eom|de la sfarsitul lunii"
    r"|fin de mes|ende des monats))?")
_ON_RECEIPT = re.compile(r"(?:upon|on) receipt|a (?:la )?reception|des reception|la receptie"
                         r"|bei erhalt|a la recepcion|al contado")
_PAY_CONTEXT = re.compile(r"pay|\bnet\b|term|\bdue\b|paiement|reglement|regler|echeance|delai"
                          r"|plat|scaden|termen|achit|zahl|fallig|netto|pago|pagar|vencim"
                          r"|plazo|condicion|condition|uberweis|innerhalb|innert")


def _exact_date_after(text: str, keywords: re.Pattern[str], reference: date,
                      window: int = 60) -> date | None:
    """Return the first calendar date written within ``window`` characters after a keyword,
    ignoring relative ones ("within 30 days" is payment terms, not a date), or None."""
    folded = fold(text)
    dates = [d for d in find_dates(text, reference) if d.exact]
    for match in keywords.finditer(folded):
        near = starting_within(dates, match.end(), match.end() + window)
        if near:
            return near[0].value
    return None


def written_reference(texts: Sequence[str]) -> date | None:
    """The first date written with its year in the texts, for a message with no Date header."""
    for text in texts:
        for found in find_dates(text, date(2000, 1, 1)):
            if found.exact and re.search(r"(?:19|20)\d\d", text[found.start:found.end]):
                return found.value
    return None


def _end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def terms_due(text: str, issued: date) -> date | None:
    """Return the due date that payment terms written in ``text`` give for an invoice issued on
    ``issued`` ("Net 30", "payable within 14 days", "paiement à 45 jours fin de mois",
    "upon receipt"), or None. A count of days only counts on a line that speaks of payment."""
    for line in fold(text).splitlines():
        if not _PAY_CONTEXT.search(line):
            continue
        amounts = [(s, e) for _m, s, e in find_amounts(line)]
        for match in _TERMS.finditer(line):
            group = "net" if match.group("net") else "days"
            if any(s <= match.start(group) < e for s, e in amounts):
                continue  # "Net 1 200,00 €" is an amount, not terms
            days = int(match.group("net") or match.group("days"))
            if not 0 <= days <= 180:
                continue
            due = issued + timedelta(days=days)
            return _end_of_month(due) if match.group("eom") else due
        if _ON_RECEIPT.search(line):
            return issued
    return None


def invoice_dates(texts: Sequence[str], reference: date, default_terms_days: int, *,
                  issued: date | None = None, due: date | None = None,
                  ) -> tuple[date, date, DueSource]:
    """Return the issue date, the due date and where the due date came from, read from
    ``texts`` (the body, the PDF, the subject), ``reference`` being the day the message was
    sent. The issue date is the one written next to an issue keyword, else ``reference``.
    ``issued`` and ``due``, when given (an e-invoice states them), are taken as they are."""
    if issued is not None and due is not None and due >= issued:
        return issued, due, DueSource.EXPLICIT
    issued = issued or next((d for d in (_exact_date_after(t, _ISSUE_KEYWORDS, reference)
                                         for t in texts) if d), None) or reference
    for text in texts:
        due = _exact_date_after(text, _DUE_KEYWORDS, issued)
        if due is not None and due >= issued:
            return issued, due, DueSource.EXPLICIT
    due = next((d for d in (terms_due(t, issued) for t in texts) if d), None)
    if due is not None:
        return issued, due, DueSource.TERMS
    return issued, issued + timedelta(days=default_terms_days), DueSource.DEFAULT
