"""Money as people write it in invoices: ``1 234,56 €``, ``€1,234.56``, ``1.234,56 lei``,
``RON 1.234,56``, ``USD 980``, ``$980.00``, ``CHF 1'250.00``, ``1 234,56 EUR``.

The decimal separator is read from the shape of the number, never from a locale:

- spaces (normal, no-break U+00A0, narrow no-break U+202F, thin U+2009) and apostrophes
  (Swiss ``1'250.00``) only ever group thousands;
- when both ``.`` and ``,`` appear, the last one is the decimal separator;
- when one of them appears several times, it groups thousands (``1.234.567``);
- when one of them appears once, it is a decimal separator when one or two digits follow it
  (``12,5``, ``980.00``) and a thousands separator when exactly three follow (``1,234`` and
  ``1.234 lei`` are one thousand two hundred and thirty-four) — a three-decimal amount is not
  something an invoice total is written in.

Only amounts written next to a currency (symbol, ISO 4217 code or word such as "lei") are
found: a bare number in an invoice is as often a quantity, a postcode or a year.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .model import Money
from .text import fold


@dataclass(frozen=True)
class NoAmount:
    """The named answer of ``parse_amount`` when the text holds no written amount."""

    reason: str


NO_AMOUNT = NoAmount("no amount written with a currency")

# Symbols and words, mapped to ISO 4217. "$" alone is taken as US dollars: Canadian and
# Australian senders usually write "CA$" / "C$" / "A$" or the code when it matters.
_SYMBOLS: dict[str, str] = {
    "€": "EUR",
    "us$": "USD",
    "ca$": "CAD",
    "c$": "CAD",
    "a$": "AUD",
    "$": "USD",
    "£": "GBP",
    "¥": "JPY",
    "zł": "PLN",
    "kč": "CZK",
}
_WORDS: dict[str, str] = {
    "lei": "RON",
    "leu": "RON",
    "euros": "EUR",
    "euro": "EUR",
    "dollars": "USD",
    "francs": "CHF",
}
_CODES = ("EUR", "USD", "GBP", "CHF", "RON", "CAD", "AUD", "JPY", "SEK", "NOK", "DKK", "PLN",
          "CZK", "HUF", "BGN", "MDL")

_SPACES = " \u00a0\u202f\u2009"
_GROUPERS = _SPACES + "'’"


def _alternatives() -> str:
    symbols = sorted(_SYMBOLS, key=len, reverse=True)
    words = sorted(list(_WORDS) + [c.lower() for c in _CODES], key=len, reverse=True)
    symbol_re = "|".join(re.escape(s) for s in symbols)
    word_re = r"\b(?:" + "|".join(words) + r")(?![^\W\d_])"
    return f"(?:{symbol_re}|{word_re})"


_CURRENCY = _alternatives()
# One group separator per number (the backreference keeps "1 234.567" from being one number).
_NUMBER = (
    r"(?<![\d.,'’])"
    r"(?P<num>\d{1,3}(?P<g>[" + _GROUPERS + r".,])\d{3}(?:(?P=g)\d{3})*(?:[.,]\d{1,2})?"
    r"|\d+(?:[.,]\d{1,2})?)"
    r"(?![\d]|[.,]\d)"
)
_GAP = "[" + _SPACES + "]?"
# A number whose currency follows it must not be the tail of a reference: in
# "INV-2024-031 €120.00", "031 €" is not an amount.
_NUMBER_ALONE = (r"(?<![\w\-/])" + _NUMBER.replace("?P<num>", "?P<num2>")
                 .replace("?P<g>", "?P<g2>").replace("(?P=g)", "(?P=g2)"))
_AMOUNT_RE = re.compile(
    r"(?P<pre>" + _CURRENCY + r")" + _GAP + _NUMBER
    + r"|" + _NUMBER_ALONE + _GAP + r"(?P<post>" + _CURRENCY + r")",
    re.IGNORECASE,
)


def _currency_code(token: str) -> str:
    """Return the ISO 4217 code of a currency symbol, word or code as written."""
    lowered = token.lower()
    if lowered in _SYMBOLS:
        return _SYMBOLS[lowered]
    if lowered in _WORDS:
        return _WORDS[lowered]
    return token.upper()


def to_decimal(number: str) -> Decimal | None:
    """Return the value of a written number by its shape (see the module docstring), or None
    when it is not a number."""
    digits = "".join(ch for ch in number if ch not in _GROUPERS)
    if "." in digits and "," in digits:
        decimal_sep = "." if digits.rfind(".") > digits.rfind(",") else ","
        group_sep = "," if decimal_sep == "." else "."
        digits = digits.replace(group_sep, "").replace(decimal_sep, ".")
    else:
        for sep in ".,":
            count = digits.count(sep)
            if count > 1:
                digits = digits.replace(sep, "")
            elif count == 1:
                whole, _, fraction = digits.partition(sep)
                if len(fraction) == 3 and whole not in ("", "0"):
                    digits = whole + fraction
                else:
                    digits = whole + "." + fraction
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def _amounts(text: str) -> Iterator[tuple[Money, int, int]]:
    for match in _AMOUNT_RE.finditer(text):
        number = match.group("num") or match.group("num2")
        currency = match.group("pre") or match.group("post")
        value = to_decimal(number)
        if value is not None:
            yield Money(value, _currency_code(currency)), match.start(), match.end()


def find_amounts(text: str, limit: int | None = None) -> list[tuple[Money, int, int]]:
    """Return every amount written with a currency in ``text`` (the first ``limit`` ones when
    given), in order, as ``(money, start, end)`` with ``text[start:end]`` the amount as
    written."""
    return list(itertools.islice(_amounts(text), limit))


_BARE_RE = re.compile(_NUMBER)


def parse_amount(text: str, default_currency: str | None = None) -> Money | NoAmount:
    """Return the first amount written in ``text`` ("1 234,56 €", "USD 980"), or
    ``NO_AMOUNT``. A number with no currency counts only when ``default_currency`` is given."""
    found = find_amounts(text)
    if found:
        return found[0][0]
    if default_currency:
        bare = _BARE_RE.search(text)
        if bare:
            value = to_decimal(bare.group("num"))
            if value is not None:
                return Money(value, default_currency.upper())
    return NO_AMOUNT


# The total among the amounts of an invoice. Labels are matched on text lower-cased without
# diacritics ("montant du", "total de plata").


MAX_AMOUNTS = 1000  # amounts weighed per text: an itemised invoice has dozens, not thousands
_LABEL_REACH = 120  # characters before an amount searched for its label



_DUE_TOTAL = re.compile(
    r"amount due|balance due|total due|amount payable|total to pay|total payable|montant du"
    r"|montant a payer|net a payer|reste a payer|total ttc|total a payer|total de plata"
    r"|rest de plata|\bde plata\b|total factura|gesamtbetrag|rechnungsbetrag|zu zahlen"
    r"|zahlbetrag|endbetrag|importe total|total a pagar|total incl|total including"
    r"|total \(incl|total cu tva|total inkl")
_NOT_TOTAL = re.compile(
    r"sub-?total|sous-?total|total ht\b|hors tax|\bht\b|excl|before tax|net amount|\bnetto\b"
    r"|zwischensumme|fara tva|\bbaza\b|base imponible|\bvat\b|\btva\b|\bmwst\b|\bust\b|\biva\b"
    r"|\btax\b|\btaxe\b|discount|remise|reducere|rabatt|descuento|deposit|acompte|\bavans\b"
    r"|anzahlung|anticipo|\bpaid\b|\bpaye\b|deja regle|\bplatit\b|bezahlt|pagado|unit|\bqty\b"
    r"|quantit|einzelpreis|\brate\b")
_TOTAL_WORD = re.compile(r"\b(?:total|summe|suma|montant|importe|amount|betrag)\b")


def _label_of(folded: str, start: int, end: int) -> str:
    """The words that label an amount: its line up to it (at most ``_LABEL_REACH`` characters)
    plus a few after it; when the amount opens its line (a table whose cells were split into
    lines), the end of the previous line. Bounded, so that a text of one endless line full of
    amounts costs linear time, not quadratic."""
    reach = max(0, start - _LABEL_REACH)
    newline = folded.rfind("\n", reach, start)
    line_start = newline + 1 if newline >= 0 else reach
    before = folded[line_start:start]
    if not re.search(r"[a-z]", before) and newline >= 0:
        previous = folded[max(0, line_start - _LABEL_REACH):line_start - 1].rstrip("\n")
        before = previous.rsplit("\n", 1)[-1] + " " + before
    return before + " " + folded[end:end + 15].split("\n", 1)[0]


def _score(label: str) -> int:
    if _DUE_TOTAL.search(label):
        return 3
    if _NOT_TOTAL.search(label):
        return -1
    return 2 if _TOTAL_WORD.search(label) else 0


def best_amount(texts: Sequence[str]) -> Money | None:
    """Return the amount to be paid among every amount in ``texts``: the one labelled as what
    is due ("Total TTC", "Amount due", "Total de plată", "Gesamtbetrag") over a plain "Total",
    over an unlabelled one, over subtotals, taxes, discounts and deposits; among equals the
    largest. None when no text holds an amount."""
    best: tuple[int, Money] | None = None
    for text in texts:
        folded = fold(text)
        for money, start, end in find_amounts(text, MAX_AMOUNTS):
            score = _score(_label_of(folded, start, end))
            if best is None or (score, money.amount) > (best[0], best[1].amount):
                best = (score, money)
    return best[1] if best else None
