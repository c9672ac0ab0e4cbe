"""Shapes of providers and gateways: Gmail, Yahoo, AOL, Outlook.com, Exchange and
Office 365, Zoho, Yandex, Mail.ru, GMX, Amazon SES (mail and SNS JSON), SendGrid, Mailgun,
Mimecast, MessageLabs, Trend Micro, Barracuda, Sophos, Postini, amavis, Japanese carriers
(au EZweb, NTT docomo, SoftBank), a list manager's "Re:" notice, bilingual daemons.

As in ``mta``: our wording, the layout and facts of public samples.
"""

from __future__ import annotations

from .common import (
    ME,
    Variant,
    b64_text_part,
    daemon_top,
    delivery_status,
    dsn_block,
    original_headers,
    original_message,
    plain,
    report,
    rfc822_part,
    status_part,
    text_part,
)
from .mta import action_status, blocks, dom, postfix, smtp_line


def gmail(v: Variant) -> str:
    """Gmail (2016+): 'Delivery Status Notification (Failure|Delay)', a bold headline
    ('Address not found', 'Delivery incomplete'), X-Failed-Recipients, a delivery-status
    part and the returned message."""
    host = "mail-sor-f69.google.com"
    delayed = all(k.name == "temp" for _, k in v.rcpts)
    addr, kind = v.rcpts[0]
    if delayed:
        text = ("** Delivery incomplete **\n\nThere was a temporary problem delivering your "
                f"message to {addr}. Gmail will retry for 46 more hours. You'll be notified "
                "if the delivery fails permanently.\n\nThe response was:\n\n"
                "The recipient server did not accept our requests to connect.\n")
    elif kind.name in ("full", "full_nox"):
        text = ("** Message not delivered **\n\nYour message couldn't be delivered to "
                f"{addr} because the recipient's inbox is out of storage space.\n\n"
                "The response was:\n\n552-5.2.2 The email account that you tried to reach "
                "is over quota.\n")
    elif kind.name == "nodomain":
        text = ("** Address not found **\n\nYour message wasn't delivered to "
                f"{addr} because the domain {dom(addr)} couldn't be found. Check for typos "
                "or unnecessary spaces and try again.\n\nThe response was:\n\n"
                "DNS Error: DNS type 'mx' lookup of " + dom(addr) + " responded with code "
                "NXDOMAIN\n")
    else:
        text = ("** Address not found **\n\nYour message wasn't delivered to "
                f"{addr} because the address couldn't be found, or is unable to receive "
                "mail.\n\nThe response from the remote server was:\n\n"
                f"{smtp_line(addr, kind.name)}\n")
    subject = "Delivery Status Notification (" + ("Delay" if delayed else "Failure") + ")"
    ds = delivery_status("googlemail.com", blocks(v, "std"), extra=[
        ("Received-From-MTA", "dns; " + ME), ("Arrival-Date", v.date())])
    return report(daemon_top(v, "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
                             subject, host, [("X-Failed-Recipients", addr),
                                             ("Auto-Submitted", "auto-replied"),
                                             ("References", v.msgid), ("In-Reply-To", v.msgid)]),
                  [b64_text_part(text), status_part(ds), rfc822_part(v)],
                  boundary=f"000000000000{v.n:04d}a5cf0d9f")


def gmail_legacy(v: Variant) -> str:
    """Gmail before 2015: text only, 'Delivery to the following recipient failed
    permanently:', 'Technical details of permanent failure:', '----- Original message -----'."""
    addr, kind = v.rcpts[0]
    soft = not kind.hard
    text = ("This is an automatically generated Delivery Status Notification\n\n"
            + ("Delivery to the following recipient has been delayed:\n\n" if soft else
               "Delivery to the following recipient failed permanently:\n\n")
            + f"     {addr}\n\nTechnical details of "
            + ("temporary" if soft else "permanent") + " failure:\n"
            f"Google tried to deliver your message, but it was rejected by the server for the "
            f"recipient domain {dom(addr)} by mx.{dom(addr)}. [198.51.100.9].\n\n"
            f"The error that the other server returned was:\n{smtp_line(addr, kind.name)}\n\n"
            "   ----- Original message -----\n\n" + original_headers(v))
    subject = "Delivery Status Notification (" + ("Delay" if soft else "Failure") + ")"
    return plain(daemon_top(v, "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
                            subject, "mail-qa0-f41.google.com",
                            [("X-Failed-Recipients", addr)]), text)


def yahoo(v: Variant) -> str:
    """Yahoo: 'Failure Notice' from MAILER-DAEMON@yahoo.com, 'Sorry, we were unable to
    deliver your message to the following address.', '--- Below this line is a copy'."""
    text = "Sorry, we were unable to deliver your message to the following address.\n\n"
    for addr, kind in v.rcpts:
        said = {
            "unknown": ("554 delivery error: dd This user doesn't have a yahoo.com account "
                        f"({addr}) [0] - mta1070.mail.bf1.yahoo.com"),
            "disabled": ("554 delivery error: dd Sorry your message to "
                         f"{addr} cannot be delivered. This mailbox is disabled (554.30). "
                         "- mta1021.mail.ne1.yahoo.com"),
            "full": "552 5.2.2 Mailbox size limit exceeded - mta1337.mail.gq1.yahoo.com",
            "full_nox": "552 1 Requested mail action aborted, mailbox is full",
            "expired": "Message expired (delivery could not be completed for 5 days)",
            "policy": "554 5.7.9 Message not accepted for policy reasons.",
        }[kind.name]
        text += f"<{addr}>:\nRemote host said: {said} [RCPT_TO]\n\n"
    text += "--- Below this line is a copy of the message.\n\n" + original_message(v)
    return plain(daemon_top(v, "MAILER-DAEMON@yahoo.com", "Failure Notice",
                            "nm12.bullet.mail.bf1.yahoo.com"), text)


def aol(v: Variant) -> str:
    """AOL's sendmail-based bounces: '(reason: 550 MAILBOX NOT FOUND)' under each address,
    a delivery-status part and the returned message."""
    host = "omr-m02.mx.aol.com"
    text = "The original message was received at " + v.date() + "\n\n"
    text += "   ----- The following addresses had permanent fatal errors -----\n"
    parts = []
    for addr, kind in v.rcpts:
        reason = {"unknown": "550 MAILBOX NOT FOUND", "full": "552 5.2.2 MAILBOX FULL",
                  "full_nox": "552 REQUESTED ACTION ABORTED: MAILBOX FULL",
                  "disabled": "550 MAILBOX DISABLED", "policy": "554 TRANSACTION FAILED"}[kind.name]
        text += f"<{addr}>\n    (reason: {reason})\n"
        action, status = action_status(kind.name, kind.hard)
        parts.append(dsn_block(addr, action, status, reason, remote="mailin-01.mx.aol.com"))
    ds = delivery_status(host, parts)
    return report(daemon_top(v, "Mail Delivery Subsystem <MAILER-DAEMON@aol.com>",
                             "Returned mail: see transcript for details", host),
                  [text_part(text), status_part(ds), rfc822_part(v)],
                  boundary=f"{v.qid()}.{v.n}/{host}")


def _exchange_body(v: Variant, gen: str, code_of) -> str:
    text = "Delivery has failed to these recipients or groups:\n\n"
    for addr, _kind in v.rcpts:
        text += f"{addr}\nThe e-mail address you entered couldn't be found or the mailbox is " \
                "unavailable.\n\n"
    text += f"\n\nDiagnostic information for administrators:\n\nGenerating server: {gen}\n\n"
    for addr, kind in v.rcpts:
        text += f"{addr}\n{code_of(addr, kind)}\n\n"
    return text + "Original message headers:\n\n" + original_headers(v)


def exchange2010(v: Variant) -> str:
    """Exchange 2007/2010: 'Undeliverable: <subject>' from MicrosoftExchange<guid>@,
    'Delivery has failed to these recipients or groups:', '#550 5.1.1 RESOLVER...##'."""
    gen = "EXCH01.corp-client.example"

    def code(addr: str, kind) -> str:
        return {"unknown": "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##",
                "full": "#550 5.2.2 STOREDRV.Deliver: mailbox full ##",
                "full_nox": "#552 5.3.4 The recipient's mailbox is full and can't accept "
                            "messages now ##",
                "expired": "#550 4.4.7 QUEUE.Expired; message expired ##",
                "policy": "#550 5.7.1 RESOLVER.RST.AuthRequired; authentication required ##",
                "disabled": "#550 5.2.1 mailbox disabled ##",
                "nodomain": "#550 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain ##"
                }[kind.name]

    statuses = {"full_nox": "5.3.4"}
    bl = []
    for addr, kind in v.rcpts:
        action, status = action_status(kind.name, kind.hard)
        status = statuses.get(kind.name, status)
        bl.append(dsn_block(addr, action, status, code(addr, kind).strip("# ")
                            .replace(" ##", ""), remote=gen) + "X-Display-Name: "
                  + addr.split("@")[0] + "\n")
    ds = delivery_status(gen, bl)
    top = daemon_top(v, "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@"
                     "corp-client.example>", f"Undeliverable: {v.subject}", gen,
                     [("Thread-Topic", v.subject), ("In-Reply-To", v.msgid),
                      ("X-MS-Exchange-Message-Is-Ndr", "")])
    return report(top, [text_part(_exchange_body(v, gen, code)), status_part(ds),
                        rfc822_part(v)], boundary=f"_000_{v.qid()}EXCH01_")


def office365(v: Variant) -> str:
    """Office 365 (2016+): "Your message to ... couldn't be delivered.", '... wasn't found at
    ...', "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; ...'", HTML and
    a delivery-status part."""
    gen = "AM6PR04MB1234.eurprd04.prod.outlook.com"
    addr, kind = v.rcpts[0]
    local, domain = addr.split("@")
    head = {"unknown": f"{local} wasn't found at {domain}.",
            "full": f"{local}'s mailbox is full.",
            "full_nox": f"{local}'s mailbox is full.",
            "expired": "The message couldn't be delivered in time (it expired).",
            "policy": "Your message wasn't delivered due to a permission or security issue.",
            "disabled": f"{local}'s mailbox is disabled.",
            "nodomain": f"The domain {domain} couldn't be found."}[kind.name]
    returned = {"unknown": "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by "
                           "SMTP address lookup",
                "full": "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException",
                "full_nox": "552 5.3.4 message size exceeds the recipient's storage quota: "
                            "mailbox full",
                "expired": "500 4.4.7 Message delayed; QUEUE.Expired",
                "policy": "550 5.7.1 Delivery not authorized, message refused",
                "disabled": "550 5.2.1 mailbox disabled",
                "nodomain": "550 5.4.310 DNS domain does not exist"}[kind.name]
    text = (f"Your message to {addr} couldn't be delivered.\n\n{head}\n\n"
            f"{local}    Office 365    {domain}\nAction Required\n\n"
            "How to Fix It\n\n\nDiagnostic information for administrators:\n\n"
            f"Generating server: {gen}\n{addr}\nRemote Server returned '{returned}'\n\n"
            "Original message headers:\n\n" + original_headers(v))
    html = "<html><body><p>" + text.replace("\n\n", "</p><p>") + "</p></body></html>"
    action, status = action_status(kind.name, kind.hard)
    status = {"unknown": "5.1.10", "full_nox": "5.3.4",
              "nodomain": "5.4.310"}.get(kind.name, status)
    ds = delivery_status(gen, [dsn_block(addr, action, status, returned, remote=gen)])
    alt = ("Content-Type: multipart/alternative; boundary=\"alt-" + str(v.n) + "\"",
           f"--alt-{v.n}\nContent-Type: text/plain; charset=us-ascii\n\n{text}\n"
           f"--alt-{v.n}\nContent-Type: text/html; charset=us-ascii\n\n{html}\n--alt-{v.n}--")
    top = daemon_top(v, "Microsoft Outlook <postmaster@clientcorp.onmicrosoft.com>",
                     f"Undeliverable: {v.subject}", gen, [("X-MS-Exchange-Message-Is-Ndr", "")])
    return report(top, [alt, status_part(ds), rfc822_part(v, headers_only=True)],
                  boundary=f"_o365_{v.qid()}_")


def outlookcom(v: Variant) -> str:
    """Outlook.com / Hotmail: the Exchange layout from postmaster@outlook.com with its
    '(S2017062302)' style codes."""
    gen = "BAY004-MC1F12.hotmail.com"

    def code(addr: str, kind) -> str:
        return {"unknown": "550 5.5.0 Requested action not taken: mailbox unavailable "
                           "(S2017062302)",
                "full": "552 5.2.2 Requested action aborted: mailbox full (S2017062302)",
                "full_nox": "552 Requested action aborted: exceeded storage allocation",
                "policy": "550 5.7.1 Unfortunately, messages from [203.0.113.5] weren't sent "
                          "(S3140)",
                "expired": "421 4.4.7 Message expired - connection timed out",
                "disabled": "550 5.2.1 mailbox disabled (S2017062302)"}[kind.name]

    bl = []
    for addr, kind in v.rcpts:
        action, status = action_status(kind.name, kind.hard)
        status = "5.5.0" if kind.name == "unknown" else status
        bl.append(dsn_block(addr, action, status, code(addr, kind), remote=gen))
    top = daemon_top(v, "postmaster@outlook.com", f"Undeliverable: {v.subject}", gen)
    return report(top, [text_part(_exchange_body(v, gen, code)),
                        status_part(delivery_status(gen, bl)), rfc822_part(v)],
                  boundary=f"_hotmail_{v.n}_")


def exchange2003(v: Variant) -> str:
    """Exchange 2000/2003: 'Your message did not reach some or all of the intended recipients',
    'The following recipient(s) could not be reached:', '<host #5.1.1 smtp;550 ...>'."""
    gen = "EXCH2K3.legacy-client.example"
    text = (f"Your message did not reach some or all of the intended recipients.\n\n"
            f"      Subject:\t{v.subject}\n      Sent:\t3/3/2026 6:14 AM\n\n"
            "The following recipient(s) could not be reached:\n\n")
    bl = []
    for addr, kind in v.rcpts:
        why = {"unknown": "The e-mail account does not exist at the organization this message "
                          "was sent to.",
               "full": "The recipient's mailbox is full and can't accept messages now.",
               "full_nox": "The recipient's mailbox is full and can't accept messages now.",
               "expired": "Could not deliver the message in the time limit specified.  Please "
                          "retry or contact your administrator.",
               "nodomain": "The destination server for this recipient could not be found in "
                           "Domain Name Service (DNS).",
               "disabled": "The mailbox is disabled.",
               "policy": "You do not have permission to send to this recipient."}[kind.name]
        action, status = action_status(kind.name, kind.hard)
        tail = {"expired": f"<{gen} #4.4.7>",
                "nodomain": f"<{gen} #5.4.0>",
                "full_nox": f"<{gen} #5.0.0 smtp;552 mailbox full>"}.get(
            kind.name, f"<{gen} #{status} smtp;{smtp_line(addr, kind.name)}>")
        text += f"      {addr} on 3/3/2026 6:14 AM\n            {why}\n            {tail}\n\n"
        bl.append(dsn_block(addr, action, status, "" if kind.name == "expired"
                            else smtp_line(addr, kind.name)))
    top = daemon_top(v, f"System Administrator <postmaster@{gen.split('.', 1)[1]}>",
                     f"Undeliverable: {v.subject}", gen)
    return report(top, [text_part(text), status_part(delivery_status(gen, bl)),
                        rfc822_part(v)], boundary=f"----_=_NextPart_001_{v.qid()}")


def smtpsvc(v: Variant) -> str:
    """IIS / Exchange 2000 SMTP service: 'This is an automatically generated Delivery Status
    Notification.', 'Delivery to the following recipients failed.' (or 'has been delayed')."""
    gen = "smtp.iis-client.example"
    delayed = all(k.name == "temp" for _, k in v.rcpts)
    text = ("This is an automatically generated Delivery Status Notification.\n\n"
            + ("THIS IS A WARNING MESSAGE ONLY.\n\nYOU DO NOT NEED TO RESEND YOUR MESSAGE.\n\n"
               "Delivery to the following recipients has been delayed.\n\n" if delayed else
               "Delivery to the following recipients failed.\n\n"))
    text += "".join(f"       {a}\n" for a, _ in v.rcpts) + "\n"
    subject = "Delivery Status Notification (" + ("Delay" if delayed else "Failure") + ")"
    return report(daemon_top(v, f"postmaster@{gen}", subject, gen),
                  [text_part(text), status_part(delivery_status(gen, blocks(v, "std"))),
                   rfc822_part(v)], boundary=f"9B095B5ADSN={v.qid()}")


def zoho(v: Variant) -> str:
    """Zoho Mail: 'Undelivered Mail Returned to Sender', Exim-like opening, then
    'addr, ERROR CODE :550 - ...' lines."""
    host = "mx.zohomail.com"
    hard = all(k.hard for _, k in v.rcpts)
    text = ("This message was created automatically by mail delivery software.\n"
            "A message that you sent could not be delivered to one or more of its recipients. "
            + ("This is a permanent error. The following address(es) failed:\n\n" if hard else
               "The following address(es) failed:\n\n"))
    for addr, kind in v.rcpts:
        why = {"unknown": "550 - Requested action not taken: mailbox unavailable",
               "full": "552 - 5.2.2 Mailbox quota exceeded",
               "full_nox": "552 - Mailbox size limit exceeded",
               "expired": "421 - Message delivery timed out, given up after 5 days",
               "policy": "554 - 5.7.1 Message rejected as spam",
               "nodomain": "550 - Domain not found"}[kind.name]
        text += f"{addr}, ERROR CODE :{why}\n"
    text += "\nReceived: from " + ME + "\n" + original_headers(v)
    return plain(daemon_top(v, "mailer-daemon@mail.zoho.com",
                            "Undelivered Mail Returned to Sender", host), text)


def yandex(v: Variant) -> str:
    """Yandex: a Postfix report from forward*.mail.yandex.net with a Russian subject
    (RFC 2047) and a Russian line before the English text."""
    intro = ("Это письмо отправлено почтовой системой.\n\n"
             "This is the mail system at host forward100j.mail.yandex.net.")
    return postfix(Variant(v.n, v.rcpts, v.subject, extra={
        "host": "forward100j.mail.yandex.net", "intro": intro, "charset": "utf-8",
        "from": "mailer-daemon@yandex.ru",
        "subject": "=?UTF-8?B?0J3QtdC00L7RgdGC0LDQstC70LXQvdC90L7QtSDRgdC+0L7QsdGJ0LXQvdC40LU=?="}))


def sophos(v: Variant) -> str:
    """Sophos Email Appliance (Postfix inside): Postfix's layout under its own banner."""
    return postfix(Variant(v.n, v.rcpts, v.subject, extra={
        "host": "sea01.sophos-appliance.example",
        "intro": "This is the Sophos Email Appliance at host sea01.sophos-appliance.example.",
        "from": "Sophos Email Appliance <MAILER-DAEMON@sea01.sophos-appliance.example>"}))


def fastmail(v: Variant) -> str:
    """Fastmail / Cyrus behind Postfix: LMTP 'Over quota' answers in Postfix's layout."""
    return postfix(Variant(v.n, v.rcpts, v.subject, extra={
        "host": "mailout.messagingengine.com",
        "from": "MAILER-DAEMON@messagingengine.com (Mail Delivery System)"}))
