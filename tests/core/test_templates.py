"""Every built-in template, in every language, rendered with sample contexts: nothing left
unrendered, 50–100 words of prose, the facts named, urgency in the first line, amounts and dates
as each locale writes them, and the lines about fees and statutory interest as the client reads
them in each language."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from importlib import resources

import pytest

from relance.daemon.core.compose import Circumstances, followup_context
from relance.daemon.core.model import (
    DueSource,
    Invoice,
    LateFees,
    Money,
    PaymentTerms,
    Sender,
    StageKind,
)
from relance.daemon.core.templating import locale_filters
from relance.daemon.cycle.templates import load_templates

LANGUAGES = ("en", "fr", "ro", "de", "es")
STAGES = tuple(StageKind)
TEMPLATES = load_templates(None)

DUE = date(2024, 3, 31)
BEFORE_DUE = date(2024, 3, 29)
LATE = date(2024, 4, 25)  # 25 days after the due date


def _invoice(number: str, amount: str, due: date, key: str, currency: str = "EUR") -> Invoice:
    return Invoice(
        number=number,
        amount=Money(Decimal(amount), currency),
        issue_date=date(2024, 3, 1),
        due_date=due,
        due_source=DueSource.EXPLICIT,
        sender="ana@studio-nord.ro",
        recipients=("plati@client.example",),
        message_id=key,
        subject="Invoice",
        language="en",
    )


MAIN = _invoice("INV-2024-031", "1234.56", DUE, "<main@studio-nord.ro>")
COVERED = (
    _invoice("INV-2024-027", "480.00", date(2024, 3, 15), "<b@studio-nord.ro>"),
    _invoice("INV-2024-035", "2100.00", date(2024, 4, 2), "<c@studio-nord.ro>"),
)

# The least a user may configure, and a generous but realistic setup.
LEAN = {
    "sender": Sender(name="Ana Dumitrescu"),
    "payment": PaymentTerms(),
    "fees": LateFees(),
    "client_name": "",
    "attached": False,
}
FULL = {
    "sender": Sender(name="Ana Dumitrescu", company="Studio Nord SRL"),
    "payment": PaymentTerms(
        methods=(
            "Bank transfer to IBAN RO49 AAAA 1B31 0075 9384 0000",
            "Card payment: https://pay.studio-nord.ro/i/77",
        )
    ),
    "fees": LateFees(fixed=Decimal(40), annual_interest_percent=Decimal("8.15")),
    "client_name": "Maria Ionescu",
    "attached": True,
}


def _render(
    language: str, stage: StageKind, setup: dict[str, object], invoice: Invoice = MAIN
) -> str:
    today = BEFORE_DUE if stage is StageKind.REMINDER else LATE
    covered = COVERED if stage is StageKind.STATEMENT else ()
    context = followup_context(
        invoice, stage, stage.value, today=today, covered=covered,
        more=Circumstances(language=language), **setup  # type: ignore[arg-type]
    )
    return TEMPLATES.render(stage, language, context).text


FEE_OPENINGS = ("Under my terms", "Statutory interest", "Selon mes conditions", "Les pénalités",
                "Conform condițiilor", "Până la data", "Gemäß meinen", "Bis zum",
                "Según mis condiciones", "Hasta el", "Pénalités de retard au",
                "Dobânda penalizatoare", "Verzugszinsen bis", "Intereses de demora")


def _words(text: str) -> int:
    """Words of the prose the template writes, as a reader counts them: tokens holding a letter
    or a digit (a lone "—" or "€" is not a word). The lines the user's data makes long are left
    out: the listed payment methods and invoices ("- ..."), the paragraph of fees and interest
    (its length is the law's name and the user's terms) and the closing with the signature."""
    paragraphs = text.rstrip().split("\n\n")[:-1]
    kept = [p for p in paragraphs if not p.startswith(FEE_OPENINGS)]
    lines = [line for p in kept for line in p.splitlines() if not line.startswith("- ")]
    return sum(1 for line in lines for token in line.split() if any(c.isalnum() for c in token))


def test_every_language_has_every_stage() -> None:
    root = resources.files("relance.templates")
    for language in LANGUAGES:
        for stage in STAGES:
            template = root / language / f"{stage.value}.txt.j2"
            assert template.is_file(), f"{language}/{stage.value}"
    assert set(LANGUAGES) <= set(TEMPLATES.languages())


@pytest.mark.parametrize("setup", [LEAN, FULL], ids=["lean", "full"])
@pytest.mark.parametrize("stage", STAGES, ids=[s.value for s in STAGES])
@pytest.mark.parametrize("language", LANGUAGES)
def test_template_renders_completely_within_word_budget(
    language: str, stage: StageKind, setup: dict[str, object]
) -> None:
    text = _render(language, stage, setup)
    for leftover in ("{{", "}}", "{%", "%}", "{#", "None", "Undefined", "[", "Money("):
        assert leftover not in text, f"{leftover!r} left in {language}/{stage.value}"
    assert 50 <= _words(text) <= 100, f"{language}/{stage.value}: {_words(text)} words"
    assert "INV-2024-031" in text
    assert "Ana Dumitrescu" in text
    assert "\n\n\n" not in text


@pytest.mark.parametrize("stage", [s for s in STAGES if s is not StageKind.STATEMENT], ids=str)
@pytest.mark.parametrize("language", LANGUAGES)
def test_template_names_amount_and_due_date(language: str, stage: StageKind) -> None:
    text = _render(language, stage, LEAN)
    filters = locale_filters(language)
    assert filters["money"](MAIN.amount) in text
    if stage is not StageKind.THANK_YOU:
        assert filters["date"](DUE) in text


URGENCY = {
    StageKind.URGENT: {
        "en": "URGENT",
        "fr": "URGENT",
        "ro": "URGENT",
        "de": "DRINGEND",
        "es": "URGENTE",
    },
    StageKind.FINAL: {
        "en": "FINAL NOTICE",
        "fr": "DERNIÈRE RELANCE",
        "ro": "ULTIMĂ NOTIFICARE",
        "de": "LETZTE MAHNUNG",
        "es": "ÚLTIMO AVISO",
    },
}


@pytest.mark.parametrize("stage", list(URGENCY), ids=str)
@pytest.mark.parametrize("language", LANGUAGES)
def test_urgency_is_in_the_first_line(language: str, stage: StageKind) -> None:
    first_line = _render(language, stage, LEAN).splitlines()[0]
    assert first_line.startswith(URGENCY[stage][language])
    assert "INV-2024-031" in first_line


@pytest.mark.parametrize("language", LANGUAGES)
def test_gentle_stages_do_not_shout(language: str) -> None:
    for stage in (StageKind.REMINDER, StageKind.FIRST_NOTICE, StageKind.THANK_YOU):
        first_line = _render(language, stage, LEAN).splitlines()[0]
        assert not re.search(r"\b[A-ZÀ-Ý]{4,}\b", first_line), first_line


LATE_STAGES = [StageKind.FIRST_NOTICE, StageKind.URGENT, StageKind.FURTHER, StageKind.FINAL]


@pytest.mark.parametrize("stage", LATE_STAGES, ids=str)
@pytest.mark.parametrize("language", LANGUAGES)
def test_late_fees_appear_only_when_configured(language: str, stage: StageKind) -> None:
    money = locale_filters(language)["money"]
    fee, total = money(Money(Decimal("40.00"), "EUR")), money(Money(Decimal("1281.45"), "EUR"))
    with_fees = _render(language, stage, FULL)
    without = _render(language, stage, LEAN)
    assert fee in with_fees and total in with_fees
    assert fee not in without and total not in without


def test_late_fees_are_not_charged_before_the_due_date() -> None:
    text = _render("en", StageKind.REMINDER, FULL)
    assert "€40.00" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_statement_lists_every_invoice_and_the_total(language: str) -> None:
    text = _render(language, StageKind.STATEMENT, LEAN)
    money = locale_filters(language)["money"]
    for number in ("INV-2024-027", "INV-2024-031", "INV-2024-035"):
        assert number in text
    assert money(Money(Decimal("3814.56"), "EUR")) in text
    # oldest first
    assert text.index("INV-2024-027") < text.index("INV-2024-031") < text.index("INV-2024-035")


def test_statement_totals_each_currency_apart() -> None:
    lei = _invoice("77", "950.00", date(2024, 3, 20), "<lei@studio-nord.ro>", currency="RON")
    context = followup_context(
        MAIN, StageKind.STATEMENT, "statement", today=LATE, covered=(lei, *COVERED),
        more=Circumstances(language="ro"), **LEAN  # type: ignore[arg-type]
    )
    assert context["totals"] == [Money(Decimal("3814.56"), "EUR"), Money(Decimal("950.00"), "RON")]
    text = TEMPLATES.render(StageKind.STATEMENT, "ro", context).text
    assert "3.814,56\u00a0EUR + 950,00\u00a0RON" in text


def test_payment_methods_are_listed() -> None:
    text = _render("fr", StageKind.FIRST_NOTICE, FULL)
    assert "- Bank transfer to IBAN RO49 AAAA 1B31 0075 9384 0000" in text
    assert "- Card payment: https://pay.studio-nord.ro/i/77" in text


def test_greeting_uses_the_client_name_or_stays_neutral() -> None:
    assert _render("en", StageKind.URGENT, FULL).splitlines()[2] == "Dear Maria Ionescu,"
    assert _render("en", StageKind.URGENT, LEAN).splitlines()[2] == "Hello,"
    assert _render("fr", StageKind.FIRST_NOTICE, LEAN).splitlines()[0] == "Bonjour,"
    romanian = _render("ro", StageKind.FIRST_NOTICE, FULL)
    assert romanian.splitlines()[0] == "Bună ziua, Maria Ionescu,"
    assert _render("de", StageKind.FIRST_NOTICE, LEAN).splitlines()[0] == \
        "Sehr geehrte Damen und Herren,"
    assert _render("es", StageKind.FIRST_NOTICE, LEAN).splitlines()[0] == "Buenos días:"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_company_is_never_greeted_as_a_person(language: str) -> None:
    company = {**FULL, "client_name": "Studio Lumina SRL"}
    first = _render(language, StageKind.FIRST_NOTICE, company).splitlines()[0]
    assert "Lumina" not in first
    assert first == _render(language, StageKind.FIRST_NOTICE, LEAN).splitlines()[0]


def test_romanian_uses_comma_below_diacritics_and_the_formal_address() -> None:
    root = resources.files("relance.templates") / "ro"
    text = "".join(node.read_text(encoding="utf-8") for node in root.iterdir()
                   if node.name.endswith(".j2"))
    assert "ş" not in text and "ţ" not in text  # the cedilla look-alikes
    for letter in "șțăîâ":
        assert letter in text
    assert "dumneavoastră" in text
    assert re.search(r"\bvă rog\b", text)


def test_french_uses_vous_and_typographic_spaces() -> None:
    text = _render("fr", StageKind.FIRST_NOTICE, FULL)
    assert "vous" in text.lower() and not re.search(r"\b(tu|toi|ton|ta)\b", text)
    assert "régler par\u00a0:" in text


# ---------------------------------------------------------------------------------------------
# Filters: what Babel writes for each locale


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "€1,234.56"),
        ("fr", "1\u202f234,56\u00a0€"),  # narrow no-break space for thousands, no-break before €
        ("ro", "1.234,56\u00a0EUR"),
        ("de", "1.234,56\u00a0€"),
        ("es", "1.234,56\u00a0€"),
    ],
)
def test_money_per_locale(language: str, expected: str) -> None:
    assert locale_filters(language)["money"](MAIN.amount) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "31 March 2024"),
        ("fr", "31 mars 2024"),
        ("ro", "31 martie 2024"),
        ("de", "31. März 2024"),
        ("es", "31 de marzo de 2024"),
    ],
)
def test_dates_per_locale(language: str, expected: str) -> None:
    assert locale_filters(language)["date"](DUE) == expected


def test_days_follow_each_language_plural_rules() -> None:
    ro = locale_filters("ro")["days"]
    assert (ro(1), ro(12), ro(25), ro(101)) == ("1 zi", "12 zile", "25 de zile", "101 zile")
    assert locale_filters("en")["days"](45) == "45 days"  # never "1 month"


def test_missing_amount_points_at_the_invoice() -> None:
    declared = Invoice(**{**MAIN.__dict__, "amount": None})
    text = _render("fr", StageKind.FIRST_NOTICE, FULL, invoice=declared)
    assert "le montant indiqué sur la facture" in text
    assert "None" not in text


def test_interest_is_simple_and_rounded_to_the_cent() -> None:
    context = followup_context(MAIN, StageKind.URGENT, "urgent", today=LATE, **FULL)  # type: ignore[arg-type]
    # 1234.56 × 8.15 % × 25/365 = 6.8915...
    assert context["interest"] == Money(Decimal("6.89"), "EUR")
    assert context["late_fee"] == Money(Decimal("40.00"), "EUR")
    assert context["total_due"] == Money(Decimal("1281.45"), "EUR")
    assert context["days_overdue"] == 25


def test_an_unknown_language_falls_back_to_english_and_says_so() -> None:
    context = followup_context(MAIN, StageKind.URGENT, "urgent", today=LATE, **LEAN)  # type: ignore[arg-type]
    italian = TEMPLATES.render(StageKind.URGENT, "it", context)
    assert italian.language == "en" and italian.fell_back
    assert italian.text.startswith("URGENT")
    canadian = TEMPLATES.render(StageKind.URGENT, "fr-CA", context)
    assert canadian.language == "fr" and canadian.text.startswith("URGENT — facture")


# The wording issue 13 quoted from the earlier French and Romanian texts: calques and careless
# phrasing a native reader stops at. None may come back.
CALQUES = {
    "fr": ("merci, et ignorez ce message", "nous le résoudrons",
           "Je vous renvoie volontiers n'importe quelle facture", "Madame, Monsieur,",
           "dites-le-moi"),
    "ro": ("Din evidențele mele", "firme de recuperare", "fără plată sau răspuns"),
}


@pytest.mark.parametrize("language", list(CALQUES))
def test_the_calques_are_gone(language: str) -> None:
    root = resources.files("relance.templates") / language
    text = "".join(node.read_text(encoding="utf-8") for node in root.iterdir()
                   if node.name.endswith(".j2"))
    for phrase in CALQUES[language]:
        assert phrase not in text, phrase


@pytest.mark.parametrize("stage", STAGES, ids=str)
def test_french_punctuation_has_its_no_break_spaces(stage: StageKind) -> None:
    # A no-break space before ":" and a narrow one before ";", "?" and "!" (Lexique des règles
    # typographiques en usage à l'Imprimerie nationale), never a breaking space.
    for setup in (LEAN, FULL):
        text = _render("fr", stage, setup)
        assert not re.search(r" [:;?!]", text), text
        assert not re.search(r"[^\s\u00a0\u202f][;?!]", text.replace("https:", "")), text
