"""Invoice extraction, from a table of sent messages in tests/data/invoices/: invoices in five
languages written by mail clients and a billing tool, details in the body, in HTML only or only
in a PDF; sent messages that are not invoices; and malformed ones, which never crash."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from fpdf import FPDF

from relance.daemon.core.extract import (
    AMOUNT_ONLY,
    CREDIT_NOTE,
    NO_DATE,
    NO_DETAILS,
    NO_RECIPIENT,
    NUMBER_ONLY,
    QUOTE,
    RECEIPT,
    REPLY,
    detect_language,
    extract_invoice,
)
from relance.daemon.core.invoicedates import terms_due
from relance.daemon.core.message import attachments, parse
from relance.daemon.core.model import NOT_AN_INVOICE, DueSource, Invoice, Money, NotAnInvoice
from relance.daemon.core.pdftext import MAX_PDF_PAGES, pdf_text

DATA = Path(__file__).resolve().parent.parent / "data" / "invoices"
EXPLICIT, TERMS, DEFAULT = DueSource.EXPLICIT, DueSource.TERMS, DueSource.DEFAULT


def load(name: str) -> EmailMessage:
    return parse((DATA / name).read_bytes())


@dataclasses.dataclass(frozen=True)
class Expected:
    number: str
    amount: str | None  # "1234.56 EUR"
    issued: str
    due: str
    source: DueSource
    language: str


INVOICES: dict[str, Expected] = {
    # English: Gmail, Outlook, HTML only, a billing tool, details only in the PDF
    "en_plain_net30.eml": Expected("INV-2024-031", "1234.56 EUR", "2026-03-03", "2026-04-02",
                                   TERMS, "en"),
    "en_outlook_due_date.eml": Expected("1042", "980.00 USD", "2026-03-04", "2026-03-31",
                                        EXPLICIT, "en"),
    "en_html_only_balance_due.eml": Expected("INV-2026-012", "1592.00 USD", "2026-03-09",
                                             "2026-04-08", DEFAULT, "en"),
    "en_billing_tool.eml": Expected("A-2026-0042", "3150.00 GBP", "2026-03-12", "2026-03-12",
                                    TERMS, "en"),
    "en_pdf_only.eml": Expected("INV-2026-007", "2160.00 GBP", "2026-03-02", "2026-04-01",
                                EXPLICIT, "en"),
    "en_track_keyword.eml": Expected("MSG-DCB09F3C", "1500.00 GBP", "2026-03-17",
                                     "2026-03-31", TERMS, "en"),
    # French
    "fr_plain_30_jours.eml": Expected("F-1042", "1234.56 EUR", "2026-03-10", "2026-04-09",
                                      TERMS, "fr"),
    # 45 days from 10 March is 24 April; end of month: 30 April
    "fr_html_fin_de_mois.eml": Expected("2026-015", "2400.00 EUR", "2026-03-10", "2026-04-30",
                                        TERMS, "fr"),
    "fr_pdf_only.eml": Expected("F-2026-021", "850.00 EUR", "2026-03-05", "2026-04-04",
                                EXPLICIT, "fr"),
    # Romanian
    "ro_factura_lei.eml": Expected("77", "1234.56 RON", "2026-03-02", "2026-03-17", TERMS,
                                   "ro"),
    "ro_seria_scadenta.eml": Expected("ABC 0077", "4760.00 RON", "2026-03-02", "2026-03-16",
                                      EXPLICIT, "ro"),
    "ro_pdf_only.eml": Expected("MRT 0123", "2380.00 RON", "2026-02-27", "2026-03-13",
                                EXPLICIT, "ro"),
    # German and Spanish
    "de_rechnung_14_tage.eml": Expected("RE-2026-5", "1190.00 EUR", "2026-03-04", "2026-03-18",
                                        TERMS, "de"),
    "de_chf_faellig_am.eml": Expected("2026-118", "1250.00 CHF", "2026-03-06", "2026-03-31",
                                      EXPLICIT, "de"),
    "es_factura_30_dias.eml": Expected("2026/031", "1512.50 EUR", "2026-03-09", "2026-04-08",
                                       TERMS, "es"),
    "es_vencimiento.eml": Expected("A-88", "605.00 EUR", "2026-03-12", "2026-04-15", EXPLICIT,
                                   "es"),
    # Malformed, read as best they can
    "malformed_boundary.eml": Expected("INV-2026-019", "720.00 EUR", "2026-03-19",
                                       "2026-04-18", EXPLICIT, "en"),
    "malformed_wrong_charset.eml": Expected("F-1051", "1080.00 EUR", "2026-03-16",
                                            "2026-04-15", EXPLICIT, "fr"),
    "malformed_no_date.eml": Expected("INV-2026-050", "640.00 GBP", "2026-03-02", "2026-04-01",
                                      DEFAULT, "en"),
    "malformed_no_to.eml": Expected("F-1060", "420.00 EUR", "2026-03-17", "2026-04-16", TERMS,
                                    "fr"),
    "malformed_corrupt_pdf.eml": Expected("INV-2026-044", None, "2026-03-10", "2026-04-09",
                                          DEFAULT, "en"),
}

NOT_INVOICES: dict[str, NotAnInvoice] = {
    "not_ordinary.eml": NOT_AN_INVOICE,
    "not_quote_en.eml": QUOTE,
    "not_quote_fr.eml": QUOTE,
    "not_oferta_ro.eml": QUOTE,
    "not_proforma_ro.eml": QUOTE,
    "not_credit_note_fr.eml": CREDIT_NOTE,
    "not_credit_note_en.eml": CREDIT_NOTE,
    "not_reply_invoice.eml": REPLY,
    "not_receipt_payment_received.eml": RECEIPT,
    "not_invoice_word_only.eml": NO_DETAILS,
}


def money(text: str | None) -> Money | None:
    if text is None:
        return None
    amount, currency = text.split()
    return Money(Decimal(amount), currency)


def test_every_message_in_the_data_folder_has_an_expected_result() -> None:
    on_disk = {p.name for p in DATA.glob("*.eml")}
    assert on_disk == set(INVOICES) | set(NOT_INVOICES)
    assert len(on_disk) >= 20


@pytest.mark.parametrize("name", sorted(INVOICES))
def test_invoice_is_read_from_the_message(name: str) -> None:
    expected = INVOICES[name]
    invoice = extract_invoice(load(name))
    assert isinstance(invoice, Invoice), invoice
    assert (invoice.number, invoice.amount) == (expected.number, money(expected.amount))
    assert invoice.issue_date == date.fromisoformat(expected.issued)
    assert (invoice.due_date, invoice.due_source) == (date.fromisoformat(expected.due),
                                                      expected.source)
    assert invoice.language == expected.language


@pytest.mark.parametrize("name", sorted(NOT_INVOICES))
def test_sent_message_that_is_not_an_invoice_says_why(name: str) -> None:
    assert extract_invoice(load(name)) == NOT_INVOICES[name]


def test_recipients_cc_sender_subject_and_message_id() -> None:
    invoice = extract_invoice(load("en_outlook_due_date.eml"))
    assert isinstance(invoice, Invoice)
    assert invoice.recipients == ("maya@fjordline-apps.test",)
    # the copy Claire sent to herself is not someone to follow up with
    assert invoice.cc == ("finance@fjordline-apps.test",)
    assert (invoice.sender, invoice.sender_name) == ("claire@atelier-martin.example",
                                                     "Claire Martin")
    assert invoice.subject == "Invoice #1042 - onboarding screens"
    assert invoice.message_id.startswith("<AM0PR07MB6419C3A0") and invoice.key.endswith(">")


def test_recipients_are_lower_cased_and_cc_kept() -> None:
    invoice = extract_invoice(load("en_plain_net30.eml"))
    assert isinstance(invoice, Invoice)
    assert invoice.recipients == ("ben.carter@harbour-lights.test",)
    assert invoice.all_recipients == ("ben.carter@harbour-lights.test",
                                      "accounts@harbour-lights.test")


def test_billing_tool_invoice_belongs_to_the_freelancer_not_the_tool() -> None:
    invoice = extract_invoice(load("en_billing_tool.eml"))
    assert isinstance(invoice, Invoice)
    assert invoice.sender == "claire@atelier-martin.example"
    assert invoice.recipients == ("pat.oneill@greenway-events.test",)


@pytest.mark.parametrize(("name", "filename"), [
    ("en_pdf_only.eml", "INV-2026-007.pdf"),
    ("fr_pdf_only.eml", "Facture-F-2026-021.pdf"),
    ("ro_pdf_only.eml", "factura_MRT_0123.pdf"),
    ("malformed_corrupt_pdf.eml", "INV-2026-044.pdf"),
])
def test_the_invoice_pdf_is_the_attachment(name: str, filename: str) -> None:
    invoice = extract_invoice(load(name))
    assert isinstance(invoice, Invoice)
    assert invoice.attachment is not None
    assert (invoice.attachment.filename, invoice.attachment.content_type) == (
        filename, "application/pdf")


def test_a_bcc_only_sent_copy_is_followed_up_with_its_bcc() -> None:
    invoice = extract_invoice(load("malformed_no_to.eml"))
    assert isinstance(invoice, Invoice)
    assert invoice.recipients == ("compta@boulangeries-leroy.test",)


def test_a_message_with_no_recipient_at_all_is_not_followed_up() -> None:
    msg = load("malformed_no_to.eml")
    del msg["Bcc"]
    assert extract_invoice(msg) == NO_RECIPIENT


def test_no_date_anywhere_needs_the_mailbox_date() -> None:
    msg = load("en_plain_net30.eml")
    del msg["Date"]
    assert extract_invoice(msg) == NO_DATE
    invoice = extract_invoice(msg, fallback_date=date(2026, 3, 4))
    assert isinstance(invoice, Invoice)
    assert (invoice.issue_date, invoice.due_date) == (date(2026, 3, 4), date(2026, 4, 3))


def test_the_configured_default_terms_apply_when_the_message_gives_none() -> None:
    invoice = extract_invoice(load("en_html_only_balance_due.eml"), default_terms_days=45)
    assert isinstance(invoice, Invoice)
    assert (invoice.due_date, invoice.due_source) == (date(2026, 4, 23), DEFAULT)


def test_forced_builds_an_invoice_from_whatever_is_there() -> None:
    first = extract_invoice(load("not_ordinary.eml"), forced=True)
    again = extract_invoice(load("not_ordinary.eml"), forced=True)
    assert isinstance(first, Invoice)
    assert first.number.startswith("MSG-") and first.number == again.number
    assert first.amount == Money(Decimal(18), "GBP")
    assert first.subject == "Lunch on Thursday?"  # kept as is: a reply must match it to thread


def test_forced_takes_the_number_from_the_subject() -> None:
    msg = load("not_invoice_word_only.eml")
    msg.replace_header("Subject", "Invoice for Harbour Lights (#HL-2026-03)")
    invoice = extract_invoice(msg, forced=True)
    assert isinstance(invoice, Invoice)
    assert (invoice.number, invoice.amount) == ("HL-2026-03", None)


def test_the_track_keyword_forces_and_is_configurable() -> None:
    msg = load("en_track_keyword.eml")
    msg.replace_header("Subject", "#bill March retainer - Wexford Ltd")
    assert extract_invoice(msg) == NOT_AN_INVOICE  # "retainer" is no invoice word
    invoice = extract_invoice(msg, track_keyword="#bill")
    assert isinstance(invoice, Invoice) and invoice.amount == Money(Decimal("1500.00"), "GBP")


def test_a_subject_reference_is_the_number_when_the_text_names_none() -> None:
    msg = _message("Your invoice from Atelier Martin (#AM-311)",
                   "Atelier Martin has sent you an invoice.\nAmount due: EUR 75.00")
    invoice = extract_invoice(msg)
    assert isinstance(invoice, Invoice) and invoice.number == "AM-311"


def test_an_invoice_number_without_amount_or_attachment_is_a_message_about_it() -> None:
    msg = load("not_invoice_word_only.eml")
    msg.replace_header("Subject", "About invoice INV-2024-031")
    assert extract_invoice(msg) == NUMBER_ONLY


def _message(subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Claire Martin <claire@atelier-martin.example>"
    msg["To"] = "ben.carter@harbour-lights.test"
    msg["Date"] = "Tue, 3 Mar 2026 09:14:52 +0000"
    msg["Message-ID"] = "<made-in-test@atelier-martin.example>"
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


def test_an_amount_without_number_counts_only_when_the_subject_says_invoice() -> None:
    msg = _message("Harbour Lights, February",
                   "Hi Ben, the invoice for February comes to EUR 400.00. Claire")
    assert extract_invoice(msg) == AMOUNT_ONLY
    msg.replace_header("Subject", "Invoice for February")
    invoice = extract_invoice(msg)
    assert isinstance(invoice, Invoice)
    assert invoice.number.startswith("MSG-") and invoice.amount == Money(Decimal("400.00"), "EUR")


def test_a_reply_that_attaches_a_numbered_invoice_issues_it() -> None:
    pdf = next(data for att, data in attachments(load("en_pdf_only.eml"))
               if att.content_type == "application/pdf")
    msg = _message("Re: could you send me the invoice?", "Sure, here it is.\n\nDan")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="INV-2026-007.pdf")
    invoice = extract_invoice(msg)
    assert isinstance(invoice, Invoice) and invoice.number == "INV-2026-007"
    msg.replace_header("Subject", "Re: Invoice INV-2026-007")
    assert extract_invoice(msg) == REPLY


@pytest.mark.parametrize(("subject", "expected"), [
    ("Invoice following quote Q-12", "invoice"),
    ("Devis D-5 accepté, facture à suivre", QUOTE),
    ("Receipt for invoice #1042", RECEIPT),
    ("Avoir sur la facture F-1042", CREDIT_NOTE),
    ("RE : Facture F-1042", REPLY),
    ("TR: Facture F-1042", REPLY),
])
def test_the_subject_names_the_document(subject: str, expected: object) -> None:
    result = extract_invoice(_message(subject, "Montant dû : 1 234,56 €\nInvoice F-1042"))
    if expected == "invoice":
        assert isinstance(result, Invoice)
    else:
        assert result == expected


def test_the_verb_avoir_in_a_body_is_not_a_credit_note() -> None:
    body = ("Bonjour,\nAvoir votre retour avant vendredi m'aiderait.\n"
            "Facture n° F-1080, montant dû : 300,00 €.")
    invoice = extract_invoice(_message("Maquettes et facture", body))
    assert isinstance(invoice, Invoice) and invoice.number == "F-1080"


def test_amount_due_is_not_a_due_date_label() -> None:
    body = "Invoice INV-77\nAmount due: EUR 500.00 - invoice date 3 March 2026\nNet 30"
    invoice = extract_invoice(_message("Invoice INV-77", body))
    assert isinstance(invoice, Invoice)
    assert (invoice.due_date, invoice.due_source) == (date(2026, 4, 2), TERMS)


def test_languages_limit_what_is_detected() -> None:
    invoice = extract_invoice(load("es_factura_30_dias.eml"), languages=("fr", "ro"))
    assert isinstance(invoice, Invoice) and invoice.language in ("fr", "ro")
    assert detect_language("Hello", ("ro", "fr")) == "ro"  # no evidence: the first one


@pytest.mark.parametrize(("text", "issued", "due"), [
    ("Payment terms: Net 30", "2026-03-03", "2026-04-02"),
    ("Payable within 14 days of the invoice date.", "2026-03-03", "2026-03-17"),
    ("Conditions : paiement à 45 jours fin de mois.", "2026-03-10", "2026-04-30"),
    ("Paiement à 30 jours fin de mois", "2026-01-31", "2026-03-31"),
    ("Plata în termen de 15 zile.", "2026-03-02", "2026-03-17"),
    ("Zahlbar innerhalb von 14 Tagen ohne Abzug.", "2026-03-04", "2026-03-18"),
    ("Forma de pago: transferencia a 30 días.", "2026-03-09", "2026-04-08"),
    ("Due upon receipt.", "2026-03-12", "2026-03-12"),
    ("Payable à réception de facture.", "2026-03-12", "2026-03-12"),
])
def test_payment_terms_give_the_due_date(text: str, issued: str, due: str) -> None:
    assert terms_due(text, date.fromisoformat(issued)) == date.fromisoformat(due)


@pytest.mark.parametrize("text", [
    "Delivered within 5 days of your order.",  # a count of days, but not about payment
    "Total net 1 200,00 €",  # an amount, not terms
    "Bonjour, merci pour votre confiance.",
])
def test_text_without_payment_terms_gives_none(text: str) -> None:
    assert terms_due(text, date(2026, 3, 1)) is None


# --- messages that must not crash ------------------------------------------------------------


def _big_pdf_message(size: int) -> EmailMessage:
    """en_plain_net30 with an invoice PDF padded to ``size`` bytes attached. The PDF's own total
    (GBP 2,160.00, labelled "Total due") would beat the body's if it were read."""
    pdf = next(data for att, data in attachments(load("en_pdf_only.eml"))
               if att.content_type == "application/pdf")
    padded = pdf + b"\n%" + b"0" * (size - len(pdf) - 2)
    msg = load("en_plain_net30.eml")
    msg.add_attachment(padded, maintype="application", subtype="pdf", filename="scan.pdf")
    return parse(msg.as_bytes(policy=SMTP))


def test_a_6_mb_attachment_is_not_read_and_does_not_stop_extraction() -> None:
    invoice = extract_invoice(_big_pdf_message(6 * 1024 * 1024))
    assert isinstance(invoice, Invoice)
    assert invoice.amount == Money(Decimal("1234.56"), "EUR")  # the body's, not the PDF's
    assert invoice.attachment is not None and invoice.attachment.size == 6 * 1024 * 1024


def test_the_same_pdf_under_the_size_cap_is_read() -> None:
    invoice = extract_invoice(_big_pdf_message(200_000))
    assert isinstance(invoice, Invoice)
    assert invoice.amount == Money(Decimal("2160.00"), "GBP")


@pytest.mark.parametrize("name", sorted(set(INVOICES) | set(NOT_INVOICES)))
def test_a_message_cut_anywhere_never_crashes(name: str) -> None:
    raw = (DATA / name).read_bytes()
    for cut in range(0, len(raw), max(1, len(raw) // 25)):
        result = extract_invoice(parse(raw[:cut]))
        assert isinstance(result, Invoice | NotAnInvoice)


def test_a_body_of_one_endless_line_of_amounts_is_read_in_one_pass() -> None:
    # 50,000 amounts on one line: reading each amount's label must not rescan the line (this
    # took minutes before labels were bounded).
    msg = _message("Invoice F-1", "€1,2" * 50_000)
    invoice = extract_invoice(msg)
    assert isinstance(invoice, Invoice) and invoice.amount == Money(Decimal("1.2"), "EUR")


def test_raw_8bit_headers_and_garbage_never_crash() -> None:
    raw = (b"From: Claire Martin <claire@atelier-martin.example>\nTo: x@client.test\n"
           b"Subject: Facture n\xb0 F-1070 \xe9t\xe9\nMessage-ID: <f1070@atelier-martin.example>\n"
           b"Date: not a date at all\nContent-Type: text/plain; charset=no-such-charset\n\n"
           b"Total TTC : 300,00 \x80\n")
    result = extract_invoice(parse(raw))
    assert isinstance(result, Invoice | NotAnInvoice)
    assert extract_invoice(parse(b"")) == NOT_AN_INVOICE
    assert isinstance(extract_invoice(parse(b"\x00\xff" * 1000)), NotAnInvoice)


# --- PDF text ---------------------------------------------------------------------------------


def _pdf(pages: list[str], **encryption: str) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.cell(text=text)
    if encryption:
        pdf.set_encryption(**encryption)
    return bytes(pdf.output())


def test_pdf_text_reads_the_pages() -> None:
    assert pdf_text(_pdf(["Invoice INV-9", "Total due GBP 90.00"])) == (
        "Invoice INV-9\n\nTotal due GBP 90.00")


def test_pdf_text_reads_only_the_first_pages() -> None:
    text = pdf_text(_pdf([f"page-{n}" for n in range(1, MAX_PDF_PAGES + 3)]))
    assert f"page-{MAX_PDF_PAGES}" in text and f"page-{MAX_PDF_PAGES + 1}" not in text


def test_pdf_text_opens_owner_password_pdfs_but_not_user_password_ones() -> None:
    assert pdf_text(_pdf(["Invoice 12"], owner_password="owner")) == "Invoice 12"
    assert pdf_text(_pdf(["Invoice 12"], owner_password="o", user_password="secret")) == ""


@pytest.mark.parametrize("data", [b"", b"not a pdf", b"%PDF-1.7\n" + b"\x00" * 500,
                                  b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj"])
def test_pdf_text_of_unreadable_bytes_is_empty(data: bytes) -> None:
    assert pdf_text(data) == ""


def test_pdf_text_skips_files_over_the_size_cap() -> None:
    data = _pdf(["Invoice 12"])
    assert pdf_text(data, max_bytes=len(data) - 1) == ""
