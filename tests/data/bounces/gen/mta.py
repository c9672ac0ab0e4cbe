"""Shapes of the classic MTAs: sendmail, Postfix, Exim, qmail, Courier, OpenSMTPD, MDaemon,
CommuniGate Pro, Apache James, Lotus Domino, GroupWise, Kerio Connect, SmarterMail.

Each function writes one report the way that software lays it out (order of parts, the
sentences it opens with, where it names the recipient and the returned message); the wording is
our own, the facts and shapes follow public samples (flufl.bounce and sisimai test sets,
Mailman's archives, the MTAs' own templates).
"""

from __future__ import annotations

from .common import (
    ME,
    Variant,
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


def dom(addr: str) -> str:
    return addr.split("@", 1)[1]


def smtp_line(addr: str, kind_name: str) -> str:
    """What a remote server typically answers for each kind of failure."""
    return {
        "unknown": f"550 5.1.1 <{addr}>: Recipient address rejected: User unknown",
        "nodomain": f"550 5.1.2 <{addr}>: Host or domain name not found",
        "disabled": f"550 5.2.1 <{addr}>: This mailbox is disabled",
        "policy": "554 5.7.1 Service unavailable; client host [203.0.113.5] blocked",
        "full": f"552 5.2.2 <{addr}>: Mailbox full",
        "full_nox": "552 Requested mail action aborted: exceeded storage allocation",
        "expired": f"connect to mx.{dom(addr)}[198.51.100.9]:25: Connection timed out",
        "temp": "451 4.3.0 Temporary local problem - please try later",
    }[kind_name]


def action_status(kind_name: str, hard: bool) -> tuple[str, str]:
    if kind_name == "temp":
        return "delayed", "4.3.0"
    if kind_name == "expired":
        return "failed", "4.4.7"
    if kind_name == "full_nox":
        return "failed", "5.0.0"
    return "failed", {"unknown": "5.1.1", "nodomain": "5.1.2", "disabled": "5.2.1",
                      "policy": "5.7.1", "full": "5.2.2"}[kind_name]


def blocks(v: Variant, order: str = "std", remote: bool = True) -> list[str]:
    out = []
    for addr, kind in v.rcpts:
        action, status = action_status(kind.name, kind.hard)
        diag = "" if kind.name in ("nodomain", "expired") else smtp_line(addr, kind.name)
        out.append(dsn_block(addr, action, status, diag, order=order,
                             remote=f"mx.{dom(addr)}" if remote and diag else ""))
    return out


def sendmail(v: Variant) -> str:
    """Sendmail 8.x: 'Returned mail: see transcript for details', the session transcript,
    a delivery-status part and the returned message."""
    host = "smtp.relay-sm.example"
    delayed = all(k.name == "temp" for _, k in v.rcpts)
    expired = all(k.name == "expired" for _, k in v.rcpts)
    subject = ("Warning: could not send message for past 4 hours" if delayed else
               "Returned mail: Cannot send message for 5 days" if expired else
               "Returned mail: see transcript for details")
    lines = [f"The original message was received at {v.date()}", "from [10.0.0.7]", ""]
    hard = [a for a, k in v.rcpts if k.hard]
    soft = [a for a, k in v.rcpts if not k.hard]
    if hard:
        lines += ["   ----- The following addresses had permanent fatal errors -----"]
        lines += [f"<{a}>" for a in hard] + [""]
    if soft:
        lines += ["   ----- The following addresses had transient non-fatal errors -----"
                  if delayed else
                  "   ----- The following addresses had permanent fatal errors -----"]
        lines += [f"<{a}>" for a in soft] + [""]
    lines += ["   ----- Transcript of session follows -----"]
    for addr, kind in v.rcpts:
        if kind.name == "expired":
            lines.append(f"{addr}... Deferred: Connection timed out with mx.{dom(addr)}.")
            lines.append("Message could not be delivered for 5 days")
            lines.append("Message will be deleted from queue")
        else:
            lines.append(f"... while talking to mx.{dom(addr)}.:")
            lines.append(f">>> RCPT To:<{addr}>")
            lines.append(f"<<< {smtp_line(addr, kind.name)}")
    order = v.extra.get("order", "std")
    body = "\n".join(lines) + "\n"
    ds = delivery_status(host, blocks(v, order), extra=[("Arrival-Date", v.date())])
    return report(daemon_top(v, f"Mail Delivery Subsystem <MAILER-DAEMON@{host}>", subject,
                             host, [("Auto-Submitted", "auto-generated (failure)")]),
                  [text_part(body), status_part(ds), rfc822_part(v)],
                  boundary=f"{v.qid()}.{v.n}/{host}")


def postfix(v: Variant) -> str:
    """Postfix 2.3+: 'Undelivered Mail Returned to Sender', 'This is the mail system at host
    ...', one '<addr>: host ... said:' paragraph per recipient, X-Postfix fields in the
    delivery-status part and the returned headers."""
    host = v.extra.get("host", "mx1.postfix-relay.example")
    delayed = all(k.name == "temp" for _, k in v.rcpts)
    subject = "Delayed Mail (still being retried)" if delayed else \
        "Undelivered Mail Returned to Sender"
    intro = v.extra.get("intro", f"This is the mail system at host {host}.")
    if delayed:
        text = (f"{intro}\n\n####################################################\n"
                "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
                "####################################################\n\n"
                "Your message could not be delivered for more than 3 hour(s).\n"
                "It will be retried until it is 5 day(s) old.\n\n")
    else:
        text = (f"{intro}\n\nI'm sorry to have to inform you that your message could not\n"
                "be delivered to one or more recipients. It's attached below.\n\n"
                "For further assistance, please send mail to postmaster.\n\n"
                "If you do so, please include this problem report. You can\n"
                "delete your own text from the attached returned message.\n\n"
                "                   The mail system\n\n")
    for addr, kind in v.rcpts:
        if kind.name == "expired":
            text += (f"<{addr}>: {smtp_line(addr, kind.name)}\n"
                     "    (message was undeliverable for 5 days; giving up)\n\n")
        elif kind.name == "nodomain":
            text += (f"<{addr}>: Host or domain name not found. Name service error for\n"
                     f"    name={dom(addr)} type=MX: Host not found\n\n")
        else:
            text += (f"<{addr}>: host mx.{dom(addr)}[198.51.100.9] said: "
                     f"{smtp_line(addr, kind.name)} (in reply to RCPT TO command)\n\n")
    ds = delivery_status(host, blocks(v, v.extra.get("order", "std")), extra=[
        ("X-Postfix-Queue-ID", v.qid()), ("X-Postfix-Sender", f"rfc822; {ME}"),
        ("Arrival-Date", v.date())])
    frm = v.extra.get("from", f"MAILER-DAEMON@{host} (Mail Delivery System)")
    charset = v.extra.get("charset", "us-ascii")
    return report(daemon_top(v, frm, v.extra.get("subject", subject), host),
                  [text_part(text, charset), status_part(ds),
                   rfc822_part(v, headers_only=True)],
                  boundary=f"{v.qid()}.{v.n}/{host}")


def exim(v: Variant) -> str:
    """Exim 4: text only, X-Failed-Recipients, 'This message was created automatically by
    mail delivery software', the returned copy after a dashed line."""
    host = v.extra.get("host", "mail.exim-host.example")
    failed = ", ".join(a for a, _ in v.rcpts)
    expired = all(k.name == "expired" for _, k in v.rcpts)
    text = ("This message was created automatically by mail delivery software.\n\n"
            "A message that you sent could not be delivered to one or more of its\n"
            "recipients. This is a permanent error. The following address(es) failed:\n\n")
    for addr, kind in v.rcpts:
        text += f"  {addr}\n"
        if kind.name == "nodomain":
            text += "    Unrouteable address\n"
        elif kind.name == "expired":
            text += "    retry timeout exceeded\n"
        elif kind.name == "full_nox":
            text += (f"    host mx.{dom(addr)} [198.51.100.9]\n"
                     "    SMTP error from remote mail server "
                     f"after RCPT TO:<{addr}>:\n    552 mailbox is full\n")
        else:
            text += (f"    host mx.{dom(addr)} [198.51.100.9]\n"
                     f"    SMTP error from remote mail server after RCPT TO:<{addr}>:\n"
                     f"    {smtp_line(addr, kind.name)}\n")
    text += "\n------ This is a copy of the message, including all the headers. ------\n\n"
    text += original_message(v)
    subject = v.extra.get("subject", "Mail delivery failed: returning message to sender")
    top = daemon_top(v, v.extra.get("from", f"Mail Delivery System <Mailer-Daemon@{host}>"),
                     subject, host, [("X-Failed-Recipients", failed),
                                     ("Auto-Submitted", "auto-replied")])
    del expired
    return plain(top, text, v.extra.get("charset", "us-ascii"))


def exim_warning(v: Variant) -> str:
    """Exim's delay warning: 'Warning: message ... delayed 24 hours' (soft by nature)."""
    host = "mail.exim-host.example"
    text = ("This message was created automatically by mail delivery software.\n"
            "A message that you sent has not yet been delivered to one or more of its\n"
            f"recipients after more than 24 hours on the queue on {host}.\n\n"
            f"The message identifier is:     1w{v.qid()}-000{v.n % 9}\n"
            f"The subject of the message is: {v.subject}\n"
            f"The date of the message is:    {v.date(2)}\n\n"
            "The address to which the message has not yet been delivered is:\n\n")
    for addr, _ in v.rcpts:
        text += f"  {addr}\n    Delay reason: SMTP error from remote mail server after RCPT TO:\n"
        text += f"    <{addr}>: 451 4.7.1 Greylisted, please try again later\n"
    text += ("\nNo action is required on your part. Delivery attempts will continue for\n"
             "some time, and this warning may be repeated at intervals if the message\n"
             "remains undelivered. Eventually the mail delivery software will give up,\n"
             "and when that happens, the message will be returned to you.\n")
    top = daemon_top(v, f"Mail Delivery System <Mailer-Daemon@{host}>",
                     f"Warning: message 1w{v.qid()}-000{v.n % 9} delayed 24 hours", host,
                     [("X-Failed-Recipients", ", ".join(a for a, _ in v.rcpts))])
    return plain(top, text)


def exim_dsn(v: Variant) -> str:
    """Exim 4.9x built with DSN support: the same text, then a delivery-status part and the
    returned headers (text/rfc822-headers)."""
    host = "smtp.exim-dsn.example"
    text = ("This message was created automatically by mail delivery software.\n\n"
            "A message that you sent could not be delivered to one or more of its\n"
            "recipients. This is a permanent error. The following address(es) failed:\n\n")
    for addr, kind in v.rcpts:
        text += f"  {addr}\n    host mx.{dom(addr)} [198.51.100.9]\n"
        text += f"    SMTP error from remote mail server after RCPT TO:<{addr}>:\n"
        text += f"    {smtp_line(addr, kind.name)}\n"
    ds = delivery_status(host, blocks(v, v.extra.get("order", "action_first")))
    return report(daemon_top(v, f"Mail Delivery System <Mailer-Daemon@{host}>",
                             "Mail delivery failed: returning message to sender", host,
                             [("X-Failed-Recipients", ", ".join(a for a, _ in v.rcpts))]),
                  [text_part(text), status_part(ds), rfc822_part(v, headers_only=True)],
                  boundary=f"{1578500000 + v.n}-eximdsn-{v.n * 7919}")


def qmail(v: Variant) -> str:
    """qmail-send: 'failure notice', 'Hi. This is the qmail-send program at ...', one
    '<addr>:' paragraph each, '--- Below this line is a copy of the message.'"""
    host = v.extra.get("host", "mail.qmail-host.example")
    text = (f"Hi. This is the qmail-send program at {host}.\n"
            "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
            "This is a permanent error; I've given up. Sorry it didn't work out.\n\n")
    for addr, kind in v.rcpts:
        text += f"<{addr}>:\n"
        text += {
            "unknown": "Sorry, no mailbox here by that name. (#5.1.1)\n",
            "nodomain": f"Sorry, I couldn't find any host named {dom(addr)}. (#5.1.2)\n",
            "full": "The users mailfolder is over the allowed quota (size). (#5.2.2)\n",
            "full_nox": "Remote host said: 552 sorry, mailbox is full\n",
            "expired": ("I'm not going to try again; this message has been in the queue "
                        "too long.\n"),
            "disabled": "Remote host said: 550 mailbox disabled\nGiving up on 198.51.100.9.\n",
            "policy": ("198.51.100.9 failed after I sent the message.\nRemote host said: 554 "
                       "5.7.1 message content rejected\n"),
        }[kind.name]
        text += "\n"
    text += "--- Below this line is a copy of the message.\n\n" + original_message(v)
    return plain(daemon_top(v, f"MAILER-DAEMON@{host}", "failure notice", host), text)


def courier(v: Variant) -> str:
    """Courier MTA: 'NOTICE: mail delivery status.', an UNDELIVERABLE MAIL banner with the
    SMTP dialogue quoted, a delivery-status part and the returned message."""
    host = "mail.courier-host.example"
    text = (f"This is a delivery status notification from {host},\nrunning the Courier "
            "mail server, version 1.1.\n\nThe original message was received on "
            f"{v.date()}\nfrom [10.0.0.7]\n\n" + "-" * 75 + "\n\n"
            "                           UNDELIVERABLE MAIL\n\n"
            "Your message to the following recipients cannot be delivered:\n\n")
    for addr, kind in v.rcpts:
        text += (f"<{addr}>:\n    mx.{dom(addr)} [198.51.100.9]:\n>>> RCPT TO:<{addr}>\n"
                 f"<<< {smtp_line(addr, kind.name)}\n\n")
    text += "-" * 75 + "\n"
    ds = delivery_status(host, blocks(v, "std"), extra=[("Received-From-MTA", "dns; [10.0.0.7]"),
                                                       ("Arrival-Date", v.date())])
    return report(daemon_top(v, f"Courier mail server at {host} <@>",
                             "NOTICE: mail delivery status.", host),
                  [text_part(text), status_part(ds), rfc822_part(v)],
                  boundary=f"=_courier-{v.n}-{v.qid()}")


def opensmtpd(v: Variant) -> str:
    """OpenSMTPD: 'Delivery status notification: error', 'This is the MAILER-DAEMON, please
    DO NOT REPLY', 'addr: 550 ...' lines, then 'Below is a copy of the original message:'."""
    host = "mx.opensmtpd-host.example"
    delayed = all(k.name == "temp" for _, k in v.rcpts)
    text = ("Hi!\n\nThis is the MAILER-DAEMON, please DO NOT REPLY to this email.\n\n")
    if delayed:
        text += ("A message is delayed for more than 4 hours for the following\n"
                 "list of recipients:\n\n")
    else:
        text += ("An error has occurred while attempting to deliver a message for\n"
                 "the following list of recipients:\n\n")
    for addr, kind in v.rcpts:
        text += f"{addr}: {smtp_line(addr, kind.name)}\n"
    text += "\nBelow is a copy of the original message:\n\n" + original_message(v)
    return plain(daemon_top(v, f"Mailer Daemon <MAILER-DAEMON@{host}>",
                            "Delivery status notification: " + ("delay" if delayed else "error"),
                            host), text)


def mdaemon(v: Variant) -> str:
    """MDaemon: 'Permanent Delivery Failure', the session transcript with the sender's own
    MAIL FROM (never a failed recipient) and the returned message attached."""
    host = "mail.mdaemon-host.example"
    delayed = all(not k.hard for _, k in v.rcpts)
    if delayed:
        subject = "Warning: Message Delivery Delayed"
        text = ("The attached message has not yet been delivered to one or more of the\n"
                "recipients. Delivery will continue to be attempted for a while.\n\n")
    else:
        subject = "Permanent Delivery Failure"
        text = ("The attached message had PERMANENT fatal delivery errors!\n\n"
                "After one or more unsuccessful delivery attempts the attached message has\n"
                "been removed from the mail queue on this server.\n\n"
                "YOUR MESSAGE WAS NOT DELIVERED TO ONE OR MORE RECIPIENTS!\n\n")
    text += "--- Session Transcript ---\n"
    for addr, kind in v.rcpts:
        text += (f" {v.date()}: Attempting SMTP connection to [mx.{dom(addr)}]\n"
                 f" {v.date()}: --> MAIL From:<{ME}> SIZE=2048\n"
                 f" {v.date()}: <-- 250 2.1.0 Ok\n"
                 f" {v.date()}: --> RCPT To:<{addr}>\n"
                 f" {v.date()}: <-- {smtp_line(addr, kind.name)}\n")
    text += "--- End Transcript ---\n"
    return report(daemon_top(v, f"MDaemon@{host}", subject, host,
                             [("X-MDDSN-Message", "Yes"), ("X-MDaemon-Deliver-To", ME)]),
                  [text_part(text), rfc822_part(v)], boundary=f"--mdaemon-{v.n}", kind="mixed")


def communigate(v: Variant) -> str:
    """CommuniGate Pro: 'Undeliverable mail: <subject>', "Failed to deliver to '<addr>'"
    with the module that reports it, the returned message attached."""
    host = "cgp.communigate-host.example"
    text = ""
    for addr, kind in v.rcpts:
        text += f"Failed to deliver to '<{addr}>'\n"
        if kind.name in ("full", "full_nox"):
            text += (f"LOCAL module(account {addr.split('@')[0]}) reports:\n"
                     " account is full (quota exceeded)\n\n")
        else:
            text += (f"SMTP module(domain {dom(addr)}) reports:\n mx.{dom(addr)} says:\n  "
                     f"{smtp_line(addr, kind.name)}\n\n")
    return report(daemon_top(v, f"CommuniGate Pro PIPE <MAILER-DAEMON@{host}>",
                             f"Undeliverable mail: {v.subject}", host),
                  [text_part(text), rfc822_part(v)], boundary=f"_===cgp{v.n}====", kind="mixed")


def james(v: Variant) -> str:
    """Apache James 2.3 (AbstractNotify): 'Error message below:' then 'Message details:'
    with MAIL FROM (the sender, never a failed recipient) and RCPT TO."""
    host = "james.james-host.example"
    kind = v.kind
    text = (f"Hi. This is the James mail server at {host}.\n"
            "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
            "This is a permanent error; I've given up. Sorry it didn't work out.  Below\n"
            "I include the list of recipients and the reason why I was unable to deliver\n"
            "your message.\n\nError message below:\n"
            f"{smtp_line(v.first, kind.name)}\n\nMessage details:\n"
            f"  Subject: {v.subject}\n  Sent date: {v.date()}\n  MAIL FROM: {ME}\n")
    text += "".join(f"  RCPT TO: {a}\n" for a, _ in v.rcpts)
    text += f"  From: {ME_NAME_Q} <{ME}>\n  To: {v.first}\n  Size (in bytes): 2048\n"
    subject = v.extra.get("subject", f"[BOUNCE] {v.subject}")
    return report(daemon_top(v, f"postmaster@{host}", subject, host),
                  [text_part(text), rfc822_part(v)], boundary=f"----=_Part_{v.n}_james",
                  kind="mixed")


ME_NAME_Q = '"Atelier Lumen"'


def domino(v: Variant) -> str:
    """Lotus Domino: 'DELIVERY FAILURE: ...' subject naming the reason, 'was not delivered
    to: ... because: ...', and a delivery-status part in Domino 8."""
    host = "notes.domino-host.example"
    addr, kind = v.rcpts[0]
    user = addr.split("@")[0]
    because = {
        "unknown": f"User {user} ({addr}) not listed in Domino Directory",
        "full": f"Unable to deliver message, {user}'s mail file is full (quota exceeded)",
        "full_nox": f"Recipient's mail file is full ({user})",
        "expired": "Router: Message expired - could not deliver within the time limit",
        "nodomain": f"Unable to locate a route to {dom(addr)}",
        "disabled": f"User {user} ({addr}) mailbox is disabled",
        "policy": "Message rejected by policy",
    }[kind.name]
    text = (f"Your message\n\n  Subject: {v.subject}\n\nwas not delivered to:\n\n  {addr}\n\n"
            f"because:\n\n  {because}\n")
    status = "5.1.1" if kind.name == "unknown" else \
        {"full": "5.2.2", "full_nox": "5.0.0", "expired": "4.4.7", "nodomain": "5.4.4",
         "disabled": "5.2.1", "policy": "5.7.1"}[kind.name]
    ds = delivery_status(host, [dsn_block(addr, "failed", status, "")])
    return report(daemon_top(v, f"Postmaster@{host}", f"DELIVERY FAILURE: {because}", host),
                  [text_part(text), status_part(ds), rfc822_part(v, headers_only=True)],
                  boundary=f"=_dominoBoundary{v.n}")


def groupwise(v: Variant) -> str:
    """Novell GroupWise: 'Message status - undeliverable', 'The message that you sent was not
    delivered to the following:' with the reason in parentheses; no report part."""
    host = "gwia.groupwise-host.example"
    text = "The message that you sent was not delivered to the following:\n"
    for addr, kind in v.rcpts:
        reason = {"unknown": "user not found", "full": "mailbox full (quota exceeded)",
                  "full_nox": "mailbox is full", "expired": "message expired, undeliverable",
                  "nodomain": "host not found", "disabled": "user account disabled",
                  "policy": "rejected by policy"}[kind.name]
        text += f"  {addr} ({reason})\n"
    text += "\nPossible causes are: the address is mistyped, or the mailbox is not active.\n"
    return report(daemon_top(v, f"postmaster@{host}", "Message status - undeliverable", host),
                  [text_part(text), ("Content-Type: message/rfc822", original_message(v))],
                  boundary=f"__GW{v.n}__", kind="mixed")


def kerio(v: Variant) -> str:
    """Kerio Connect: 'Undeliverable: <subject>', 'Your message did not reach some or all of
    the intended recipients', per recipient Error Type / Remote server / Error."""
    host = "mail.kerio-host.example"
    text = (f"Your message did not reach some or all of the intended recipients.\n\n"
            f"   Subject: {v.subject}\n   Sent:    {v.date()}\n\n"
            "The following recipient(s) could not be reached:\n\n")
    for addr, kind in v.rcpts:
        err = ("timeout (message could not be delivered for 5 days)"
               if kind.name == "expired" else smtp_line(addr, kind.name))
        text += (f"   {addr}\n      Error Type: SMTP\n      Remote server (198.51.100.9) "
                 f"issued an error.\n      hop count: 1\n      Error: {err}\n\n")
    return report(daemon_top(v, f"Mail Delivery Subsystem <postmaster@{host}>",
                             f"Undeliverable: {v.subject}", host),
                  [text_part(text), rfc822_part(v)], boundary=f"kerio-{v.n}", kind="mixed")


def smartermail(v: Variant) -> str:
    """SmarterMail: 'Undeliverable Mail', 'Failed Recipient:' and 'Reason: Remote host said:'
    lines, the original headers pasted below."""
    host = "mail.smartermail-host.example"
    text = "Delivery to the following recipients failed.\n\n"
    for addr, kind in v.rcpts:
        text += (f"Failed Recipient: {addr}\nReason: Remote host said: "
                 f"{smtp_line(addr, kind.name)}\n\n")
    text += "   -------- Original message headers --------\n\n" + original_headers(v)
    return plain(daemon_top(v, f"postmaster@{host}", "Undeliverable Mail", host), text)
