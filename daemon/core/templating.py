"""The follow-up templates: the set (built-in or the user's own), its sandboxed Jinja2
environments with locale-aware filters, and ``relance templates export``.

The templates are Jinja2 run in a sandbox with ``StrictUndefined``: a user's template can
neither reach into Python nor silently print an empty name. Every problem comes out as
``TemplateError`` naming the file, the line and the fix.
"""

from __future__ import annotations

import re
import shutil
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

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


