"""Write the out-of-office corpus in tests/data/autoreplies/corpus/ and its expectations table.

Each message combines one responder's shape (the headers and subject it writes) with one text a
person typed into it, in eight languages. The shapes follow what the responders are seen to
send:

- Exchange / Outlook ("exchange"): ``Auto-Submitted: auto-generated``,
  ``X-Auto-Response-Suppress: All``, ``X-MS-Exchange-Inbox-Rules-Loop``, the subject prefixed in
  the mailbox's language ("Automatic reply:", "Réponse automatique :", "Automatische Antwort:",
  "Respuesta automática:", "Risposta automatica:", "Automatisch antwoord:", "Resposta
  automática:", "Răspuns automat:").
- Exchange behind a relay that dropped the automatic headers ("exchange-relayed"): the
  localised subject is all there is.
- Gmail's vacation responder ("gmail"): ``Auto-Submitted: auto-replied``, ``X-Autoreply: yes``,
  ``Precedence: bulk``; the subject is the user's, or "Re: " and the original when left empty.
- iCloud ("icloud"): ``Auto-Submitted: auto-replied; owner-email="..."``.
- Zimbra ("zimbra"): ``Auto-Submitted: auto-replied (zimbra; vacation)``, ``Precedence: bulk``.
- Sieve vacation, RFC 5230 ("sieve", Dovecot Pigeonhole): ``Auto-Submitted: auto-replied
  (vacation)``, subject "Auto: " and the original (RFC 5230 §4.3).
- Yahoo Mail and Zoho Mail vacation replies ("yahoo", "zoho"): ``Auto-Submitted:
  auto-replied`` and a subject the user chose.

A few messages are not auto-replies although they look close: a person writing "I'm back on
Monday" by hand, a CRM notification marked ``auto-generated``.

``until`` in the table is the first day the writer is back: "back on X" gives X; "until X
inclusive" and "from A to X" give the day after X; a plain "until X" gives X.

Run from the checkout:  .venv/bin/python tests/data/autoreplies/make_corpus.py
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "corpus"

# Three absences: (written, first day away, last day away). The first day back is last + 1.
WINTER = (date(2026, 12, 18), date(2026, 12, 21), date(2027, 1, 4))
SUMMER = (date(2026, 7, 31), date(2026, 8, 3), date(2026, 8, 23))
SHORT = (date(2026, 3, 4), date(2026, 3, 4), date(2026, 3, 8))  # back on Monday 9 March

MONTHS = {
    "en": "January February March April May June July August September October November "
          "December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "ro": "ianuarie februarie martie aprilie mai iunie iulie august septembrie octombrie "
          "noiembrie decembrie",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
          "diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
          "dicembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november "
          "december",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
          "dezembro",
}
WEEKDAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "ro": "luni marți miercuri joi vineri sâmbătă duminică",
    "de": "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag",
    "es": "lunes martes miércoles jueves viernes sábado domingo",
    "it": "lunedì martedì mercoledì giovedì venerdì sabato domenica",
    "nl": "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
    "pt": "segunda-feira terça-feira quarta-feira quinta-feira sexta-feira sábado domingo",
}


def long_form(lang: str, day: date, year: bool = False) -> str:
    """A date as a person writes it in words: "5 January", "5. Januar", "5 de enero"."""
    month = MONTHS[lang].split()[day.month - 1]
    tail = f" {day.year}" if year else ""
    if lang == "de":
        return f"{day.day}. {month}{tail}"
    if lang in ("es", "pt"):
        return f"{day.day} de {month}" + (f" de {day.year}" if year else "")
    if lang == "en" and not year:
        return f"{month} {day.day}"
    return f"{day.day} {month}{tail}"


def weekday(lang: str, day: date) -> str:
    return WEEKDAYS[lang].split()[day.weekday()]


def fields(lang: str, absence: tuple[date, date, date]) -> dict[str, str]:
    _, start, last = absence
    back = last + timedelta(days=1)
    out: dict[str, str] = {}
    for name, day in (("start", start), ("last", last), ("back", back)):
        out[name] = long_form(lang, day)
        out[name + "_y"] = long_form(lang, day, year=True)
        out[name + "_wd"] = weekday(lang, day)
        out[name + "_num"] = f"{day.day:02d}/{day.month:02d}/{day.year}"
        out[name + "_dot"] = f"{day.day:02d}.{day.month:02d}.{day.year}"
        out[name + "_dm"] = f"{day.day:02d}/{day.month:02d}"
        out[name + "_dmdot"] = f"{day.day:02d}.{day.month:02d}."
    return out


# (language, absence, text, expected): expected is "back" (the first day back), "last+1" (the
# day after the last day away), "last" (a plain "until": that day) or None (no date given).
TEXTS: list[tuple[str, tuple[date, date, date], str, str | None]] = [
    # English
    ("en", WINTER, "Thank you for your email. I am out of the office from {start} and will be "
     "back on {back_wd} {back}.\nFor urgent matters please call reception.", "back"),
    ("en", SUMMER, "I'm on annual leave until {last} inclusive, with no access to email. "
     "I will reply on my return.", "last+1"),
    ("en", WINTER, "The office is closed for the holidays from {start_y} to {last_y}. "
     "We reopen afterwards and will answer you then.", "last+1"),
    ("en", SHORT, "Hi, I'm away at a trade fair and back in the office on {back_wd}.", "back"),
    ("en", SUMMER, "I am currently out of the office with limited access to email. "
     "I will respond as soon as possible.", None),
    ("en", WINTER, "I'm out through {last}. Back {back_wd}, {back}.", "back"),
    ("en", SUMMER, "Out of office {start_num} - {last_num}. Please contact "
     "accounts@ for anything about invoices.", "last+1"),
    ("en", WINTER, "I am on leave and will return on {back_y}. Your message will not be "
     "forwarded.", "back"),
    # French
    ("fr", WINTER, "Bonjour,\nJe suis absente du {start_dm} au {last_dm} inclus. Je traiterai "
     "votre message à mon retour.", "last+1"),
    ("fr", SUMMER, "Je suis en congés jusqu'au {last} inclus. En cas d'urgence, merci de "
     "contacter le standard.", "last+1"),
    ("fr", WINTER, "Merci pour votre message. Je serai de retour le {back_wd} {back}.", "back"),
    ("fr", SHORT, "Absent aujourd'hui, je reviens {back_wd}.", "back"),
    ("fr", SUMMER, "Notre service comptabilité est fermé du {start_y} au {last_y}.", "last+1"),
    ("fr", WINTER, "Je suis actuellement absent et n'ai pas accès à mes e-mails.", None),
    ("fr", SUMMER, "En congés, retour prévu le {back_num}.", "back"),
    ("fr", WINTER, "Je suis absente jusqu'au {back}, date à laquelle je reprendrai la lecture "
     "de mes messages.", "last"),
    # Romanian
    ("ro", WINTER, "Bună ziua,\nSunt în concediu în perioada {start_dot} - {last_dot}. Voi "
     "răspunde la revenire.", "last+1"),
    ("ro", SUMMER, "Începând cu data de {back_dot} voi fi din nou la birou.", "back"),
    ("ro", WINTER, "Sunt în concediu, revin la birou începând cu data de {back}.", "back"),
    ("ro", SHORT, "Nu sunt la birou, mă întorc {back_wd}.", "back"),
    ("ro", SUMMER, "Vă mulțumesc pentru mesaj. Sunt în concediu până pe {last} inclusiv.",
     "last+1"),
    ("ro", WINTER, "Sunt plecat din birou și nu am acces la e-mail.", None),
    ("ro", SUMMER, "Sunt în concediu între {start} și {last}.", "last+1"),
    ("ro", WINTER, "Sunt în concediu până pe {back}.", "last"),
    # German
    ("de", WINTER, "Vielen Dank für Ihre Nachricht. Ich bin vom {start_dmdot} bis "
     "{last_dmdot} nicht im Büro.", "last+1"),
    ("de", WINTER, "Ich bin bis einschließlich {last} im Urlaub. Ab dem {back} bin ich wieder "
     "erreichbar.", "back"),
    ("de", SUMMER, "Ich bin in der Zeit {start_dot} – {last_dot} abwesend. Ihre E-Mail wird "
     "nicht weitergeleitet.", "last+1"),
    ("de", SHORT, "Ich bin heute außer Haus und ab {back_wd} wieder im Büro.", "back"),
    ("de", SUMMER, "Ich bin ab dem {back} wieder im Büro.", "back"),
    ("de", WINTER, "Ich bin bis einschließlich {last_dot} nicht erreichbar.", "last+1"),
    ("de", SUMMER, "Ich bin derzeit nicht im Büro. In dringenden Fällen wenden Sie sich bitte "
     "an buchhaltung@.", None),
    ("de", WINTER, "Unser Büro ist vom {start} bis {last_y} geschlossen.", "last+1"),
    # Spanish
    ("es", WINTER, "Gracias por su mensaje. Estaré fuera de la oficina del {start} al {last} "
     "inclusive.", "last+1"),
    ("es", SUMMER, "Estoy de vacaciones. Estaré de vuelta el {back_wd} {back}.", "back"),
    ("es", WINTER, "Me encuentro fuera de la oficina hasta el {last} incluido.", "last+1"),
    ("es", SHORT, "Estoy de viaje, vuelvo el {back_wd}.", "back"),
    ("es", SUMMER, "Ausente del {start_num} al {last_num}.", "last+1"),
    ("es", WINTER, "En este momento no estoy en la oficina.", None),
    ("es", SUMMER, "Me reincorporo el {back_y}.", "back"),
    ("es", WINTER, "Estoy de vacaciones hasta el {back}.", "last"),
    # Italian
    ("it", WINTER, "Grazie per il messaggio. Sarò assente dal {start} al {last}. Risponderò al "
     "mio rientro.", "last+1"),
    ("it", SUMMER, "Sono in ferie fino al {last} compreso.", "last+1"),
    ("it", WINTER, "Fuori ufficio: rientro il {back_y}. Per urgenze contattare "
     "amministrazione@.", "back"),
    ("it", SHORT, "Sono fuori sede, rientrerò in ufficio {back_wd}.", "back"),
    ("it", SUMMER, "Ufficio chiuso per ferie dal {start_num} al {last_num}.", "last+1"),
    ("it", WINTER, "Al momento sono fuori ufficio con accesso limitato alla posta.", None),
    ("it", SUMMER, "Sarò di nuovo in ufficio il {back}.", "back"),
    ("it", WINTER, "Sono in ferie fino al {back}.", "last"),
    # Dutch
    ("nl", WINTER, "Bedankt voor uw bericht. Ik ben afwezig van {start} tot en met {last}.",
     "last+1"),
    ("nl", SUMMER, "Ik ben met vakantie t/m {last_dot}. Vanaf {back} ben ik weer bereikbaar.",
     "back"),
    ("nl", WINTER, "Ik ben weer aanwezig op {back_wd} {back}.", "back"),
    ("nl", SHORT, "Ik ben vandaag niet op kantoor, maandag ben ik terug.", "back"),
    ("nl", SUMMER, "Ons kantoor is gesloten van {start_dot} tot en met {last_dot}.", "last+1"),
    ("nl", WINTER, "Ik ben momenteel afwezig en lees mijn e-mail niet.", None),
    ("nl", SUMMER, "Ik ben terug op {back_y}.", "back"),
    ("nl", WINTER, "Ik ben afwezig tot {back}.", "last"),
    # Portuguese
    ("pt", WINTER, "Obrigado pela sua mensagem. Estarei ausente de {start} a {last}.",
     "last+1"),
    ("pt", SUMMER, "Encontro-me de férias até {last} inclusive.", "last+1"),
    ("pt", WINTER, "Estou fora do escritório. Regresso a {back_y}.", "back"),
    ("pt", SHORT, "Estou em viagem e volto na {back_wd}.", "back"),
    ("pt", SUMMER, "Ausente de {start_num} a {last_num}, sem acesso ao e-mail.", "last+1"),
    ("pt", WINTER, "De momento estou ausente do escritório.", None),
    ("pt", SUMMER, "Estarei de volta no dia {back}.", "back"),
    ("pt", WINTER, "Estarei de férias até {back}.", "last"),
]

EXCHANGE_PREFIX = {
    "en": "Automatic reply:", "fr": "Réponse automatique :", "ro": "Răspuns automat:",
    "de": "Automatische Antwort:", "es": "Respuesta automática:", "it": "Risposta automatica:",
    "nl": "Automatisch antwoord:", "pt": "Resposta automática:",
}
OWN_SUBJECT = {
    "en": "Out of office", "fr": "Absence", "ro": "Concediu", "de": "Abwesenheitsnotiz",
    "es": "Fuera de la oficina", "it": "Fuori ufficio", "nl": "Afwezig", "pt": "Ausente",
}
INVOICE_SUBJECT = {
    "en": "Invoice INV-2026-{n:03d}", "fr": "Facture F-2026-{n:03d}",
    "ro": "Factura nr. {n}", "de": "Rechnung RE-2026-{n:03d}", "es": "Factura F-2026-{n:03d}",
    "it": "Fattura n. {n}/2026", "nl": "Factuur 2026-{n:03d}", "pt": "Fatura FT 2026/{n}",
}
DOMAIN = {
    "en": "northwind.example", "fr": "menuiserie-dupont.example", "ro": "tipografia.example",
    "de": "mueller-technik.example", "es": "talleres-garcia.example",
    "it": "officine-rossi.example", "nl": "bakker-bouw.example", "pt": "silva-lda.example",
}
SYSTEMS = ["exchange", "gmail", "zimbra", "sieve", "icloud", "exchange-relayed", "yahoo", "zoho"]


def responder(system: str, lang: str, address: str,
              original: str) -> tuple[str, list[tuple[str, str]], str]:
    """Return (what it imitates, its automatic headers, its subject)."""
    if system == "exchange":
        return ("Exchange Online / Outlook automatic reply",
                [("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All"),
                 ("X-MS-Exchange-Inbox-Rules-Loop", address), ("Thread-Topic", original)],
                f"{EXCHANGE_PREFIX[lang]} {original}")
    if system == "exchange-relayed":
        return ("Exchange automatic reply relayed by a gateway that dropped the automatic headers",
                [("Thread-Topic", original), ("X-MS-Has-Attach", "")],
                f"{EXCHANGE_PREFIX[lang]} {original}")
    if system == "gmail":
        return ("Gmail vacation responder (empty subject: Gmail answers 'Re: ' and the original)",
                [("Auto-Submitted", "auto-replied"), ("X-Autoreply", "yes"),
                 ("Precedence", "bulk")], f"Re: {original}")
    if system == "icloud":
        return ("iCloud Mail vacation reply",
                [("Auto-Submitted", f'auto-replied; owner-email="{address}"')],
                OWN_SUBJECT[lang])
    if system == "zimbra":
        return ("Zimbra out-of-office reply",
                [("Auto-Submitted", "auto-replied (zimbra; vacation)"), ("Precedence", "bulk"),
                 ("X-Mailer", "Zimbra 8.8.15_GA_4484 (zclient/8.8.15_GA_4484)")],
                OWN_SUBJECT[lang])
    if system == "sieve":
        return ("Sieve vacation (RFC 5230, Dovecot Pigeonhole), default subject 'Auto: '",
                [("Auto-Submitted", "auto-replied (vacation)"), ("Precedence", "bulk")],
                f"Auto: {original}")
    if system == "yahoo":
        return ("Yahoo Mail vacation response, a subject the user chose",
                [("Auto-Submitted", "auto-replied")], OWN_SUBJECT[lang] + ": " + original)
    return ("Zoho Mail out-of-office reply, a subject the user chose",
            [("Auto-Submitted", "auto-replied"), ("X-Mailer", "Zoho Mail")], OWN_SUBJECT[lang])


def expected(kind: str | None, absence: tuple[date, date, date]) -> date | None:
    """Every dated text names the same first day back, last + 1: "back on {back}", "until
    {last} inclusive", "from {start} to {last}", or a plain "until {back}" (kind "last")."""
    return None if kind is None else absence[2] + timedelta(days=1)


def build(index: int, lang: str, absence: tuple[date, date, date], text: str, system: str
          ) -> tuple[EmailMessage, str]:
    written = absence[0]
    domain = DOMAIN[lang]
    address = f"contact{index}@{domain}"
    original = INVOICE_SUBJECT[lang].format(n=index + 100)
    imitates, auto_headers, subject = responder(system, lang, address, original)
    msg = EmailMessage()
    msg["X-Fixture"] = f"imitates: {imitates}; language {lang}"
    msg["From"] = address
    msg["To"] = "Ana Popescu <ana@atelier-popescu.eu>"
    msg["Subject"] = subject
    moment = datetime(written.year, written.month, written.day, 9, 14, index % 60,
                      tzinfo=timezone.utc)
    msg["Date"] = format_datetime(moment)
    msg["Message-ID"] = f"<ooo-{index:03d}.{system}@{domain}>"
    msg["In-Reply-To"] = f"<inv-{index + 100}.c0de@atelier-popescu.eu>"
    msg["References"] = f"<inv-{index + 100}.c0de@atelier-popescu.eu>"
    for name, value in auto_headers:
        msg[name] = value
    body = text.format(**fields(lang, absence))
    msg.set_content(body + "\n")
    if system in ("exchange", "gmail", "zoho"):
        html = "".join(f"<p>{line}</p>" for line in body.splitlines())
        msg.add_alternative(f"<html><body>{html}</body></html>\n", subtype="html")
        msg.set_boundary(f"=_ooo_{index:03d}_{system}")
    return msg, imitates


NEGATIVES = [
    # (file, imitates, headers, subject, body, written, kind)
    ("x01_en_person_back_monday.eml", "a person answering by hand that they are back Monday",
     [], "Re: Invoice INV-2026-300", "Hi Ana, sorry, I was travelling. I'm back on Monday and "
     "will pay it then.", date(2026, 3, 4), "reply"),
    ("x02_en_crm_auto_generated.eml", "a helpdesk acknowledgement marked auto-generated",
     [("Auto-Submitted", "auto-generated"), ("Precedence", "bulk")],
     "[Ticket #4471] We received your request", "Thank you, your request has been logged. "
     "Our team answers within two business days.", date(2026, 3, 4), "other"),
    ("x03_fr_person_absence_word", "a person whose reply starts with the word absence",
     [], "Re: Facture F-2026-301", "Bonjour, désolée pour mon absence la semaine dernière. "
     "Le virement a été effectué ce matin.", date(2026, 3, 4), "reply"),
]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.eml"):
        old.unlink()
    rows = []
    systems = itertools.cycle(SYSTEMS)
    for index, (lang, absence, text, kind) in enumerate(TEXTS, start=1):
        system = next(systems)
        msg, imitates = build(index, lang, absence, text, system)
        name = f"ar{index:03d}_{lang}_{system}.eml"
        (OUT / name).write_bytes(bytes(msg))
        until = expected(kind, absence)
        rows.append((name, imitates, lang, "auto_reply", until))
    for name, imitates, headers, subject, body, written, kind in NEGATIVES:
        name = name if name.endswith(".eml") else name + ".eml"
        msg = EmailMessage()
        msg["X-Fixture"] = f"imitates: {imitates}"
        msg["From"] = "Sam Carter <sam@client.example>"
        msg["To"] = "ana@atelier-popescu.eu"
        msg["Subject"] = subject
        msg["Date"] = format_datetime(datetime(written.year, written.month, written.day, 10,
                                               tzinfo=timezone.utc))
        msg["Message-ID"] = f"<{name[:3]}@client.example>"
        for key, value in headers:
            msg[key] = value
        msg.set_content(body + "\n")
        (OUT / name).write_bytes(bytes(msg))
        rows.append((name, imitates, name.split("_")[1], kind, None))
    lines = ["# Expectations for tests/data/autoreplies/corpus/, written by make_corpus.py.",
             "# kind: auto_reply | reply | other; until: the first day the writer is back",
             "# (absent: no date given, or not an auto-reply).", ""]
    for name, imitates, lang, kind, until in rows:
        lines += ["[[message]]", f'file = "{name}"', f'imitates = "{imitates}"',
                  f'language = "{lang}"', f'kind = "{kind}"']
        if until is not None:
            lines.append(f"until = {until.isoformat()}")
        lines.append("")
    (OUT / "expectations.toml").write_text("\n".join(lines))
    print(f"{len(rows)} messages in {OUT}")


if __name__ == "__main__":
    main()
