"""The return date of an out-of-office, as people write it in five languages."""

from __future__ import annotations

from datetime import date

import pytest

from relance.daemon.core.autoreply import return_date

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
