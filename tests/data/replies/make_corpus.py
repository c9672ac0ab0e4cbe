"""Write the client-reply corpus in tests/data/replies/corpus/ and its expectations table.

Each message is a client answering a payment reminder, in English, French, Romanian, German or
Spanish, as a mail client lays a reply out: the new text on top, then the client's quote
header and the reminder quoted below it (Gmail's "On ... wrote:" and its translations,
Outlook's "-----Original Message-----" and "From: / Sent:" block, Apple Mail's ">" quoting).
The reminder that is quoted says "if you have already paid, please ignore this message", so a
reader that looks past the new text reads "paid" where the client said something else.

The texts are what clients answer: that it is paid ("die Rechnung wurde heute überwiesen", a
transfer notice attached), a promise with a date ("je ferai le virement le 15", "plătim până
vineri", "am 22.12. überweisen", "cut the check on 12/28"; "Die Zahlung erfolgt Ende des
Monats" is a promise, not a payment), a dispute, a question, or something else ("forwarded to
accounts", "not paid yet"). Every message is written on Thursday 10 December 2026, so the
promised dates below are counted from that day.

Run from the checkout:  .venv/bin/python tests/data/replies/make_corpus.py
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

OUT = Path(__file__).resolve().parent / "corpus"
WRITTEN = datetime(2026, 12, 10, 10, 42, tzinfo=timezone.utc)  # a Thursday
FRI = date(2026, 12, 11)
MON = date(2026, 12, 14)
NEXT_WEEK = date(2026, 12, 18)  # "next week" is kept by its Friday
MONTH_END = date(2026, 12, 31)

# (language, intent, text, promised date)
TEXTS: list[tuple[str, str, str, date | None]] = [
    ("en", "paid", "Hi Ana,\n\nWe paid this yesterday by bank transfer, it should reach you "
     "within two working days.\n\nBest,\nTom", None),
    ("en", "paid", "Payment has been made today, remittance advice attached.", None),
    ("en", "paid", "Hello, the check is in the mail as of this morning.", None),
    ("en", "paid", "Our accounts team processed the payment this afternoon.", None),
    ("en", "promise", "We'll cut the check on 12/28 and mail it the same day.", date(2026, 12, 28)),
    ("en", "promise", "I will pay it next week, sorry for the delay.", NEXT_WEEK),
    ("en", "promise", "Payment is scheduled for December 22.", date(2026, 12, 22)),
    ("en", "promise", "Payment will go out by the end of the month once our director signs "
     "off.", MONTH_END),
    ("en", "promise", "We will wire the full amount on the 15th.", date(2026, 12, 15)),
    ("en", "dispute", "We were charged twice for the same delivery; this invoice duplicates "
     "INV-2026-088.", None),
    ("en", "dispute", "The hours on this invoice don't match the timesheet we approved. "
     "We won't pay until it is corrected.", None),
    ("en", "dispute", "We are disputing this charge, the work was never completed.", None),
    ("en", "question", "Could you send us a copy with our PO number on it?", None),
    ("en", "question", "Which bank account should we use? Your IBAN seems to have changed.",
     None),
    ("en", "question", "Hi, this was settled on 4 December, reference NWT-8812. Could it have "
     "been allocated to another invoice?", None),
    ("en", "other", "Thanks Ana, I've forwarded this to our accounts payable team.", None),
    ("en", "other", "Noted, thank you.", None),
    ("en", "other", "I haven't paid yet, sorry, I was away.", None),
    # French
    ("fr", "paid", "Bonjour,\n\nLe virement a été effectué hier, vous devriez le recevoir d'ici "
     "jeudi.\n\nCordialement,\nClaire", None),
    ("fr", "paid", "Nous avons réglé la facture ce matin par virement.", None),
    ("fr", "paid", "Veuillez trouver ci-joint l'avis de virement émis ce jour pour la facture "
     "F-2026-104.", None),
    ("fr", "paid", "C'est payé depuis vendredi dernier.", None),
    ("fr", "promise", "Je ferai le virement le 15.", date(2026, 12, 15)),
    ("fr", "promise", "Nous réglerons la facture en fin de mois.", MONTH_END),
    ("fr", "promise", "Le paiement sera effectué d'ici vendredi.", FRI),
    ("fr", "promise", "Je vous fais le virement lundi sans faute.", MON),
    ("fr", "promise", "Le règlement partira le 22 décembre avec notre campagne de paiements.",
     date(2026, 12, 22)),
    ("fr", "dispute", "Nous contestons le montant : le devis signé indiquait 980 € HT.", None),
    ("fr", "dispute", "Il y a une erreur sur la facture, les frais de port n'étaient pas "
     "prévus.", None),
    ("fr", "dispute", "Cette facture fait doublon avec la F-2026-090, nous ne la réglerons "
     "pas.", None),
    ("fr", "question", "Pourriez-vous nous envoyer la facture au format PDF ?", None),
    ("fr", "question", "Sur quel compte devons-nous faire le virement ?", None),
    ("fr", "question", "Le montant inclut-il la TVA ?", None),
    ("fr", "other", "Merci, je transmets au service comptable.", None),
    ("fr", "other", "Bien reçu, merci.", None),
    ("fr", "other", "Nous n'avons pas encore payé, désolé du retard.", None),
    # Romanian
    ("ro", "paid", "Bună ziua,\n\nAm efectuat plata astăzi, atașez ordinul de plată.\n\n"
     "Cu stimă,\nMihai", None),
    ("ro", "paid", "Factura a fost achitată ieri.", None),
    ("ro", "paid", "Am virat suma de 1.500 lei în contul dumneavoastră.", None),
    ("ro", "paid", "Plata a fost făcută pe 8 decembrie.", None),
    ("ro", "promise", "Plătim până vineri.", FRI),
    ("ro", "promise", "Vom face plata pe 22 decembrie.", date(2026, 12, 22)),
    ("ro", "promise", "O să achităm factura la sfârșitul lunii.", MONTH_END),
    ("ro", "promise", "Plata se va face în 10 zile.", date(2026, 12, 20)),
    ("ro", "promise", "Achităm mâine dimineață.", FRI),
    ("ro", "dispute", "Nu suntem de acord cu factura, suma nu corespunde ofertei.", None),
    ("ro", "dispute", "Factura nu este corectă: ne-ați facturat de două ori aceeași lucrare.",
     None),
    ("ro", "dispute", "Refuzăm la plată această factură, marfa nu a fost livrată.", None),
    ("ro", "question", "Puteți să ne trimiteți și factura în format XML pentru e-Factura?",
     None),
    ("ro", "question", "În ce cont facem plata?", None),
    ("ro", "question", "Vă rog să confirmați dacă suma include TVA.", None),
    ("ro", "other", "Mulțumesc, am primit factura.", None),
    ("ro", "other", "Am transmis factura la contabilitate.", None),
    ("ro", "other", "Încă nu am plătit, revin cu detalii.", None),
    # German
    ("de", "paid", "Guten Tag Frau Popescu,\n\ndie Rechnung wurde heute überwiesen.\n\n"
     "Mit freundlichen Grüßen\nKlaus Weber", None),
    ("de", "paid", "Wir haben den Betrag gestern überwiesen.", None),
    ("de", "paid", "Die Zahlung ist bereits erfolgt, siehe Anhang.", None),
    ("de", "paid", "Die Überweisung wurde am 8.12. veranlasst.", None),
    ("de", "promise", "Wir werden den Betrag am 22.12. überweisen.", date(2026, 12, 22)),
    ("de", "promise", "Die Zahlung erfolgt Ende des Monats.", MONTH_END),
    ("de", "promise", "Wir überweisen nächste Woche.", NEXT_WEEK),
    ("de", "promise", "Ich begleiche die Rechnung bis Freitag.", FRI),
    ("de", "promise", "Die Überweisung erfolgt am 15. Dezember.", date(2026, 12, 15)),
    ("de", "dispute", "Der Betrag stimmt nicht mit unserem Angebot überein.", None),
    ("de", "dispute", "Wir widersprechen der Rechnung, die Leistung wurde nicht erbracht.",
     None),
    ("de", "dispute", "Die Rechnung ist fehlerhaft: Position 3 wurde doppelt berechnet.", None),
    ("de", "question", "Können Sie uns die Rechnung mit unserer Bestellnummer erneut senden?",
     None),
    ("de", "question", "Ist die Mehrwertsteuer im Betrag enthalten?", None),
    ("de", "question", "Bitte teilen Sie uns Ihre neue Bankverbindung mit.", None),
    ("de", "other", "Vielen Dank, ich habe die Rechnung an die Buchhaltung weitergeleitet.",
     None),
    ("de", "other", "Danke, erhalten.", None),
    ("de", "other", "Wir haben noch nicht bezahlt, die Freigabe fehlt noch.", None),
    # Spanish
    ("es", "paid", "Buenos días,\n\nya hemos realizado la transferencia.\n\nUn saludo,\nLucía",
     None),
    ("es", "paid", "La factura fue pagada ayer.", None),
    ("es", "paid", "Le adjunto el justificante de la transferencia realizada hoy.", None),
    ("es", "paid", "Ya está pagada desde el viernes.", None),
    ("es", "promise", "Haremos la transferencia el viernes.", FRI),
    ("es", "promise", "Pagaremos a fin de mes.", MONTH_END),
    ("es", "promise", "Le transferiré el importe el día 15.", date(2026, 12, 15)),
    ("es", "promise", "El pago se realizará el 22 de diciembre.", date(2026, 12, 22)),
    ("es", "promise", "Vamos a pagar la próxima semana.", NEXT_WEEK),
    ("es", "dispute", "No estamos de acuerdo con el importe facturado.", None),
    ("es", "dispute", "La factura es incorrecta: nos han cobrado dos veces el transporte.",
     None),
    ("es", "dispute", "Rechazamos esta factura porque el pedido llegó incompleto.", None),
    ("es", "question", "¿Podrían enviarnos la factura con nuestro CIF?", None),
    ("es", "question", "¿A qué cuenta debemos hacer la transferencia?", None),
    ("es", "question", "Por favor, confirme si el importe incluye IVA.", None),
    ("es", "other", "Gracias, lo paso a contabilidad.", None),
    ("es", "other", "Recibido, gracias.", None),
    ("es", "other", "Todavía no hemos pagado, disculpe.", None),
]

REMINDER = {
    "en": ("Invoice INV-2026-{n}", "Dear client,\nInvoice INV-2026-{n} for 1,250.00 EUR was due "
           "on 30 November 2026. If you have already paid, please ignore this message."),
    "fr": ("Facture F-2026-{n}", "Bonjour,\nLa facture F-2026-{n} de 1 250,00 EUR était due le "
           "30 novembre 2026. Si vous l'avez déjà réglée, merci d'ignorer ce message."),
    "ro": ("Factura nr. {n}", "Bună ziua,\nFactura nr. {n} în valoare de 1.500,00 lei era "
           "scadentă pe 30 noiembrie 2026. Dacă ați plătit deja, vă rog să ignorați mesajul."),
    "de": ("Rechnung RE-2026-{n}", "Guten Tag,\ndie Rechnung RE-2026-{n} über 1.250,00 EUR war "
           "am 30. November 2026 fällig. Falls Sie bereits bezahlt haben, betrachten Sie diese "
           "Nachricht bitte als gegenstandslos."),
    "es": ("Factura F-2026-{n}", "Buenos días:\nLa factura F-2026-{n} de 1.250,00 EUR venció el "
           "30 de noviembre de 2026. Si ya la ha pagado, ignore este mensaje."),
}
PREFIX = {"en": "Re:", "fr": "RE :", "ro": "Re:", "de": "AW:", "es": "RE:"}
GMAIL_HEADER = {
    "en": "On Thu, 10 Dec 2026 at 06:16, Ana Popescu <ana@atelier-popescu.eu> wrote:",
    "fr": "Le jeu. 10 déc. 2026 à 06:16, Ana Popescu <ana@atelier-popescu.eu> a écrit :",
    "ro": "În joi, 10 dec. 2026 la 06:16, Ana Popescu <ana@atelier-popescu.eu> a scris:",
    "de": "Am Do., 10. Dez. 2026 um 06:16 Uhr schrieb Ana Popescu <ana@atelier-popescu.eu>:",
    "es": "El jue, 10 dic 2026 a las 6:16, Ana Popescu (<ana@atelier-popescu.eu>) escribió:",
}
OUTLOOK_HEADER = {
    "en": ("From: Ana Popescu <ana@atelier-popescu.eu>", "Sent: Thursday, December 10, 2026 "
           "6:16 AM"),
    "fr": ("De : Ana Popescu <ana@atelier-popescu.eu>", "Envoyé : jeudi 10 décembre 2026 06:16"),
    "ro": ("From: Ana Popescu <ana@atelier-popescu.eu>", "Sent: joi, 10 decembrie 2026 06:16"),
    "de": ("Von: Ana Popescu <ana@atelier-popescu.eu>", "Gesendet: Donnerstag, 10. Dezember 2026 "
           "06:16"),
    "es": ("De: Ana Popescu <ana@atelier-popescu.eu>", "Enviado: jueves, 10 de diciembre de 2026 "
           "6:16"),
}
CLIENTS = ["gmail", "outlook", "apple"]
DOMAIN = {"en": "northwind.example", "fr": "dupont-menuiserie.example",
          "ro": "fabrica-lemn.example", "de": "mueller-maschinen.example",
          "es": "talleres-garcia.example"}


def layout(client: str, lang: str, text: str, reminder: str) -> tuple[str, str]:
    """Return (what it imitates, the body) of a reply laid out as ``client`` does."""
    if client == "gmail":
        quoted = "\n".join("> " + line for line in reminder.splitlines())
        return "Gmail reply", f"{text}\n\n{GMAIL_HEADER[lang]}\n\n{quoted}\n"
    if client == "outlook":
        sender, sent = OUTLOOK_HEADER[lang]
        return ("Outlook reply with its header block",
                f"{text}\n\n________________________________\n{sender}\n{sent}\n"
                f"To: client\nSubject: reminder\n\n{reminder}\n")
    quoted = "\n".join("> " + line for line in reminder.splitlines())
    return ("Apple Mail reply, a signature after '-- '",
            f"{text}\n\n-- \nSent from my iPhone\n\n{quoted}\n")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.eml"):
        old.unlink()
    clients = itertools.cycle(CLIENTS)
    lines = ["# Expectations for tests/data/replies/corpus/, written by make_corpus.py.",
             "# intent: paid | promise | dispute | question | other; promised: the promised day",
             "# (absent: none is written). Every message is written on Thursday 2026-12-10.", ""]
    for index, (lang, intent, text, promised) in enumerate(TEXTS, start=1):
        client = next(clients)
        subject, reminder = REMINDER[lang]
        number = 200 + index
        imitates, body = layout(client, lang, text, reminder.format(n=number))
        name = f"rc{index:03d}_{lang}_{intent}_{client}.eml"
        domain = DOMAIN[lang]
        msg = EmailMessage()
        msg["X-Fixture"] = f"imitates: {imitates}; a client's {intent} in {lang}"
        msg["From"] = f"client{index}@{domain}"
        msg["To"] = "Ana Popescu <ana@atelier-popescu.eu>"
        msg["Subject"] = f"{PREFIX[lang]} {subject.format(n=number)}"
        msg["Date"] = format_datetime(WRITTEN)
        msg["Message-ID"] = f"<reply-{index:03d}@{domain}>"
        msg["In-Reply-To"] = f"<inv-{number}.c0de@atelier-popescu.eu>"
        msg["References"] = f"<inv-{number}.c0de@atelier-popescu.eu>"
        msg.set_content(body)
        if client == "outlook":
            html = "".join(f"<div>{line or '<br>'}</div>" for line in body.splitlines())
            msg.add_alternative(f"<html><body>{html}</body></html>\n", subtype="html")
            msg.set_boundary(f"=_reply_{index:03d}")
        (OUT / name).write_bytes(bytes(msg))
        lines += ["[[message]]", f'file = "{name}"', f'imitates = "{imitates}"',
                  f'language = "{lang}"', f'intent = "{intent}"']
        if promised is not None:
            lines.append(f"promised = {promised.isoformat()}")
        lines.append("")
    (OUT / "expectations.toml").write_text("\n".join(lines))
    print(f"{len(TEXTS)} messages in {OUT}")


if __name__ == "__main__":
    main()
