"""Threading: subjects, reply headers (RFC 5322 §3.6.4), matching a received message to its
invoice, and the deterministic follow-up Message-ID."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from email import message_from_string, policy

import pytest

from relance.daemon.core.model import DueSource, Invoice, Money
from relance.daemon.core.threads import (
    KEEP_FIRST_REFERENCES,
    KEEP_LAST_REFERENCES,
    MAX_REFERENCES,
    NO_MATCH,
    ThreadIndex,
    followup_message_id,
    match_invoice,
    normalize_subject,
    parse_message_ids,
    reply_headers,
    reply_subject,
)


def _invoice(
    number: str, message_id: str, subject: str, to: tuple[str, ...], **kw: object
) -> Invoice:
    return Invoice(
        number=number,
        amount=Money(Decimal("1234.56"), "EUR"),
        issue_date=date(2024, 3, 1),
        due_date=date(2024, 3, 31),
        due_source=DueSource.EXPLICIT,
        sender="billing@atelier-lumen.fr",
        recipients=to,
        message_id=message_id,
        subject=subject,
        language="fr",
        **kw,  # type: ignore[arg-type]
    )


# ---------------------------------------------------------------------------------------------
# Subjects


@pytest.mark.parametrize(
    "subject",
    [
        "Facture F-1042",
        "Re: Facture F-1042",
        "RE: RE: Facture F-1042",
        "Re : Facture F-1042",  # French typography
        "Re\u00a0: Facture F-1042",  # ... with a no-break space
        "Réf : Facture F-1042",
        "TR: Re: Facture F-1042",
        "Fwd: FW: Facture F-1042",
        "AW: WG: Facture F-1042",
        "RV: RES: Facture F-1042",
        "Re[2]: Facture F-1042",
        "Re(3): Facture F-1042",
        "SV: Facture F-1042",
        "  re:   FACTURE   f-1042  ",
    ],
)
def test_normalize_subject_strips_prefixes_in_many_languages(subject: str) -> None:
    assert normalize_subject(subject) == "facture f-1042"


def test_normalize_subject_keeps_words_that_merely_start_like_a_prefix() -> None:
    assert normalize_subject("Relance: facture 7") == "relance: facture 7"
    assert normalize_subject("Travaux de mars") == "travaux de mars"
    assert normalize_subject("Factura nr. 77 — servicii") == "factura nr. 77 — servicii"


@pytest.mark.parametrize(
    ("thread", "expected"),
    [
        ("Invoice INV-2024-031", "Re: Invoice INV-2024-031"),
        ("Re: Invoice INV-2024-031", "Re: Invoice INV-2024-031"),
        ("RE: Re: Invoice INV-2024-031", "Re: Invoice INV-2024-031"),
        ("Re : Facture n° F-1042", "Re: Facture n° F-1042"),
        ("AW: Rechnung 2024-17", "Re: Rechnung 2024-17"),
        ("Fwd: Factura nr. 77", "Re: Fwd: Factura nr. 77"),  # forward kept: never rewritten
        ("  Factura nr. 77  ", "Re: Factura nr. 77"),
    ],
)
def test_reply_subject_has_exactly_one_re(thread: str, expected: str) -> None:
    assert reply_subject(thread) == expected
    assert "Re: Re:" not in reply_subject(thread)


# ---------------------------------------------------------------------------------------------
# Reply headers


def test_reply_to_the_invoice_itself_starts_the_chain() -> None:
    headers = reply_headers("Facture F-1042", "<f1042@atelier-lumen.fr>", [])
    assert headers.in_reply_to == "<f1042@atelier-lumen.fr>"
    assert headers.references == ("<f1042@atelier-lumen.fr>",)
    assert headers.subject == "Re: Facture F-1042"


def test_references_are_the_parents_references_then_the_parent() -> None:
    headers = reply_headers(
        "Re: Facture F-1042",
        "<relance.aa.first_notice@atelier-lumen.fr>",
        ["<f1042@atelier-lumen.fr>", "<reply-1@client.example>"],
    )
    assert headers.in_reply_to == "<relance.aa.first_notice@atelier-lumen.fr>"
    assert headers.references == (
        "<f1042@atelier-lumen.fr>",
        "<reply-1@client.example>",
        "<relance.aa.first_notice@atelier-lumen.fr>",
    )
    assert headers.references_header.split(" ")[-1] == headers.in_reply_to


def test_references_accept_a_whole_header_value_and_bare_ids() -> None:
    headers = reply_headers(
        "Invoice 9",
        "latest@mail.example",
        ["<a@x.example>\r\n <b@x.example>", "c@x.example"],
    )
    assert headers.references == (
        "<a@x.example>",
        "<b@x.example>",
        "<c@x.example>",
        "<latest@mail.example>",
    )


def test_in_reply_to_stands_in_when_the_parent_has_no_references() -> None:
    headers = reply_headers(
        "Invoice 9", "<reply@client.example>", [], latest_in_reply_to="<inv9@me.example>"
    )
    assert headers.references == ("<inv9@me.example>", "<reply@client.example>")


def test_in_reply_to_naming_several_messages_is_not_used() -> None:
    # RFC 5322 §3.6.4: only a single-id In-Reply-To may stand in for References.
    headers = reply_headers(
        "Invoice 9", "<reply@client.example>", [], latest_in_reply_to="<a@x.example> <b@x.example>"
    )
    assert headers.references == ("<reply@client.example>",)


def test_references_have_no_duplicates_and_end_with_the_parent() -> None:
    headers = reply_headers(
        "Invoice 9",
        "<p@x.example>",
        ["<a@x.example>", "<p@x.example>", "<b@x.example>", "<a@x.example>"],
    )
    assert headers.references == ("<a@x.example>", "<b@x.example>", "<p@x.example>")


def test_long_chains_keep_the_root_and_the_latest_parents() -> None:
    chain = [f"<m{i}@x.example>" for i in range(40)]
    headers = reply_headers("Invoice 9", "<latest@x.example>", chain)
    assert len(headers.references) == MAX_REFERENCES
    assert headers.references[:KEEP_FIRST_REFERENCES] == ("<m0@x.example>",)
    expected_tail = tuple(chain[-(KEEP_LAST_REFERENCES - 1):]) + ("<latest@x.example>",)
    assert headers.references[-KEEP_LAST_REFERENCES:] == expected_tail


def test_reply_headers_need_one_parent_id() -> None:
    with pytest.raises(ValueError, match="one message id"):
        reply_headers("Invoice 9", "", [])


def test_parse_message_ids() -> None:
    assert parse_message_ids("<a@b> (comment) <c@d>") == ("<a@b>", "<c@d>")
    assert parse_message_ids("x@y") == ("<x@y>",)
    assert parse_message_ids("not an id") == ()


# ---------------------------------------------------------------------------------------------
# Matching a received message to its invoice

F1042 = _invoice(
    "F-1042",
    "<f1042.7731@atelier-lumen.fr>",
    "Facture n° F-1042 — mars 2024",
    ("compta@boulangerie-morel.fr",),
    cc=("jeanne.morel@boulangerie-morel.fr",),
    thread_id="18e2f0c1a9",
)
INV77 = _invoice(
    "77", "<inv77.40@atelier-lumen.fr>", "Factura nr. 77", ("plati@firma-sorin.ro",),
    thread_id="18e2f0ffff",
)
# Two invoices to one client under the same generic subject, sharing one Gmail thread (Gmail
# groups messages with the same subject and participants).
GEN_A = _invoice(
    "A-1", "<gen-a@atelier-lumen.fr>", "Invoice", ("ap@northwind.example",), thread_id="shared"
)
GEN_B = _invoice(
    "A-2", "<gen-b@atelier-lumen.fr>", "Invoice", ("ap@northwind.example",), thread_id="shared"
)

INDEX = ThreadIndex.build(
    [F1042, INV77, GEN_A, GEN_B],
    {
        F1042.key: ["<relance.0c9e.first_notice@atelier-lumen.fr>", "<CAF=reply.1@mail.gmail.com>"],
        GEN_B.key: ["<relance.77aa.reminder@atelier-lumen.fr>"],
    },
)


def test_match_by_gmail_thread_id() -> None:
    assert match_invoice(INDEX, thread_id="18e2f0ffff", subject="unrelated") == INV77.key


def test_match_by_in_reply_to_the_invoice() -> None:
    assert match_invoice(INDEX, in_reply_to="<f1042.7731@atelier-lumen.fr>") == F1042.key


def test_match_by_in_reply_to_a_followup() -> None:
    found = match_invoice(
        INDEX,
        message_id="<new@boulangerie-morel.fr>",
        in_reply_to="<relance.0c9e.first_notice@atelier-lumen.fr>",
    )
    assert found == F1042.key


def test_match_by_references_when_in_reply_to_is_unknown() -> None:
    found = match_invoice(
        INDEX,
        in_reply_to="<somewhere@else.example>",
        references=[
            "<older@else.example> <CAF=reply.1@mail.gmail.com>",
            "<somewhere@else.example>",
        ],
    )
    assert found == F1042.key


def test_shared_gmail_thread_falls_through_to_references() -> None:
    found = match_invoice(
        INDEX, thread_id="shared", in_reply_to="<relance.77aa.reminder@atelier-lumen.fr>"
    )
    assert found == GEN_B.key


def test_match_by_bounced_original() -> None:
    found = match_invoice(
        INDEX,
        message_id="<20240402.bounce@mx.atelier-lumen.fr>",
        subject="Undelivered Mail Returned to Sender",
        from_address="MAILER-DAEMON@mx.atelier-lumen.fr",
        bounced_message_id="<inv77.40@atelier-lumen.fr>",
    )
    assert found == INV77.key


def test_match_by_subject_from_a_recipient_as_a_last_resort() -> None:
    found = match_invoice(
        INDEX,
        message_id="<new-thread@boulangerie-morel.fr>",
        subject="RE : facture n° F-1042 — Mars 2024",
        from_address="Jeanne.Morel@boulangerie-morel.fr",  # on Cc of the invoice
    )
    assert found == F1042.key


def test_subject_from_someone_not_on_the_invoice_does_not_match() -> None:
    found = match_invoice(
        INDEX, subject="Re: Facture n° F-1042 — mars 2024", from_address="someone@elsewhere.example"
    )
    assert found is NO_MATCH


def test_subject_shared_by_two_invoices_to_one_client_does_not_match() -> None:
    found = match_invoice(INDEX, subject="Re: Invoice", from_address="ap@northwind.example")
    assert found is NO_MATCH


def test_unrelated_message_does_not_match() -> None:
    found = match_invoice(
        INDEX,
        message_id="<news.4411@newsletter.example>",
        in_reply_to="",
        references=(),
        thread_id="19aa00bb",
        subject="Votre newsletter d'avril",
        from_address="news@newsletter.example",
        bounced_message_id=None,
    )
    assert found is NO_MATCH


def test_headers_of_a_real_reply_match() -> None:
    raw = (
        "From: Jeanne Morel <jeanne.morel@boulangerie-morel.fr>\r\n"
        "To: Atelier Lumen <billing@atelier-lumen.fr>\r\n"
        "Subject: =?utf-8?q?Re=C2=A0=3A_Facture_n=C2=B0_F-1042_=E2=80=94_mars_2024?=\r\n"
        "Message-ID: <CAF=reply.2@mail.gmail.com>\r\n"
        "In-Reply-To: <relance.0c9e.first_notice@atelier-lumen.fr>\r\n"
        "References: <f1042.7731@atelier-lumen.fr>\r\n"
        " <relance.0c9e.first_notice@atelier-lumen.fr>\r\n"
        "\r\n"
        "Bonjour, le virement part demain.\r\n"
    )
    msg = message_from_string(raw, policy=policy.default)
    found = match_invoice(
        INDEX,
        message_id=str(msg["Message-ID"]),
        in_reply_to=str(msg["In-Reply-To"]),
        references=[str(msg["References"])],
        subject=str(msg["Subject"]),
        from_address=msg["From"].addresses[0].addr_spec,
    )
    assert found == F1042.key


# ---------------------------------------------------------------------------------------------
# Follow-up Message-IDs


def test_followup_message_id_is_deterministic_and_per_stage() -> None:
    first = followup_message_id(F1042.key, "first_notice", "atelier-lumen.fr")
    again = followup_message_id(F1042.key, "first_notice", "atelier-lumen.fr")
    urgent = followup_message_id(F1042.key, "urgent", "atelier-lumen.fr")
    other = followup_message_id(INV77.key, "first_notice", "atelier-lumen.fr")
    assert first == again
    assert len({first, urgent, other}) == 3
    assert first.startswith("<relance.") and first.endswith(".first_notice@atelier-lumen.fr>")
    assert parse_message_ids(first) == (first,)


def test_followup_message_id_is_a_valid_header_value() -> None:
    mid = followup_message_id(F1042.key, "further 2/3", "Atelier-Lumen.FR")
    assert mid.endswith(".further-2-3@atelier-lumen.fr>")
    msg = message_from_string(f"Message-ID: {mid}\r\n\r\n", policy=policy.default)
    assert str(msg["Message-ID"]) == mid


def test_followup_message_id_needs_a_domain() -> None:
    with pytest.raises(ValueError, match="domain"):
        followup_message_id(F1042.key, "urgent", "")
