"""Who else at the client may answer, and where the client asks invoices to go.

Two questions about a person's reply that decide nothing by themselves but are shown to the
user:

- ``colleague_of``: a reply from someone who was not on the invoice but writes from the
  client's own domain (the accountant answering for the manager) is the client's answer. A
  shared free-mail domain (gmail.com, outlook.com, ...) makes nobody a colleague.
- ``proposed_address``: "please send it to accounts@…" (en, fr, ro, de, es) names an address
  the client would rather have the invoice at. relance only proposes it: a follow-up still goes
  only to the addresses that were on the invoice.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from email.message import Message

from .message import new_text, text_body
from .model import Invoice
from .text import fold

# Domains whose users share nothing but their mail provider.
FREEMAIL = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.fr", "live.com",
    "live.fr", "msn.com", "yahoo.com", "yahoo.fr", "yahoo.co.uk", "ymail.com", "icloud.com",
    "me.com", "mac.com", "aol.com", "gmx.de", "gmx.net", "gmx.com", "web.de", "t-online.de",
    "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr", "proton.me",
    "protonmail.com", "mail.com", "zoho.com", "yandex.com", "yandex.ru", "yahoo.es",
    "hotmail.es", "yahoo.ro", "fastmail.com",
})

# An address as people write it in running text (bounded: no nested repetition).
_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}")
# Words that ask for mail to go somewhere, folded (lower-case, no diacritics), by language:
# en send/forward/address/email/cc, fr envoyer/adresser/transmettre, ro trimiteti, de
# senden/schicken/richten/weiterleiten (also after the address), es enviar/remitir/mandar.
_ASK = re.compile(
    r"\b(send\w*|forward\w*|address(ed)? (it|them|invoices?)|e-?mail (it|them)|cc|"
    r"copy in|go(es)? to|envo[iy]\w*|adress\w*|transmet\w*|faire parvenir|trimit\w*|"
    r"redirectio\w*|schick\w*|richten|weiterleit\w*|zusend\w*|envi[aeo]\w*|remit\w*|"
    r"mand[ae]\w*)\b")
_BEFORE = 90  # characters before an address where the asking words are looked for
_AFTER = 40  # after it: German and Romanian may put the verb last ("an x@y.de senden")


@dataclass(frozen=True)
class NoProposal:
    """The named answer of ``proposed_address`` for a reply that asks for no other address."""


NO_PROPOSAL = NoProposal()


def domain_of(address: str) -> str:
    return address.strip().lower().rpartition("@")[2]


def colleague_of(sender: str, invoice: Invoice) -> bool:
    """Whether ``sender`` was not on the invoice but writes from the domain of one of its
    recipients, which is not a free-mail domain."""
    address = sender.strip().lower()
    if not address or address in invoice.all_recipients:
        return False
    domain = domain_of(address)
    return domain not in FREEMAIL and any(domain_of(r) == domain for r in invoice.all_recipients)


def proposed_address(msg: Message, *, known: Collection[str] = ()) -> str | NoProposal:
    """Return the address a reply asks the invoice to be sent to, lower-cased, or
    ``NO_PROPOSAL``. Only the new text counts (never the quoted history); ``known`` are the
    addresses that need no proposal (the invoice's, the sender's, the user's)."""
    text = new_text(text_body(msg))
    skip = {a.strip().lower() for a in known}
    for match in _ADDRESS.finditer(text):
        address = match.group(0).lower().rstrip(".")
        if address in skip:
            continue
        before = fold(text[max(0, match.start() - _BEFORE):match.start()])
        after = fold(text[match.end():match.end() + _AFTER])
        if _ASK.search(before) or _ASK.search(after.split(".")[0]):
            return address
    return NO_PROPOSAL
