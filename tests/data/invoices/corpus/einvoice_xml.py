"""The XML of the corpus's structured e-invoices, written by make_corpus.py.

Two syntaxes, as EN 16931 allows them:

- UBL 2.1 ``Invoice`` / ``CreditNote``: the shape of the Peppol BIS Billing 3.0 example files
  (``base-example.xml``, ``base-creditnote-correction.xml``), of KoSIT's XRechnung test suite
  (``01.01a-INVOICE_ubl.xml``) and of Romania's e-Factura CIUS-RO samples (the
  ``CustomizationID`` ``urn:cen.eu:en16931:2017#compliant#urn:efactura.mfinante.ro:CIUS-RO:1.0.1``);
- UN/CEFACT CII D16B ``CrossIndustryInvoice``: the shape of the Factur-X / ZUGFeRD 2 profile
  examples (MINIMUM, BASIC, EN 16931) and of KoSIT's ``01.01a-INVOICE_uncefact.xml``.

Written by hand from those public samples' element structure; every value is made up.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Doc:
    """One invoice's facts, as both syntaxes carry them."""

    number: str
    issued: str  # ISO date
    due: str | None  # ISO date, or None when the XML states none
    currency: str
    net: str
    tax: str
    total: str  # tax inclusive
    payable: str  # what is still due (after prepaid amounts)
    seller: str
    buyer: str
    prepaid: str = "0.00"
    type_code: str = "380"  # UNTDID 1001: 380 commercial invoice, 381 credit note, 384 corrected
    customization: str = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    lines: list[tuple[str, str]] = field(default_factory=list)  # (name, net amount)


def ubl(doc: Doc, *, credit_note: bool = False) -> bytes:
    """A UBL 2.1 Invoice (or CreditNote) in the Peppol BIS 3.0 shape."""
    root = "CreditNote" if credit_note else "Invoice"
    type_tag = "CreditNoteTypeCode" if credit_note else "InvoiceTypeCode"
    due = f"  <cbc:DueDate>{doc.due}</cbc:DueDate>\n" if doc.due and not credit_note else ""
    line_tag = "CreditNoteLine" if credit_note else "InvoiceLine"
    qty_tag = "CreditedQuantity" if credit_note else "InvoicedQuantity"
    lines = "".join(
        f"""  <cac:{line_tag}>
    <cbc:ID>{i}</cbc:ID>
    <cbc:{qty_tag} unitCode="C62">1</cbc:{qty_tag}>
    <cbc:LineExtensionAmount currencyID="{doc.currency}">{amount}</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>{name}</cbc:Name></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="{doc.currency}">{amount}</cbc:PriceAmount></cac:Price>
  </cac:{line_tag}>
""" for i, (name, amount) in enumerate(doc.lines or [("Services", doc.net)], 1))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>{doc.customization}</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>{doc.number}</cbc:ID>
  <cbc:IssueDate>{doc.issued}</cbc:IssueDate>
{due}  <cbc:{type_tag}>{doc.type_code}</cbc:{type_tag}>
  <cbc:DocumentCurrencyCode>{doc.currency}</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PartyName><cbc:Name>{doc.seller}</cbc:Name></cac:PartyName>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PartyName><cbc:Name>{doc.buyer}</cbc:Name></cac:PartyName>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:PaymentMeans>
    <cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>
    <cbc:PaymentID>{doc.number}</cbc:PaymentID>
  </cac:PaymentMeans>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="{doc.currency}">{doc.tax}</cbc:TaxAmount>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="{doc.currency}">{doc.net}</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="{doc.currency}">{doc.net}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="{doc.currency}">{doc.total}</cbc:TaxInclusiveAmount>
    <cbc:PrepaidAmount currencyID="{doc.currency}">{doc.prepaid}</cbc:PrepaidAmount>
    <cbc:PayableAmount currencyID="{doc.currency}">{doc.payable}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
{lines}</{root}>
""".encode()


def _cii_date(iso: str) -> str:
    return iso.replace("-", "")


def cii(doc: Doc, *, guideline: str = "urn:cen.eu:en16931:2017") -> bytes:
    """A CII CrossIndustryInvoice in the Factur-X / ZUGFeRD 2 shape."""
    due = (f"""      <ram:SpecifiedTradePaymentTerms>
        <ram:Description>Payment within the agreed term</ram:Description>
        <ram:DueDateDateTime><udt:DateTimeString format="102">{_cii_date(doc.due)}</udt:DateTimeString></ram:DueDateDateTime>
      </ram:SpecifiedTradePaymentTerms>
""" if doc.due else "")
    lines = "".join(f"""    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>{i}</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>{name}</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeSettlement>
        <ram:SpecifiedTradeSettlementLineMonetarySummation>
          <ram:LineTotalAmount>{amount}</ram:LineTotalAmount>
        </ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
""" for i, (name, amount) in enumerate(doc.lines or [("Services", doc.net)], 1))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter>
      <ram:ID>{guideline}</ram:ID>
    </ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>{doc.number}</ram:ID>
    <ram:TypeCode>{doc.type_code}</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">{_cii_date(doc.issued)}</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
{lines}    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty><ram:Name>{doc.seller}</ram:Name></ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>{doc.buyer}</ram:Name></ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:PaymentReference>{doc.number}</ram:PaymentReference>
      <ram:InvoiceCurrencyCode>{doc.currency}</ram:InvoiceCurrencyCode>
{due}      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>{doc.net}</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>{doc.net}</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="{doc.currency}">{doc.tax}</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>{doc.total}</ram:GrandTotalAmount>
        <ram:TotalPrepaidAmount>{doc.prepaid}</ram:TotalPrepaidAmount>
        <ram:DuePayableAmount>{doc.payable}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
""".encode()
