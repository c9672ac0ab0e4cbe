"""How a follow-up greets the client and signs off: as the user greeted them in the invoice
e-mail ("Hi Oliver", "Bonjour Hélène", "Bună ziua, Ioana"), else by the person's name the To
header or the configuration gives, else with each language's neutral greeting. A company's
name never stands where a person is greeted ("Dear Kestrel Labs, Inc.," reads as a form
letter): the neutral greeting is the natural one then.

The closing follows the register of the greeting: a first-name "Hi"/"Salut"/"Hallo"/"Hola"
ends warmer than a neutral "Hello,".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# Greeting words as they open a business e-mail, longest first so "Bună ziua" wins over "Bună".
_OPENERS: Mapping[str, tuple[str, ...]] = {
    "en": ("Good morning", "Good afternoon", "Hello", "Dear", "Hi", "Hey"),
    "fr": ("Bonjour", "Bonsoir", "Chère", "Cher", "Salut"),
    "ro": ("Bună ziua", "Stimată doamnă", "Stimate domnule", "Stimată", "Stimate", "Dragă",
           "Bună", "Salut"),
    "de": ("Sehr geehrte", "Sehr geehrter", "Guten Tag", "Liebe", "Lieber", "Hallo", "Moin"),
    "es": ("Buenos días", "Buenas tardes", "Estimada", "Estimado", "Querida", "Querido", "Hola"),
}
_FRIENDLY = {"hi", "hey", "salut", "hallo", "moin", "hola", "bună", "dragă", "liebe", "lieber",
             "querida", "querido"}

# The neutral greeting, the greeting with a name, and the closings, per language.
NEUTRAL: Mapping[str, str] = {
    "en": "Hello,", "fr": "Bonjour,", "ro": "Bună ziua,", "de": "Sehr geehrte Damen und Herren,",
    "es": "Buenos días:",
}
_WITH_NAME: Mapping[str, str] = {
    "en": "Dear {name},", "fr": "Bonjour {name},", "ro": "Bună ziua, {name},",
    "de": "Guten Tag {name},", "es": "Buenos días, {name}:",
}
CLOSINGS: Mapping[str, tuple[str, str]] = {  # (neutral, friendly)
    "en": ("Kind regards,", "Best wishes,"),
    "fr": ("Cordialement,", "Bien cordialement,"),
    "ro": ("Cu stimă,", "Toate cele bune,"),
    "de": ("Mit freundlichen Grüßen", "Viele Grüße"),
    "es": ("Un cordial saludo,", "Un saludo,"),
}

_WORD = r"[^\W\d_][^\W\d_'’.-]*"
_NAME = re.compile(rf"(?:{_WORD})(?:[ -](?:{_WORD})){{0,3}}")
_COMPANY = re.compile(
    r"(?i)(\b(inc|ltd|llc|llp|plc|gmbh|ag|kg|sarl|sas|sa|srl|s\.r\.l|sl|s\.l|bv|nv|oy|ab|co|"
    r"corp|company|limited|group|labs?|studio|agency|consulting|solutions|services|team|all|"
    r"accounts?|billing|finance|invoices?|support|office|admin|payable|compta|comptabilité|"
    r"facturation|service|contabilitate|facturare|buchhaltung|rechnungswesen|contabilidad|"
    r"facturación|administración|everyone|there|tous|toți)\b|[&@0-9])")


@dataclass(frozen=True)
class Salutation:
    """The opening line, the closing line, and the name greeted ("" when none)."""

    greeting: str
    closing: str
    name: str


def is_person(name: str) -> bool:
    """True when ``name`` reads as a person's name, not a company, a team or an address."""
    name = name.strip().strip('"')
    return bool(name) and bool(_NAME.fullmatch(name)) and not _COMPANY.search(name) \
        and any(c.isupper() for c in name[:1])


def greeting_in(text: str, language: str) -> tuple[str, str] | None:
    """Return the opener and the name of the first line of ``text`` that greets someone by
    name ("Hi Oliver," gives ("Hi", "Oliver")), or None. Only the first few lines are read: a
    greeting opens the message."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:3]
    openers = sorted({o for words in _OPENERS.values() for o in words}, key=len, reverse=True)
    preferred = _OPENERS.get(language, ())
    openers = [*preferred, *(o for o in openers if o not in preferred)]
    for line in lines:
        for opener in openers:
            match = re.fullmatch(rf"{re.escape(opener)}[ ,]+(.+?)\s*[,!:.]?", line, re.I)
            if match and is_person(match.group(1)):
                return line[:len(opener)], match.group(1)
    return None


def salutation(language: str, *, invoice_text: str = "", to_name: str = "",
               configured: str = "") -> Salutation:
    """Return how to greet and close in ``language``: the greeting the invoice e-mail used,
    else the configured name or the To display name when it is a person's, else neutral."""
    lang = language if language in NEUTRAL else "en"
    closing_neutral, closing_friendly = CLOSINGS[lang]
    found = greeting_in(invoice_text, lang) if invoice_text else None
    if found:
        opener, name = found
        line = f"{opener}, {name}," if lang == "ro" else f"{opener} {name},"
        if lang == "es":
            line = f"{opener}, {name}:" if opener.lower() == "hola" else f"{opener} {name}:"
        if lang == "de" and opener.lower().startswith("sehr"):
            line = f"{opener} {name},"
        friendly = opener.lower() in _FRIENDLY
        return Salutation(line, closing_friendly if friendly else closing_neutral, name)
    for name in (configured, to_name):
        if is_person(name):
            name = name.strip().strip('"')
            return Salutation(_WITH_NAME[lang].format(name=name), closing_neutral, name)
    return Salutation(NEUTRAL[lang], closing_neutral, "")
