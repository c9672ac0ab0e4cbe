"""The statutory part of ``[late_fees]``: which law's late-payment interest and compensation
follow-ups state (``statutory = "FR"``), and the reference rates the user adds or corrects
(``reference_rates = { "2026-07-01" = "2.15" }``, the rate before the law's margin); and a
client's own law (``[[clients]] statutory = "DE"``, or "" for none), which takes the user's
rates only when it is the same law.

The laws and their rate tables ship as ``relance/daemon/core/interest_laws.toml``; this module
reads that file (the core does no IO) and applies the user's rates over it. A problem in the
user's settings is reported with every other problem of the file; a broken shipped table is a
bug and raises at once.
"""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from ..core.interest import Law, half_year_start, parse_laws
from .configcheck import Section

LAWS_FILE = "interest_laws.toml"
STATUTORY_KEYS = ("statutory", "reference_rates")


@cache
def shipped_laws() -> dict[str, Law]:
    """Return the laws of the table shipped inside the package, by code ("FR", "UK", ...)."""
    text = resources.files("relance.daemon.core").joinpath(LAWS_FILE).read_text("utf-8")
    return parse_laws(tomllib.loads(text))


def read_statutory(fees: Section) -> Law | None:
    """Return the law ``[late_fees] statutory`` names, with the user's ``reference_rates``
    applied, or None when it is off. Conflicting settings are reported on ``fees``."""
    laws = shipped_laws()
    code = fees.choice("statutory", "", ("", *sorted(laws))).strip()
    rates = _reference_rates(fees)
    if not code:
        if rates:
            fees.bad("reference_rates", "is set but statutory is not",
                     'Add statutory = "FR" (or "DE", "ES", "RO", "UK"), or remove the rates.')
        return None
    for own in ("fixed", "annual_interest_percent"):
        if fees.has(own) and fees.data[own] not in (0, "0", ""):
            fees.bad(own, f'is set together with statutory = "{code}"',
                     "The law sets the interest and the fixed compensation: keep one of the "
                     "two, statutory or your own terms.")
    law = laws[code]
    return law.with_rates(rates, "your configuration") if rates else law


def _reference_rates(fees: Section) -> dict[date, Decimal]:
    """``reference_rates``: half-year start ("YYYY-01-01" or "YYYY-07-01") -> percent."""
    raw = fees.data.get("reference_rates")
    if raw is None:
        return {}
    table = fees.sub("reference_rates", raw.keys() if isinstance(raw, dict) else ())
    rates: dict[date, Decimal] = {}
    for key in table.data:
        try:
            start = date.fromisoformat(str(key))
        except ValueError:
            start = None
        if start is None or start != half_year_start(start):
            table.bad(key, "does not name a half-year",
                      'Name the first day of the half-year, such as "2026-07-01" or "2027-01-01".')
            continue
        rates[start] = table.decimal(key, Decimal(0), Decimal(50))
    return rates


def client_statutory(client: Section) -> str | None:
    """``[[clients]] statutory``: this client's law, "" for none, None when not set."""
    if not client.has("statutory"):
        return None
    return client.choice("statutory", "", ("", *sorted(shipped_laws()))).strip()


def law_for(general: Law | None, own: str | None, business: bool) -> Law | None:
    """Return the law a client's follow-ups state: none for a client who is not a business,
    the client's own when set ("" turns it off), else the general one."""
    if not business or own == "":
        return None
    if own is None or (general is not None and general.code == own):
        return general
    return shipped_laws()[own]
