"""Structured e-invoices: the EN 16931 semantic model in its two syntaxes, read exactly.

- **UBL 2.1** ``Invoice`` and ``CreditNote`` (OASIS UBL 2.1; Peppol BIS Billing 3.0, XRechnung's
  UBL syntax, Romania's e-Factura under CIUS-RO): ``cbc:ID`` (BT-1), ``cbc:IssueDate`` (BT-2),
  ``cbc:DueDate`` (BT-9; UBL 2.0 writers put it in ``cac:PaymentMeans/cbc:PaymentDueDate``),
  ``cbc:InvoiceTypeCode`` / ``cbc:CreditNoteTypeCode`` (BT-3), ``cbc:DocumentCurrencyCode``
  (BT-5), ``cac:LegalMonetaryTotal/cbc:PayableAmount`` (BT-115).
- **UN/CEFACT CII D16B** ``CrossIndustryInvoice`` (Factur-X, ZUGFeRD 2, XRechnung's CII syntax)
  and ZUGFeRD 1's ``CrossIndustryDocument`` (``rsm:HeaderExchangedDocument``,
  ``ram:ApplicableSupplyChainTradeSettlement``): ``ram:ID``, ``ram:TypeCode``,
  ``ram:IssueDateTime`` and ``ram:DueDateDateTime`` (``udt:DateTimeString format="102"``,
  CCYYMMDD), ``ram:InvoiceCurrencyCode``, ``ram:DuePayableAmount`` (BT-115, else
  ``ram:GrandTotalAmount``, BT-112).

The amount is what is still to pay (BT-115: the total with VAT less what was prepaid), which is
what a follow-up asks for. The type code (UNTDID 1001) says the kind: 381 and its kin are
credit notes, 384 a corrected invoice, 325 a pro forma; every other code is an invoice.

XML is parsed with defusedxml (no entity expansion, no DTD, no external reference, hence no
network and no "billion laughs"); elements are found by local name, so any namespace prefix
works. Pure: bytes in, a named answer out.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element

from .budget import check
from .model import Money

MAX_XML_BYTES = 2 * 1024 * 1024  # an e-invoice of a few hundred lines is far below this
MAX_ELEMENTS = 100_000  # elements searched for one field; the header ones come first


class Kind(enum.Enum):
    """What the document's type code says it is."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit note"
    CORRECTIVE = "corrected invoice"
    PRO_FORMA = "pro forma"


# UNTDID 1001 codes EN 16931 lists for BT-3 that mean money goes back, or nothing is owed yet.
_CREDIT_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458",
                           "532"})
_CORRECTIVE_CODES = frozenset({"384"})
_PRO_FORMA_CODES = frozenset({"325"})


@dataclass(frozen=True)
class EInvoice:
    """The facts an e-invoice states; None where it states none."""

    kind: Kind
    number: str
    issue_date: date | None
    due_date: date | None
    amount: Money | None
    syntax: str  # "UBL" or "CII"


@dataclass(frozen=True)
class NotAnEInvoice:
    """The named answer for bytes that are no e-invoice (other XML, broken XML, too large)."""

    reason: str


NOT_AN_EINVOICE = NotAnEInvoice("not a UBL or CII invoice")


def looks_like_xml(data: bytes) -> bool:
    """Return True when the bytes open like an XML document (after a BOM and blanks)."""
    head = data[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<?xml") or head.startswith(b"<") and b":" in head[:80]


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: Element, name: str) -> Iterator[Element]:
    return (child for child in element if _local(child.tag) == name)


def _path(element: Element | None, *names: str) -> Element | None:
    """The first element reached by the local ``names``, one level each, or None."""
    for name in names:
        if element is None:
            return None
        element = next(_children(element, name), None)
    return element


def _find(element: Element, name: str) -> Element | None:
    """The first descendant of local name ``name``, depth first, among the first
    ``MAX_ELEMENTS``, or None."""
    return next((e for e in itertools.islice(element.iter(), MAX_ELEMENTS)
                 if _local(e.tag) == name), None)


def _either(first: Element | None, second: Element | None) -> Element | None:
    """``first`` unless None, else ``second`` (an Element without children is falsy, so
    ``first or second`` would skip a found leaf)."""
    return first if first is not None else second


def _text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _iso_date(text: str) -> date | None:
    text = text.strip()
    try:
        if len(text) == 8 and text.isdigit():  # CII format 102: CCYYMMDD
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _money(element: Element | None, currency: str) -> Money | None:
    if element is None:
        return None
    try:
        value = Decimal(_text(element))
    except InvalidOperation:
        return None
    code = (element.get("currencyID") or currency).strip().upper()
    return Money(value, code) if len(code) == 3 and code.isalpha() else None


def _kind(code: str, root: str) -> Kind:
    if root == "CreditNote" or code in _CREDIT_CODES:
        return Kind.CREDIT_NOTE
    if code in _CORRECTIVE_CODES:
        return Kind.CORRECTIVE
    return Kind.PRO_FORMA if code in _PRO_FORMA_CODES else Kind.INVOICE


def _ubl(root: Element, name: str) -> EInvoice:
    currency = _text(_path(root, "DocumentCurrencyCode"))
    due = _either(_path(root, "DueDate"), _path(root, "PaymentMeans", "PaymentDueDate"))
    code = _text(_either(_path(root, "InvoiceTypeCode"), _path(root, "CreditNoteTypeCode")))
    return EInvoice(
        kind=_kind(code, name), number=_text(_path(root, "ID")),
        issue_date=_iso_date(_text(_path(root, "IssueDate"))),
        due_date=_iso_date(_text(due)),
        amount=_money(_path(root, "LegalMonetaryTotal", "PayableAmount"), currency),
        syntax="UBL")


def _cii(root: Element) -> EInvoice:
    document = _either(_path(root, "ExchangedDocument"),
                       _path(root, "HeaderExchangedDocument"))
    settlement = _either(_find(root, "ApplicableHeaderTradeSettlement"),
                         _find(root, "ApplicableSupplyChainTradeSettlement"))
    currency = _text(_path(settlement, "InvoiceCurrencyCode"))
    summation = None
    if settlement is not None:
        # ZUGFeRD 1 names it without "Header"
        summation = _either(
            _find(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation"),
            _find(settlement, "SpecifiedTradeSettlementMonetarySummation"))
    amount = None
    if summation is not None:
        amount = _money(_path(summation, "DuePayableAmount"), currency) or _money(
            _path(summation, "GrandTotalAmount"), currency)  # Money, never falsy
    due = _find(settlement, "DueDateDateTime") if settlement is not None else None
    issued = _path(document, "IssueDateTime")
    return EInvoice(
        kind=_kind(_text(_path(document, "TypeCode")), "CrossIndustryInvoice"),
        number=_text(_path(document, "ID")),
        issue_date=_iso_date(_text(_find(issued, "DateTimeString")) if issued is not None
                             else ""),
        due_date=_iso_date(_text(_find(due, "DateTimeString")) if due is not None else ""),
        amount=amount, syntax="CII")


def read_einvoice(data: bytes) -> EInvoice | NotAnEInvoice:
    """Return what the e-invoice in ``data`` states, or ``NOT_AN_EINVOICE`` (bytes that are not
    XML, XML that is not a UBL or CII invoice, a file over ``MAX_XML_BYTES``, an invoice
    without a number). Never raises."""
    if len(data) > MAX_XML_BYTES or not looks_like_xml(data):
        return NOT_AN_EINVOICE
    try:
        from defusedxml.ElementTree import fromstring

        root = fromstring(data, forbid_dtd=True)
    except Exception:
        # ParseError, and defusedxml's DTDForbidden / EntitiesForbidden / ExternalReference
        return NotAnEInvoice("unreadable XML")
    check()  # the time budget in force: a pathological file spends it in the parse
    name = _local(root.tag)
    if name in ("Invoice", "CreditNote"):
        found = _ubl(root, name)
    elif name in ("CrossIndustryInvoice", "CrossIndustryDocument"):
        found = _cii(root)
    else:
        return NOT_AN_EINVOICE
    return found if found.number else NOT_AN_EINVOICE
