"""Invoice numbers as invoicing tools write them, in five languages.

"Invoice INV-2024-031", "Invoice #1042", "Facture n° F-1042", "Rechnung Nr. RE-2026-5",
"Factura n.º 2026/031", "N° de facture : F-1042", "Număr factură: SLM 0051", "Factura seria
ABC nr. 0077", "Seria SLM Nr. 0047", "Factura LUM 0070", "Rechnungsnr. RE2026-0043",
"Facture (Réf INV/2026/00044)", "Factură nouă 0046".

A candidate is refused when it lies inside a link (portal and signed links such as
``.../my/invoices/44?access_token=...`` or ``.../client/invoices/42?signature=...`` name the
tool's database id, not the invoice number) or inside an amount ("MONTANT DE LA FACTURE 960,00
€" is no invoice number 960). Among the rest the first in the text wins. All patterns are
matched on folded text (lower case, no diacritics); values are returned as written.
"""

from __future__ import annotations

import hashlib
import re

from .amounts import find_amounts
from .text import fold

MAX_CANDIDATES = 50  # matches weighed per pattern and text

_TOKEN = r"(?P<num>(?=[a-z0-9\-/_.]*\d)[a-z0-9][a-z0-9\-/_.]{0,30})"
_NO = (r"(?:n\s*+[°º]|n\.\s*+[°º]|n\.o\b|no\b\.?|nr\b\.?|num\b\.?|number|numero|nummer"
       r"|numar(?:ul)?|#|\(?ref\b\.?)")
_SERIES = r"(?P<series>[a-z]{1,8})"
# "Factura LUM 0070", "Număr factură: SLM 0051": a series in capitals, a blank, the number.
_PREFIX = r"(?:(?P<prefix>[a-z]{2,5})\s(?=\d))?"
_NUMBER_RES = (
    # Factura seria ABC nr. 0077; Seria SLM Nr. 0047: Romanian invoices carry a series
    re.compile(r"\b(?:factur\w*(?:\s+fiscal\w*)?\s+)?seri[ae]\s*+:?\s*+" + _SERIES + r"\s*+"
               + _NO + r"?\s*+[:.]?\s*+" + _TOKEN),
    # Invoice INV-2024-031, Invoice #1042, Facture n° F-1042, Rechnung Nr. RE-2026-5,
    # Factura n.º 2026/031, Invoice number: 1042, Factură nouă 0046, Facture (Réf INV/1)
    re.compile(r"\b(?:invoice|facture|factura|rechnung|honorarnote)(?:\s+fiscala)?"
               r"(?:\s+(?:noua|nouvelle|nueva))?\s*+" + _NO + r"?\s*+[:.]?\s*+"
               + _PREFIX + _TOKEN),
    # N° de facture : F-1042, Număr factură: SLM 0051, Número de factura: 31
    re.compile(r"(?<![a-z])" + _NO + r"\s*+(?:de\s+(?:la\s+)?)?(?:invoice|facture|factura)\s*+"
               r"[:.]?\s*+" + _PREFIX + _TOKEN),
    re.compile(r"\brechnungs-?(?:nummer|nr\b\.?)\s*+[:.]?\s*+" + _TOKEN),
)
# In a subject that calls itself an invoice: "Your invoice from Atelier Martin (#1042)".
_SUBJECT_NUMBER = re.compile(r"#\s*" + _TOKEN + r"|\b(?P<code>[a-z]{1,5}-?\d[a-z0-9\-/_]*)")
# A link, as mail clients and HTML-to-text conversion leave them in a body.
_LINK = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']++")


def _masked(folded: str) -> str:
    """``folded`` with every link blanked out, one character for one."""
    return _LINK.sub(lambda m: " " * len(m.group()), folded)


def _value(text: str, match: re.Match[str]) -> str | None:
    """The number as written, with its series; None when what stands before the number is
    a word, not a series ("Invoice for 2026")."""
    value = text[match.start("num"):match.end("num")].rstrip(".-/_")
    groups = match.groupdict()
    if groups.get("prefix"):
        prefix = text[match.start("prefix"):match.end("prefix")]
        if not prefix.isupper():
            return None
        return prefix + " " + value
    if groups.get("series"):
        value = text[match.start("series"):match.end("series")].upper() + " " + value
    return value


def number_match(text: str) -> tuple[int, str] | None:
    """Return the position and the value (as written) of the first invoice number in
    ``text`` that is neither in a link nor in an amount, or None."""
    folded = _masked(fold(text))
    amounts = [(start, end) for _m, start, end in find_amounts(text, 200)]
    best: tuple[int, str] | None = None
    for pattern in _NUMBER_RES:
        for count, match in enumerate(pattern.finditer(folded)):
            if count >= MAX_CANDIDATES or (best is not None and match.start() >= best[0]):
                break
            start, end = match.start("num"), match.end("num")
            value = _value(text, match)
            if value is None or any(s < end and start < e for s, e in amounts):
                continue
            best = (match.start(), value)
            break
    return best


def number_in(text: str) -> str | None:
    """Return the first invoice number written in ``text``, as written, or None."""
    found = number_match(text)
    return found[1] if found else None


def subject_number(subject: str) -> str | None:
    """The reference a subject that calls itself an invoice gives ("#1042", "A-2026-0042")."""
    match = _SUBJECT_NUMBER.search(_masked(fold(subject)))
    if match is None:
        return None
    group = "num" if match.group("num") else "code"
    return subject[match.start(group):match.end(group)].rstrip(".-/_")


def generated_number(msg_id: str) -> str:
    """A stable reference for an invoice that states no number, from its Message-ID."""
    return "MSG-" + hashlib.sha1(msg_id.encode("utf-8", "replace")).hexdigest()[:8].upper()
