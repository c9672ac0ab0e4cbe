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


@pytest.mark.parametrize(("written", "amount", "currency"), [
    ("Rs. 1,770.00", "1770.00", "INR"),  # Indian retail invoices
    ("₹ 499", "499", "INR"),
    ("NZD 2,300.00", "2300.00", "NZD"),
    ("NZ$ 80.00", "80.00", "NZD"),
])
def test_more_currencies_invoicing_tools_print(written: str, amount: str, currency: str) -> None:
    assert parse_amount(written) == Money(Decimal(amount), currency)


@pytest.mark.parametrize("text", ["Try 30 days free", "hours 12"])
def test_words_that_look_like_currency_codes_are_no_amount(text: str) -> None:
    assert parse_amount(text) is NO_AMOUNT


def test_a_prefix_symbol_owns_the_number_after_it_and_a_year_is_no_amount() -> None:
    # a US utility bill: the year stands right before the dollar sign
    text = "TOTAL AMOUNT DUE ON August 3, 2014 $4.11"
    assert [m for m, _s, _e in find_amounts(text)] == [Money(Decimal("4.11"), "USD")]
    assert best_amount([text]) == Money(Decimal("4.11"), "USD")
    assert [m.amount for m, _s, _e in find_amounts("due 3 mars 2026 € 12,00")] == [
        Decimal("12.00")]
    # but a euro sign may follow one amount and precede the next, and 2000 € is an amount
    assert [m.amount for m, _s, _e in find_amounts("Logo 1 1.400,00 € 1 1.400,00 €")] == [
        Decimal("1400.00"), Decimal("1400.00")]
    assert best_amount(["Total : 2000 €"]) == Money(Decimal("2000"), "EUR")


@pytest.mark.parametrize(("text", "expected"), [
    ("Total HT 2 000,00\nTVA (20 %) 400,00\nTotal TTC 2 400,00\nMontants exprimés en euros.",
     "2400.00 EUR"),
    ("Total Net 2,380.00\nTotal Tax 0.00\nTOTAL 2,380.00\nAll amounts in US Dollars.",
     "2380.00 USD"),
    ("Gesamtbetrag netto 2.000,00\nUmsatzsteuer 19 % 380,00\nGesamtbetrag brutto 2.380,00\n"
     "Beträge in Euro.", "2380.00 EUR"),
    ("Total fara TVA 2.000,00\nTVA 19% 380,00\nTotal de plata 2.380,00\nSume exprimate in lei",
     "2380.00 RON"),
    ("Base imponible 2.000,00\nIVA 21 % 420,00\nIRPF -15 % -300,00\nTotal 2.120,00\n"
     "Importes en euros.", "2120.00 EUR"),
    ("Amount Due (CAD)   1,200.00", "1200.00 CAD"),
    ("Currency: CHF\nTotal 950.00", "950.00 CHF"),
    ("Amounts in Australian Dollars\nTotal 1,650.00", "1650.00 AUD"),
    # a marked amount elsewhere does not beat the labelled total
    ("Indemnité de recouvrement : 40 €\nTotal TTC 1 200,00\nMontants en euros", "1200.00 EUR"),
])
def test_totals_without_a_mark_take_the_currency_the_document_states(text: str,
                                                                     expected: str) -> None:
    amount, currency = expected.split()
    assert best_amount([text]) == Money(Decimal(amount), currency)


def test_without_a_stated_currency_a_bare_total_is_never_taken() -> None:
    assert best_amount(["Total HT 2 000,00\nTotal TTC 2 400,00"]) is None
    # nor a quantity, a postcode or an unlabelled number with a statement
    assert best_amount(["Qty 12.00\n75001 Paris\n1 200,00\nAmounts in euros"]) is None


def test_a_configured_currency_serves_only_a_document_that_writes_none() -> None:
    assert best_amount(["Total TTC 2 400,00"], "eur") == Money(Decimal("2400.00"), "EUR")
    # one mark anywhere says the document's currency: the default does not stand in for it
    assert best_amount(["Frais 40 €\nTotal TTC 2 400,00"], "USD") == Money(Decimal("40"), "EUR")
    assert best_amount(["Total TTC 2 400,00\nMontants en euros"], "USD") == Money(
        Decimal("2400.00"), "EUR")


def test_a_code_after_a_dollar_sign_says_which_dollar_or_peso() -> None:
    assert parse_amount("Total: $11,600.00 MXN") == Money(Decimal("11600.00"), "MXN")
    assert parse_amount("$1,000 CAD") == Money(Decimal("1000"), "CAD")
    assert parse_amount("$1,200.00 USD") == Money(Decimal("1200.00"), "USD")
    # a code after the amount is not the mark of a number after it
    assert [m for m, _s, _e in find_amounts("$1,200.00 USD 3 items")] == [
        Money(Decimal("1200.00"), "USD")]
    assert parse_amount("$500.00 and more") == Money(Decimal("500.00"), "USD")
