"""The invoice corpus of issue 9 (tests/data/invoices/corpus/, written by make_corpus.py): every
message shaped on what a named invoicing tool sends is read as its row of expectations.toml
says — the kind of document, and for an invoice the number, the amount to pay, its currency
and the due date. bench.bench_invoices prints the same table as ratios against the reader as it
was before."""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import pytest

from relance.daemon.core.extract import (
    CORRECTIVE,
    CREDIT_NOTE,
    QUOTE,
    RECEIPT,
    REMINDER,
    STATEMENT,
    extract_invoice,
)
from relance.daemon.core.message import parse
from relance.daemon.core.model import DueSource, Invoice

CORPUS = Path(__file__).resolve().parent.parent / "data" / "invoices" / "corpus"
TABLE: dict[str, dict[str, str]] = tomllib.loads(
    (CORPUS / "expectations.toml").read_text(encoding="utf-8"))
REFUSALS = {"credit_note": CREDIT_NOTE, "corrective": CORRECTIVE, "receipt": RECEIPT,
            "quote": QUOTE, "statement": STATEMENT, "reminder": REMINDER}


def read(name: str) -> Invoice | object:
    return extract_invoice(parse((CORPUS / name).read_bytes()))


def test_the_table_and_the_folder_hold_the_same_messages() -> None:
    assert {p.name for p in CORPUS.glob("*.eml")} == set(TABLE)
    assert len(TABLE) >= 100
    assert {row["language"] for row in TABLE.values()} == {"en", "fr", "ro", "de", "es"}
    assert all(row["imitates"] for row in TABLE.values())


@pytest.mark.parametrize("name", sorted(n for n, row in TABLE.items() if row["kind"] == "invoice"))
def test_invoice_is_read_as_its_row_says(name: str) -> None:
    row = TABLE[name]
    invoice = read(name)
    assert isinstance(invoice, Invoice), invoice
    assert invoice.number == row["number"]
    assert invoice.amount is not None
    assert (invoice.amount.amount, invoice.amount.currency) == (Decimal(row["amount"]),
                                                                row["currency"])
    assert invoice.due_date == date.fromisoformat(row["due"])


@pytest.mark.parametrize("name", sorted(n for n, row in TABLE.items() if row["kind"] != "invoice"))
def test_document_that_is_not_owed_is_refused_as_what_it_is(name: str) -> None:
    assert read(name) == REFUSALS[TABLE[name]["kind"]]


@pytest.mark.parametrize(("name", "source"), [
    ("043_fr_facturx_en16931.eml", DueSource.EXPLICIT),  # the XML's DueDateDateTime
    ("046_fr_facturx_minimum_terms_in_text.eml", DueSource.TERMS),  # MINIMUM: none in the XML
    ("048_de_xrechnung_ubl_only.eml", DueSource.EXPLICIT),
])
def test_an_e_invoice_states_its_due_date_or_the_text_gives_it(name: str,
                                                                source: DueSource) -> None:
    invoice = read(name)
    assert isinstance(invoice, Invoice)
    assert invoice.due_source == source


def test_the_xml_wins_over_the_visible_pdf() -> None:
    """The Factur-X PDF shows Total TTC 2 400,00 and a deposit; the XML's DuePayableAmount
    (BT-115) is what is left to pay."""
    invoice = read("044_fr_facturx_acompte_deduit.eml")
    assert isinstance(invoice, Invoice)
    assert invoice.amount is not None and invoice.amount.amount == Decimal("1800.00")
    assert invoice.attachment is not None and invoice.attachment.filename == "FA-2026-0102.pdf"


def test_the_issue_date_of_an_e_invoice_is_the_one_it_states() -> None:
    invoice = read("054_es_peppol_ubl_intracom.eml")
    assert isinstance(invoice, Invoice)
    assert invoice.issue_date == date(2026, 3, 9)


def test_a_pdf_without_any_currency_takes_the_configured_one() -> None:
    """A PDF invoice whose totals carry no mark and whose text states no currency: relance
    reads no amount (and asks the user) unless a default currency is configured."""
    from email.message import EmailMessage

    from tests.data.invoices.corpus.pdfs import draw

    msg = EmailMessage()
    msg["From"], msg["To"] = "claire@atelier-martin.example", "compta@client.test"
    msg["Subject"], msg["Message-ID"] = "Facture F-77", "<f77@atelier-martin.example>"
    msg["Date"] = "Mon, 02 Mar 2026 10:00:00 +0100"
    msg.set_content("Bonjour, ci-joint la facture.")
    msg.add_attachment(draw([("title", "FACTURE"), ("rows", [("Total HT", "1 000,00"),
                                                             ("Total TTC", "1 200,00")])]),
                       maintype="application", subtype="pdf", filename="F-77.pdf")
    without = extract_invoice(msg)
    assert isinstance(without, Invoice) and without.amount is None
    with_default = extract_invoice(msg, default_currency="EUR")
    assert isinstance(with_default, Invoice)
    assert with_default.amount is not None
    assert (with_default.amount.amount, with_default.amount.currency) == (Decimal("1200.00"),
                                                                          "EUR")


@pytest.mark.parametrize(("name", "evidence"), [
    ("043_fr_facturx_en16931.eml", {
        "number": "the e-invoice (CII), BT-1",
        "amount": "the e-invoice (CII), BT-115 amount due for payment",
        "currency": "the e-invoice (CII), BT-5", "due": "the e-invoice, BT-9"}),
    ("016_fr_pennylane_montants_en_euros.eml", {
        "number": "subject", "amount": "PDF: 'Total TTC'",
        "currency": "stated: 'Montants exprimés en euros'",
        "due": "the date written next to a due-date word"}),
    ("019_fr_zoho_facture.eml", {
        "number": "body", "amount": "body: 'MONTANT DE LA FACTURE'", "currency": "its mark"}),
    ("031_de_lexoffice_spalten_betraege_in_euro.eml", {
        "number": "PDF", "amount": "PDF: 'Gesamtbetrag brutto'",
        "currency": "stated: 'Beträge in Euro'", "due": "the payment terms written"}),
])
def test_each_value_says_where_it_was_read(name: str, evidence: dict[str, str]) -> None:
    invoice = read(name)
    assert isinstance(invoice, Invoice)
    said = dict(invoice.evidence)
    assert {key: said[key] for key in evidence} == evidence


def _message(subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"] = "maya@lumen-studio.example", "ap@ridge-media.test"
    msg["Subject"], msg["Message-ID"] = subject, "<lookalike@lumen-studio.example>"
    msg["Date"] = "Tue, 03 Mar 2026 10:00:00 +0000"
    msg.set_content(body)
    return msg


def test_look_alikes_of_the_new_rules_read_as_before() -> None:
    """Words the new rules look for, used in their everyday sense: "Due to ..." opening a line
    is no due date, a statement of work is no statement of account, a link naming an invoice
    path is no number and a year before a euro amount is no amount."""
    invoice = extract_invoice(_message(
        "March work - Lumen Studio",
        "Hi,\n\nPlease find invoice INV-9 for the statement of work, total $500.00.\n"
        "Due to the holidays on 24 December the office closes early.\n"
        "Portal: https://billing.example/invoices/77?signature=abc\n"
        "Issued 3 March 2026 € 500,00 is the amount in euros for our records.\n"))
    assert isinstance(invoice, Invoice), invoice
    assert (invoice.number, invoice.due_source) == ("INV-9", DueSource.DEFAULT)
    assert invoice.amount is not None and invoice.amount.amount == Decimal("500.00")


def test_figures_read_as_stated_leave_no_doubt_and_guesses_are_named() -> None:
    """``doubts`` lists what the user should check before a follow-up names the figures: none
    for an e-invoice or a labelled total; the made-up number, the missing or unlabelled amount,
    the configured currency otherwise."""
    from relance.daemon.core.extract import doubts

    for name in ("043_fr_facturx_en16931.eml", "016_fr_pennylane_montants_en_euros.eml",
                 "030_de_sevdesk_bis_zum.eml", "087_ro_factura_fiscala_valoare_totala.eml"):
        invoice = read(name)
        assert isinstance(invoice, Invoice) and doubts(invoice) == (), name
    guessed = extract_invoice(_message("Invoice", "Hi, $450.00 for the retainer."),
                              forced=True)
    assert isinstance(guessed, Invoice)
    assert doubts(guessed) == ("no invoice number was read; relance made one up from the "
                               "Message-ID", "the amount is not labelled as a total")
    nothing = extract_invoice(_message("Invoice F-9", "Hi, the invoice."), forced=True)
    assert isinstance(nothing, Invoice) and doubts(nothing) == ("no amount was read",)
    configured = extract_invoice(_message("Invoice F-10", "Total due 1,200.00"),
                                 default_currency="GBP")
    assert isinstance(configured, Invoice)
    assert doubts(configured) == ("the currency is the configured default, the invoice names "
                                  "none",)
