"""``fold`` answers as the character-by-character definition it replaces, one character for one,
on any text (hypothesis), and on the words of the five languages it exists for."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from relance.daemon.core import text
from relance.daemon.core.text import fold


def _by_character(value: str) -> str:
    """The definition: each character decomposed (NFD), its first code point lower-cased when
    that gives one character, typographic apostrophes made plain."""
    out = []
    for ch in value.translate(str.maketrans({"\u2019": "'", "\u02bc": "'"})):
        base = unicodedata.normalize("NFD", ch)[0].lower()
        out.append(base if len(base) == 1 else ch)
    return "".join(out)


@given(st.text(max_size=200))
def test_fold_is_the_character_by_character_definition(value):
    folded = fold(value)
    assert folded == _by_character(value) and len(folded) == len(value)


def test_the_words_of_the_five_languages():
    assert fold("Échéance dépassée, n’avons") == "echeance depassee, n'avons"
    assert fold("Fällig BIS ZUM") == "fallig bis zum"
    assert fold("Factură scadentă în ŞI ţ") == "factura scadenta in si t"
    assert fold("Fecha de emisión: AÑO") == "fecha de emision: ano"
    assert fold("İstanbul") == "istanbul"  # 'İ' decomposes into 'I' and a combining dot


def test_many_distinct_characters_do_not_grow_the_shared_table_past_its_bound():
    wide = "".join(chr(c) for c in range(0x4E00, 0x4E00 + text._MAX_FOLDED + 5_000))
    assert fold(wide) == _by_character(wide)
    assert len(text._FOLDED) <= text._MAX_FOLDED
