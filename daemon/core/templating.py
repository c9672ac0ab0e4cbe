"""The follow-up templates: the set (built-in or the user's own, already read: reading them
from disk and ``relance templates export`` are in ``cycle.templates``), its sandboxed Jinja2
environments with locale-aware filters, and rendering.

The templates are Jinja2 run in a sandbox with ``StrictUndefined``: a user's template can
neither reach into Python nor silently print an empty name. Every problem comes out as
``TemplateError`` naming the file, the line and the fix.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import jinja2
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_timedelta
from babel.numbers import format_currency, format_decimal, format_percent
from jinja2.sandbox import SandboxedEnvironment

from .errors import TemplateError
from .model import Money, StageKind

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

# The text of each template, by (language folder, file name): ("fr", "urgent.txt.j2").
TemplateSources = Mapping[tuple[str, str], str]


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


class _SourcesLoader(jinja2.BaseLoader):
    """Gives Jinja2 ``<lang>/<file>`` from the sources already read; the file name it reports
    is the one messages show (``<origin>/<lang>/<file>``), so a failing line can be found in
    the traceback by it."""

    def __init__(self, sources: TemplateSources, origin: str) -> None:
        self.sources = sources
        self.origin = origin

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        folder, _, name = template.partition("/")
        source = self.sources.get((folder, name))
        if source is None:
            raise jinja2.TemplateNotFound(template)
        return source, f"{self.origin}/{template}", lambda: True


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
    """The follow-up templates: one folder per language, one ``<stage>.txt.j2`` per stage and
    the parts the stages include (``_fees.txt.j2``, ``_pay.txt.j2``: a leading "_" marks a
    part, never a stage), given as their text (``sources``). ``origin`` says where they were
    read from (``BUILTIN`` or the user's directory) and starts every file name in messages.
    ``folders`` are the language folders that exist, even empty ones: a language with a folder
    is never replaced by English, its missing file is reported instead."""

    sources: TemplateSources
    origin: str
    folders: frozenset[str] = frozenset()
    _environments: dict[str, SandboxedEnvironment] = field(default_factory=dict, repr=False)

    def languages(self) -> tuple[str, ...]:
        """Return the languages that have a folder, sorted."""
        folders = self.folders | {folder for folder, _ in self.sources}
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
                loader=_SourcesLoader(self.sources, self.origin),
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
        except Exception as exc:
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
