"""The structured e-invoice reader: UBL 2.1 and CII as the standards' samples shape them (the
corpus's einvoice_xml.py writes them), read exactly; hostile or foreign XML refused, never
expanded or fetched; and the embedded XML of a Factur-X PDF found."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relance.daemon.core.einvoice import (
    MAX_XML_BYTES,
    NOT_AN_EINVOICE,
    EInvoice,
    Kind,
    NotAnEInvoice,
    read_einvoice,
)
from relance.daemon.core.model import Money
from relance.daemon.core.pdftext import read_pdf
from tests.data.invoices.corpus.einvoice_xml import Doc, cii, ubl
from tests.data.invoices.corpus.pdfs import draw, with_embedded

DOC = Doc("INV-77", "2026-03-02", "2026-04-01", "EUR", "1000.00", "200.00", "1200.00",
          "900.00", "Seller SARL", "Buyer GmbH", prepaid="300.00")


@pytest.mark.parametrize("write", [ubl, cii])
def test_both_syntaxes_give_number_dates_and_what_is_left_to_pay(write: object) -> None:
    found = read_einvoice(write(DOC))  # type: ignore[operator]
    assert isinstance(found, EInvoice)
    assert (found.kind, found.number) == (Kind.INVOICE, "INV-77")
    assert (found.issue_date, found.due_date) == (date(2026, 3, 2), date(2026, 4, 1))
    # BT-115, the amount due: the total with VAT (1200) less the prepaid 300
    assert found.amount == Money(Decimal("900.00"), "EUR")


@pytest.mark.parametrize(("xml", "kind"), [
    (ubl(DOC, credit_note=True), Kind.CREDIT_NOTE),
    (cii(Doc(**{**DOC.__dict__, "type_code": "381"})), Kind.CREDIT_NOTE),
    (ubl(Doc(**{**DOC.__dict__, "type_code": "384"})), Kind.CORRECTIVE),
    (cii(Doc(**{**DOC.__dict__, "type_code": "325"})), Kind.PRO_FORMA),
    (cii(Doc(**{**DOC.__dict__, "type_code": "386"})), Kind.INVOICE),  # prepayment invoice
])
def test_the_type_code_says_the_kind(xml: bytes, kind: Kind) -> None:
    found = read_einvoice(xml)
    assert isinstance(found, EInvoice) and found.kind == kind


def test_a_cii_without_due_date_and_a_ubl_2_0_payment_due_date() -> None:
    found = read_einvoice(cii(Doc(**{**DOC.__dict__, "due": None})))
    assert isinstance(found, EInvoice) and found.due_date is None
    legacy = ubl(DOC).replace(b"<cbc:DueDate>2026-04-01</cbc:DueDate>\n", b"").replace(
        b"<cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>",
        b"<cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
        b"<cbc:PaymentDueDate>2026-04-15</cbc:PaymentDueDate>")
    found = read_einvoice(legacy)
    assert isinstance(found, EInvoice) and found.due_date == date(2026, 4, 15)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&lol3;</ID></Invoice>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY ext SYSTEM "http://127.0.0.1:9/secret">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&ext;</ID></Invoice>
"""


@pytest.mark.parametrize("data", [
    BILLION_LAUGHS, EXTERNAL, b"<?xml version='1.0'?><Invoice><ID>1</ID>",  # cut short
    b"%PDF-1.4 not xml", b"", b"\xff\xfe<\x00?\x00",
])
def test_hostile_or_broken_xml_is_refused_without_expanding_or_fetching(data: bytes) -> None:
    assert isinstance(read_einvoice(data), NotAnEInvoice)


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL])
def test_a_document_type_declaration_is_refused_by_the_parser(data: bytes) -> None:
    """Refused as unreadable before any entity is expanded or any address is reached: no
    invoice numbered "lollollol..." and no request to the loopback port."""
    assert read_einvoice(data) == NotAnEInvoice("unreadable XML")


def test_foreign_xml_an_invoice_without_number_and_a_huge_file_are_not_e_invoices() -> None:
    assert read_einvoice(b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>") \
        == NOT_AN_EINVOICE
    assert read_einvoice(ubl(Doc(**{**DOC.__dict__, "number": ""}))) == NOT_AN_EINVOICE
    assert read_einvoice(ubl(DOC) + b" " * MAX_XML_BYTES) == NOT_AN_EINVOICE


def test_an_amount_that_is_not_a_number_is_left_out_not_guessed() -> None:
    found = read_einvoice(ubl(Doc(**{**DOC.__dict__, "payable": "n/a"})))
    assert isinstance(found, EInvoice) and found.amount is None


def test_the_xml_embedded_in_a_factur_x_pdf_is_found_beside_its_text() -> None:
    pdf = with_embedded(draw([("title", "FACTURE"), ("text", "Total TTC 1 200,00")]),
                        "factur-x.xml", cii(DOC))
    content = read_pdf(pdf)
    assert "Total TTC 1 200,00" in content.text
    assert content.xml == (cii(DOC),)
    assert read_pdf(draw([("title", "FACTURE")])).xml == ()


# --- total on anything -----------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_named_answer(data: bytes) -> None:
    assert isinstance(read_einvoice(data), EInvoice | NotAnEInvoice)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 5000), st.integers(0, 5000), st.binary(max_size=40))
def test_a_damaged_invoice_gives_a_named_answer(cut: int, at: int, junk: bytes) -> None:
    """A UBL or CII file cut short, or with bytes spliced in (a broken upload, a mailer that
    re-encoded it), is read or refused, never raises."""
    for xml in (ubl(DOC), cii(DOC)):
        damaged = xml[:cut] + junk + xml[at:]
        assert isinstance(read_einvoice(damaged), EInvoice | NotAnEInvoice)


# The shape of ZUGFeRD 1.0's sample invoices (FeRD, 2014): CrossIndustryDocument, a header
# document, a supply-chain settlement and a summation without "Header".
ZUGFERD_1 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15">
  <rsm:SpecifiedExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter>
      <ram:ID>urn:ferd:CrossIndustryDocument:invoice:1p0:comfort</ram:ID>
    </ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:SpecifiedExchangedDocumentContext>
  <rsm:HeaderExchangedDocument>
    <ram:ID>RE-2014-471102</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime>
      <udt:DateTimeString format="102">20140305</udt:DateTimeString>
    </ram:IssueDateTime>
  </rsm:HeaderExchangedDocument>
  <rsm:SpecifiedSupplyChainTradeTransaction>
    <ram:ApplicableSupplyChainTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradePaymentTerms>
        <ram:DueDateDateTime>
          <udt:DateTimeString format="102">20140404</udt:DateTimeString>
        </ram:DueDateDateTime>
      </ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementMonetarySummation>
        <ram:GrandTotalAmount currencyID="EUR">529.87</ram:GrandTotalAmount>
        <ram:DuePayableAmount currencyID="EUR">529.87</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementMonetarySummation>
    </ram:ApplicableSupplyChainTradeSettlement>
  </rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>
"""


def test_a_zugferd_1_invoice_is_read_too() -> None:
    found = read_einvoice(ZUGFERD_1)
    assert found == EInvoice(Kind.INVOICE, "RE-2014-471102", date(2014, 3, 5), date(2014, 4, 4),
                             Money(Decimal("529.87"), "EUR"), "CII")


def test_a_hundred_thousand_deep_document_gives_a_named_answer() -> None:
    """No recursion in the reader: a pathological nesting is read or refused like any file."""
    deep = (b'<?xml version="1.0"?><rsm:CrossIndustryInvoice xmlns:rsm="x">' + b"<a>" * 100_000
            + b"</a>" * 100_000 + b"</rsm:CrossIndustryInvoice>")
    assert read_einvoice(deep) == NOT_AN_EINVOICE
