"""Real e-mails for the cycle tests: an invoice as a freelancer's mail client sends it, and the
answers a client's side produces (a reply, an out-of-office, a bounce), written into a folder
mailbox the way a mail client would file them."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ME = "claire@atelier-martin.example"
CLIENT = "billing@northwind.test"


def invoice(number: str, amount: str, due: str, sent: datetime, *, to: str = CLIENT,
            cc: str | None = None, subject: str | None = None, sender: str = ME,
            message_id: str | None = None) -> EmailMessage:
    """An English invoice e-mail with the number, total and due date in its body."""
    msg = EmailMessage()
    msg["From"] = f"Claire Martin <{sender}>"
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject or f"Invoice {number} from Atelier Martin"
    msg["Date"] = format_datetime(sent)
    msg["Message-ID"] = message_id or f"<{number.lower()}.{sent:%Y%m%d}@atelier-martin.example>"
    msg.set_content(
        f"Hello,\n\nPlease find attached invoice {number} for the design work of last month.\n\n"
        f"Invoice number: {number}\nInvoice date: {sent:%d/%m/%Y}\nDue date: {due}\n"
        f"Total due: {amount}\n\nPayment by bank transfer to IBAN FR76 3000 4000 0500 0012 3456 "
        "789.\n\nThank you,\nClaire Martin\nAtelier Martin\n")
    return msg


def reply(to: EmailMessage, text: str, when: datetime, *, sender: str = CLIENT,
          name: str = "r1") -> EmailMessage:
    """A human reply in the invoice's thread, with the quoted history below."""
    msg = EmailMessage()
    msg["From"] = f"Tom Avery <{sender}>"
    msg["To"] = ME
    msg["Subject"] = "Re: " + str(to["Subject"])
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{name}.{when:%Y%m%d%H%M}@northwind.test>"
    msg["In-Reply-To"] = str(to["Message-ID"])
    msg["References"] = str(to["Message-ID"])
    quoted = "\n".join("> " + line for line in to.get_content().splitlines())
    msg.set_content(f"{text}\n\nOn {to['Date']}, Claire Martin <{ME}> wrote:\n{quoted}\n")
    return msg


def out_of_office(to: EmailMessage, text: str, when: datetime) -> EmailMessage:
    """An RFC 3834 automatic reply."""
    msg = reply(to, text, when, name="ooo")
    del msg["Subject"]
    msg["Subject"] = "Automatic reply: " + str(to["Subject"])
    msg["Auto-Submitted"] = "auto-replied"
    return msg


def hard_bounce(to: EmailMessage, when: datetime) -> EmailMessage:
    """An RFC 3464 delivery status notification for a 5.1.1 unknown user, as Postfix writes
    it, with the returned message's headers."""
    headers = "".join(f"{k}: {v}\r\n" for k, v in to.items())
    raw = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.atelier-martin.example>\r\n"
        f"To: {ME}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(when)}\r\n"
        f"Message-ID: <bounce.{when:%Y%m%d%H%M}@mx.atelier-martin.example>\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="BND"\r\n\r\n'
        "--BND\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered to one or\r\n"
        f"more recipients.\r\n\r\n<{to['To']}>: host mx.northwind.test said: 550 5.1.1 User "
        "unknown\r\n\r\n"
        "--BND\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.atelier-martin.example\r\n\r\n"
        f"Final-Recipient: rfc822; {to['To']}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        f"--BND\r\nContent-Type: text/rfc822-headers\r\n\r\n{headers}\r\n--BND--\r\n"
    )
    return email.message_from_bytes(raw.encode(), policy=email.policy.default)


def file_into(folder: Path, name: str, message: EmailMessage) -> Path:
    """Put a message into a folder mailbox's folder, as a mail client files it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.eml"
    path.write_bytes(message.as_bytes())
    return path
