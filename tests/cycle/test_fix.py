"""Figures read with doubt wait for the user (issue 9): on a real folder mailbox, an invoice whose
total carries no currency mark and names none anywhere — as a plain-text invoice typed in a
mail client often is ("Total: 1 200,00") — is read in the configured currency, listed under
"needs you: check", and gets no follow-up until ``relance fix`` confirms or corrects it; the
correction is what the follow-up then says. A client's own currency wins over the user's."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from relance.daemon.cli.status import attention, invoice_rows
from relance.daemon.core.errors import UsageError
from relance.daemon.core.model import EventKind, HoldReason
from relance.daemon.cycle.config import ClientSettings
from relance.daemon.cycle.corrections import fix
from tests import mails
from tests.cycle.test_engine import _delivered, _drafts, _read, _walk, world  # noqa: F401 -- fixture

UTC = timezone.utc
SENT = datetime(2026, 2, 10, 8, 30, tzinfo=UTC)


def _unmarked_invoice(to: str = mails.CLIENT) -> EmailMessage:
    """A plain-text invoice typed in a mail client, its total without any currency."""
    msg = EmailMessage()
    msg["From"] = f"Claire Martin <{mails.ME}>"
    msg["To"] = to
    msg["Subject"] = "Facture F-2026-077"
    msg["Date"] = format_datetime(SENT)
    msg["Message-ID"] = "<f-2026-077@atelier-martin.example>"
    msg.set_content("Bonjour,\n\nVeuillez trouver ci-dessous la facture F-2026-077 pour la "
                    "mise en page du catalogue.\n\nFacture n° F-2026-077\nDate : 10/02/2026\n"
                    "Échéance : 12/03/2026\nTotal : 1 200,00\n\nCordialement,\nClaire Martin\n")
    return msg


def _with_currency(engine, payment: str | None, client: str | None = None) -> None:
    config = engine.config
    clients = tuple(replace(c, currency=client) for c in config.clients) if client else \
        config.clients
    engine.config = replace(config, payment=replace(config.payment, currency=payment),
                            clients=clients)


def _status_notes(engine) -> list[str]:
    store = engine.store
    rows = invoice_rows(store.invoices(), store.events(), engine.plan(), store.followups(),
                        engine.clock().date())
    return attention(rows, {}, store.followups())


def test_an_invoice_in_the_configured_currency_waits_for_the_users_word(world):  # noqa: F811
    engine, clock, root = world
    _with_currency(engine, "EUR")
    mails.file_into(root / "sent", "invoice", _unmarked_invoice())
    engine.cycle()
    (invoice,) = engine.store.invoices()
    assert invoice.amount is not None and str(invoice.amount.amount) == "1200.00"
    assert invoice.amount.currency == "EUR"
    assert [e.kind for e in engine.store.events_of(invoice.key)].count(EventKind.NEEDS_CHECK) == 1

    _walk(engine, clock, datetime(2026, 3, 20, 12, tzinfo=UTC))  # past due and first notice
    assert _drafts(root) == [] and _delivered(root) == []
    assert engine.plan().holds[invoice.key].reason is HoldReason.CHECK
    (note,) = [n for n in _status_notes(engine) if n.startswith("F-2026-077")]
    assert "the currency is the configured default" in note and "relance fix F-2026-077" in note

    fix(engine.store, invoice, ["amount=1 250,00"], clock.now)
    _walk(engine, clock, datetime(2026, 3, 27, 12, tzinfo=UTC))
    (first, *_later) = _delivered(root) + _drafts(root)
    body = _read(first).get_body(("plain",)).get_content()
    assert "1 250,00" in body.replace("\u202f", " ").replace("\u00a0", " ")
    assert not [n for n in _status_notes(engine) if n.startswith("F-2026-077")]


def test_a_clients_currency_wins_and_confirming_as_read_lets_follow_ups_go(world):  # noqa: F811
    engine, clock, root = world
    engine.config = replace(engine.config, clients=(
        ClientSettings(match=mails.CLIENT, timezone="Europe/Paris", currency="CHF"),))
    _with_currency(engine, "EUR")
    mails.file_into(root / "sent", "invoice", _unmarked_invoice())
    engine.cycle()
    (invoice,) = engine.store.invoices()
    assert invoice.amount is not None and invoice.amount.currency == "CHF"
    fix(engine.store, invoice, [], clock.now)
    _walk(engine, clock, datetime(2026, 3, 20, 12, tzinfo=UTC))
    assert len(_drafts(root)) + len(_delivered(root)) >= 1  # drafted, or sent at its slot
    confirmed = [e for e in engine.store.events_of(invoice.key)
                 if e.kind is EventKind.CONFIRMED]
    assert [e.detail for e in confirmed] == ["confirmed as read"]


def test_without_any_currency_the_amount_is_not_guessed(world):  # noqa: F811
    engine, _clock, root = world
    mails.file_into(root / "sent", "invoice", _unmarked_invoice())
    engine.cycle()
    invoices = engine.store.invoices()
    assert all(inv.amount is None or inv.amount.currency for inv in invoices)
    for invoice in invoices:  # tracked without an amount: nothing may go until one is given
        with pytest.raises(UsageError, match="give amount"):
            fix(engine.store, invoice, [], engine.clock())


@pytest.mark.parametrize("changes, says", [
    (["total=100"], "not a correction"),
    (["amount=abc"], "not an amount"),
    (["amount=-5", "currency=EUR"], "not an amount owed"),
    (["currency=EURO"], "ISO 4217"),
    (["due=31/03/2026"], "not a date"),
])
def test_a_wrong_correction_is_refused_and_changes_nothing(world, changes, says):  # noqa: F811
    engine, clock, root = world
    _with_currency(engine, "EUR")
    mails.file_into(root / "sent", "invoice", _unmarked_invoice())
    engine.cycle()
    (invoice,) = engine.store.invoices()
    with pytest.raises(UsageError, match=says):
        fix(engine.store, invoice, changes, clock.now)
    assert engine.store.invoices() == [invoice]
    assert engine.plan().holds[invoice.key].reason is HoldReason.CHECK
