"""What a reply says, phrase by phrase, in five languages, with the traps a careless reader
falls into: negations, quoted questions, several intents in one reply; and the corpus of client
replies in tests/data/replies/corpus/ read row by row from its table."""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from relance.daemon.core.classify import classify
from relance.daemon.core.intent import reply_from_text
from relance.daemon.core.message import parse
from relance.daemon.core.model import Intent, Reply

CORPUS = Path(__file__).resolve().parents[1] / "data" / "replies" / "corpus"
ROWS = tomllib.loads((CORPUS / "expectations.toml").read_text())["message"]
LATER = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)  # after every message of the corpus

TUESDAY_3_MARCH = date(2026, 3, 3)

PHRASES = [
    # paid
    ("I have paid the invoice this morning.", Intent.PAID, None),
    ("Payment sent, thanks for your patience.", Intent.PAID, None),
    ("No worries, we paid it yesterday.", Intent.PAID, None),
    ("Bonjour, virement effectué ce matin.", Intent.PAID, None),
    ("J'ai réglé la facture hier.", Intent.PAID, None),
    ("Am plătit factura ieri.", Intent.PAID, None),
    ("Am efectuat plata.", Intent.PAID, None),
    ("Ich habe gestern überwiesen.", Intent.PAID, None),
    ("Ya he pagado la factura.", Intent.PAID, None),
    # not paid
    ("We have not paid yet, sorry.", Intent.OTHER, None),
    ("We haven't paid it yet.", Intent.OTHER, None),
    ("Nous n'avons pas encore payé.", Intent.OTHER, None),
    ("Încă nu am plătit.", Intent.OTHER, None),
    ("Wir haben noch nicht überwiesen.", Intent.OTHER, None),
    ("Todavía no hemos pagado.", Intent.OTHER, None),
    ("We will not pay this month.", Intent.OTHER, None),
    # promises
    ("I'll pay on Friday.", Intent.PROMISE, date(2026, 3, 6)),
    ("Payment will be made on 15 March.", Intent.PROMISE, date(2026, 3, 15)),
    ("Je vous règle le 15 mars.", Intent.PROMISE, date(2026, 3, 15)),
    ("Vom plăti pe 15 martie.", Intent.PROMISE, date(2026, 3, 15)),
    ("Wir zahlen bis Ende des Monats.", Intent.PROMISE, date(2026, 3, 31)),
    ("Pagaremos el 15 de marzo.", Intent.PROMISE, date(2026, 3, 15)),
    ("We will pay as soon as the budget is approved.", Intent.PROMISE, None),
    ("We have not paid yet but we will pay on 20 March.", Intent.PROMISE, date(2026, 3, 20)),
    ("We paid half and will pay the rest on 15 March.", Intent.PROMISE, date(2026, 3, 15)),
    # disputes
    ("We dispute this invoice.", Intent.DISPUTE, None),
    ("This is not what we agreed.", Intent.DISPUTE, None),
    ("The invoice shows an incorrect amount.", Intent.DISPUTE, None),
    ("Nous contestons cette facture.", Intent.DISPUTE, None),
    ("Il y a une erreur sur la facture.", Intent.DISPUTE, None),
    ("Nu suntem de acord cu suma.", Intent.DISPUTE, None),
    ("Contestăm factura.", Intent.DISPUTE, None),
    ("Der Betrag stimmt nicht.", Intent.DISPUTE, None),
    ("No estamos de acuerdo con el importe.", Intent.DISPUTE, None),
    ("We paid, but this is not what we agreed.", Intent.DISPUTE, None),
    # questions
    ("Could you send the invoice again?", Intent.QUESTION, None),
    ("Pourriez-vous renvoyer la facture ?", Intent.QUESTION, None),
    ("Puteți să retrimiteți factura?", Intent.QUESTION, None),
    ("Können Sie die Rechnung noch einmal schicken?", Intent.QUESTION, None),
    ("¿Podría enviar la factura de nuevo?", Intent.QUESTION, None),
    ("I paid yesterday, but why is the amount different?", Intent.QUESTION, None),
    ("See https://pay.example/invoice?id=77 for the receipt; we paid it.", Intent.PAID, None),
    # a promise is not a payment, whatever tense German uses for it
    ("Die Zahlung erfolgt Ende des Monats.", Intent.PROMISE, date(2026, 3, 31)),
    ("Die Zahlung ist bereits erfolgt.", Intent.PAID, None),
    ("Die Rechnung wurde heute überwiesen.", Intent.PAID, None),
    ("Wir werden den Betrag am 12.03. überweisen.", Intent.PROMISE, date(2026, 3, 12)),
    ("Je ferai le virement le 15.", Intent.PROMISE, date(2026, 3, 15)),
    ("Plătim până vineri.", Intent.PROMISE, date(2026, 3, 6)),
    ("We'll cut the check on 3/28.", Intent.PROMISE, date(2026, 3, 28)),
    ("We will wire it on the 20th.", Intent.PROMISE, date(2026, 3, 20)),
    ("Veuillez trouver ci-joint l'avis de virement émis ce jour.", Intent.PAID, None),
    ("Wire is going out tomorrow.", Intent.PROMISE, date(2026, 3, 4)),
    ("La facture sera payée à la fin du mois.", Intent.PROMISE, date(2026, 3, 31)),
    ("Nous allons procéder au règlement le 18 mars.", Intent.PROMISE, date(2026, 3, 18)),
    # disputes in en, es, ro as clients word them
    ("We were charged twice for the same delivery.", Intent.DISPUTE, None),
    ("The hours don't match the timesheet we approved.", Intent.DISPUTE, None),
    ("La factura es incorrecta.", Intent.DISPUTE, None),
    ("Rechazamos esta factura.", Intent.DISPUTE, None),
    ("Factura nu este corectă.", Intent.DISPUTE, None),
    # other
    ("Thanks, received.", Intent.OTHER, None),
    ("Merci, bien reçu.", Intent.OTHER, None),
    ("", Intent.OTHER, None),
]


@pytest.mark.parametrize(("text", "intent", "promised"), PHRASES)
def test_intent(text: str, intent: Intent, promised: date | None) -> None:
    reply = reply_from_text(text, TUESDAY_3_MARCH)
    assert (reply.intent, reply.promised_date) == (intent, promised)


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_corpus(row: dict[str, object]) -> None:
    """Each client reply of the corpus says what its table row says, with the promised day."""
    result = classify(parse((CORPUS / str(row["file"])).read_bytes()), now=LATER)
    assert isinstance(result, Reply), result
    assert (str(result.intent), result.promised_date) == (row["intent"], row.get("promised"))


def test_corpus_covers_five_intents_in_five_languages() -> None:
    assert len(ROWS) >= 80
    for language in ("en", "fr", "ro", "de", "es"):
        intents = {row["intent"] for row in ROWS if row["language"] == language}
        assert intents == {"paid", "promise", "dispute", "question", "other"}, language
