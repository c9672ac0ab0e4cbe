"""What the client reads in a composed follow-up: the greeting the invoice e-mail used (else a
person's To display name, else the language's neutral greeting, never a company's name), the
statutory interest line when the user turned it on, every PDF a statement speaks for, and a
thank-you that praises promptness only when the payment was on time.

The invoice e-mails' openings imitate how freelancers write them in Gmail and Outlook (the sample
mailbox's sent invoices open the same way: "Hi Oliver,", "Bonjour Hélène,", "Bună ziua, Ioana,").
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from relance.daemon.core.compose import MAX_ATTACHED_BYTES, compose_followup
from relance.daemon.core.greeting import is_person, salutation
from relance.daemon.core.model import Invoice, Money, StageKind
from relance.daemon.cycle.configfees import shipped_laws
from tests.core.test_compose import INVOICE, LETTER, PDF

OLIVER = """Hi Oliver,

Please find attached invoice F-2025-112 for the brand refresh, due on 19 December.

Thanks again for a great project!
Claire"""
HELENE = """Bonjour Hélène,

Veuillez trouver ci-joint la facture F-2026-006 pour les visuels du printemps.

Bien à vous,
Claire"""
IOANA = """Bună ziua, Ioana,

Vă trimit atașat factura F-2026-010 pentru ilustrațiile catalogului.

Cu stimă,
Claire Martin"""


def _plain(msg: EmailMessage) -> str:
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    part = parsed.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _body(**overrides: object) -> str:
    return _plain(compose_followup(replace(LETTER, **overrides)))


# ---------------------------------------------------------------------------------------------
# Greetings


@pytest.mark.parametrize(("language", "text", "greeting", "closing"), [
    ("en", OLIVER, "Hi Oliver,", "Best wishes,"),
    ("fr", HELENE, "Bonjour Hélène,", "Cordialement,"),
    ("ro", IOANA, "Bună ziua, Ioana,", "Cu stimă,"),
])
def test_the_follow_up_greets_as_the_invoice_did(language: str, text: str, greeting: str,
                                                 closing: str) -> None:
    # The configured name is a company's, as in the sample's [[clients]]: it must not win.
    body = _body(language=language, invoice_text=text, client_name="Kestrel Labs, Inc.")
    lines = body.splitlines()
    assert greeting in lines[:3]
    assert "Kestrel" not in body
    assert closing in lines


def test_a_person_in_the_to_header_is_greeted_by_name() -> None:
    body = _body(client_name="", to_name="Jeanne Morel")
    assert "Bonjour Jeanne Morel," in body.splitlines()[:3]


@pytest.mark.parametrize("name", ["Boulangerie Morel SARL", "Studio Lumina SRL",
                                  "Kestrel Labs, Inc.", "Comptabilité", "Accounts Payable",
                                  "Buchbinderei Adler GmbH", "compta@boulangerie-morel.fr"])
def test_a_company_or_a_department_gets_the_neutral_greeting(name: str) -> None:
    assert not is_person(name)
    body = _body(client_name=name, to_name=name)
    assert "Bonjour," in body.splitlines()[:3]
    assert "Cordialement," in body.splitlines()


def test_a_greeting_to_nobody_in_particular_is_not_a_name() -> None:
    for text in ("Hi team,\n\nInvoice attached.", "Dear all,\n\nPlease find...",
                 "Hello there!\n\nHere it is."):
        assert salutation("en", invoice_text=text).greeting == "Hello,"


@pytest.mark.parametrize(("language", "neutral"), [
    ("en", "Hello,"), ("fr", "Bonjour,"), ("ro", "Bună ziua,"),
    ("de", "Sehr geehrte Damen und Herren,"), ("es", "Buenos días:"),
])
def test_each_language_has_a_natural_neutral_greeting(language: str, neutral: str) -> None:
    assert salutation(language).greeting == neutral


# ---------------------------------------------------------------------------------------------
# Statutory interest


def test_statutory_interest_is_one_line_with_the_rate_and_the_law() -> None:
    # Due 31 March 2024, sent 25 April 2024: 25 days at 4.50 % (ECB rate on 1 January 2024)
    # + 10 points = 14.50 %: 1,234.56 × 0.145 × 25/365 = 12.2610 → 12.26 EUR; plus 40 EUR.
    body = _body(law=shipped_laws()["FR"], fees=replace(LETTER.fees, fixed=Decimal(0)))
    assert ("Les pénalités de retard s'élèvent à 12,26\u00a0€ au 25 avril 2024 (article L441-10 "
            "du Code de commerce\u202f; taux annuel de 14,5\u00a0%), auxquelles s'ajoute "
            "l'indemnité forfaitaire de 40,00\u00a0€ pour frais de recouvrement.") in body
    assert "Total dû à ce jour\u00a0: 1\u202f286,82\u00a0€." in body


def test_the_laws_euros_stay_euros_on_an_invoice_in_lei() -> None:
    lei = replace(INVOICE, amount=Money(Decimal("5000"), "RON"), language="ro")
    body = _body(invoice=lei, language="ro", law=shipped_laws()["FR"])
    # 5,000 × 0.145 × 25/365 = 49.6575 → 49,66 RON; the 40 EUR are named apart.
    assert "o dobândă penalizatoare de 49,66\u00a0RON" in body
    assert ("Total de plată la zi: 5.049,66\u00a0RON, fără suma de 40,00\u00a0EUR, datorată în "
            "EUR și neconvertită.") in body
    assert "5.089,66" not in body


def test_no_interest_figure_when_the_table_does_not_cover_the_lateness() -> None:
    late = replace(INVOICE, due_date=date(2026, 6, 20))
    body = _body(invoice=late, today=date(2026, 7, 10), law=shipped_laws()["FR"])
    assert "pénalités" not in body and "Total dû" not in body


def test_no_statutory_line_without_a_law() -> None:
    assert "pénalités" not in _body(law=None)


# ---------------------------------------------------------------------------------------------
# Attachments


OLDER = Invoice(**{**INVOICE.__dict__, "number": "F-1017", "message_id": "<f1017@lumen.fr>",
                   "amount": Money(Decimal("300"), "EUR"), "due_date": date(2024, 2, 29)})


def _files(msg: EmailMessage) -> list[tuple[str | None, bytes]]:
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return [(p.get_filename(), p.get_payload(decode=True)) for p in parsed.iter_attachments()]


def test_a_statement_attaches_the_pdf_of_every_invoice_it_lists() -> None:
    other = ("F-1017.pdf", "application/pdf", PDF + b"% the older invoice\n")
    msg = compose_followup(replace(LETTER, stage=StageKind.STATEMENT, covered=(OLDER,),
                                   attachments=(other,)))
    assert _files(msg) == [("F-1042.pdf", PDF), ("F-1017.pdf", other[2])]
    assert "Vous trouverez les factures en pièces jointes." in _plain(msg)


def test_files_past_the_size_limit_are_named_instead() -> None:
    big = ("F-1017.pdf", "application/pdf", b"%PDF-1.4\n" + b"0" * MAX_ATTACHED_BYTES)
    msg = compose_followup(replace(LETTER, stage=StageKind.STATEMENT, covered=(OLDER,),
                                   attachments=(big,)))
    assert [name for name, _ in _files(msg)] == ["F-1042.pdf"]
    assert "Trop volumineuses pour ce message\u00a0: F-1017.pdf" in _plain(msg)


def test_the_same_file_is_attached_once() -> None:
    msg = compose_followup(replace(LETTER, attachments=(LETTER.attachment,)))  # type: ignore[arg-type]
    assert len(_files(msg)) == 1


# ---------------------------------------------------------------------------------------------
# Thank-you


PROMPT = {"en": "paying on time", "fr": "dans les délais", "ro": "la termen",
          "de": "pünktliche Zahlung", "es": "puntualidad"}


@pytest.mark.parametrize("language", list(PROMPT))
def test_thank_you_praises_promptness_only_when_paid_on_time(language: str) -> None:
    thanks = replace(LETTER, stage=StageKind.THANK_YOU, language=language, today=date(2024, 4, 3))
    on_time = _plain(compose_followup(replace(thanks, paid_on=date(2024, 3, 29))))
    late = _plain(compose_followup(replace(thanks, paid_on=date(2024, 4, 2))))
    unknown = _plain(compose_followup(replace(thanks, paid_on=None)))
    assert PROMPT[language] in on_time
    assert PROMPT[language] not in late and PROMPT[language] not in unknown


def test_a_fee_in_euros_on_an_invoice_in_pounds_is_said_plainly() -> None:
    # Issue 13: `fixed = "40"`, `currency = "EUR"` made a GBP follow-up say "£40.00".
    pounds = replace(INVOICE, amount=Money(Decimal("2350"), "GBP"), language="en")
    fees = replace(LETTER.fees, fixed=Decimal(40), currency="EUR")
    body = _body(invoice=pounds, language="en", fees=fees)
    assert "recovery fee of €40.00" in body and "£40.00" not in body
    assert ("total now due: £2,350.00, plus the €40.00 fee, which is in EUR and not part of "
            "this total.") in body


def test_a_statement_states_the_laws_interest_on_each_invoice() -> None:
    # H1 2024: ECB 4.50 % + 10 points = 14.50 %. F-1017, 300 EUR due 29 February 2024: 56 days
    # to 25 April → 300 × 0.145 × 56/365 = 6.6740 → 6,67 €; F-1042: 25 days → 12,26 €.
    body = _body(stage=StageKind.STATEMENT, covered=(OLDER,), law=shipped_laws()["FR"])
    assert "- F-1017\u00a0: 300,00\u00a0€, échue le 29 février 2024, pénalités 6,67\u00a0€" in body
    assert ", pénalités 12,26\u00a0€" in body
    assert ("Pénalités de retard au 25 avril 2024 (article L441-10 du Code de commerce)\u00a0: "
            "18,93\u00a0€, auxquelles s'ajoutent les indemnités forfaitaires pour frais de "
            "recouvrement (80,00\u00a0€).") in body
