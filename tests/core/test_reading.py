"""Reading mail as mailboxes hold it (daemon/message.py) and dates as people write them
(daemon/dates.py)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from relance.daemon.core import message as mail
from relance.daemon.core.dates import date_near, find_dates

DATA = Path(__file__).resolve().parents[1] / "data"
REF = date(2026, 2, 26)  # a Thursday


@pytest.mark.parametrize("text, expected", [
    ("Due date: 15/03/2026", date(2026, 3, 15)),
    ("Échéance : 15 mars 2026", date(2026, 3, 15)),
    ("Scadență: 15.03.2026", date(2026, 3, 15)),
    ("revin pe 3 martie", date(2026, 3, 3)),
    ("back on March 3rd", date(2026, 3, 3)),
    ("estaré de vuelta el 3 de marzo de 2026", date(2026, 3, 3)),
    ("ab dem 15. März 2026 wieder im Büro", date(2026, 3, 15)),
    ("payable by 2026-04-01", date(2026, 4, 1)),
    ("due 12/31/2026", date(2026, 12, 31)),  # month first only when the day can't be
    ("I will pay on Friday", date(2026, 2, 27)),
    ("je vous règle demain", date(2026, 2, 27)),
    ("plătim până la sfârșitul lunii", date(2026, 2, 28)),
    ("in 10 days", date(2026, 3, 8)),
    ("back on 5 January", date(2026, 1, 5)),
])
def test_dates_in_five_languages(text, expected):
    found = find_dates(text, REF)
    assert [f.value for f in found][:1] == [expected]


def test_a_date_without_year_written_late_in_the_year_is_next_years():
    assert find_dates("de retour le 5 janvier", date(2026, 12, 28))[0].value == date(2027, 1, 5)


def test_amounts_and_invoice_numbers_are_not_dates():
    assert find_dates("Invoice INV-2024-031, total 1.234,56 EUR, ref 31/13/2026", REF) == []


def test_the_date_near_a_keyword_is_the_one_returned():
    text = "Invoice date 01/02/2026. Due date: 03/03/2026. Delivered 02/02/2026."
    assert date_near(text, re.compile(r"due"), REF) == date(2026, 3, 3)
    assert date_near("no dates here, just due", re.compile(r"due"), REF) is None


def test_headers_that_cannot_be_decoded_give_text_not_an_exception():
    raw = (b"From: =?utf-8?q?Ana_=C8=99?= <ana@x.test>\r\nSubject: =?x-unknown?q?abc?=\r\n"
           b"Date: not a date\r\nMessage-ID: garbage\r\n\r\nbody\r\n")
    msg = mail.parse(raw)
    assert mail.sender(msg) == "ana@x.test"
    assert isinstance(mail.header(msg, "Subject"), str)
    assert mail.sent_at(msg) is None
    assert mail.message_id(msg) == ""


def test_references_chain_ends_with_in_reply_to():
    msg = mail.parse(b"References: <a@x> <b@x>\r\nIn-Reply-To: <c@x>\r\n\r\n")
    assert mail.references(msg) == ("<a@x>", "<b@x>", "<c@x>")


def test_html_only_body_becomes_text_with_quotes_marked():
    raw = (b"Content-Type: text/html; charset=utf-8\r\n\r\n<style>p{}</style><p>Am pl\xc4\x83tit"
           b" ieri.</p><div>Pe 2 mar. 2026 ana a scris:</div><blockquote>Factura nr. 77"
           b"</blockquote>")
    text = mail.text_body(mail.parse(raw))
    assert "Am plătit ieri." in text and "> Factura nr. 77" in text and "p{}" not in text
    assert mail.new_text(text) == "Am plătit ieri."


@pytest.mark.parametrize("opener", [
    "On Tue, 3 Mar 2026 at 09:12, Claire Martin <claire@x.test> wrote:",
    "Le mar. 3 mars 2026 à 09:12, Claire Martin <claire@x.test> a écrit :",
    "În mar., 3 mar. 2026 la 09:12, Claire Martin a scris:",
    "Am Di., 3. März 2026 um 09:12 Uhr schrieb Claire Martin <claire@x.test>:",
    "El mar, 3 mar 2026 a las 9:12, Claire Martin escribió:",
    "-----Original Message-----",
])
def test_new_text_stops_at_the_quoted_history(opener):
    body = f"We paid this morning.\n\n{opener}\n> Invoice F-1 is due.\n"
    assert mail.new_text(body) == "We paid this morning."


def test_outlook_header_block_is_history_but_a_from_line_in_prose_is_not():
    outlook = "Paid.\n\nFrom: Claire <c@x.test>\nSent: Tuesday\nTo: b@y.test\n\nInvoice due"
    assert mail.new_text(outlook) == "Paid."
    prose = "From: our accounts team, we will pay on Friday.\nThanks"
    assert mail.new_text(prose) == prose


def test_signature_after_dash_dash_is_dropped():
    assert mail.new_text("Will pay Friday.\n-- \nTom\nNorthwind") == "Will pay Friday."


def test_attachments_are_listed_with_their_bytes():
    raw = (DATA / "invoices" / "fr_pdf_only.eml").read_bytes()
    found = mail.attachments(mail.parse(raw))
    assert found and found[0][0].content_type == "application/pdf"
    assert found[0][1].startswith(b"%PDF") and found[0][0].size == len(found[0][1])


@pytest.mark.parametrize("path", sorted((DATA / "other").glob("*.eml")), ids=lambda p: p.name)
def test_malformed_messages_are_read_without_raising(path):
    msg = mail.parse(path.read_bytes())
    mail.text_body(msg)
    mail.attachments(msg)
    mail.references(msg)
    when = mail.sent_at(msg)
    assert when is None or when.tzinfo is not None


def test_naive_dates_are_taken_as_utc():
    msg = mail.parse(b"Date: Tue, 3 Mar 2026 09:12:00 -0000\r\n\r\n")
    assert mail.sent_at(msg) == datetime(2026, 3, 3, 9, 12, tzinfo=timezone.utc)
    msg = mail.parse(b"Date: Tue, 3 Mar 2026 09:12:00 +0200\r\n\r\n")
    assert mail.sent_at(msg).utcoffset() == timedelta(hours=2)
