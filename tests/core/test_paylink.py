"""The pay-now or portal link of an invoice e-mail (issue 9), found among the other links such
e-mails carry. The HTML messages imitate the layout of what the tools send: Stripe's invoice
e-mail (a "Pay this invoice" button, a PDF download, the Stripe logo, a support address and a
"Powered by Stripe" link), QuickBooks' ("Review and pay" beside Intuit's privacy and security
links), Xero's plain-text one ("View your invoice" under a Xero footer link); the corpus of
tests/data/invoices/corpus holds one link per e-mail, each of which must be found."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from relance.daemon.core.message import parse
from relance.daemon.core.paylink import pay_link

CORPUS = Path(__file__).resolve().parents[1] / "data" / "invoices" / "corpus"


def _html(body: str, text: str = "See the HTML version of this e-mail.") -> bytes:
    return (
        "From: Lumen Studio <billing@lumen-studio.example>\r\nTo: ap@northwind.test\r\n"
        "Subject: Your invoice from Lumen Studio #INV-0042\r\n"
        "Date: Tue, 3 Mar 2026 10:00:00 +0000\r\nMessage-ID: <inv42@lumen-studio.example>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="b"\r\n\r\n'
        f"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
        f"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{body}\r\n--b--\r\n"
    ).encode()


STRIPE = _html(
    '<table><tr><td><img src="https://stripe-images.stripecdn.com/notifications/hosted/'
    'logo.png" alt="Lumen Studio"></td></tr>'
    "<tr><td>Invoice from Lumen Studio · $1,250.00 due March 31, 2026</td></tr>"
    '<tr><td><a href="https://pay.stripe.com/invoice/acct_1Nx/invst_Pa9/pdf?s=em">Download '
    "invoice</a></td></tr>"
    '<tr><td><a href="https://invoice.stripe.com/i/acct_1Nx/live_YWNj?s=em" '
    'style="background:#635bff">Pay this invoice</a></td></tr>'
    '<tr><td>Questions? Contact us at <a href="mailto:billing@lumen-studio.example">'
    "billing@lumen-studio.example</a>.</td></tr>"
    '<tr><td><a href="https://stripe.com/billing">Powered by Stripe</a> · '
    '<a href="https://stripe.com/privacy">Privacy</a></td></tr></table>')

QUICKBOOKS = _html(
    "<p>Dear Northwind,</p><p>Here's your invoice! We appreciate your prompt payment.</p>"
    '<p><a href="https://quickbooks.intuit.com/learn-support/">Help</a></p>'
    '<p><a href="https://connect.intuit.com/t/scs-v1-8a3f0c2d1e9b4b7a?cta=viewinvoicenow">'
    "Review and pay</a></p>"
    '<p><a href="https://www.intuit.com/privacy/">Privacy</a> | '
    '<a href="https://security.intuit.com/">Security</a> | '
    '<a href="https://www.intuit.com/legal/terms/">Terms of Service</a></p>')

XERO_TEXT = (
    b"From: Lumen Studio <accounts@lumen-studio.example>\r\nTo: ap@northwind.test\r\n"
    b"Subject: Invoice INV-0042 from Lumen Studio for Northwind\r\n"
    b"Date: Tue, 3 Mar 2026 10:00:00 +0000\r\nMessage-ID: <xero42@lumen-studio.example>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Hi Tom,\r\n\r\nHere's invoice INV-0042 for NZD 1,150.00.\r\n\r\nThe amount outstanding of "
    b"NZD 1,150.00 is due on 31 Mar 2026.\r\n\r\nView your bill online: "
    b"https://in.xero.com/kQ2xWcM9Yp3ZT7vR\r\n\r\nFrom your online bill you can print a PDF, "
    b"export a CSV, or create a free login and view your outstanding bills.\r\n\r\n"
    b"If you have any questions, please let us know.\r\n\r\nThanks,\r\nLumen Studio\r\n\r\n"
    b"Sent with Xero: https://www.xero.com/nz/?utm_source=invoice\r\n")


@pytest.mark.parametrize("raw, link", [
    (STRIPE, "https://invoice.stripe.com/i/acct_1Nx/live_YWNj?s=em"),
    (QUICKBOOKS, "https://connect.intuit.com/t/scs-v1-8a3f0c2d1e9b4b7a?cta=viewinvoicenow"),
    (XERO_TEXT, "https://in.xero.com/kQ2xWcM9Yp3ZT7vR"),
])
def test_the_pay_link_is_found_among_the_others(raw, link):
    assert pay_link(parse(raw)) == link


def _corpus_invoices() -> list[str]:
    table = tomllib.loads((CORPUS / "expectations.toml").read_text(encoding="utf-8"))
    return [name for name, row in table.items() if row.get("kind") == "invoice"]


def test_every_link_of_the_corpus_invoices_is_found():
    found = 0
    for name in _corpus_invoices():
        msg = parse((CORPUS / name).read_bytes())
        link = pay_link(msg)
        raw = (CORPUS / name).read_bytes().decode("utf-8", "replace")
        has_link = "https://" in raw
        assert bool(link) == has_link, name
        found += bool(link)
    assert found >= 15


@pytest.mark.parametrize("href", [
    "javascript:alert(1)", "mailto:billing@lumen-studio.example", "data:text/html,<b>x</b>",
    "https://lumen-studio.example/unsubscribe?u=1", "https://www.facebook.com/lumenstudio",
    "https://lumen-studio.example/logo.png", "https://" + "a" * 600 + ".example/pay",
])
def test_what_is_no_page_to_pay_on_is_never_offered(href):
    raw = _html(f'<p><a href="{href}">Pay now</a></p>')
    assert pay_link(parse(raw)) == ""


def test_a_message_without_links_and_a_broken_page_give_nothing_and_never_raise():
    assert pay_link(parse(_html("<p>Total due: 1 200,00 EUR</p>"))) == ""
    assert pay_link(parse(_html('<a href="https://x.example/pay">Pay<a <<< <!--'))) in (
        "", "https://x.example/pay")
