"""The amount to pay among the amounts of an invoice, and the currency a document states once.

Every amount is a candidate with its evidence: the words that label it (its line, or the line
above when it opens its own), scored

- 3: what is due ("Total TTC", "Amount due", "Net à payer", "Total de plată", "Gesamtbetrag",
  "zu zahlen", "Total a pagar");
- 2: a plain total ("Total", "Summe", "Importe");
- 0: unlabelled;
- -1: a part of the total, not the total ("Subtotal", "Total HT", "Gesamtbetrag netto", "TVA",
  "MwSt", "Base imponible", discounts, deposits, amounts already paid, unit prices).

The best score wins, then the largest amount. Amounts written with a currency mark are
candidates everywhere. Many invoicing tools print the totals of their PDFs with no mark at all
and state the currency once ("All amounts in US Dollars", "Montants exprimés en euros",
"Beträge in Euro", "Sume exprimate în lei", "Importes en euros", "Amount Due (USD)",
"Currency: EUR"): then a bare number with two decimals labelled as a total (score 2 or 3) is a
candidate too, in that currency; a configured default currency serves the same way when the
document writes no currency at all. A bare number is never taken otherwise: it is as often a
quantity, a postcode or a year. Labels are matched on folded text (lower case, no
diacritics); each search is bounded, so a text of one endless line costs linear time.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .amounts import find_amounts, to_decimal
from .model import Money
from .text import fold

MAX_AMOUNTS = 1000  # amounts weighed per text: an itemised invoice has dozens, not thousands
_LABEL_REACH = 120  # characters before an amount searched for its label

_DUE_TOTAL = re.compile(
    r"amount due|balance due|total due|amount payable|total to pay|total payable|montant du"
    r"|montant a payer|net a payer|reste a payer|total ttc|total a payer|total de plata"
    r"|rest de plata|\bde plata\b|total factura|gesamtbetrag|rechnungsbetrag|zu zahlen"
    r"|zahlbetrag|endbetrag|importe total|total a pagar|total incl|total including"
    r"|total \(incl|total cu tva|total inkl|grand total|outstanding amount|\bbrutto\b"
    r"|solde du|solde a payer|valoare totala|total \(inc\b")
# Words that make a total a part of it, checked before the due words: "Gesamtbetrag netto".
_NET = re.compile(r"\bnetto\b|\bnet\b(?! a payer)|\bht\b|hors tax|excl|fara tva|sin iva"
                  r"|before tax|ohne (?:mwst|ust)|taxable")
_NOT_TOTAL = re.compile(
    r"sub-?total|sous-?total|total ht\b|hors tax|\bht\b|excl|before tax|net amount|\bnetto\b"
    r"|zwischensumme|fara tva|\bbaza\b|base imponible|\bvat\b|\btva\b|\bmwst\b|\bust\b|\biva\b"
    r"|\btax\b|\btaxe\b|discount|remise|reducere|rabatt|descuento|deposit|acompte|\bavans\b"
    r"|anzahlung|anticipo|\bpaid\b|\bpaye\b|deja regle|\bplatit\b|bezahlt|pagado|unit|\bqty\b"
    r"|quantit|einzelpreis|\brate\b|\bgst\b|cgst|sgst|umsatzsteuer|received")
# "über 1.190,00 €", "în valoare de 500 euro", "Honorar: 1.800,00 €": the amount of the invoice.
_TOTAL_WORD = re.compile(r"\b(?:total|summe|suma|montant|importe|amount|betrag|uber|valoare"
                         r"|honorar)\b")

# --- the currency stated once ----------------------------------------------------------------

_STATEMENT = re.compile(
    r"\bamounts? (?:are )?(?:(?:expressed|shown|stated|quoted|given) )?in\b"
    r"|\bmontants? (?:sont )?(?:(?:exprimes|indiques|libelles) )?en\b"
    r"|\bbetrage (?:sind )?(?:angegeben )?in\b|\bsume(?:le)? (?:sunt )?exprimate in\b"
    r"|\bvalori(?:le)? (?:sunt )?in\b|\bimportes (?:expresados )?en\b"
    r"|\b(?:currency|devise|monnaie|moneda|wahrung|valuta|divisa)\b\s*+:"
    r"|\b(?:amount|total|montant|betrag|importe|suma)\b[^\n(]{0,25}\((?=[a-z]{3}\))")
_CURRENCY_NAMES = {
    "dollars": "USD", "dollar": "USD", "usd": "USD", "euros": "EUR", "euro": "EUR",
    "eur": "EUR", "pounds": "GBP", "pound": "GBP", "sterling": "GBP", "livres": "GBP",
    "gbp": "GBP", "lei": "RON", "ron": "RON", "francs": "CHF", "franken": "CHF", "chf": "CHF",
    "rupees": "INR", "inr": "INR", "cad": "CAD", "aud": "AUD", "nzd": "NZD",
}
_QUALIFIED = {"canadian": "CAD", "australian": "AUD", "zealand": "NZD", "us": "USD",
              "swiss": "CHF"}
_WORD = re.compile(r"[a-z]+")


def _named_currency(words: str) -> str | None:
    """The ISO code of the first currency named in ``words`` ("US Dollars", "euros", "lei")."""
    found = _WORD.findall(words)[:4]
    for index, word in enumerate(found):
        if word in _QUALIFIED and index + 1 < len(found) and found[index + 1].startswith(
                ("dollar", "franc")):
            return _QUALIFIED[word]
        if word in _CURRENCY_NAMES:
            return _CURRENCY_NAMES[word]
    return None


def _statement(texts: Sequence[str]) -> tuple[str, str] | None:
    """The currency the texts state once for all their amounts and the words that state it
    (as written, blanks collapsed), or None."""
    for text in texts:
        folded = fold(text)
        for count, match in enumerate(_STATEMENT.finditer(folded)):
            if count >= 20:
                break
            code = _named_currency(folded[match.end():match.end() + 30])
            if code:
                return code, _phrase(text[match.start():match.end() + 30])
    return None


def _phrase(words: str) -> str:
    """A currency statement as written, up to its first stop ("All amounts in US Dollars")."""
    words = re.split(r"[.;,\n]", words, maxsplit=1)[0]
    if "(" in words:
        words = words.split(")", 1)[0] + ")"
    return " ".join(words.split())


def stated_currency(texts: Sequence[str]) -> str | None:
    """Return the currency the texts state once for all their amounts, or None."""
    found = _statement(texts)
    return found[0] if found else None


# --- candidates --------------------------------------------------------------------------------

_BARE_TOTAL = re.compile(r"(?<![\d.,'’\w-])(?:\d{1,3}(?:([ .,'’])\d{3})(?:\1\d{3})*|\d+)"
                         r"[.,]\d{2}(?![\d%]|[.,]\d)")


def _label_of(folded: str, start: int, end: int) -> str:
    """The words that label an amount: its line up to it (at most ``_LABEL_REACH`` characters)
    plus a few after it; when the amount opens its line (a table whose cells were split into
    lines), the end of the previous line."""
    reach = max(0, start - _LABEL_REACH)
    newline = folded.rfind("\n", reach, start)
    line_start = newline + 1 if newline >= 0 else reach
    before = folded[line_start:start]
    if not re.search(r"[a-z]", before) and newline >= 0:
        previous = folded[max(0, line_start - _LABEL_REACH):line_start - 1].rstrip("\n")
        before = previous.rsplit("\n", 1)[-1] + " " + before
    return before + " " + folded[end:end + 15].split("\n", 1)[0]


def _score(label: str) -> int:
    if _NET.search(label):
        return -1
    if _DUE_TOTAL.search(label):
        return 3
    if _NOT_TOTAL.search(label):
        return -1
    return 2 if _TOTAL_WORD.search(label) else 0


@dataclass(frozen=True)
class Candidate:
    """An amount and its evidence: which text (its index in the texts given), the words that
    label it there (as written), and where its currency came from."""

    money: Money
    score: int
    source: int
    label: str
    currency_from: str  # "its mark", "stated: 'Montants exprimés en euros'", "the default"


def _written_label(text: str, start: int) -> str:
    """The last words before an amount on its line, as written (at most six)."""
    lines = text[max(0, start - _LABEL_REACH):start].rsplit("\n", 2)
    line = lines[-1]
    if not re.search(r"[^\W\d_]", line) and len(lines) > 1:  # a cell split onto its own line
        line = lines[-2] + " " + line
    return " ".join(line.split()[-6:]).rstrip(" :")


def _candidates(text: str, currency: str | None) -> Iterator[tuple[int, Money, int, bool]]:
    """Every amount of ``text`` as (score, money, start, marked): those written with a
    currency, and when ``currency`` is stated, the bare ones labelled as a total."""
    folded = fold(text)
    marked = find_amounts(text, MAX_AMOUNTS)
    for money, start, end in marked:
        yield _score(_label_of(folded, start, end)), money, start, True
    if currency is None:
        return
    starts = [start for _m, start, _e in marked]  # in order, never overlapping
    for count, match in enumerate(_BARE_TOTAL.finditer(text)):
        if count >= MAX_AMOUNTS:
            break
        at = bisect.bisect_right(starts, match.start()) - 1
        if at >= 0 and match.start() < marked[at][2]:
            continue  # the number of an amount written with its currency
        score = _score(_label_of(folded, match.start(), match.end()))
        value = to_decimal(match.group())
        if score >= 2 and value is not None:
            yield score, Money(value, currency), match.start(), False


def best_candidate(texts: Sequence[str], default_currency: str | None = None
                   ) -> Candidate | None:
    """Return the amount to be paid among every amount in ``texts`` with its evidence (see
    the module docstring), or None when no text holds one. ``default_currency`` (the client's
    or the user's configured one) stands in for a stated currency only when no amount anywhere
    carries a mark: a document that writes "40 €" once is not in the user's currency."""
    statement = _statement(texts)
    currency, currency_from = (statement[0], f"stated: '{statement[1]}'") if statement \
        else (None, "")
    if currency is None and default_currency and not any(find_amounts(t, 1) for t in texts):
        currency, currency_from = default_currency.upper(), "the configured default"
    best: tuple[int, Decimal, int, int, bool, Money] | None = None
    for index, text in enumerate(texts):
        for score, money, start, marked in _candidates(text, currency):
            if best is None or (score, money.amount) > best[:2]:
                best = (score, money.amount, index, start, marked, money)
    if best is None:
        return None
    score, _value, index, start, marked, money = best
    return Candidate(money, score, index, _written_label(texts[index], start),
                     "its mark" if marked else currency_from)


def best_amount(texts: Sequence[str], default_currency: str | None = None) -> Money | None:
    """The money of ``best_candidate``, or None."""
    found = best_candidate(texts, default_currency)
    return found.money if found else None
