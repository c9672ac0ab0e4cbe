"""Colleagues who answer for the client, and the address a client asks invoices to go to:
shown to the user, never acted on by themselves."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

import pytest

from relance.daemon.core.model import DueSource, Invoice
from relance.daemon.core.readdress import NO_PROPOSAL, colleague_of, proposed_address

INVOICE = Invoice(number="F-1042", amount=None, issue_date=date(2026, 3, 1),
                  due_date=date(2026, 3, 31), due_source=DueSource.EXPLICIT,
                  sender="ana@atelier-popescu.eu", recipients=("dana@kestrellabs.example",),
                  message_id="<f-1042@atelier-popescu.eu>", subject="Invoice F-1042",
                  language="en", cc=("ap@kestrellabs.example",))


def _reply(text: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Dana Reyes <dana@kestrellabs.example>"
    msg["To"] = "ana@atelier-popescu.eu"
    msg["Subject"] = "Re: Invoice F-1042"
    msg.set_content(text)
    return msg


@pytest.mark.parametrize("text", [
    "Hi Ana, could you please send it to accounts@kestrellabs.example? Dana is not handling "
    "invoices any more.",
    "Thanks! Going forward, please address invoices to payables@kestrel-finance.example.",
    "Bonjour, merci d'envoyer la facture à accounts@kestrellabs.example, notre comptabilité.",
    "Bună ziua, vă rog să trimiteți factura pe adresa accounts@kestrellabs.example. Mulțumesc!",
    "Hallo Frau Popescu, bitte senden Sie Rechnungen künftig an accounts@kestrellabs.example.",
    "Hallo, Rechnungen bitte an accounts@kestrellabs.example schicken. Danke!",
    "Hola Ana, por favor envíe la factura a accounts@kestrellabs.example. Gracias.",
], ids=["en", "en-address", "fr", "ro", "de", "de-verb-last", "es"])
def test_a_reply_asking_for_another_address_proposes_it(text: str) -> None:
    found = proposed_address(_reply(text), known=INVOICE.all_recipients)
    assert found in ("accounts@kestrellabs.example", "payables@kestrel-finance.example")


@pytest.mark.parametrize("text", [
    # an address already on the invoice needs no proposal
    "Please send it to ap@kestrellabs.example as usual.",
    # a signature is no request
    "Thanks, paid on Friday.\n\nDana Reyes\nKestrel Labs | dana.r@kestrellabs.example",
    # the quoted history is not the client's new words
    "Noted, thanks.\n\n> Please send all invoices to billing@atelier-popescu.eu\n> Ana",
])
def test_no_proposal_without_a_request_for_a_new_address(text: str) -> None:
    assert proposed_address(_reply(text), known=INVOICE.all_recipients) is NO_PROPOSAL


def test_a_colleague_shares_a_recipient_s_own_domain_and_was_not_on_the_invoice() -> None:
    assert colleague_of("Sam.Lee@kestrellabs.example", INVOICE)
    assert not colleague_of("dana@kestrellabs.example", INVOICE)  # on the invoice
    assert not colleague_of("sam@other.example", INVOICE)
    free = Invoice(**{**INVOICE.__dict__, "recipients": ("kestrel.labs@gmail.com",), "cc": ()})
    assert not colleague_of("anyone@gmail.com", free)
