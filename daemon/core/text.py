"""Folding text for keyword matching in five languages."""

from __future__ import annotations

import unicodedata

_APOSTROPHES = {"\u2019": "'", "\u02bc": "'"}

# What each character folds to, filled as characters are met: folding is then one
# ``str.translate`` (the readers fold the same text of a part a dozen times; character by
# character, 300 KB of non-ASCII text took 0.08 s a time). Bounded, so that a hostile text of
# many distinct characters cannot grow it without end: past the bound a call folds with a table
# of its own.
_FOLDED: dict[int, str] = {}
_MAX_FOLDED = 20_000


def _fold_char(ch: str) -> str:
    ch = _APOSTROPHES.get(ch, ch)
    base = unicodedata.normalize("NFD", ch)[0].lower()
    return base if len(base) == 1 else ch


def fold(text: str) -> str:
    """Return ``text`` lower-cased, without diacritics and with typographic apostrophes made
    plain, one character for one, so that a match in the folded text is the same slice of the
    original ("Échéance" → "echeance", "n’avons" → "n'avons")."""
    if text.isascii():
        return text.lower()
    new = {ord(ch) for ch in set(text)} - _FOLDED.keys()
    table = _FOLDED if len(_FOLDED) + len(new) <= _MAX_FOLDED else dict(_FOLDED)
    for code in new:
        table[code] = _fold_char(chr(code))
    return text.translate(table)
