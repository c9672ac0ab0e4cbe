"""What the writer of a reply wrote, above the quoted history, in the forms mail clients write
the line that opens it. Each opener imitates a client's own format in that language: Gmail's
web client ("On … wrote:", "Il giorno … ha scritto:", "Op … schreef …:", "Em … escreveu:",
"Am … schrieb …:", "El … escribió:", "Le … a écrit :", "În … a scris:"), Apple Mail's, and
Outlook's block of headers in the language of its interface."""

from __future__ import annotations

import pytest

from relance.daemon.core.message import new_text

HISTORY = "> Please find attached invoice F-2026-031.\n> Claire"
ANSWER = "Paid today, thanks."

OPENERS = [
    "On Tue, 3 Mar 2026 at 09:12, Claire Martin <claire@atelier-martin.example> wrote:",
    "Le mar. 3 mars 2026 à 09:12, Claire Martin <claire@atelier-martin.example> a écrit :",
    "În mar., 3 mar. 2026 la 09:12, Claire Martin <claire@atelier-martin.example> a scris:",
    "Am Di., 3. März 2026 um 09:12 Uhr schrieb Claire Martin <claire@atelier-martin.example>:",
    "El mar, 3 mar 2026 a las 9:12, Claire Martin (<claire@atelier-martin.example>) escribió:",
    "Il giorno mar 3 mar 2026 alle ore 09:12 Claire Martin <claire@atelier-martin.example> ha "
    "scritto:",
    "Il giorno 3 mar 2026, alle ore 09:12, Claire Martin <claire@atelier-martin.example> ha "
    "scritto:",
    "Op di 3 mrt 2026 om 09:12 schreef Claire Martin <claire@atelier-martin.example>:",
    "Em ter., 3 de mar. de 2026 às 09:12, Claire Martin <claire@atelier-martin.example> "
    "escreveu:",
    "-----Messaggio originale-----",
    "-----Oorspronkelijk bericht-----",
    "-----Mensagem original-----",
]

# Outlook's header blocks: the first two lines, then the invoice below without ">".
OUTLOOK_BLOCKS = [
    "From: Claire Martin <claire@atelier-martin.example>\nSent: Tuesday, March 3, 2026 9:12 AM",
    "Da: Claire Martin <claire@atelier-martin.example>\nInviato: martedì 3 marzo 2026 09:12",
    "Van: Claire Martin <claire@atelier-martin.example>\nVerzonden: dinsdag 3 maart 2026 09:12",
    "De: Claire Martin <claire@atelier-martin.example>\nEnviado: terça-feira, 3 de março de "
    "2026 09:12",
    "De la: Claire Martin <claire@atelier-martin.example>\nTrimis: marți, 3 martie 2026 09:12",
    "Von: Claire Martin <claire@atelier-martin.example>\nGesendet: Dienstag, 3. März 2026 09:12",
]


@pytest.mark.parametrize("opener", OPENERS)
def test_the_history_under_each_clients_opener_is_left_out(opener):
    body = f"{ANSWER}\n\n{opener}\n{HISTORY.replace('> ', '')}\nTotal due: EUR 1,200.00\n"
    assert new_text(body) == ANSWER


@pytest.mark.parametrize("block", OUTLOOK_BLOCKS)
def test_an_outlook_header_block_in_each_language_opens_the_history(block):
    body = (f"{ANSWER}\n\n{block}\nTo: billing@northwind.test\nSubject: Invoice F-2026-031\n\n"
            "Please find attached invoice F-2026-031. Total due: EUR 1,200.00\n")
    assert new_text(body) == ANSWER


@pytest.mark.parametrize("sentence", [
    "Da: oggi il bonifico è partito.",  # "Da:" as the start of a sentence, not a header block
    "Van: de betaling is vandaag verstuurd.",
])
def test_a_sentence_that_starts_like_a_header_is_kept(sentence):
    assert new_text(f"{ANSWER}\n{sentence}\nGrazie") == f"{ANSWER}\n{sentence}\nGrazie"
