"""The return date of an out-of-office, as people write it in eight languages, and the corpus
of out-of-office replies in tests/data/autoreplies/corpus/ read row by row from its table."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from relance.daemon.core.autoreply import return_date
from relance.daemon.core.classify import classify
from relance.daemon.core.message import parse
from relance.daemon.core.model import AutoReply, Other, Reply

CORPUS = Path(__file__).resolve().parents[1] / "data" / "autoreplies" / "corpus"
ROWS = tomllib.loads((CORPUS / "expectations.toml").read_text())["message"]
LATER = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)  # after every message of the corpus

MONDAY_2_MARCH = date(2026, 3, 2)

PHRASES = [
    ("I am on leave and back on 3 March.", date(2026, 3, 3)),
    ("Out of the office, returning Monday 9 March.", date(2026, 3, 9)),
    ("I will be back on 03/09.", date(2026, 3, 9)),  # the nearest reading: 9 March
    ("Away from 1 to 8 March, no access to email.", date(2026, 3, 9)),  # day after the range
    ("Out of office until 8 March.", date(2026, 3, 8)),
    ("I'll get back to you on 20 March at the latest; I am back on 10 March.", date(2026, 3, 10)),
    ("Je suis de retour le 3 mars.", date(2026, 3, 3)),
    ("Je serai de retour lundi.", date(2026, 3, 9)),  # next Monday after Monday 2 March
    ("Je suis absente du 1er au 8 mars.", date(2026, 3, 9)),
    ("Absente jusqu'au 6 mars inclus.", date(2026, 3, 7)),
    ("Sunt în concediu, revin pe 3 martie.", date(2026, 3, 3)),
    ("Sunt plecat, mă întorc luni.", date(2026, 3, 9)),
    ("Sunt în concediu din 1 până pe 8 martie.", date(2026, 3, 9)),
    ("Ich bin ab dem 3. März wieder im Büro.", date(2026, 3, 3)),
    ("Ich bin vom 1. bis 8. März nicht im Büro.", date(2026, 3, 9)),
    ("Estaré de vuelta el 3 de marzo.", date(2026, 3, 3)),
    ("Estoy de vacaciones del 1 al 8 de marzo.", date(2026, 3, 9)),
    ("Thank you for your message, I am out of the office.", None),
    # the first day back, whichever way the absence is written
    ("Out through 8 March.", date(2026, 3, 9)),  # "through" names the last day away
    ("Je suis absente du 04/03 au 08/03 inclus.", date(2026, 3, 9)),
    ("Sunt în concediu în perioada 03.03.2026 - 08.03.2026.", date(2026, 3, 9)),
    ("Începând cu data de 09.03.2026 voi fi din nou la birou.", date(2026, 3, 9)),
    ("Ich bin vom 3.3. bis 8.3. nicht im Büro.", date(2026, 3, 9)),
    ("Ich bin bis einschließlich 8. März im Urlaub.", date(2026, 3, 9)),
    ("Sono in ferie fino al 8 marzo compreso.", date(2026, 3, 9)),
    ("Rientro il 9 marzo.", date(2026, 3, 9)),
    ("Ik ben afwezig van 3 maart tot en met 8 maart.", date(2026, 3, 9)),
    ("Vanaf 9 maart ben ik weer bereikbaar.", date(2026, 3, 9)),
    ("Ik ben vandaag niet op kantoor, maandag ben ik terug.", date(2026, 3, 9)),
    ("Encontro-me de férias até 8 de março inclusive.", date(2026, 3, 9)),
    ("Estou em viagem e volto na segunda-feira.", date(2026, 3, 9)),
    ("I was away on 20 February and will answer soon.", None),  # a past date is no return
]


@pytest.mark.parametrize(("text", "expected"), PHRASES)
def test_return_date(text: str, expected: date | None) -> None:
    assert return_date(text, MONDAY_2_MARCH) == expected


def test_short_date_reads_day_first_when_that_is_nearer() -> None:
    # Written on 20 August, "03/09" is 3 September, not 9 March of next year.
    assert return_date("I will be back on 03/09.", date(2026, 8, 20)) == date(2026, 9, 3)


def test_return_early_in_the_new_year() -> None:
    assert return_date("De retour le 5 janvier.", date(2026, 12, 23)) == date(2027, 1, 5)


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_corpus(row: dict[str, object]) -> None:
    """Each message of the corpus is what its table row says: an auto-reply with the first day
    back (or none), or a person's reply, or other mail."""
    result = classify(parse((CORPUS / str(row["file"])).read_bytes()), now=LATER)
    if row["kind"] == "auto_reply":
        assert result == AutoReply(row.get("until")), row["imitates"]  # type: ignore[arg-type]
    elif row["kind"] == "reply":
        assert isinstance(result, Reply), result
    else:
        assert isinstance(result, Other), result


def test_corpus_covers_eight_languages_and_sixty_replies() -> None:
    replies = [row for row in ROWS if row["kind"] == "auto_reply"]
    assert len(replies) >= 60
    assert {row["language"] for row in replies} == {"en", "fr", "ro", "de", "es", "it", "nl",
                                                    "pt"}
