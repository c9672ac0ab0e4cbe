"""Shapes of sending services, security gateways, Japanese carriers and odd reports: Amazon
SES (mail and SNS JSON), SendGrid, Mailgun, Mimecast, MessageLabs, Trend Micro, Barracuda,
Postini, amavis, au EZweb, NTT docomo, SoftBank, Mail.ru and GMX (Exim inside), a list
manager's "Re:" notice, a bilingual French/English daemon, Orange, and RFC 3464 reports with
unusual field order. Also the look-alikes that are no bounce.

As in ``mta``: our wording, the layout and facts of public samples.
"""

from __future__ import annotations

import json

from .common import (
    ME,
    ME_NAME,
    Variant,
    daemon_top,
    delivery_status,
    dsn_block,
    headers,
    original_headers,
    original_message,
    plain,
    report,
    rfc822_part,
    status_part,
    text_part,
)
from .mta import action_status, blocks, dom, exim, smtp_line


def ses(v: Variant) -> str:
    """Amazon SES's own bounce mail: 'An error occurred while trying to deliver the mail to
    the following recipients:', a delivery-status part from a*.smtp-out.amazonses.com."""
    host = "a8-31.smtp-out.amazonses.com"
    text = ("An error occurred while trying to deliver the mail to the following recipients:\n"
            + "".join(f"{a}\n" for a, _ in v.rcpts))
    return report(daemon_top(v, "MAILER-DAEMON@amazonses.com",
                             "Delivery Status Notification (Failure)", host,
                             [("X-Original-To", ME)]),
                  [text_part(text), status_part(delivery_status(host, blocks(v), extra=[
                      ("Arrival-Date", v.date())])), rfc822_part(v)],
                  boundary=f"{v.n:08d}-ses")


def _ses_event(v: Variant, kind: str = "Bounce") -> dict:
    addr, k = v.rcpts[0]
    soft = not all(kk.hard for _, kk in v.rcpts)
    mail = {"timestamp": "2026-03-03T05:13:58.000Z", "source": ME,
            "sourceArn": "arn:aws:ses:eu-west-1:123456789012:identity/atelier-lumen.example",
            "messageId": f"0102018e{v.n:04d}-a1b2c3d4-000000",
            "destination": [a for a, _ in v.rcpts], "headersTruncated": False,
            "commonHeaders": {"from": [f"{ME_NAME} <{ME}>"], "to": [a for a, _ in v.rcpts],
                              "messageId": v.msgid, "subject": v.subject}}
    if kind == "Complaint":
        return {"notificationType": "Complaint", "complaint": {
            "complainedRecipients": [{"emailAddress": addr}], "complaintFeedbackType": "abuse",
            "timestamp": "2026-03-04T05:13:58.000Z"}, "mail": mail}
    if kind == "Delivery":
        return {"notificationType": "Delivery", "delivery": {
            "recipients": [a for a, _ in v.rcpts], "smtpResponse": "250 2.0.0 OK",
            "timestamp": "2026-03-03T05:14:01.000Z"}, "mail": mail}
    recips = []
    for a, kk in v.rcpts:
        action, status = action_status(kk.name, kk.hard)
        recips.append({"emailAddress": a, "action": action, "status": status,
                       "diagnosticCode": "smtp; " + smtp_line(a, kk.name)})
    sub = "MailboxFull" if k.name in ("full", "full_nox") else "General"
    return {"notificationType": "Bounce", "bounce": {
        "feedbackId": f"0102018e{v.n:04d}-feedback", "bounceType":
            "Transient" if soft else "Permanent", "bounceSubType": sub,
        "bouncedRecipients": recips, "timestamp": "2026-03-03T05:14:02.000Z",
        "reportingMTA": "dsn; a8-31.smtp-out.amazonses.com"}, "mail": mail}


def ses_sns(v: Variant) -> str:
    """An SNS e-mail subscription to SES notifications: 'AWS Notification Message' from
    no-reply@sns.amazonaws.com, the JSON event as the body, SNS's unsubscribe footer."""
    body = json.dumps(_ses_event(v, v.extra.get("event", "Bounce")))
    body += ("\n\n--\nIf you wish to stop receiving notifications from this topic, please "
             "click or visit the link below to unsubscribe:\nhttps://sns.eu-west-1.amazonaws"
             ".com/unsubscribe.html?SubscriptionArn=arn:aws:sns:eu-west-1:123456789012:ses\n")
    top = [("From", "AWS Notifications <no-reply@sns.amazonaws.com>"), ("To", ME),
           ("Subject", "AWS Notification Message"), ("Date", v.date()),
           ("Message-ID", f"<0100018e-sns-{v.n}@email.amazonses.com>")]
    return plain(top, body)


def ses_sns_json(v: Variant) -> str:
    """The 'email-json' SNS protocol: the SNS envelope, whose Message is the event as a
    JSON string."""
    env = {"Type": "Notification", "MessageId": f"5e1d-{v.n}",
           "TopicArn": "arn:aws:sns:eu-west-1:123456789012:ses-bounces",
           "Message": json.dumps(_ses_event(v, v.extra.get("event", "Bounce"))),
           "Timestamp": "2026-03-03T05:14:03.000Z", "SignatureVersion": "1"}
    top = [("From", "AWS Notifications <no-reply@sns.amazonaws.com>"), ("To", ME),
           ("Subject", "AWS Notification Message"), ("Date", v.date()),
           ("Message-ID", f"<0100018e-snsjson-{v.n}@email.amazonses.com>")]
    return plain(top, json.dumps(env, indent=2))


def sendgrid(v: Variant) -> str:
    """SendGrid: 'This is an automatically generated message from SendGrid.', 'addr: 550 ...'
    and a delivery-status part with its non-standard Arrival-Date."""
    host = "o1.sendgrid.net"
    text = ("This is an automatically generated message from SendGrid.\n\n"
            "I'm sorry to have to tell you that your message was not able to be\n"
            "delivered to one of its intended recipients.\n\n"
            "If you require assistance with this, please contact SendGrid support.\n\n")
    text += "".join(f"{a}: {smtp_line(a, k.name)}\n" for a, k in v.rcpts)
    ds = delivery_status(host, blocks(v), extra=[("Arrival-Date", "2026-03-03 05:13:58 UTC")])
    return report(daemon_top(v, "MAILER-DAEMON <bounces+1234-abcd@sendgrid.net>",
                             "Undelivered Mail Returned to Sender", host),
                  [text_part(text), status_part(ds), rfc822_part(v)],
                  boundary=f"sendgrid-{v.n}")


def mailgun(v: Variant) -> str:
    """Mailgun's bounce notice: X-Mailgun-Sid, 'Delivery to the following recipient failed
    permanently:' and the server's answer."""
    addr, kind = v.rcpts[0]
    perm = kind.hard
    text = ("This is an automatically generated message from Mailgun.\n\n"
            + ("Delivery to the following recipient failed permanently:\n\n" if perm else
               "Delivery to the following recipient has been delayed and will be retried:\n\n")
            + f"    {addr}\n\nTechnical details of " + ("permanent" if perm else "temporary")
            + f" failure:\n{smtp_line(addr, kind.name)}\n\n----- Original message -----\n\n"
            + original_headers(v))
    return plain(daemon_top(v, "Mailgun <mailer-daemon@mailgun.org>",
                            "Delivery Status Notification (" + ("Failure" if perm else "Delay")
                            + ")", "so254-24.mailgun.net",
                            [("X-Mailgun-Sid", f"WyI{v.n:05d}IiwgIm1lIl0=")]), text)


def mimecast(v: Variant) -> str:
    """Mimecast: 'Mail Delivery Failure' with 'Reason: 550 Invalid Recipient - https://
    community.mimecast.com/docs/...' style reasons; a delivery-status part."""
    host = "eu-smtp-1.mimecast.com"
    text = ("This is an automated notification from the Mimecast email security service.\n\n"
            "Your message could not be delivered to the following recipient(s):\n\n")
    for addr, kind in v.rcpts:
        why = {"unknown": "550 Invalid Recipient - https://community.mimecast.com/docs/"
                          "DOC-1369#550",
               "policy": "550 Rejected by header based Anti-Spoofing policy",
               "expired": "Message expired - attempts to deliver were unsuccessful for 5 days",
               "full": "552 5.2.2 Mailbox full", "temp": "451 Open relay not allowed (please "
                                                         "try again later)"}[kind.name]
        text += f"  {addr}\n  Reason: {why}\n\n"
    return report(daemon_top(v, "postmaster@client-mimecast.example", "Mail Delivery Failure",
                             host, [("X-MC-Unique", f"{v.n:04d}-mcu")]),
                  [text_part(text), status_part(delivery_status(host, blocks(v))),
                   rfc822_part(v, headers_only=True)], boundary=f"mimecast-{v.n}")


def messagelabs(v: Variant) -> str:
    """MessageLabs / Symantec.cloud: 'This is an automatically generated message from the
    MessageLabs email security service', 'Delivery to the following recipients failed.'"""
    host = "server-4.tower-21.messagelabs.com"
    text = ("This is an automatically generated message from the MessageLabs email security\n"
            "service.\n\nDelivery to the following recipients failed.\n\n")
    for addr, kind in v.rcpts:
        text += f"       {addr}\n       Reason: {smtp_line(addr, kind.name)}\n\n"
    return report(daemon_top(v, "MAILER-DAEMON@messagelabs.com", "Mail Delivery Failure",
                             host), [text_part(text), status_part(delivery_status(host,
                                     blocks(v))), rfc822_part(v)],
                  boundary=f"_ml_{v.n}")


def trendmicro(v: Variant) -> str:
    """Trend Micro InterScan: '****** Message from InterScan Messaging Security Suite ******',
    'The following mail could not be delivered.', Reason and Recipient lines."""
    host = "imss.trend-gw.example"
    addr, kind = v.rcpts[0]
    reason = {"unknown": "550 5.1.1 User unknown", "expired":
              "Exceeded Maximum Delivery Attempts.  Verify that the recipient address is correct.",
              "full": "552 5.2.2 Mailbox full", "nodomain": "Host not found (DNS lookup failed)",
              "policy": "554 5.7.1 Rejected by content filter"}[kind.name]
    text = ("****** Message from InterScan Messaging Security Suite ******\n\n"
            "The following mail could not be delivered.\n\n"
            f"Recipient: {addr}\nReason:    {reason}\n\n"
            "*****************     End of message     ***************\n")
    return report(daemon_top(v, f"postmaster@{host}", "Undeliverable mail", host),
                  [text_part(text), rfc822_part(v)], boundary="InterScan_MIME_Boundary"
                  + str(v.n), kind="mixed")


def barracuda(v: Variant) -> str:
    """Barracuda Spam Firewall: the block notice '**Message you sent blocked by our bulk
    email filter**', 'Your message to: <addr> was blocked...'."""
    addr, _ = v.rcpts[0]
    text = (f"Your message to: {addr}\nwas blocked by our Spam Firewall. The email you sent "
            "with the following subject has NOT BEEN DELIVERED:\n\n"
            f"Subject: {v.subject}\n\n554 5.7.1 Message blocked by policy (BSF:SPAM)\n")
    return plain(daemon_top(v, "Barracuda Spam Firewall <postmaster@barracuda.client.example>",
                            "**Message you sent blocked by our bulk email filter**",
                            "barracuda.client.example"), text)


def postini(v: Variant) -> str:
    """Postini relays (psmtp.com): an IIS-style 'Delivery to the following recipients failed'
    notice with Reporting-MTA psmtp."""
    host = "exprod5mx123.postini.com"
    text = ("This is an automatically generated Delivery Status Notification.\n\n"
            "Delivery to the following recipients failed.\n\n"
            + "".join(f"       {a}\n" for a, _ in v.rcpts))
    return report(daemon_top(v, "Mail Delivery Subsystem <postmaster@psmtp.com>",
                             "Delivery Status Notification (Failure)", host),
                  [text_part(text), status_part(delivery_status(host, blocks(v))),
                   rfc822_part(v, headers_only=True)], boundary=f"postini-{v.n}")


def amavis(v: Variant) -> str:
    """amavisd-new: a non-delivery notice for blocked content, 'BANNED CONTENTS ALERT', with
    a delivery-status part (Status 5.7.0) and the returned headers."""
    host = "amavis.filter-client.example"
    text = ("This nondelivery report was generated by the program amavisd-new at host\n"
            f"{host}. Our internal reference code for your message is 12345-{v.n}.\n\n"
            "BANNED CONTENTS ALERT\n\nOur content checker found banned name: .exe\n"
            "in an email to you from you.\n\n"
            + "".join(f"  -> {a}\n" for a, _ in v.rcpts))
    bl = [dsn_block(a, "failed", "5.7.0", "554 5.7.0 Reject, id=12345 - BANNED: invoice.exe")
          for a, _ in v.rcpts]
    return report(daemon_top(v, f"Content-filter at {host} <postmaster@{host}>",
                             "Undeliverable mail, BANNED contents", host),
                  [text_part(text), status_part(delivery_status(host, bl)),
                   rfc822_part(v, headers_only=True)], boundary=f"amavis-{v.n}")


def ezweb(v: Variant) -> str:
    """au EZweb: 'Mail System Error - Returned Mail' from postmaster@ezweb.ne.jp, a pseudo-MIME
    layout, the returned message after a line of dashes."""
    addr, kind = v.rcpts[0]
    text = {
        "full": f"The user(s) account is temporarily over quota.\n\n<{addr}>\n",
        "unknown": ("Each of the following recipients was rejected by a remote mail server.\n"
                    f"<{addr}>\n    >>> RCPT TO:<{addr}>\n    <<< 550 <{addr}>... User unknown\n"),
        "expired": (f"Your message was not delivered within 3 days and 0 hours.\nRemote host is "
                    f"not responding.\n<{addr}>\n"),
        "disabled": ("The user(s) account is disabled.\n\n"
                     f"<{addr}>: 550 user disabled\n"),
    }[kind.name]
    text += "\n" + "-" * 50 + "\n" + original_message(v)
    return plain(daemon_top(v, "postmaster@ezweb.ne.jp", "Mail System Error - Returned Mail",
                            "mx.ezweb.ne.jp"), text)


def docomo(v: Variant) -> str:
    """NTT docomo: sendmail's subject, 'The following recipients haven't received this
    message:' and the reason in docomo's words."""
    addr, kind = v.rcpts[0]
    why = {"unknown": "Unknown user", "full": "Mailbox is full (quota exceeded)",
           "policy": "Rejected by the recipient's filter setting (550 5.7.1)"}[kind.name]
    text = ("The following recipients haven't received this message:\n\n"
            f"     {addr}\n     {why}\n\n----- Original message -----\n" + original_headers(v))
    return plain(daemon_top(v, "Mail Delivery Subsystem <MAILER-DAEMON@docomo.ne.jp>",
                            "Returned mail: see transcript for details", "mfsmax.docomo.ne.jp"),
                 text)


def softbank(v: Variant) -> str:
    """SoftBank: Japanese explanation (ISO-2022-JP) above Postfix-like recipient lines."""
    jp = "次の宛先へのメール送信に失敗しました。\n\n"
    for addr, kind in v.rcpts:
        jp += f"<{addr}>: {smtp_line(addr, kind.name)}\n"
    part = ("Content-Type: text/plain; charset=iso-2022-jp\nContent-Transfer-Encoding: 7bit",
            jp.encode("iso-2022-jp").decode("ascii"))
    return report(daemon_top(v, "MAILER-DAEMON@i.softbank.jp",
                             "Undelivered Mail Returned to Sender", "mx.i.softbank.jp"),
                  [part, status_part(delivery_status("mx.i.softbank.jp", blocks(v))),
                   rfc822_part(v, headers_only=True)], boundary=f"softbank-{v.n}")


def mailru(v: Variant) -> str:
    """Mail.ru (Exim inside): Russian subject, Exim's English body."""
    return exim(Variant(v.n, v.rcpts, v.subject, extra={
        "host": "mx.corp.mail.ru", "from": "Mail Delivery System <mailer-daemon@corp.mail.ru>",
        "subject": "=?UTF-8?B?0J3QtSDRg9C00LDQu9C+0YHRjCDQtNC+0YHRgtCw0LLQuNGC0Ywg0YHQvtC+0LE=?="
                   " =?UTF-8?B?0YnQtdC90LjQtQ==?="}))


def gmx(v: Variant) -> str:
    """GMX / WEB.DE (Exim-like): from mailer-daemon@gmx.net."""
    return exim(Variant(v.n, v.rcpts, v.subject, extra={
        "host": "mout.gmx.net", "from": "Mail Delivery System <mailer-daemon@gmx.net>"}))


def listmanager(v: Variant) -> str:
    """A list manager's delivery notice titled 'Re: <subject>' (Lyris-style), naming the
    address and the SMTP answer in prose."""
    addr, kind = v.rcpts[0]
    text = (f"Your message could not be delivered to {addr}.\n\nThe remote server answered:\n"
            f"    {smtp_line(addr, kind.name)}\n\nThis notice was sent by the mail system.\n")
    return plain(daemon_top(v, "ListManager Mail System <postmaster@lists.client.example>",
                            f"Re: {v.subject}", "lists.client.example"), text)


def virusscan(v: Variant) -> str:
    """A virus-scanning gateway's 'Re: <subject>' notice that the mail was not delivered."""
    addr, kind = v.rcpts[0]
    text = ("The message you sent could not be delivered by the scanning gateway.\n\n"
            f"Recipient: <{addr}>\nServer reply: {smtp_line(addr, kind.name)}\n")
    return plain(daemon_top(v, "Virus Scanner <mailer-daemon@scan.client.example>",
                            f"Re: {v.subject}", "scan.client.example"), text)


def bilingual(v: Variant) -> str:
    """A French/English daemon template: 'Mail Delivery Failure Notice', the French paragraph
    then its English translation, the failed recipients, the returned message."""
    host = "mail.fr-en-host.example"
    text = (f"Ce message vous a été envoyé par le serveur de messagerie sur {host}.\n"
            f"(This message was sent to you by the mailer daemon at {host}.)\n\n"
            "Votre courrier n'a pas pu être remis à tous ses destinataires.\n"
            "(Your mail could not be delivered to all recipients.)\n\n")
    text += "".join(f"  {a}: {smtp_line(a, k.name)}\n" for a, k in v.rcpts)
    return report(daemon_top(v, f"MAILER-DAEMON@{host}", "Mail Delivery Failure Notice", host),
                  [text_part(text, "utf-8"), rfc822_part(v)], boundary=f"{v.n}/{host}",
                  kind="mixed")


def orange(v: Variant) -> str:
    """Orange / Wanadoo: French subject 'Message non remis', French text only."""
    addr, kind = v.rcpts[0]
    why = {"unknown": "l'adresse du destinataire n'existe pas (550 5.1.1 user unknown)",
           "full": "la boîte aux lettres du destinataire est pleine (552 5.2.2)",
           "full_nox": "la boîte aux lettres du destinataire est pleine (552 quota dépassé)",
           "expired": "le message n'a pas pu être remis après 5 jours de tentatives"}[kind.name]
    text = (f"Votre message n'a pas pu être remis à {addr} :\n{why}.\n\n"
            "--- Copie des en-têtes du message d'origine ---\n" + original_headers(v))
    return plain(daemon_top(v, "Service de messagerie <postmaster@orange.fr>",
                            "Message non remis", "smtp.orange.fr"), text, "utf-8")


def oddities(v: Variant) -> str:
    """RFC 3464 reports written loosely: fields in another order, no Action, 'Action:
    expired', Original-Recipient different from Final-Recipient, a base64 status part."""
    host = "mta.odd-relay.example"
    how = v.extra["odd"]
    bl = []
    for addr, kind in v.rcpts:
        action, status = action_status(kind.name, kind.hard)
        if how == "expired":
            action = "expired"
        final = addr if how != "alias" else "mbox-" + addr.split("@")[0] + "@store." + dom(addr)
        bl.append(dsn_block(final, action, status, smtp_line(addr, kind.name),
                            order=how if how in ("status_first", "action_last", "no_action")
                            else "std", original=addr if how == "alias" else ""))
    ds = delivery_status(host, bl)
    sp = status_part(ds)
    if how == "base64":
        import base64
        sp = ("Content-Type: message/delivery-status\nContent-Transfer-Encoding: base64",
              base64.encodebytes(ds.encode()).decode())
    text = "Delivery report.\n"
    return report(daemon_top(v, f"MAILER-DAEMON@{host}", "Delivery report", host),
                  [text_part(text), sp, rfc822_part(v, headers_only=True)],
                  boundary=f"odd-{v.n}")


# ---------------------------------------------------------------------------------------------
# Look-alikes: reports and notices that are no bounce


def delivered_dsn(v: Variant) -> str:
    """A success DSN (Action: delivered / relayed), with a recipient list."""
    host = "mx.success-relay.example"
    bl = [dsn_block(a, v.extra.get("action", "delivered"), "2.0.0",
                    "250 2.0.0 Ok: queued", remote=f"mx.{dom(a)}") for a, _ in v.rcpts]
    return report(daemon_top(v, f"MAILER-DAEMON@{host}",
                             "Successful Mail Delivery Report", host),
                  [text_part("Your message was successfully delivered to the destination(s) "
                             "listed below.\n" + "".join(f"<{a}>: delivery via mx: 250 ok\n"
                                                         for a, _ in v.rcpts)),
                   status_part(delivery_status(host, bl)), rfc822_part(v, headers_only=True)],
                  boundary=f"ok-{v.n}")


def read_receipt(v: Variant) -> str:
    """A read receipt (RFC 8098 message/disposition-notification)."""
    addr = v.first
    mdn = headers([("Reporting-UA", "client.example; Thunderbird"),
                   ("Final-Recipient", f"rfc822;{addr}"), ("Original-Message-ID", v.msgid),
                   ("Disposition", "manual-action/MDN-sent-manually; displayed")])
    top = [("From", f"<{addr}>"), ("To", ME), ("Subject", f"Read: {v.subject}"),
           ("Date", v.date()), ("Message-ID", f"<mdn-{v.n}@client.example>")]
    return report(top, [text_part(f"The message sent to {addr} was displayed."),
                        ("Content-Type: message/disposition-notification", mdn)],
                  boundary=f"mdn-{v.n}", report_type="disposition-notification")


def forwarded_by_person(v: Variant) -> str:
    """A colleague forwarding a bounce inline with a question: a person's message."""
    addr = v.first
    top = [("From", f"Paul Client <paul@{dom(addr)}>"), ("To", ME),
           ("Subject", f"Fwd: Undeliverable: {v.subject}"), ("Date", v.date()),
           ("Message-ID", f"<fw-{v.n}@{dom(addr)}>"), ("In-Reply-To", v.msgid)]
    body = ("Hello, our old address no longer works, please use paul@ instead.\n\n"
            "---------- Forwarded message ---------\nFrom: Mail Delivery Subsystem\n"
            f"Delivery has failed to these recipients or groups:\n{addr}\n"
            "550 5.1.1 User unknown\n")
    return plain(top, body)


def postmaster_person(v: Variant) -> str:
    """A person writing from a postmaster mailbox about the invoice, no failure reported."""
    addr = v.first
    top = [("From", f"Postmaster <postmaster@{dom(addr)}>"), ("To", ME),
           ("Subject", f"Re: {v.subject}"), ("Date", v.date()),
           ("Message-ID", f"<pm-{v.n}@{dom(addr)}>"), ("In-Reply-To", v.msgid)]
    return plain(top, "Hello,\n\nI forwarded your invoice to our accounts team, they will pay "
                      "it next week.\n\nBest regards,\nIT desk\n")
