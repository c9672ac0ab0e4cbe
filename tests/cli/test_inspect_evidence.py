"""`relance inspect` says where each value of an invoice was read (issue 9): the JSON's invoice
object gains an ``evidence`` object, its other keys unchanged."""

from __future__ import annotations

from pathlib import Path

from relance.daemon.cli.inspection import inspection
from relance.daemon.core.message import parse, sender

CORPUS = Path(__file__).resolve().parents[1] / "data" / "invoices" / "corpus"


def _inspect(name: str) -> dict[str, object]:
    raw = (CORPUS / name).read_bytes()
    return inspection(raw, me=sender(parse(raw)))


def test_the_evidence_of_a_pdf_invoice_names_the_label_and_the_stated_currency() -> None:
    invoice = _inspect("016_fr_pennylane_montants_en_euros.eml")["invoice"]
    assert isinstance(invoice, dict)
    assert set(invoice) == {"number", "amount", "currency", "due_date", "recipients",
                            "evidence"}
    assert invoice["evidence"] == {
        "number": "subject", "amount": "PDF: 'Total TTC'",
        "currency": "stated: 'Montants exprimés en euros'",
        "due": "the date written next to a due-date word"}


def test_the_evidence_of_an_e_invoice_names_its_fields() -> None:
    invoice = _inspect("048_de_xrechnung_ubl_only.eml")["invoice"]
    assert isinstance(invoice, dict)
    assert invoice["amount"] == "1487.50" and invoice["evidence"]["amount"] == (  # type: ignore[index]
        "the e-invoice (UBL), BT-115 amount due for payment")
