"""Folding text for keyword matching in five languages."""

from __future__ import annotations

import unicodedata

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})


def fold(text: str) -> str:
    """Return ``text`` lower-cased, without diacritics and with typographic apostrophes made
    plain, one character for one, so that a match in the folded text is the same slice of the
    original ("Échéance" → "echeance", "n’avons" → "n'avons")."""
    if text.isascii():
        return text.lower()
    out = []
    for ch in text.translate(_APOSTROPHES):
        base = unicodedata.normalize("NFD", ch)[0].lower()
        out.append(base if len(base) == 1 else ch)
    return "".join(out)
