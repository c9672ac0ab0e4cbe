"""Statutory late-payment interest, worked out by hand for an invoice whose lateness spans a
half-year change in each of the five jurisdictions, against the tables shipped in
``interest_laws.toml``; the compensation in its own currency; a table that does not cover the
lateness gives no figure; the user's rates override the shipped ones; and the configuration
reports what is wrong with the statutory settings.

Each worked example names the reference rates it uses and where the shipped table says they come
from (the same sources are in the data file, with ``verified = false`` where no stored page
confirmed the figure).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from relance.daemon.core.errors import ConfigError
from relance.daemon.core.interest import (
    AT_START,
    LawDataError,
    NotCovered,
    Period,
    StatutoryInterest,
    coverage_notes,
    coverage_warning,
    parse_laws,
    statutory_interest,
)
from relance.daemon.core.model import Money
from relance.daemon.cycle.config import load_config
from relance.daemon.cycle.configfees import shipped_laws

LAWS = shipped_laws()


def _eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def _accrued(code: str, amount: Money, due: date, until: date) -> StatutoryInterest:
    found = statutory_interest(LAWS[code], amount, due, until)
    assert isinstance(found, StatutoryInterest), found
    return found


def test_france_across_1_july_2025() -> None:
    # Code de commerce L441-10: ECB rate + 10 points, the rate of 1 January for the first half,
    # of 1 July for the second. ECB main refinancing rate 3.15 % from 18/12/2024 (optimial.fr
    # table of ECB rates), 2.15 % in June 2025 (Bundesbank notice of the base rate).
    # 10,000.00 EUR due 31 May 2025, follow-up on 20 July 2025:
    #   1–30 June:  30 days × 13.15 % → 10,000 × 0.1315 × 30/365 = 108.0822
    #   1–20 July:  20 days × 12.15 % → 10,000 × 0.1215 × 20/365 =  66.5753
    #   total 174.6575 → 174.66 EUR, and the 40 EUR indemnité forfaitaire.
    found = _accrued("FR", _eur("10000"), date(2025, 5, 31), date(2025, 7, 20))
    assert found.periods == (Period(date(2025, 6, 1), date(2025, 6, 30), Decimal("13.15")),
                             Period(date(2025, 7, 1), date(2025, 7, 20), Decimal("12.15")))
    assert found.interest == _eur("174.66")
    assert found.compensation == _eur("40.00")
    assert found.rates == (Decimal("13.15"), Decimal("12.15"))


def test_germany_across_1_july_2025() -> None:
    # § 288 Abs. 2 BGB: Basiszinssatz + 9 points; the base rate changes on 1 January and 1 July.
    # 2.27 % from 1 January 2025 (not confirmed by a stored page: the data file says so);
    # 1.27 % from 1 July 2025 (Bundesbank, "unverändert seit dem 1. Juli 2025").
    # 10,000.00 EUR due 15 June 2025, follow-up on 10 July 2025:
    #   16–30 June: 15 days × 11.27 % → 46.3151
    #   1–10 July:  10 days × 10.27 % → 28.1370
    #   total 74.4521 → 74.45 EUR, and the 40 EUR Pauschale (§ 288 Abs. 5).
    found = _accrued("DE", _eur("10000"), date(2025, 6, 15), date(2025, 7, 10))
    assert [p.days for p in found.periods] == [15, 10]
    assert found.interest == _eur("74.45")
    assert found.compensation == _eur("40.00")


def test_spain_across_1_january_2025() -> None:
    # Ley 3/2004 art. 7: the ECB rate of the last main refinancing operation before the
    # half-year + 8 points. 4.25 % before 1 July 2024 (ECB, 12/06/2024); 3.15 % for the first
    # half of 2025 (BOE, Resolución de 30 de diciembre de 2024: 11.15 %).
    # 5,000.00 EUR due 20 December 2024, follow-up on 31 January 2025:
    #   21–31 December: 11 days × 12.25 % → 18.4589
    #   1–31 January:   31 days × 11.15 % → 47.3493
    #   total 65.8082 → 65.81 EUR, and 40 EUR for recovery costs (art. 8).
    found = _accrued("ES", _eur("5000"), date(2024, 12, 20), date(2025, 1, 31))
    assert [(p.days, p.annual_percent) for p in found.periods] == \
        [(11, Decimal("12.25")), (31, Decimal("11.15"))]
    assert found.interest == _eur("65.81")


def test_romania_across_1_january_2025_and_the_euro_compensation_stays_in_euros() -> None:
    # OG 13/2011 art. 3 alin. (2^1): BNR reference rate + 8 points between professionals.
    # 7.00 % in force on 1 July 2024 (cut to 6.75 % from 8 July 2024, Circulara BNR 29/2024),
    # 6.50 % for 2025 (news of the BNR keeping 6.5 %); both marked unverified in the data file.
    # 20,000.00 RON due 15 December 2024, follow-up on 14 January 2025:
    #   16–31 December: 16 days × 15.00 % → 131.5068
    #   1–14 January:   14 days × 14.50 % → 111.2329
    #   total 242.7397 → 242.74 RON; the 40 EUR of Legea 72/2013 stays 40 EUR.
    found = _accrued("RO", Money(Decimal("20000"), "RON"), date(2024, 12, 15), date(2025, 1, 14))
    assert found.interest == Money(Decimal("242.74"), "RON")
    assert found.compensation == _eur("40.00")


def test_united_kingdom_keeps_the_rate_of_the_day_interest_started() -> None:
    # SI 2002/1675: 8 % over the Bank of England rate of 31 December for interest that starts to
    # run between 1 January and 30 June; it is not revised when 1 July passes. Bank Rate 4.75 %
    # on 31 December 2024 (marked unverified in the data file).
    # 5,000.00 GBP due 20 June 2025, follow-up on 30 July 2025:
    #   21 June – 30 July: 40 days × 12.75 % → 5,000 × 0.1275 × 40/365 = 69.8630 → 69.86 GBP,
    #   and £70 compensation (a debt from £1,000 to £9,999.99).
    gbp = Money(Decimal("5000"), "GBP")
    found = _accrued("UK", gbp, date(2025, 6, 20), date(2025, 7, 30))
    assert LAWS["UK"].rule == AT_START
    assert found.periods == (Period(date(2025, 6, 21), date(2025, 7, 30), Decimal("12.75")),)
    assert found.interest == Money(Decimal("69.86"), "GBP")
    assert found.compensation == Money(Decimal("70.00"), "GBP")


@pytest.mark.parametrize(("amount", "fee"), [("999.99", "40.00"), ("1000", "70.00"),
                                             ("9999.99", "70.00"), ("10000", "100.00")])
def test_uk_compensation_by_size_of_debt(amount: str, fee: str) -> None:
    found = _accrued("UK", Money(Decimal(amount), "GBP"), date(2025, 3, 1), date(2025, 3, 31))
    assert found.compensation == Money(Decimal(fee), "GBP")


def test_uk_compensation_is_not_guessed_for_a_debt_in_another_currency() -> None:
    # The step depends on the size of the debt in pounds: telling it would need a conversion.
    found = _accrued("UK", _eur("5000"), date(2025, 3, 1), date(2025, 3, 31))
    assert found.compensation is None
    assert found.interest.currency == "EUR"


def test_the_day_of_the_due_date_is_not_late() -> None:
    assert statutory_interest(LAWS["FR"], _eur("100"), date(2025, 3, 1), date(2025, 3, 1)) is None
    one_day = _accrued("FR", _eur("36500"), date(2025, 3, 1), date(2025, 3, 2))
    assert one_day.interest == _eur("13.15")  # 36,500 × 13.15 % / 365, one day


def test_a_half_year_without_a_rate_gives_no_figure() -> None:
    found = statutory_interest(LAWS["FR"], _eur("1000"), date(2026, 6, 1), date(2026, 7, 15))
    assert found == NotCovered(date(2026, 7, 1))
    assert statutory_interest(LAWS["FR"], _eur("1000"), date(2023, 6, 1),
                              date(2023, 6, 15)) == NotCovered(date(2023, 1, 1))


def test_status_warns_when_the_current_half_year_is_not_covered() -> None:
    assert coverage_warning(LAWS["DE"], date(2026, 3, 9)) is None
    warning = coverage_warning(LAWS["DE"], date(2026, 12, 2))
    assert warning is not None
    assert "2026-07-01" in warning and "reference_rates" in warning
    assert coverage_notes(None, date(2026, 12, 2)) == []
    assert coverage_notes(LAWS["DE"], date(2026, 12, 2)) == [warning]


def test_every_shipped_rate_names_its_source() -> None:
    for law in LAWS.values():
        assert law.rates, law.code
        for rate in law.rates:
            assert rate.source.strip(), (law.code, rate.start)
        for language in ("en", "fr", "ro", "de", "es"):
            assert law.basis_in(language) == law.basis[language]


def test_a_malformed_table_names_the_law_and_the_key() -> None:
    base = {"name": "x", "reference": "r", "margin": "8", "currency": "EUR",
            "basis": {"en": "x"}}
    with pytest.raises(LawDataError, match=r"laws\.XX\.rates\.from: 2025-03-01 does not start"):
        parse_laws({"laws": {"XX": {**base, "rates": [{"from": "2025-03-01", "percent": "1"}]}}})
    with pytest.raises(LawDataError, match=r"laws\.XX: the key 'margin' is missing"):
        parse_laws({"laws": {"XX": {k: v for k, v in base.items() if k != "margin"}}})


# ---------------------------------------------------------------------------------------------
# The configuration


def _config(tmp_path: Path, fees: str) -> Path:
    path = tmp_path / "relance.toml"
    path.write_text(f'[account]\nprovider = "sample"\n\n[late_fees]\n{fees}\n', encoding="utf-8")
    return path


def test_config_turns_a_law_on_and_adds_the_users_rates(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, 'statutory = "FR"\n'
                                           'reference_rates = { "2026-07-01" = "2.40" }'))
    assert config.statutory is not None
    rate = config.statutory.rate_for(date(2026, 9, 1))
    assert rate is not None and rate.percent == Decimal("2.40")
    assert rate.source == "your configuration"
    assert coverage_warning(config.statutory, date(2026, 12, 2)) is None


def test_config_reports_every_statutory_problem(tmp_path: Path) -> None:
    path = _config(tmp_path, 'statutory = "IT"\nreference_rates = { "2026-03-01" = "2" }')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert 'statutory = "IT" is not allowed' in text and '"FR"' in text
    assert "2026-03-01" in text and "half-year" in text


def test_config_refuses_the_law_and_own_terms_together(tmp_path: Path) -> None:
    path = _config(tmp_path, 'statutory = "DE"\nannual_interest_percent = "12"')
    with pytest.raises(ConfigError, match="keep one of the two"):
        load_config(path)
