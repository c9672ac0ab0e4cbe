"""Is a received message a payment processor's or a bank's notice that money arrived for one of
the user's open invoices?

A notice is believed when three things hold: it comes from a processor we know (by the From
domain) or reads like a bank's incoming-transfer notice; it says money came in ("payment
received", "virement reçu", "plată primită", "Zahlungseingang", "pago recibido"); and it names
an open invoice's number, an invoice-number-shaped reference, or exactly an open invoice's
amount. The last condition is what keeps a processor's newsletter or a receipt for something
else out.

Believed is not proven: anyone can write "From: Stripe". A notice closes an invoice only when
the receiving server vouches for its sender (``PaymentNotice.vouched_by``, see
``core/authres.py``): DKIM or DMARC pass for the From domain in the receiving server's own
Authentication-Results, and that domain is a processor's (the table below) or one the user
named as a bank's (``trusted_senders``). Any other notice is only a claim.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from email.message import Message

from .amounts import find_amounts
from .authres import NOT_VOUCHED, vouched_domain
from .message import header, sender, text_body
from .model import Money, PaymentNotice
from .text import fold


@dataclass(frozen=True)
class NoPayment:
    """The named answer of ``detect_payment`` for a message that is not a payment notice."""

    reason: str = "not a payment notice"


NO_PAYMENT = NoPayment()
UNKNOWN_PROVIDER = ""

# Processors by the domains their notices come from (subdomains included).
_PROVIDERS: tuple[tuple[str, str], ...] = (
    (r"stripe\.com", "stripe"),
    (r"paypal\.[a-z.]+", "paypal"),
    (r"(wise|transferwise)\.com", "wise"),
    (r"gocardless\.com", "gocardless"),
    (r"sumup\.[a-z.]+", "sumup"),
    (r"revolut\.com", "revolut"),
    (r"mollie\.com", "mollie"),
    (r"squareup\.com", "square"),
)

# Money came in, as notices say it (folded: lower-case, no diacritics).
_MONEY_IN = re.compile(
    r"payment received|received (a|your|an incoming) (payment|transfer)|you('ve| have)? received|"
    r"you got paid|payment (of .{1,30} )?(succeeded|successful|completed)|successful payment|"
    r"paid (your )?invoice|has paid|paid you|sent you|money (in|received)|"
    r"incoming (payment|transfer)|transfer received|credit(ed)? (transfer|to your account)|"
    r"paiement recu|vous avez recu|virement recu|a credite|credit sur votre compte|"
    r"virement entrant|plata primita|ati primit|incasare|ati incasat|transfer primit|"
    r"zahlungseingang|zahlung (erhalten|eingegangen)|gutschrift|eingang (einer|ihrer) zahlung|"
    r"pago recibido|has recibido|ha recibido|transferencia recibida|ingreso recibido"
)
# Words a bank uses for an incoming transfer; with these, an unknown sender is a bank.
_BANK = re.compile(
    r"virement recu|virement entrant|transfer received|incoming (transfer|payment)|"
    r"credit transfer|plata primita|incasare|transfer primit|zahlungseingang|gutschrift|"
    r"transferencia recibida|ingreso recibido|a credite votre compte|credited to your account"
)
# Where notices write the payer's reference. Possessive blanks ("\s*+"): three "\s*" around
# optional parts tried every split of a run of blanks after a keyword (n³ steps).
_REFERENCE = re.compile(
    r"(invoice|inv|facture|factura|rechnung|reference|ref|referinta|verwendungszweck|"
    r"concepto|memo|description|libelle|motif|detalii( plata)?|zahlungsreferenz)"
    r"\s*+(no\.?|n°|nr\.?|number|numero|#)?\s*+[:#]?\s*+"
    r"(?P<token>[A-Za-z]{0,6}[-/ ]?\d(?:[\w/-]| (?=\d)){1,20})",
    re.IGNORECASE,
)


def detect_payment(msg: Message, open_invoices: Sequence[tuple[str, Money | None]] = (), *,
                   authserv_ids: Collection[str] = (), trusted_senders: Collection[str] = (),
                   ) -> PaymentNotice | NoPayment:
    """Return the ``PaymentNotice`` a message is, or ``NO_PAYMENT``.

    ``open_invoices`` are the user's open (invoice number, amount) pairs. ``references`` holds
    the open invoice numbers the notice names, else the invoice-shaped references it carries;
    ``amount`` is the amount equal to an open invoice's when there is one, else the first
    amount written, else None. ``vouched_by`` is the sender's domain when the receiving server
    vouches for it (``authserv_ids``: whose Authentication-Results count) and it is a
    processor's or one of ``trusted_senders`` (the user's banks), else "" (a claim)."""
    text = header(msg, "Subject") + "\n" + text_body(msg)
    folded = fold(text)
    provider = provider_of(msg)
    if provider == UNKNOWN_PROVIDER and _BANK.search(folded):
        provider = "bank"
    if provider == UNKNOWN_PROVIDER or not _MONEY_IN.search(folded):
        return NO_PAYMENT
    references = _open_numbers(text, open_invoices) or _shaped_references(text)
    amounts = [money for money, _start, _end in _safe_amounts(text)]
    owed = {amount for _number, amount in open_invoices if amount is not None}
    matching = [money for money in amounts if _same_money(money, owed)]
    if not references and not matching:
        return NoPayment("a processor's message naming no open invoice number or amount")
    amount = matching[0] if matching else (amounts[0] if amounts else None)
    return PaymentNotice(provider=provider, references=references, amount=amount,
                         vouched_by=_vouched(msg, authserv_ids, trusted_senders))


def _vouched(msg: Message, authserv_ids: Collection[str], trusted: Collection[str]) -> str:
    """The From domain when the receiving server vouches for it and it may send payment
    notices (a processor's domain, or a bank's the user named), else ``NOT_VOUCHED``."""
    domain = sender(msg).rpartition("@")[2]
    vouched = vouched_domain(msg, domain, authserv_ids)
    if vouched == NOT_VOUCHED:
        return NOT_VOUCHED
    if provider_of(msg) != UNKNOWN_PROVIDER:
        return vouched
    banks = {t.strip().lower().lstrip("@") for t in trusted if t.strip()}
    if any(vouched == bank or vouched.endswith("." + bank) for bank in banks if "." in bank):
        return vouched
    return NOT_VOUCHED


def provider_of(msg: Message) -> str:
    """Return the processor a message comes from by its From domain ("stripe", "paypal", ...),
    or ``UNKNOWN_PROVIDER``."""
    address = sender(msg)
    domain = address.rpartition("@")[2]
    for pattern, name in _PROVIDERS:
        if re.fullmatch(r"(.+\.)?" + pattern, domain):
            return name
    return UNKNOWN_PROVIDER


def _open_numbers(text: str, open_invoices: Sequence[tuple[str, Money | None]]) -> tuple[str, ...]:
    """Return the open invoice numbers written in the text. Banks often drop or change the
    separators of a reference ("INV2024031" for "INV-2024-031"), so separators are optional."""
    found = []
    for number, _amount in open_invoices:
        chars = [re.escape(c) for c in number if c.isalnum()]
        if not chars:
            continue
        pattern = r"(?<![A-Za-z0-9])" + r"[-_/. ]?".join(chars) + r"(?![A-Za-z0-9])"
        if re.search(pattern, text, re.IGNORECASE) and number not in found:
            found.append(number)
    return tuple(found)


def _shaped_references(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for match in _REFERENCE.finditer(text):
        token = match.group("token").strip(" -/")
        if sum(c.isdigit() for c in token) >= 2 and token not in found:
            found.append(token)
    return tuple(found)


def _safe_amounts(text: str) -> list[tuple[Money, int, int]]:
    try:
        return find_amounts(text)
    except Exception:
        return []


def _same_money(money: Money, owed: set[Money]) -> bool:
    return any(money.currency == o.currency and money.amount == o.amount for o in owed)
