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
from collections.abc import Iterator
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
    "nz$": "NZD",
    "hk$": "HKD",
    "$": "USD",
    "£": "GBP",
    "¥": "JPY",
    "zł": "PLN",
    "kč": "CZK",
    "₹": "INR",
}
_WORDS: dict[str, str] = {
    "lei": "RON",
    "leu": "RON",
    "euros": "EUR",
    "euro": "EUR",
    "dollars": "USD",
    "francs": "CHF",
    "rs": "INR",  # Indian retail invoices: "Rs. 1,770.00"
}
_CODES = ("EUR", "USD", "GBP", "CHF", "RON", "CAD", "AUD", "JPY", "SEK", "NOK", "DKK", "PLN",
          "CZK", "HUF", "BGN", "MDL", "INR", "NZD", "SGD", "HKD", "ZAR", "MXN", "BRL", "CNY",
          "AED", "ILS", "ARS", "CLP", "COP")  # not TRY, the Turkish lira: "try 30 days" is English

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
    r"(?P<pre>" + _CURRENCY + r")\.?" + _GAP + _NUMBER
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


# A symbol that English-speaking writers put before a number owns the number after it: in "due
# on April 3, 2026 $96.40" the "$" is the mark of 96.40, not of 2026. (A "€" or a code may
# follow one number and precede the next: "1.400,00 € 1 1.400,00 €".)
_PREFIX_SYMBOLS = frozenset({"$", "us$", "ca$", "c$", "a$", "nz$", "hk$", "£", "¥",
                             "₹", "rs"})
_PREFIX_OWNED = re.compile(_GAP + r"\d")
# A year after a month is no amount when a currency follows it: "due on 3 August 2014 € ...".
_YEAR = re.compile(r"(?:19|20)\d\d")
_MONTH_BEFORE = re.compile(
    r"\b(?:jan|feb|fev|mar|apr|avr|abr|mai|may|jun|jui|iun|jul|iul|aug|aou|ago|sep|oct|okt"
    r"|nov|dec|dez|dic|ene|ian)[a-z]*+\.?[^\S\n]*+(?:\d{1,2}(?:st|nd|rd|th)?)?,?[^\S\n]*+$")


# "$" is also the peso's sign (Mexico, Argentina, Chile...) and "¥" the yuan's: a code written
# right after the amount says which ("$11,600.00 MXN", "$1,000 CAD").
_DOLLAR_LIKE = frozenset({"USD", "JPY"})
_CODE_AFTER = re.compile(_GAP + r"([A-Za-z]{3})\b")


def _misread(match: re.Match[str], text: str) -> bool:
    """Whether a number read with the currency after it belongs elsewhere: a year, or a number
    before a prefix symbol that owns the next one."""
    if not match.group("post"):
        return False
    start = match.start("num2")
    if _YEAR.fullmatch(match.group("num2")) and _MONTH_BEFORE.search(
            fold(text[max(0, start - 20):start])):
        return True
    return match.group("post").lower() in _PREFIX_SYMBOLS and bool(
        _PREFIX_OWNED.match(text, match.end()))


def _amounts(text: str) -> Iterator[tuple[Money, int, int]]:
    position = 0
    while (match := _AMOUNT_RE.search(text, position)) is not None:
        if _misread(match, text):
            position = match.start("post")  # read the symbol again, before its number
            continue
        position = match.end()
        number = match.group("num") or match.group("num2")
        code = _currency_code(match.group("pre") or match.group("post"))
        named = _CODE_AFTER.match(text, position) if match.group("pre") else None
        if named and named.group(1).upper() in _CODES and code in _DOLLAR_LIKE:
            code, position = named.group(1).upper(), named.end()  # "$11,600.00 MXN"
        value = to_decimal(number)
        if value is not None:
            yield Money(value, code), match.start(), position


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
