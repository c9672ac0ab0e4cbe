"""Classification of received messages, from a table of real-looking e-mails in tests/data/.

Each table row is what a user would check by opening the message: is it a bounce, who failed,
which invoice bounced; when is the out-of-office writer back; did the client say it is paid.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import pytest

from relance.daemon.core.autoreply import NO_AUTO_REPLY, detect_auto_reply
from relance.daemon.core.bounce import NO_BOUNCE, detect_bounce
from relance.daemon.core.classify import classify
from relance.daemon.core.intent import read_intent
from relance.daemon.core.message import parse
from relance.daemon.core.model import (
    AutoReply,
    Bounce,
    Intent,
    Money,
    Other,
    PaymentNotice,
    Reply,
)
from relance.daemon.core.payment import NO_PAYMENT, detect_payment

DATA = Path(__file__).resolve().parent.parent / "data"
LATER = datetime(2026, 4, 20, 9, 0, tzinfo=timezone.utc)  # well after every message


def load(folder: str, name: str) -> EmailMessage:
    return parse((DATA / folder / name).read_bytes())


def eur(value: str) -> Money:
    return Money(Decimal(value), "EUR")


OPEN_INVOICES = (
    ("F-1042", eur("1234.56")),
    ("F-1043", eur("480.00")),
    ("RE-2026-007", eur("2380.00")),
    ("77", Money(Decimal("1500.00"), "RON")),
    ("INV-2026-031", None),
)

# ---------------------------------------------------------------------------------------------
# Bounces: file, permanent, failed recipients, Message-ID of the bounced invoice, status

BOUNCES = [
    ("b01_sendmail_dsn_rfc822.eml", True, ("mihai.ionescu@client-exemplu.ro",),
     "<inv-77.20260303061358@atelier-popescu.eu>", "5.1.1"),
    ("b02_postfix_rfc822_headers.eml", True, ("compta@dupont-menuiserie.fr",),
     "<f-1042.5d1e@atelier-popescu.eu>", "5.1.1"),
    ("b03_gmail_x_failed_recipients.eml", True, ("j.smith@northwind-traders.co.uk",),
     "<CAK7pQ2v9XnE1mT0aB4r@mail.gmail.com>", "5.1.1"),
    ("b04_exim_text.eml", True, ("billing@greenleaf-studio.example",),
     "<inv-2026-033.e81f@atelier-popescu.eu>", None),
    ("b05_qmail.eml", True, ("office@tipografia-veche.example",),
     "<inv-80.20260306@atelier-popescu.eu>", "5.1.1"),
    ("b06_exchange_text_ndr.eml", True, ("accounts.payable@contoso-logistics.example",),
     "<inv-2026-036.77aa@atelier-popescu.eu>", "5.1.10"),
    ("b07_exchange_de_unzustellbar.eml", True, ("k.weber@mueller-maschinen.example",),
     "<re-2026-007.3f9a@atelier-popescu.eu>", "5.1.1"),
    ("b08_mailbox_full_422_delayed.eml", False, ("contabilitate@fabrica-lemn.example",),
     "<inv-81.b7c1@atelier-popescu.eu>", "4.2.2"),
    ("b09_gmail_delay_will_retry.eml", False, ("finance@harbor-lights.example",),
     "<CAK7pQ2wHarborLights0312@mail.gmail.com>", "4.4.1"),
    ("b10_dsn_missing_returned_part.eml", True, ("paul.martin@cabinet-martin.example",),
     None, "5.1.1"),
    ("b11_over_quota_552_failed.eml", False, ("factures@boulangerie-leclerc.example",),
     "<f-1047.0c2e@atelier-popescu.eu>", "5.2.2"),
    ("b12_exchange_fr_non_remis.eml", True, ("s.garnier@menuiserie-garnier.example",),
     "<f-1049.aa01@atelier-popescu.eu>", "5.1.10"),
]


@pytest.mark.parametrize(("name", "permanent", "recipients", "original", "status"), BOUNCES)
def test_bounces(name: str, permanent: bool, recipients: tuple[str, ...], original: str | None,
                 status: str | None) -> None:
    result = classify(load("bounces", name), now=LATER)
    assert isinstance(result, Bounce), result
    assert result.permanent is permanent
    assert result.recipients == recipients
    assert result.original_message_id == original
    assert result.status == status
    assert result.diagnostic  # something to show the user


def test_exim_bounce_says_why() -> None:
    result = classify(load("bounces", "b04_exim_text.eml"))
    assert isinstance(result, Bounce)
    assert "No such user" in result.diagnostic


# ---------------------------------------------------------------------------------------------
# Auto-replies: file, return date

AUTO_REPLIES = [
    ("a01_en_outlook_returning_monday.eml", date(2026, 3, 9)),
    ("a02_en_gmail_vacation_back_on.eml", date(2026, 3, 3)),
    ("a03_en_x_autoreply_says_paid.eml", date(2026, 3, 9)),  # "back on 03/09" on 2 March
    ("a04_fr_outlook_range_inclus.eml", date(2026, 3, 9)),  # "du 1er au 8 mars inclus"
    ("a05_fr_absent_lundi.eml", date(2026, 3, 9)),  # "de retour lundi" on Wednesday 4 March
    ("a06_ro_raspuns_automat.eml", date(2026, 3, 3)),
    ("a07_ro_concediu_no_date.eml", None),
    ("a08_de_abwesenheitsnotiz_ab_dem.eml", date(2026, 3, 3)),
    ("a09_de_automatische_antwort_no_date.eml", None),
    ("a10_es_respuesta_automatica.eml", date(2026, 3, 3)),
    ("a11_es_fuera_oficina_rango.eml", date(2026, 3, 9)),  # "del 1 al 8 de marzo"
    ("a12_en_away_range_auto_submitted.eml", date(2026, 3, 9)),  # "from 1 to 8 March"
]


@pytest.mark.parametrize(("name", "until"), AUTO_REPLIES)
def test_auto_replies(name: str, until: date | None) -> None:
    assert classify(load("autoreplies", name), now=LATER) == AutoReply(until)


# ---------------------------------------------------------------------------------------------
# Payment notices: file, provider, invoice references, amount, the domain the receiving server
# vouched for ("" = nobody did: only a claim). Each fixture says in its Comments header which
# receiving server's Authentication-Results it imitates.

PAYMENTS = [
    ("p01_stripe_payment_succeeded.eml", "stripe", ("F-1042",), eur("1234.56"), "stripe.com"),
    ("p02_paypal_fr_paiement_recu.eml", "paypal", ("F-1043",), eur("480.00"), "paypal.fr"),
    ("p03_wise_received.eml", "wise", ("RE-2026-007",), eur("2380.00"), "wise.com"),
    ("p04_bank_ro_plata_primita.eml", "bank", ("77",), Money(Decimal("1500.00"), "RON"), ""),
    # vouched for, but nothing says sparkasse-beispiel.example is a bank: see below
    ("p05_bank_de_zahlungseingang.eml", "bank", ("RE-2026-007",), eur("2380.00"), ""),
    ("p08_forged_stripe_no_authentication.eml", "stripe", ("F-1042",), eur("1234.56"), ""),
    ("p09_forged_stripe_gmail_dmarc_fail.eml", "stripe", ("F-1042",), eur("1234.56"), ""),
    ("p10_forged_stripe_fake_results_below.eml", "stripe", ("F-1042",), eur("1234.56"), ""),
    ("p11_forged_wise_microsoft_compauth_fail.eml", "wise", ("RE-2026-007",), eur("2380.00"),
     ""),
]


@pytest.mark.parametrize(("name", "provider", "references", "amount", "vouched_by"), PAYMENTS)
def test_payment_notices(name: str, provider: str, references: tuple[str, ...],
                         amount: Money, vouched_by: str) -> None:
    result = classify(load("payments", name), now=LATER, open_invoices=OPEN_INVOICES)
    assert result == PaymentNotice(provider, references, amount, vouched_by)


def test_a_bank_notice_is_vouched_for_once_the_user_names_the_bank() -> None:
    msg = load("payments", "p05_bank_de_zahlungseingang.eml")
    result = classify(msg, open_invoices=OPEN_INVOICES,
                      trusted_senders=["sparkasse-beispiel.example"])
    assert isinstance(result, PaymentNotice)
    assert result.vouched_by == "sparkasse-beispiel.example"
    # naming a bank vouches for nobody the receiving server did not authenticate
    unsigned = load("payments", "p04_bank_ro_plata_primita.eml")
    result = classify(unsigned, open_invoices=OPEN_INVOICES, trusted_senders=["banca-exemplu.ro"])
    assert isinstance(result, PaymentNotice) and result.vouched_by == ""


def test_a_configured_authserv_id_is_the_only_one_that_counts() -> None:
    gmail = load("payments", "p01_stripe_payment_succeeded.eml")
    mine = classify(gmail, open_invoices=OPEN_INVOICES, authserv_ids=["mx.google.com"])
    other = classify(gmail, open_invoices=OPEN_INVOICES,
                     authserv_ids=["mx2.messagingengine.com"])
    assert isinstance(mine, PaymentNotice) and mine.vouched_by == "stripe.com"
    assert isinstance(other, PaymentNotice) and other.vouched_by == ""
    # the forger's field in Gmail's name is below Fastmail's: read as Fastmail's user, a claim
    forged = load("payments", "p10_forged_stripe_fake_results_below.eml")
    result = classify(forged, open_invoices=OPEN_INVOICES,
                      authserv_ids=["mx2.messagingengine.com"])
    assert isinstance(result, PaymentNotice) and result.vouched_by == ""


@pytest.mark.parametrize("name", ["p06_stripe_newsletter.eml",
                                  "p07_paypal_receipt_other_amount.eml"])
def test_processor_mail_that_pays_no_open_invoice_is_other(name: str) -> None:
    result = classify(load("payments", name), now=LATER, open_invoices=OPEN_INVOICES)
    assert isinstance(result, Other), result


def test_bank_reference_without_separators_names_the_invoice_when_it_is_open() -> None:
    msg = load("payments", "p05_bank_de_zahlungseingang.eml")
    assert detect_payment(msg, ()).references == ("RE2026007",)
    assert detect_payment(msg, OPEN_INVOICES).references == ("RE-2026-007",)


def test_a_notice_is_recognised_by_the_amount_of_an_open_invoice_alone() -> None:
    msg = load("payments", "p03_wise_received.eml")
    result = detect_payment(msg, [("INV-2026-099", eur("2380.00"))])
    assert isinstance(result, PaymentNotice)
    assert result.amount == eur("2380.00")


def test_a_person_is_no_payment_notice() -> None:
    assert detect_payment(load("replies", "r01_en_paid.eml"), OPEN_INVOICES) == NO_PAYMENT


# ---------------------------------------------------------------------------------------------
# Human replies: file, intent, promised date

REPLIES = [
    ("r01_en_paid.eml", Intent.PAID, None),
    ("r02_en_promise_friday.eml", Intent.PROMISE, date(2026, 3, 6)),  # Friday after Tue 3 March
    ("r03_en_not_paid_yet_trap.eml", Intent.OTHER, None),
    ("r04_en_paid_but_why_tiebreak.eml", Intent.QUESTION, None),
    ("r05_fr_html_virement_blockquote.eml", Intent.PAID, None),
    ("r06_fr_promise_15_mars.eml", Intent.PROMISE, date(2026, 3, 15)),
    ("r07_fr_dispute.eml", Intent.DISPUTE, None),
    ("r08_fr_pas_encore_paye_trap.eml", Intent.OTHER, None),
    ("r09_ro_am_efectuat_plata.eml", Intent.PAID, None),
    ("r10_ro_promise_15_martie.eml", Intent.PROMISE, date(2026, 3, 15)),
    ("r11_ro_inca_nu_am_platit_trap.eml", Intent.OTHER, None),
    ("r12_ro_dispute.eml", Intent.DISPUTE, None),
    ("r13_de_html_ueberwiesen.eml", Intent.PAID, None),
    ("r14_de_promise_ende_des_monats.eml", Intent.PROMISE, date(2026, 3, 31)),
    ("r15_de_dispute_stimmt_nicht.eml", Intent.DISPUTE, None),
    ("r16_es_ya_he_pagado.eml", Intent.PAID, None),
    ("r17_es_promise_15_marzo.eml", Intent.PROMISE, date(2026, 3, 15)),
    ("r18_es_dispute.eml", Intent.DISPUTE, None),
    ("r19_en_question_resend.eml", Intent.QUESTION, None),
    ("r20_en_thanks_received.eml", Intent.OTHER, None),
    ("r21_en_outlook_block_quoted_paid.eml", Intent.OTHER, None),
]


@pytest.mark.parametrize(("name", "intent", "promised"), REPLIES)
def test_human_replies(name: str, intent: Intent, promised: date | None) -> None:
    result = classify(load("replies", name), now=LATER)
    assert isinstance(result, Reply), result
    assert result.intent is intent
    assert result.promised_date == promised


def test_excerpt_is_the_start_of_the_new_text_only() -> None:
    result = classify(load("replies", "r05_fr_html_virement_blockquote.eml"))
    assert isinstance(result, Reply)
    assert result.excerpt.startswith("Bonjour Ana, Virement effectué ce matin")
    assert "Pourriez-vous" not in result.excerpt  # the quoted question stays out
    assert len(result.excerpt) <= 121


def test_long_excerpt_is_cut_at_a_word() -> None:
    result = classify(load("replies", "r19_en_question_resend.eml"))
    assert isinstance(result, Reply)
    assert result.excerpt.endswith("…")
    assert len(result.excerpt) <= 121
    assert result.excerpt == ("Hello, Could you send the invoice again with our VAT number on "
                              "it? Our system rejects invoices without it. See…")


# ---------------------------------------------------------------------------------------------
# Other and malformed messages: file, expected kind, a word of the reason or the intent

OTHERS = [
    ("o01_no_headers.eml", "other", "no headers"),
    ("o02_broken_mime_no_boundary.eml", "reply", Intent.PAID),  # text salvaged
    ("o03_undeclared_8bit_latin1.eml", "reply", Intent.PAID),  # cp1252 read as such
    ("o04_mailing_list.eml", "other", "List-Id"),
    ("o05_read_receipt.eml", "other", "report"),
    ("o06_dsn_delivered.eml", "other", "report"),
    ("o07_binary_garbage.eml", "other", "no headers"),
    ("o08_crm_auto_generated.eml", "other", "auto-generated"),
    ("o09_broken_encoded_headers.eml", "other", "sender"),
    ("o10_noreply_notification.eml", "other", "no-reply"),
]


@pytest.mark.parametrize(("name", "kind", "detail"), OTHERS)
def test_other_and_malformed(name: str, kind: str, detail: object) -> None:
    result = classify(load("other", name), now=LATER)
    if kind == "other":
        assert isinstance(result, Other), result
        assert str(detail) in result.reason
    else:
        assert isinstance(result, Reply), result
        assert result.intent is detail


def test_a_success_report_is_no_bounce() -> None:
    assert detect_bounce(load("other", "o06_dsn_delivered.eml")) == NO_BOUNCE


# ---------------------------------------------------------------------------------------------
# The order of the checks


def test_auto_reply_that_says_paid_is_an_auto_reply() -> None:
    msg = load("autoreplies", "a03_en_x_autoreply_says_paid.eml")
    # Read as a person's words it would close the invoice ...
    assert read_intent(msg, date(2026, 3, 2)).intent is Intent.PAID
    # ... but the responder's header is checked first.
    assert isinstance(classify(msg, now=LATER), AutoReply)


def test_bounce_marked_auto_replied_is_a_bounce() -> None:
    msg = load("bounces", "b02_postfix_rfc822_headers.eml")
    assert msg["Auto-Submitted"] == "auto-replied"
    assert detect_auto_reply(msg, date(2026, 3, 4)) != NO_AUTO_REPLY
    assert isinstance(classify(msg, now=LATER), Bounce)


def test_payment_notice_marked_auto_generated_is_a_payment_notice() -> None:
    msg = load("payments", "p01_stripe_payment_succeeded.eml")
    assert msg["Auto-Submitted"] == "auto-generated"
    assert isinstance(classify(msg, open_invoices=OPEN_INVOICES), PaymentNotice)


def test_exchange_rule_header_alone_does_not_make_an_auto_reply() -> None:
    # Exchange stamps this header on messages a rule forwarded, which may be a person's.
    raw = (DATA / "replies" / "r01_en_paid.eml").read_bytes().replace(
        b"MIME-Version: 1.0", b"X-MS-Exchange-Inbox-Rules-Loop: j.smith@northwind-traders.co.uk\n"
        b"MIME-Version: 1.0", 1)
    result = classify(parse(raw), now=LATER)
    assert isinstance(result, Reply) and result.intent is Intent.PAID


# ---------------------------------------------------------------------------------------------
# Dates are counted from the day the message was written


def test_relative_dates_count_from_the_message_date_not_from_now() -> None:
    result = classify(load("replies", "r02_en_promise_friday.eml"), now=LATER)
    assert isinstance(result, Reply)
    assert result.promised_date == date(2026, 3, 6)


def test_a_date_header_in_the_future_of_now_gives_way_to_now() -> None:
    raw = (DATA / "replies" / "r02_en_promise_friday.eml").read_bytes().replace(
        b"Date: Tue, 3 Mar 2026 16:05:00 +0000", b"Date: Tue, 3 Mar 2037 16:05:00 +0000")
    now = datetime(2026, 3, 10, 8, 0, tzinfo=timezone.utc)  # a Tuesday
    result = classify(parse(raw), now=now)
    assert isinstance(result, Reply)
    assert result.promised_date == date(2026, 3, 13)


def test_without_date_or_now_a_promise_has_no_date() -> None:
    raw = (DATA / "replies" / "r02_en_promise_friday.eml").read_bytes().replace(
        b"Date: Tue, 3 Mar 2026 16:05:00 +0000\n", b"")
    result = classify(parse(raw))
    assert isinstance(result, Reply)
    assert result.intent is Intent.PROMISE and result.promised_date is None


# ---------------------------------------------------------------------------------------------
# Never a crash


ALL_FILES = sorted(DATA.glob("*/*.eml"))


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_truncated_messages_never_crash(path: Path) -> None:
    raw = path.read_bytes()
    for cut in (len(raw) // 5, len(raw) // 2, len(raw) - 7, 40):
        result = classify(parse(raw[:cut]), now=LATER, open_invoices=OPEN_INVOICES)
        assert isinstance(result, (Bounce, AutoReply, PaymentNotice, Reply, Other))


def test_huge_attachment_is_read_past(tmp_path: Path) -> None:
    msg = EmailMessage()
    msg["From"] = "Chris Baker <chris@baker-bikes.example>"
    msg["To"] = "ana@atelier-popescu.eu"
    msg["Subject"] = "Re: Invoice INV-2026-039"
    msg["Date"] = "Tue, 3 Mar 2026 10:00:00 +0000"
    msg.set_content("We have paid the invoice today, remittance advice attached.")
    msg.add_attachment(b"%PDF-1.4\n" + bytes(range(256)) * 40_000, maintype="application",
                       subtype="pdf", filename="remittance.pdf")
    path = tmp_path / "huge.eml"
    path.write_bytes(msg.as_bytes())
    assert path.stat().st_size > 10_000_000
    result = classify(parse(path.read_bytes()), now=LATER)
    assert isinstance(result, Reply) and result.intent is Intent.PAID


class _UnreadableMessage(EmailMessage):
    """A message object whose headers cannot be listed, as a broken plugin might hand over."""

    def keys(self) -> list[str]:
        raise RuntimeError("header block lost")


def test_an_unreadable_message_object_is_other() -> None:
    result = classify(_UnreadableMessage(), now=LATER)
    assert isinstance(result, Other)
    assert result.reason.startswith("unreadable: RuntimeError")
