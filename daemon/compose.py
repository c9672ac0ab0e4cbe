"""Composition of follow-ups: the template set, the context a template sees, the body, and the
whole reply message.

Pure apart from reading template files. The templates are Jinja2 run in a sandbox with
``StrictUndefined``: a user's template can neither reach into Python nor silently print an
empty name. Every problem comes out as ``TemplateError`` naming the file, the line and the fix.

What a template sees (``followup_context``): ``client_name`` (may be empty: greet neutrally),
``invoice_number``, ``amount`` (``Money`` or None), ``issue_date``, ``due_date``, ``today``,
``days_overdue`` (negative before the due date), ``days_until_due``, ``late_fee``, ``interest``,
``total_due`` (``Money``, or None when not configured or not yet due), ``interest_rate``,
``payment_methods`` (lines), ``sender_name``, ``company``, ``phone``, ``signature`` (the
configured one, else name and company), ``stage``, ``stage_key``, ``attached`` (the invoice
file goes along), and for statements ``invoices`` (``StatementLine``) and ``totals`` (one
``Money`` per currency). Filters: ``money``, ``date``, ``percent``, ``number``, ``days``.
"""

from __future__ import annotations

import html
import re
import shutil
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import jinja2
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_timedelta
from babel.numbers import format_currency, format_decimal, format_percent
from jinja2.sandbox import SandboxedEnvironment

from relance.daemon.errors import TemplateError
from relance.daemon.model import Invoice, LateFees, Money, PaymentTerms, Sender, Stage, StageKind
from relance.daemon.threads import reply_headers

DEFAULT_LANGUAGE = "en"
TEMPLATE_SUFFIX = ".txt.j2"
BUILTIN = "the built-in templates"

# English follows British usage: day before month ("5 March 2024") reads the same to the
# European clients relance mostly writes to, where "March 5" or "3/5" would not.
LOCALES: Mapping[str, str] = {
    "en": "en_GB",
    "fr": "fr_FR",
    "ro": "ro_RO",
    "de": "de_DE",
    "es": "es_ES",
}

# An invoice declared by hand may have no amount; the sentence then points at the invoice.
MISSING_AMOUNT: Mapping[str, str] = {
    "en": "the amount on the invoice",
    "fr": "le montant indiqué sur la facture",
    "ro": "suma din factură",
    "de": "den Betrag laut Rechnung",
    "es": "el importe indicado en la factura",
}

CENT = Decimal("0.01")

AttachmentFile = tuple[str, str, bytes]  # filename, content type, content


# ---------------------------------------------------------------------------------------------
# The template set


def _locale_for(language: str) -> str:
    if language in LOCALES:
        return LOCALES[language]
    try:
        return str(Locale.parse(language))
    except (ValueError, UnknownLocaleError):
        return LOCALES[DEFAULT_LANGUAGE]


def locale_filters(language: str) -> dict[str, Callable[..., str]]:
    """Return the template filters for ``language``, formatting with its Babel locale (CLDR):
    ``money`` ("1 234,56 €", or a phrase pointing at the invoice when the amount is unknown),
    ``date`` (long form, "5 mars 2024"), ``percent`` (8.15 gives "8,15 %"), ``number``, and
    ``days`` with each language's plural rules ("12 zile", "25 de zile")."""
    locale = _locale_for(language)

    def money(value: Money | None) -> str:
        if value is None:
            return MISSING_AMOUNT.get(language, MISSING_AMOUNT[DEFAULT_LANGUAGE])
        return format_currency(value.amount, value.currency, locale=locale)

    def date_(value: date) -> str:
        return format_date(value, format="long", locale=locale)

    def percent(value: Decimal) -> str:
        return format_percent(Decimal(value) / 100, locale=locale, decimal_quantization=False)

    def number(value: Decimal | int) -> str:
        return format_decimal(value, locale=locale)

    def days(value: int) -> str:
        # A threshold this high keeps the unit at days: "45 days", never "1 month".
        span = timedelta(days=value)
        return format_timedelta(span, granularity="day", threshold=10**6, locale=locale)

    return {"money": money, "date": date_, "percent": percent, "number": number, "days": days}


class _TreeLoader(jinja2.BaseLoader):
    """Loads ``<lang>/<stage>.txt.j2`` from a directory or from the installed package, which may
    not be a directory at all (a zipped wheel): both are ``Traversable``."""

    def __init__(self, root: Traversable) -> None:
        self.root = root

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        node = self.root
        for part in template.split("/"):
            if part in ("", ".", ".."):
                raise jinja2.TemplateNotFound(template)
            node = node / part
        if not node.is_file():
            raise jinja2.TemplateNotFound(template)
        return node.read_text(encoding="utf-8"), str(node), lambda: True


@dataclass(frozen=True)
class RenderedBody:
    """A rendered follow-up body, and which template made it."""

    text: str
    language: str  # the language of the template used
    requested_language: str
    template: str  # the file, for messages

    @property
    def fell_back(self) -> bool:
        """True when there was no folder for the requested language and English was used."""
        return self.language != self.requested_language


@dataclass(frozen=True, eq=False)
class TemplateSet:
    """The follow-up templates: one folder per language, one ``<stage>.txt.j2`` per stage."""

    root: Traversable
    origin: str  # BUILTIN or the user's directory, for messages
    _environments: dict[str, SandboxedEnvironment] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, directory: Path | None = None) -> TemplateSet:
        """Return the templates in ``directory`` (a user's ``templates_dir``), or the package's
        own when it is None. Raise ``TemplateError`` when the directory cannot be used."""
        if directory is None:
            return cls(resources.files("relance.templates"), BUILTIN)
        if not directory.is_dir():
            raise TemplateError(
                f"templates_dir {directory} is not a directory. Create it with "
                f"`relance templates export {directory}`, or remove templates_dir from the "
                "configuration to use the built-in templates."
            )
        return cls(directory, str(directory))

    def languages(self) -> tuple[str, ...]:
        """Return the languages that have a folder, sorted."""
        folders = (n.name for n in self.root.iterdir() if n.is_dir())
        return tuple(sorted(name for name in folders if not name.startswith(("_", "."))))

    def resolve(self, language: str) -> str:
        """Return the language whose folder will be used for ``language``: itself when it has
        one (``fr-CA`` uses ``fr``), else English."""
        primary = language.strip().replace("_", "-").split("-")[0].lower()
        return primary if primary in self.languages() else DEFAULT_LANGUAGE

    def describe(self, language: str, stage: StageKind) -> str:
        """Return where the template for ``stage`` in ``language`` is, for messages."""
        return f"{self.origin}/{language}/{stage.value}{TEMPLATE_SUFFIX}"

    def _environment(self, language: str) -> SandboxedEnvironment:
        if language not in self._environments:
            env = SandboxedEnvironment(
                loader=_TreeLoader(self.root),
                undefined=jinja2.StrictUndefined,
                autoescape=False,  # plain text; the HTML part is escaped when it is built
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.filters.update(locale_filters(language))
            self._environments[language] = env
        return self._environments[language]

    def render(
        self, stage: StageKind, language: str, context: Mapping[str, object]
    ) -> RenderedBody:
        """Return the body for ``stage`` in ``language`` (English when that language has no
        folder). Raise ``TemplateError`` naming the file when it is missing or fails."""
        used = self.resolve(language)
        name = f"{used}/{stage.value}{TEMPLATE_SUFFIX}"
        where = self.describe(used, stage)
        env = self._environment(used)
        try:
            template = env.get_template(name)
        except jinja2.TemplateNotFound:
            raise TemplateError(
                f"{where} is missing. Write it (`relance templates export DIR` gives the defaults "
                "to start from), or remove templates_dir to use the built-in templates."
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                f"{where}, line {exc.lineno}: {exc.message}. Fix the template syntax."
            ) from None
        try:
            text = template.render(dict(context))
        # A template is the user's code: whatever it raises is a problem in that file.
        except Exception as exc:  # noqa: BLE001
            line = _template_line(exc, template.filename)
            at = f", line {line}" if line else ""
            hint = (
                f"The variables a template can use are: {', '.join(sorted(context))}."
                if isinstance(exc, jinja2.UndefinedError)
                else "Fix the template."
            )
            raise TemplateError(f"{where}{at}: {exc}. {hint}") from None
        return RenderedBody(_tidy(text), used, language, where)


def _template_line(exc: BaseException, filename: str | None) -> int | None:
    """Jinja rewrites tracebacks so template frames carry the template's file and line."""
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    return lines[-1] if lines else None


def _tidy(text: str) -> str:
    """Return the text with trailing spaces and runs of blank lines (left by conditional
    blocks) removed, ending with one newline."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def export_templates(dest: Path, *, overwrite: bool = False) -> list[Path]:
    """Copy the built-in templates into ``dest`` (``relance templates export DIR``) and return
    the files written. Raise ``TemplateError`` listing the files that exist, writing nothing,
    unless ``overwrite``."""
    root = resources.files("relance.templates")
    pairs: list[tuple[Traversable, Path]] = []
    for folder in sorted(root.iterdir(), key=lambda n: n.name):
        if not folder.is_dir() or folder.name.startswith(("_", ".")):
            continue
        for node in sorted(folder.iterdir(), key=lambda n: n.name):
            if node.is_file() and node.name.endswith(TEMPLATE_SUFFIX):
                pairs.append((node, dest / folder.name / node.name))
    existing = [target for _, target in pairs if target.exists()]
    if existing and not overwrite:
        shown = ", ".join(str(p) for p in existing[:3]) + (" ..." if len(existing) > 3 else "")
        raise TemplateError(
            f"{len(existing)} template(s) already exist in {dest} ({shown}); nothing was written. "
            "Choose an empty directory, or pass --overwrite to replace them."
        )
    for node, target in pairs:
        target.parent.mkdir(parents=True, exist_ok=True)
        with node.open("rb") as src, target.open("wb") as out:
            shutil.copyfileobj(src, out)
    return [target for _, target in pairs]


# ---------------------------------------------------------------------------------------------
# The context


@dataclass(frozen=True)
class StatementLine:
    """One invoice in a statement."""

    number: str
    amount: Money | None
    issue_date: date
    due_date: date
    days_overdue: int


def _interest(amount: Money, fees: LateFees, days: int) -> Money:
    """Simple interest to date: amount × rate/100 × days/365, rounded half up to the cent."""
    value = amount.amount * fees.annual_interest_percent / 100 * Decimal(days) / 365
    return Money(value.quantize(CENT, rounding=ROUND_HALF_UP), amount.currency)


def _totals(lines: Sequence[StatementLine]) -> list[Money]:
    sums: dict[str, Decimal] = {}
    for line in lines:
        if line.amount is not None:
            currency = line.amount.currency
            sums[currency] = sums.get(currency, Decimal(0)) + line.amount.amount
    return [Money(total, currency) for currency, total in sorted(sums.items())]


def followup_context(
    invoice: Invoice,
    stage: StageKind,
    stage_key: str,
    *,
    today: date,
    sender: Sender,
    payment: PaymentTerms,
    fees: LateFees,
    covered: Sequence[Invoice] = (),
    client_name: str = "",
    attached: bool = False,
) -> dict[str, object]:
    """Return the variables a template sees (listed in this module's docstring).

    Late fee and interest are given only when configured, overdue, and the amount is known; the
    fixed fee is taken in the invoice's currency.
    """
    overdue = (today - invoice.due_date).days
    amount = invoice.amount
    late_fee = interest = total_due = None
    if fees.enabled and amount is not None and overdue > 0:
        if fees.fixed > 0:
            late_fee = Money(fees.fixed.quantize(CENT), amount.currency)
        if fees.annual_interest_percent > 0:
            interest = _interest(amount, fees, overdue)
        extra = sum((m.amount for m in (late_fee, interest) if m is not None), Decimal(0))
        total_due = Money(amount.amount + extra, amount.currency)
    everyone = {invoice.key: invoice, **{i.key: i for i in covered}}
    lines = sorted(
        (
            StatementLine(i.number, i.amount, i.issue_date, i.due_date, (today - i.due_date).days)
            for i in everyone.values()
        ),
        key=lambda line: (line.due_date, line.number),
    )
    sender_name = sender.name or invoice.sender_name
    signature = sender.signature.strip() or "\n".join(p for p in (sender_name, sender.company) if p)
    return {
        "client_name": client_name.strip(),
        "invoice_number": invoice.number,
        "amount": amount,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "today": today,
        "days_overdue": overdue,
        "days_until_due": max(0, -overdue),
        "late_fee": late_fee,
        "interest": interest,
        "interest_rate": fees.annual_interest_percent,
        "total_due": total_due,
        "payment_methods": list(payment.methods),
        "sender_name": sender_name,
        "company": sender.company,
        "phone": sender.phone,
        "signature": signature,
        "stage": stage.value,
        "stage_key": stage_key,
        "attached": attached,
        "invoices": lines,
        "totals": _totals(lines),
    }


# ---------------------------------------------------------------------------------------------
# Body and message


def _stage_parts(stage: Stage | StageKind, stage_key: str | None) -> tuple[StageKind, str]:
    if isinstance(stage, Stage):
        return stage.kind, stage_key or stage.key
    return stage, stage_key or stage.value


def render_body(
    invoice: Invoice,
    stage: Stage | StageKind,
    *,
    today: date,
    sender: Sender,
    payment: PaymentTerms,
    fees: LateFees,
    language: str,
    templates: TemplateSet,
    covered: Sequence[Invoice] = (),
    client_name: str = "",
    stage_key: str | None = None,
    attached: bool = False,
) -> RenderedBody:
    """Return the plain-text body of the follow-up (what ``relance preview`` shows)."""
    kind, key = _stage_parts(stage, stage_key)
    context = followup_context(
        invoice, kind, key, today=today, sender=sender, payment=payment, fees=fees,
        covered=covered, client_name=client_name, attached=attached,
    )
    return templates.render(kind, language, context)


def text_to_html(text: str, language: str) -> str:
    """Return an HTML document with the same words as ``text``: every character escaped, blank
    lines separating paragraphs, single line breaks kept."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    body = "\n".join(
        "<p>" + "<br>\n".join(html.escape(line) for line in p.splitlines()) + "</p>"
        for p in paragraphs
    )
    lang = html.escape(language, quote=True)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8"></head>\n'
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def compose_followup(
    invoice: Invoice,
    stage: Stage | StageKind,
    *,
    today: date,
    sender: Sender,
    payment: PaymentTerms,
    fees: LateFees,
    language: str,
    templates: TemplateSet,
    message_id: str,
    date_header: datetime,
    latest_message_id: str = "",
    latest_references: Sequence[str] = (),
    latest_in_reply_to: str = "",
    attachment: AttachmentFile | None = None,
    covered: Sequence[Invoice] = (),
    client_name: str = "",
    stage_key: str | None = None,
) -> EmailMessage:
    """Return the follow-up as a message ready to be drafted: ``multipart/alternative`` of
    text/plain and text/html (inside ``multipart/mixed`` with the invoice file when
    ``attachment`` is given).

    From is the invoice's sender; To and Cc are the invoice's own, nothing else. The threading
    headers come from ``reply_headers`` (RFC 5322 §3.6.4) on the latest message of the thread
    (the invoice itself when ``latest_message_id`` is empty); ``Message-ID`` is ``message_id``
    (see ``threads.followup_message_id``); ``X-Relance-Stage`` carries the stage key and
    ``Content-Language`` (RFC 3282) the language of the template used.
    """
    if date_header.tzinfo is None or date_header.utcoffset() is None:
        raise ValueError("date_header must be an aware datetime (RFC 5322 §3.3 needs a zone)")
    if not invoice.recipients:
        raise ValueError(f"invoice {invoice.number} has no To address to follow up with")
    kind, key = _stage_parts(stage, stage_key)
    body = render_body(
        invoice, kind, today=today, sender=sender, payment=payment, fees=fees, language=language,
        templates=templates, covered=covered, client_name=client_name, stage_key=key,
        attached=attachment is not None,
    )
    threading = reply_headers(
        invoice.subject,
        latest_message_id or invoice.message_id,
        latest_references,
        latest_in_reply_to=latest_in_reply_to,
    )
    msg = EmailMessage()
    msg["From"] = Address(display_name=invoice.sender_name or sender.name, addr_spec=invoice.sender)
    msg["To"] = [Address(addr_spec=a) for a in invoice.recipients]
    cc = [a for a in invoice.cc if a not in invoice.recipients]
    if cc:
        msg["Cc"] = [Address(addr_spec=a) for a in cc]
    msg["Subject"] = threading.subject
    msg["Date"] = format_datetime(date_header)
    msg["Message-ID"] = message_id
    msg["In-Reply-To"] = threading.in_reply_to
    msg["References"] = threading.references_header
    msg["X-Relance-Stage"] = key
    msg.set_content(body.text, cte="quoted-printable")
    rich = text_to_html(body.text, body.language)
    msg.add_alternative(rich, subtype="html", cte="quoted-printable")
    if attachment is not None:
        filename, content_type, content = attachment
        maintype, _, subtype = content_type.partition("/")
        if not maintype or not subtype:
            maintype, subtype = "application", "octet-stream"
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    # The standard library stamps every part it creates with MIME-Version, which RFC 2045 §4
    # asks for only at the top.
    for part in msg.walk():
        if part is not msg:
            del part["MIME-Version"]
    # Last: building the MIME tree moves Content-* headers down into the first part.
    msg["Content-Language"] = body.language
    return msg
