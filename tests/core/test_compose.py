"""Composing a follow-up: a threaded multipart reply that parses back, goes only to the invoice's
addresses, carries the invoice again, and user templates that fail say which file and why."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from relance.daemon.core.compose import (
    LatestMessage,
    Letter,
    compose_followup,
    render_body,
    text_to_html,
)
from relance.daemon.core.errors import TemplateError
from relance.daemon.core.model import (
    Attachment,
    DueSource,
    Invoice,
    LateFees,
    Money,
    PaymentTerms,
    Sender,
    Stage,
    StageKind,
)
from relance.daemon.core.templating import TemplateSet
from relance.daemon.core.threads import followup_message_id
from relance.daemon.cycle.templates import export_templates, load_templates

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

INVOICE = Invoice(
    number="F-1042",
    amount=Money(Decimal("1234.56"), "EUR"),
    issue_date=date(2024, 3, 1),
    due_date=date(2024, 3, 31),
    due_source=DueSource.EXPLICIT,
    sender="elodie@atelier-lumen.fr",
    recipients=("compta@boulangerie-morel.fr",),
    cc=("jeanne.morel@boulangerie-morel.fr",),
    message_id="<f1042.7731@atelier-lumen.fr>",
    subject="Facture n° F-1042 — mars 2024",
    language="fr",
    sender_name="Élodie Garnier",
    attachment=Attachment("F-1042.pdf", "application/pdf", len(PDF)),
)
SENDER = Sender(name="Élodie Garnier", company="Atelier Lumen <Lyon> & Co", signature="")
PAYMENT = PaymentTerms(methods=("Virement : IBAN FR76 3000 4000 0500 0012 3456 789",))
FEES = LateFees(fixed=Decimal(40))
TODAY = date(2024, 4, 25)
WHEN = datetime(2024, 4, 30, 5, 16, tzinfo=ZoneInfo("Europe/Paris"))
TEMPLATES = load_templates(None)
LETTER = Letter(
    INVOICE,
    Stage("urgent", StageKind.URGENT, earliest=TODAY),
    today=TODAY,
    language="fr",
    sender=SENDER,
    payment=PAYMENT,
    fees=FEES,
    templates=TEMPLATES,
    message_id=followup_message_id(INVOICE.key, "urgent", "atelier-lumen.fr"),
    date=WHEN,
    latest=LatestMessage(
        "<relance.aa11.first_notice@atelier-lumen.fr>", ("<f1042.7731@atelier-lumen.fr>",)
    ),
    attachment=("F-1042.pdf", "application/pdf", PDF),
    client_name="Jeanne Morel",
)


def _compose(**overrides: object) -> EmailMessage:
    return compose_followup(replace(LETTER, **overrides))


def _parsed(msg: EmailMessage) -> EmailMessage:
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_headers_thread_the_reply_under_the_invoice() -> None:
    msg = _parsed(_compose())
    assert msg["Subject"] == "Re: Facture n° F-1042 — mars 2024"
    assert msg["In-Reply-To"] == "<relance.aa11.first_notice@atelier-lumen.fr>"
    assert msg["References"].split() == [
        "<f1042.7731@atelier-lumen.fr>",
        "<relance.aa11.first_notice@atelier-lumen.fr>",
    ]
    assert msg["Message-ID"] == followup_message_id(INVOICE.key, "urgent", "atelier-lumen.fr")
    assert msg["X-Relance-Stage"] == "urgent"
    assert msg["Content-Language"] == "fr"
    assert msg["Date"].datetime == WHEN


def test_first_followup_replies_to_the_invoice_itself() -> None:
    msg = _parsed(_compose(latest=LatestMessage()))
    assert msg["In-Reply-To"] == INVOICE.message_id
    assert msg["References"] == INVOICE.message_id


def test_a_thread_already_in_reply_gets_one_re() -> None:
    invoice = Invoice(**{**INVOICE.__dict__, "subject": "RE: Facture n° F-1042"})
    assert _parsed(_compose(invoice=invoice))["Subject"] == "Re: Facture n° F-1042"


def test_addresses_are_the_invoices_own() -> None:
    msg = _parsed(_compose())
    sender = msg["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Élodie Garnier", "elodie@atelier-lumen.fr")
    to = [a.addr_spec for a in msg["To"].addresses]
    cc = [a.addr_spec for a in msg["Cc"].addresses]
    assert to == ["compta@boulangerie-morel.fr"]
    assert cc == ["jeanne.morel@boulangerie-morel.fr"]
    assert set(to + cc) <= set(INVOICE.all_recipients)
    assert msg["Bcc"] is None


def test_no_cc_header_when_the_invoice_had_none() -> None:
    invoice = Invoice(**{**INVOICE.__dict__, "cc": ()})
    assert _parsed(_compose(invoice=invoice))["Cc"] is None


def test_plain_and_html_alternatives_and_the_invoice_again() -> None:
    msg = _parsed(_compose())
    assert msg.get_content_type() == "multipart/mixed"
    plain = msg.get_body(preferencelist=("plain",))
    rich = msg.get_body(preferencelist=("html",))
    assert plain is not None and rich is not None
    text = plain.get_content()
    assert text.startswith("URGENT — facture F-1042, 25\u00a0jours de retard")
    assert "1\u202f234,56\u00a0€" in text
    assert "40,00\u00a0€" in text  # the configured recovery fee
    html = rich.get_content()
    assert "<p>URGENT — facture F-1042" in html
    attachments = list(msg.iter_attachments())
    assert len(attachments) == 1
    (pdf,) = attachments
    assert pdf.get_filename() == "F-1042.pdf"
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content() == PDF
    assert "jointe" in text.lower()
    assert [p for p in msg.walk() if p["MIME-Version"]] == [msg]


def test_html_is_escaped() -> None:
    msg = _parsed(_compose())
    html = msg.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "Atelier Lumen &lt;Lyon&gt; &amp; Co" in html
    assert "<Lyon>" not in html
    plain = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Atelier Lumen <Lyon> & Co" in plain


def test_without_attachment_the_message_is_just_the_alternatives() -> None:
    msg = _parsed(_compose(attachment=None))
    assert msg.get_content_type() == "multipart/alternative"
    assert list(msg.iter_attachments()) == []
    text = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "jointe" not in text


def test_stage_kind_and_key_instead_of_a_stage() -> None:
    msg = _compose(stage=StageKind.FURTHER, stage_key="further-2")
    assert msg["X-Relance-Stage"] == "further-2"
    plain = msg.get_body(preferencelist=("plain",))
    assert plain is not None
    assert plain.get_content().startswith("Relance — facture F-1042")


def test_statement_speaks_for_the_covered_invoices() -> None:
    older = Invoice(
        **{**INVOICE.__dict__, "number": "F-1017", "message_id": "<f1017@atelier-lumen.fr>",
           "amount": Money(Decimal("300"), "EUR"), "due_date": date(2024, 2, 29)}
    )
    msg = _parsed(_compose(stage=StageKind.STATEMENT, covered=(older,), attachment=None))
    text = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "F-1017" in text and "F-1042" in text
    assert "1\u202f534,56\u00a0€" in text
    assert msg["In-Reply-To"] == "<relance.aa11.first_notice@atelier-lumen.fr>"


def test_english_fallback_is_labelled() -> None:
    msg = _compose(language="it")
    assert msg["Content-Language"] == "en"


def test_the_date_header_needs_a_zone() -> None:
    with pytest.raises(ValueError, match="aware"):
        _compose(date=datetime(2024, 4, 30, 5, 16))


def test_utc_offset_is_kept_in_the_date_header() -> None:
    msg = _compose(date=datetime(2024, 4, 30, 3, 16, tzinfo=timezone(timedelta(hours=3))))
    assert msg["Date"].endswith("+0300")


def test_text_to_html_keeps_paragraphs_and_lines() -> None:
    html = text_to_html("Hello,\n\nLine one\nLine <two>\n", "en")
    assert '<html lang="en">' in html
    assert "<p>Hello,</p>" in html
    assert "<p>Line one<br>\nLine &lt;two&gt;</p>" in html


# ---------------------------------------------------------------------------------------------
# The fixed late fee and its currency

LEI = Invoice(**{**INVOICE.__dict__, "amount": Money(Decimal("5000"), "RON"), "language": "ro"})


def _plain(msg: EmailMessage) -> str:
    part = _parsed(msg).get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_a_fee_configured_in_euros_stays_in_euros_on_a_lei_invoice() -> None:
    fees = LateFees(fixed=Decimal(40), currency="EUR")
    text = _plain(_compose(invoice=LEI, fees=fees, language="fr"))
    assert "40,00\u00a0€" in text  # the fee as configured
    assert "40,00\u00a0RON" not in text
    # The total in lei is the invoice alone: 40 euros are not 40 lei.
    assert ("total dû à ce jour\u00a0: 5\u202f000,00\u00a0RON, hors indemnité de 40,00\u00a0€, "
            "due en EUR et non convertie.") in text
    assert "5\u202f040,00" not in text


def test_a_fee_in_another_currency_is_not_summed_with_the_interest() -> None:
    fees = LateFees(fixed=Decimal(40), annual_interest_percent=Decimal("10"), currency="EUR")
    text = _plain(_compose(invoice=LEI, fees=fees, language="ro"))
    # 5000 lei × 10 % × 25/365 = 34.25 lei of interest; the total adds that and only that.
    assert "despăgubire fixă de 40,00\u00a0EUR" in text
    assert "dobândă de 34,25\u00a0RON" in text
    assert ("total de plată la zi: 5.034,25\u00a0RON, fără despăgubirea de 40,00\u00a0EUR, "
            "datorată în EUR și neconvertită.") in text


def test_a_fee_in_the_invoices_currency_is_in_the_total() -> None:
    for fees in (LateFees(fixed=Decimal(40)), LateFees(fixed=Decimal(40), currency="EUR")):
        text = _plain(_compose(fees=fees))
        assert "indemnité de recouvrement de 40,00\u00a0€" in text
        assert "total dû à ce jour\u00a0: 1\u202f274,56\u00a0€." in text  # 1 234,56 + 40, said once


def test_without_a_configured_currency_the_fee_is_in_the_invoices() -> None:
    text = _plain(_compose(invoice=LEI, fees=LateFees(fixed=Decimal(40)), language="ro"))
    assert "despăgubire fixă de 40,00\u00a0RON" in text
    assert "total de plată la zi: 5.040,00\u00a0RON" in text


# ---------------------------------------------------------------------------------------------
# Templates given as text: the core reads no file


def test_a_template_set_renders_from_sources_and_names_its_origin() -> None:
    sources = {("en", "urgent.txt.j2"): "URGENT {{ invoice_number }}\n\n{{ nonexistent }}\n"}
    templates = TemplateSet(sources, "my templates")
    assert templates.languages() == ("en",)
    with pytest.raises(TemplateError) as info:
        _compose(language="en", templates=templates)
    assert "my templates/en/urgent.txt.j2, line 3" in str(info.value)
    fixed = TemplateSet({("en", "urgent.txt.j2"): "URGENT {{ invoice_number }}\n"}, "mine")
    assert _plain(_compose(language="en", templates=fixed)) == "URGENT F-1042\n"


def test_an_empty_language_folder_reports_its_missing_file() -> None:
    templates = TemplateSet({("en", "urgent.txt.j2"): "x\n"}, "mine", folders=frozenset({"fr"}))
    with pytest.raises(TemplateError, match="mine/fr/urgent.txt.j2 is missing"):
        _compose(templates=templates)


# ---------------------------------------------------------------------------------------------
# User templates


def test_render_body_from_an_exported_and_edited_copy(tmp_path: Path) -> None:
    export_templates(tmp_path)
    urgent = tmp_path / "fr" / "urgent.txt.j2"
    original = urgent.read_text(encoding="utf-8")
    urgent.write_text("URGENT — {{ invoice_number }}\n\n" + original, encoding="utf-8")
    body = render_body(replace(LETTER, stage=StageKind.URGENT, attachment=None, client_name="",
                               templates=load_templates(tmp_path)))
    assert body.text.startswith("URGENT — F-1042\n")
    assert body.template.startswith(str(tmp_path))


def test_undefined_variable_in_a_user_template_names_the_file_and_line(tmp_path: Path) -> None:
    export_templates(tmp_path)
    target = tmp_path / "fr" / "first_notice.txt.j2"
    target.write_text(
        "Bonjour,\n\nFacture {{ invoice_number }} pour {{ numero_client }}.\n", encoding="utf-8"
    )
    with pytest.raises(TemplateError) as info:
        _compose(stage=StageKind.FIRST_NOTICE, templates=load_templates(tmp_path))
    message = str(info.value)
    assert str(target) in message
    assert "line 3" in message
    assert "numero_client" in message
    assert "invoice_number" in message  # the variables that do exist


def test_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    broken = tmp_path / "en" / "urgent.txt.j2"
    broken.write_text("Hello,\n{% if amount %}\nno end\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"en/urgent\.txt\.j2, line \d"):
        _compose(language="en", templates=load_templates(tmp_path))


def test_missing_template_names_the_file_and_the_fix(tmp_path: Path) -> None:
    (tmp_path / "fr").mkdir()
    with pytest.raises(TemplateError) as info:
        _compose(templates=load_templates(tmp_path))
    assert "fr/urgent.txt.j2 is missing" in str(info.value)
    assert "relance templates export" in str(info.value)


def test_missing_directory_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="relance templates export"):
        load_templates(tmp_path / "nowhere")


def test_the_sandbox_keeps_templates_out_of_python(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "urgent.txt.j2").write_text(
        "{{ amount.__class__.__mro__[1].__subclasses__() }}\n", encoding="utf-8"
    )
    with pytest.raises(TemplateError, match="urgent.txt.j2"):
        _compose(language="en", templates=load_templates(tmp_path))


# ---------------------------------------------------------------------------------------------
# Export


def test_export_writes_every_default(tmp_path: Path) -> None:
    written = export_templates(tmp_path / "mine")
    names = {p.relative_to(tmp_path / "mine").as_posix() for p in written}
    for language in ("en", "fr", "ro"):
        for stage in StageKind:
            assert f"{language}/{stage.value}.txt.j2" in names
    assert all(p.read_bytes() for p in written)


def test_export_refuses_to_clobber(tmp_path: Path) -> None:
    export_templates(tmp_path)
    edited = tmp_path / "ro" / "final.txt.j2"
    edited.write_text("my own words\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="already exist.*--overwrite"):
        export_templates(tmp_path)
    assert edited.read_text(encoding="utf-8") == "my own words\n"
    export_templates(tmp_path, overwrite=True)
    assert edited.read_text(encoding="utf-8") != "my own words\n"
