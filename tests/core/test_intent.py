"""What a reply says, phrase by phrase, in five languages, with the traps a careless reader
falls into: negations, quoted questions, several intents in one reply."""

from __future__ import annotations

from datetime import date

import pytest

from relance.daemon.core.intent import reply_from_text
from relance.daemon.core.model import Intent

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
    # other
    ("Thanks, received.", Intent.OTHER, None),
    ("Merci, bien reçu.", Intent.OTHER, None),
    ("", Intent.OTHER, None),
]


@pytest.mark.parametrize(("text", "intent", "promised"), PHRASES)
def test_intent(text: str, intent: Intent, promised: date | None) -> None:
    reply = reply_from_text(text, TUESDAY_3_MARCH)
    assert (reply.intent, reply.promised_date) == (intent, promised)
