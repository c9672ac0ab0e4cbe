"""Write the real-world bounce corpus: tests/data/bounces/corpus/<family>/*.eml and
corpus/expectations.toml (one [[report]] table per file).

Each family in ``gen/`` is the shape of one real MTA's or provider's delivery-failure report,
taken from public samples (flufl.bounce's and sisimai's test sets, Mailman archives, the MTAs'
templates); each variant puts one kind of failure (or a mix) through that shape. Every .eml
starts with an X-Fixture-Imitates header saying what it imitates. The expectations follow from
the kinds by relance's rule: 5.x.x is hard, except a full mailbox and a queue expiry; 4.x.x is
soft. Re-run after changing a shape:  .venv/bin/python tests/data/bounces/make_corpus.py
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen import gateways as g  # noqa: E402
from gen import mta as m  # noqa: E402
from gen import providers as p  # noqa: E402
from gen.common import KINDS, Variant  # noqa: E402

OUT = HERE / "corpus"
CLIENTS = ["compta@dupont-menuiserie.example", "j.smith@northwind-traders.example",
           "mihai.ionescu@client-exemplu.example", "rechnung@mueller-bau.example",
           "accounts@harbour-design.example", "contabilidad@talleres-garcia.example",
           "ap@brightline-media.example", "factures@ferme-des-pins.example",
           "office@studio-verde.example", "billing@kestrel-labs.example"]
SUBJECTS = ["Facture F-1042", "Invoice INV-2026-031", "Factura 77", "Rechnung RE-2026-007",
            "Facture F-1043", "Invoice 2026-118"]

ALL = ("unknown", "nodomain", "full", "full_nox", "expired", "temp", "policy", "disabled")
NO_TEMP = ("unknown", "nodomain", "full", "full_nox", "expired", "policy", "disabled")

# family, what it imitates, its function, the kinds it is seen with, mixed reports, has the
# original Message-ID, recipient domain (when the provider is the recipient's)
FAMILIES: list[tuple[str, str, Callable[[Variant], str], tuple[str, ...], bool, bool, str]] = [
    ("sendmail", "Sendmail 8.x DSN (multipart/report, session transcript)", m.sendmail, ALL,
     True, True, ""),
    ("postfix", "Postfix 3.x DSN (This is the mail system at host ...)", m.postfix, ALL, True,
     True, ""),
    ("exim", "Exim 4.9x text bounce with X-Failed-Recipients", m.exim, NO_TEMP, True, True, ""),
    ("exim_warning", "Exim 4 delay warning (message ... delayed 24 hours)", m.exim_warning,
     ("temp",), False, False, ""),
    ("exim_dsn", "Exim 4.9x with DSN part and text/rfc822-headers", m.exim_dsn,
     ("unknown", "policy", "full", "disabled"), True, True, ""),
    ("qmail", "qmail-send failure notice", m.qmail,
     ("unknown", "nodomain", "full", "full_nox", "expired", "disabled", "policy"), True, True, ""),
    ("courier", "Courier MTA delivery status notification", m.courier,
     ("unknown", "full", "policy", "disabled", "full_nox"), True, True, ""),
    ("opensmtpd", "OpenSMTPD MAILER-DAEMON notice", m.opensmtpd,
     ("unknown", "full", "temp", "policy", "full_nox"), True, True, ""),
    ("mdaemon", "MDaemon Permanent Delivery Failure with session transcript", m.mdaemon,
     ("unknown", "policy", "full", "temp", "disabled"), False, True, ""),
    ("communigate", "CommuniGate Pro Undeliverable mail", m.communigate,
     ("unknown", "full", "full_nox", "policy", "disabled"), True, True, ""),
    ("james", "Apache James 2.3 AbstractNotify bounce", m.james,
     ("unknown", "policy", "disabled", "full"), False, True, ""),
    ("domino", "Lotus Domino DELIVERY FAILURE", m.domino,
     ("unknown", "full", "full_nox", "expired", "nodomain", "disabled"), False, True, ""),
    ("groupwise", "Novell GroupWise Message status - undeliverable", m.groupwise,
     ("unknown", "full", "full_nox", "expired", "disabled"), True, True, ""),
    ("kerio", "Kerio Connect Undeliverable", m.kerio,
     ("unknown", "full", "expired", "policy", "full_nox"), True, True, ""),
    ("smartermail", "SmarterMail Undeliverable Mail (Failed Recipient / Reason)",
     m.smartermail, ("unknown", "full", "policy", "disabled", "full_nox"), True, True, ""),
    ("gmail", "Gmail Delivery Status Notification (Failure/Delay), 2016+", p.gmail,
     ("unknown", "nodomain", "full", "temp", "disabled", "policy"), False, True, ""),
    ("gmail_legacy", "Gmail text DSN before 2015 (Technical details of permanent failure)",
     p.gmail_legacy, ("unknown", "disabled", "policy", "temp", "full"), False, True, ""),
    ("yahoo", "Yahoo Mail Failure Notice", p.yahoo,
     ("unknown", "disabled", "full", "full_nox", "expired", "policy"), True, True, "yahoo.com"),
    ("aol", "AOL sendmail-based DSN (reason: 550 MAILBOX NOT FOUND)", p.aol,
     ("unknown", "full", "full_nox", "disabled", "policy"), True, True, "aol.com"),
    ("exchange2010", "Exchange 2007/2010 NDR (#550 5.1.1 RESOLVER.ADR.RecipNotFound)",
     p.exchange2010, NO_TEMP, True, True, ""),
    ("office365", "Office 365 NDR (Remote Server returned '550 5.1.10 ...')", p.office365,
     NO_TEMP, False, True, ""),
    ("outlookcom", "Outlook.com / Hotmail NDR from postmaster@outlook.com", p.outlookcom,
     ("unknown", "full", "full_nox", "policy", "expired", "disabled"), True, True, "outlook.com"),
    ("exchange2003", "Exchange 2000/2003 NDR (did not reach some or all ...)", p.exchange2003,
     NO_TEMP, True, True, ""),
    ("smtpsvc", "IIS / Exchange 2000 SMTP service DSN", p.smtpsvc,
     ("unknown", "temp", "full", "policy", "nodomain"), True, True, ""),
    ("zoho", "Zoho Mail (addr, ERROR CODE :550 - ...)", p.zoho,
     ("unknown", "full", "full_nox", "expired", "policy", "nodomain"), True, True, ""),
    ("yandex", "Yandex (Postfix, Russian subject)", p.yandex,
     ("unknown", "full", "policy", "expired", "temp"), True, True, "yandex.ru"),
    ("sophos", "Sophos Email Appliance (Postfix inside)", p.sophos,
     ("unknown", "policy", "full", "nodomain"), True, True, ""),
    ("fastmail", "Fastmail / Cyrus over quota via Postfix", p.fastmail,
     ("full", "full_nox", "unknown", "temp"), False, True, "fastmail.com"),
    ("ses", "Amazon SES bounce mail (MAILER-DAEMON@amazonses.com)", g.ses,
     ("unknown", "full", "nodomain", "expired", "policy", "disabled"), True, True, ""),
    ("ses_sns", "Amazon SES event via SNS e-mail subscription (JSON body)", g.ses_sns,
     ("unknown", "full", "temp", "disabled", "policy"), True, True, ""),
    ("ses_sns_json", "Amazon SES event via SNS email-json protocol (SNS envelope)",
     g.ses_sns_json, ("unknown", "full", "temp", "policy"), True, True, ""),
    ("sendgrid", "SendGrid bounce (automatically generated message from SendGrid)",
     g.sendgrid, ("unknown", "full", "policy", "disabled", "nodomain"), True, True, ""),
    ("mailgun", "Mailgun delivery failure notice (X-Mailgun-Sid)", g.mailgun,
     ("unknown", "full", "temp", "policy", "disabled"), False, True, ""),
    ("mimecast", "Mimecast Mail Delivery Failure", g.mimecast,
     ("unknown", "policy", "expired", "full", "temp"), True, True, ""),
    ("messagelabs", "MessageLabs / Symantec.cloud Mail Delivery Failure", g.messagelabs,
     ("unknown", "policy", "full", "disabled", "expired"), True, True, ""),
    ("trendmicro", "Trend Micro InterScan Undeliverable mail", g.trendmicro,
     ("unknown", "expired", "full", "nodomain", "policy"), False, True, ""),
    ("barracuda", "Barracuda Spam Firewall block notice", g.barracuda, ("policy",), False,
     False, ""),
    ("postini", "Postini relay (psmtp) DSN", g.postini, ("unknown", "policy", "full"), True,
     True, ""),
    ("amavis", "amavisd-new BANNED contents non-delivery report", g.amavis, ("policy",), True,
     True, ""),
    ("ezweb", "au EZweb Mail System Error - Returned Mail", g.ezweb,
     ("full", "unknown", "expired", "disabled"), False, True, "ezweb.ne.jp"),
    ("docomo", "NTT docomo returned mail", g.docomo, ("unknown", "full", "policy"), False, True,
     "docomo.ne.jp"),
    ("softbank", "SoftBank i.softbank.jp (ISO-2022-JP text, DSN part)", g.softbank,
     ("unknown", "full", "policy"), True, True, "i.softbank.jp"),
    ("mailru", "Mail.ru (Exim inside, Russian subject)", g.mailru,
     ("unknown", "full_nox", "expired", "nodomain"), True, True, "mail.ru"),
    ("gmx", "GMX / WEB.DE (Exim-like)", g.gmx, ("unknown", "full_nox", "expired", "policy"),
     True, True, "gmx.de"),
    ("listmanager", "List manager delivery notice titled Re: <subject>", g.listmanager,
     ("unknown", "full", "disabled"), False, False, ""),
    ("virusscan", "Virus-scanning gateway notice titled Re: <subject>", g.virusscan,
     ("unknown", "policy", "full_nox"), False, False, ""),
    ("bilingual", "French/English daemon template (Mail Delivery Failure Notice)",
     g.bilingual, ("unknown", "full", "policy", "full_nox"), True, True, ""),
    ("orange", "Orange / Wanadoo Message non remis (French)", g.orange,
     ("unknown", "full", "full_nox", "expired"), False, True, "orange.fr"),
]

ODDITIES = ["status_first", "action_last", "no_action", "expired", "alias", "base64"]
LOOKALIKES = [("delivered", g.delivered_dsn, {"action": "delivered"}),
              ("relayed", g.delivered_dsn, {"action": "relayed"}),
              ("read_receipt", g.read_receipt, {}),
              ("forwarded_by_person", g.forwarded_by_person, {}),
              ("postmaster_person", g.postmaster_person, {}),
              ("ses_complaint", g.ses_sns, {"event": "Complaint"}),
              ("ses_delivery", g.ses_sns_json, {"event": "Delivery"})]


def client(n: int, domain: str) -> str:
    addr = CLIENTS[n % len(CLIENTS)]
    return addr.split("@")[0] + "@" + domain if domain else addr


def variants(kinds: tuple[str, ...], mixed: bool, domain: str, start: int) -> list[Variant]:
    out = []
    n = start
    for name in kinds:
        out.append(Variant(n, ((client(n, domain), KINDS[name]),), SUBJECTS[n % len(SUBJECTS)]))
        n += 1
    if mixed:
        hard = next(k for k in kinds if KINDS[k].hard) if any(KINDS[k].hard for k in kinds) \
            else None
        soft = next((k for k in kinds if not KINDS[k].hard), None)
        if hard:
            out.append(Variant(n, ((client(n, domain), KINDS[hard]),
                                   (client(n + 3, domain), KINDS[hard])), SUBJECTS[n % 6]))
            n += 1
        if hard and soft:
            out.append(Variant(n, ((client(n, domain), KINDS[hard]),
                                   (client(n + 5, domain), KINDS[soft])), SUBJECTS[n % 6]))
            n += 1
    return out


def toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def entry(rel: str, family: str, imitates: str, v: Variant | None, has_id: bool) -> str:
    lines = ["[[report]]", f'file = "{rel}"', f'family = "{family}"',
             f'imitates = "{imitates}"']
    if v is None:
        return "\n".join(lines + ["is_bounce = false"]) + "\n"
    lines += ["is_bounce = true",
              "hard = " + toml_list([a for a, k in v.rcpts if k.hard]),
              "soft = " + toml_list([a for a, k in v.rcpts if not k.hard])]
    if has_id:
        lines.append(f'message_id = "{v.msgid}"')
    return "\n".join(lines) + "\n"


def write(rel: str, imitates: str, text: str) -> None:
    path = OUT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((f"X-Fixture-Imitates: {imitates}\n" + text).encode("utf-8"))


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    tables = ["# Expectations of the bounce corpus, written by ../make_corpus.py: per file, is it\n"
              "# a bounce, which recipients failed hard and which soft (exactly), and the\n"
              "# Message-ID of the invoice that bounced where the report carries it.\n"]
    n = 1
    for family, imitates, build, kinds, mixed, has_id, domain in FAMILIES:
        for v in variants(kinds, mixed, domain, n):
            what = "+".join(k.name for _, k in v.rcpts)
            rel = f"{family}/{v.n:03d}-{what}.eml"
            write(rel, f"{imitates}; {what}", build(v))
            tables.append(entry(rel, family, imitates, v, has_id))
            n = v.n + 1
    for odd in ODDITIES:
        for kinds in (("unknown",), ("full",), ("unknown", "expired")):
            rcpts = tuple((client(n + i * 4, ""), KINDS[k]) for i, k in enumerate(kinds))
            if odd == "expired":
                rcpts = tuple((a, KINDS["expired"]) for a, _ in rcpts)
            v = Variant(n, rcpts, SUBJECTS[n % 6], extra={"odd": odd})
            what = "+".join(k.name for _, k in v.rcpts)
            imitates = f"RFC 3464 report written loosely ({odd})"
            rel = f"dsn_oddities/{v.n:03d}-{odd}-{what}.eml"
            write(rel, f"{imitates}; {what}", g.oddities(v))
            tables.append(entry(rel, "dsn_oddities", imitates, v, True))
            n += 1
    for name, build, extra in LOOKALIKES:
        for count in (1, 2):
            rcpts = tuple((client(n + i, ""), KINDS["unknown"]) for i in range(count))
            v = Variant(n, rcpts, SUBJECTS[n % 6], extra=dict(extra))
            imitates = f"not a bounce: {name}"
            rel = f"lookalikes/{v.n:03d}-{name}.eml"
            write(rel, imitates, build(v))
            tables.append(entry(rel, "lookalikes", imitates, None, False))
            n += 1
    (OUT / "expectations.toml").write_text("\n".join(tables), encoding="utf-8")
    print(f"{n - 1} files in {len(FAMILIES) + 2} families")


if __name__ == "__main__":
    main()
