"""The pay-now or portal link of an invoice e-mail, to be offered again in its follow-ups.

Invoicing tools put one in every invoice they send: Stripe's hosted invoice page, PayPal's
invoice, QuickBooks' and Xero's online invoice, Zoho's secure pay page, an Odoo or Invoice
Ninja portal link with its access token or signature. The client who lost the e-mail needs that
link more than anything else in a reminder. The link comes from the user's own sent message, so
relance repeats what the user already sent to that client; it adds no address of its own.

A link counts when its anchor text, or the words just before it in plain text, speak of paying
or of viewing the invoice in the five languages, or when its path is an invoice or payment page
(``/invoice``, ``/invoices/42``, ``/pay``, ``/i/``, ``/p/``, ``/secure``). Links that are no
such page (unsubscribe, privacy, a logo, social networks, ``mailto:``) never count. Among those
that count, a speaking anchor beats a path alone; then the first one wins.
"""

from __future__ import annotations

import html
import re
from email.message import Message
from html.parser import HTMLParser

from .message import body_parts
from .text import fold

MAX_LINK = 500  # characters; a longer URL is no link a person is meant to follow

# Words that say "pay" or "see the invoice", folded (no diacritics, lower case).
_PAY_WORDS = re.compile(
    r"\b(pay|payment|pay now|pay online|view (?:and pay )?(?:your )?(?:invoice|bill)"
    r"|payer|paiement|regler|reglement|voir (?:la )?facture|consulter (?:la )?facture"
    r"|plateste|plata|plati|vizualizeaza factura|vezi factura"
    r"|bezahlen|zahlen|jetzt bezahlen|rechnung (?:ansehen|anzeigen)|zur rechnung"
    r"|pagar|pago|ver (?:la )?factura)\b")
_PAGE_PATH = re.compile(r"/(?:invoices?|factur\w*|rechnung\w*|pay|payment|i|p|t|f|s|secure"
                        r"|portal|my|client|link)(?:/|\?|#|$)", re.IGNORECASE)
_NOT_A_PAGE = re.compile(
    r"unsubscribe|optout|opt-out|privacy|confidential|terms|cgv|legal|logo|\.(?:png|jpe?g|gif"
    r"|svg|css|js)(?:\?|$)|facebook\.|twitter\.|x\.com/|linkedin\.|instagram\.|youtube\."
    r"|/help\b|/support\b|w3\.org|schemas\.", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"')\]]{4,500}")


def _acceptable(url: str) -> str:
    """``url`` cleaned of trailing punctuation when it is a page link at all, else ""."""
    url = html.unescape(url.strip()).rstrip(".,;:!?")
    if not re.match(r"https?://[^/\s]+\.[^/\s]+", url) or len(url) > MAX_LINK:
        return ""
    return "" if _NOT_A_PAGE.search(url) else url


class _Anchors(HTMLParser):
    """The links of an HTML part with the text of their anchors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open.append((dict(attrs).get("href") or "", []))

    def handle_data(self, data: str) -> None:
        for _href, words in self._open:
            words.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            href, words = self._open.pop()
            self.links.append((href, " ".join("".join(words).split())))


def _candidates(msg: Message) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for ctype, text in body_parts(msg):
        if ctype == "text/html":
            anchors = _Anchors()
            try:
                anchors.feed(text)
            except Exception:  # a broken page still gave the links before the break
                pass
            found += [(_score(href, words), href) for href, words in anchors.links]
        else:
            found += [(_score(m.group(), text[max(0, m.start() - 80):m.start()]), m.group())
                      for m in _URL.finditer(text)]
    return found


def _score(url: str, words: str) -> int:
    clean = _acceptable(url)
    if not clean:
        return 0
    path = re.sub(r"^https?://[^/]+", "", clean)
    return 2 * bool(_PAY_WORDS.search(fold(words))) + bool(_PAGE_PATH.search(path or "/"))


def pay_link(msg: Message) -> str:
    """Return the invoice's pay-now or portal link (see the module docstring), or ""."""
    best = ""
    top = 0
    for score, url in _candidates(msg):
        if score > top:
            best, top = _acceptable(url), score
    return best
