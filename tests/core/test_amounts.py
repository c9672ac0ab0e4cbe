"""Money as invoices write it: separators by shape, currencies by symbol, code or word, and the
total picked over subtotals and taxes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from relance.daemon.core.amounts import NO_AMOUNT, find_amounts, parse_amount
from relance.daemon.core.model import Money
from relance.daemon.core.scoring import best_amount


@pytest.mark.parametrize(
    ("written", "amount", "currency"),
    [
        ("1 234,56 €", "1234.56", "EUR"),
        ("€1,234.56", "1234.56", "EUR"),
        ("1.234,56 lei", "1234.56", "RON"),
        ("RON 1.234,56", "1234.56", "RON"),
        ("USD 980", "980", "USD"),
        ("$980.00", "980.00", "USD"),
        ("CHF 1'250.00", "1250.00", "CHF"),
        ("1 234,56 EUR", "1234.56", "EUR"),
        ("1\u00a0234,56\u00a0€", "1234.56", "EUR"),  # no-break spaces (LibreOffice, Word)
        ("1\u202f234,56\u00a0€", "1234.56", "EUR"),  # narrow no-break space (French typography)
        ("£3,150.00", "3150.00", "GBP"),
        ("12 345 678,90 €", "12345678.90", "EUR"),
        ("1.234.567,89 EUR", "1234567.89", "EUR"),
        ("1,234,567.89 USD", "1234567.89", "USD"),
        ("1.234 lei", "1234", "RON"),  # one separator then three digits: thousands
        ("1,5 EUR", "1.5", "EUR"),
        ("0,50 €", "0.50", "EUR"),
        ("EUR1234", "1234", "EUR"),
        ("300 lei.", "300", "RON"),
        ("A$ 50", "50", "AUD"),
        ("1 500 euros", "1500", "EUR"),
    ],
)
def test_parse_amount_reads_the_written_shapes(written: str, amount: str, currency: str) -> None:
    assert parse_amount(written) == Money(Decimal(amount), currency)


@pytest.mark.parametrize("text", ["", "Invoice 2026", "patron 5", "300 leicester", "12,5 %",
                                  "call me on 06 12 34 56 78"])
def test_text_without_a_currency_has_no_amount(text: str) -> None:
    assert parse_amount(text) is NO_AMOUNT


def test_a_bare_number_counts_only_with_a_default_currency() -> None:
    assert parse_amount("980,00") is NO_AMOUNT
    assert parse_amount("980,00", default_currency="eur") == Money(Decimal("980.00"), "EUR")


def test_find_amounts_gives_positions_of_each_amount_as_written() -> None:
    text = "Total HT : 1 028,80 €\nTVA : 205,76 €\nTotal TTC : 1 234,56 €"
    found = find_amounts(text)
    assert [m.amount for m, _s, _e in found] == [Decimal("1028.80"), Decimal("205.76"),
                                                 Decimal("1234.56")]
    assert [text[s:e] for _m, s, e in found] == ["1 028,80 €", "205,76 €", "1 234,56 €"]


def test_a_year_or_a_reference_before_an_amount_is_not_swallowed_by_it() -> None:
    assert [m.amount for m, _s, _e in find_amounts("Facture 2026 1 200,00 €")] == [
        Decimal("1200.00")]
    assert [m.amount for m, _s, _e in find_amounts("INV-2024-031 €120.00")] == [
        Decimal("120.00")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Total HT 1 000,00 €\nTVA 20 % 200,00 €\nTotal TTC 1 200,00 €", "1200.00"),
        (("Subtotal $2,400.00\nTax $192.00\nTotal $2,592.00\nDeposit paid $1,000.00\n"
          "Balance due $1,592.00"), "1592.00"),
        ("Valoare fără TVA: 4.000,00 lei\nTVA: 760,00 lei\nTotal de plată: 4.760,00 lei",
         "4760.00"),
        ("Nettobetrag: 1.000,00 €\nMwSt. 19 %: 190,00 €\nGesamtbetrag: 1.190,00 €",
         "1190.00"),
        ("Base imponible: 1.250,00 €\nIVA (21 %): 262,50 €\nImporte total: 1.512,50 €",
         "1512.50"),
        # a table whose cells came out one per line: the label is on the line before
        ("Montant dû\n850,00 €\nAcompte versé\n900,00 €", "850.00"),
        # no label at all: the largest amount (a total is never below one of its lines)
        ("Logo 400 €, cartes de visite 150 €, 550 € en tout", "550"),
        # an invoice with no VAT: "Total HT" is the total
        ("Total HT 850,00 €\nTVA non applicable, art. 293 B du CGI", "850.00"),
    ],
)
def test_best_amount_is_what_is_due(text: str, expected: str) -> None:
    best = best_amount([text])
    assert best is not None and best.amount == Decimal(expected)


def test_best_amount_of_texts_without_money_is_none() -> None:
    assert best_amount(["Hello", ""]) is None
