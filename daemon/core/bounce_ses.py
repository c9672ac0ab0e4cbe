"""Amazon SES bounce events delivered by e-mail through Amazon SNS: the event's JSON as the
body ("email" protocol) or inside the SNS envelope's ``Message`` string ("email-json").

SES says per recipient what happened (``bouncedRecipients``: address, action, status,
diagnosticCode) and, for the whole event, ``bounceType`` Permanent, Transient or Undetermined.
A ``Complaint`` or ``Delivery`` event is no bounce. Pure functions of an
``email.message.Message``.
"""

from __future__ import annotations

import json
from email.message import Message
from typing import Any

from .dsn import ADDR_RE, decoded, permanent_from
from .message import walk
from .model import Bounce


def ses_event(msg: Message) -> dict[str, Any] | None:
    """Return the SES event a message carries, or None. Only the first JSON object of a text
    part is read, and only when it has a ``notificationType`` (or an SNS envelope with one)."""
    for part in walk(msg):
        if part.get_content_maintype() != "text" or part.is_multipart():
            continue
        text = decoded(part)
        start = text.find("{")
        if start == -1 or "notificationType" not in text[:200_000]:
            continue
        try:
            found, _ = json.JSONDecoder().raw_decode(text[start:])
        except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
            continue
        if isinstance(found, dict) and isinstance(found.get("Message"), str):
            try:
                found = json.loads(found["Message"])
            except (ValueError, RecursionError):
                continue
        if isinstance(found, dict) and "notificationType" in found:
            return found
    return None


def ses_bounce(event: dict[str, Any]) -> Bounce | None:
    """Return the ``Bounce`` an SES event reports, or None when it is no bounce event.
    Each recipient is judged by relance's rule on its status and diagnostic; SES's
    ``bounceType`` decides only where those say nothing."""
    if event.get("notificationType") != "Bounce" or not isinstance(event.get("bounce"), dict):
        return None
    bounce = event["bounce"]
    default = bounce.get("bounceType") != "Transient"
    hard: list[str] = []
    soft: list[str] = []
    first_status = None
    for rcpt in bounce.get("bouncedRecipients") or []:
        if not isinstance(rcpt, dict):
            continue
        addr = str(rcpt.get("emailAddress", "")).strip().lower()
        if not ADDR_RE.fullmatch(addr):
            continue
        status = rcpt.get("status") if isinstance(rcpt.get("status"), str) else None
        words = str(rcpt.get("diagnosticCode", "")) + " " + str(bounce.get("bounceSubType", ""))
        words = words.replace("MailboxFull", "mailbox full")
        first_status = first_status or status
        (hard if permanent_from(status, words, default=default) else soft).append(addr)
    mail = event.get("mail")
    common = mail.get("commonHeaders") if isinstance(mail, dict) else None
    mid = common.get("messageId") if isinstance(common, dict) else None
    return Bounce(permanent=bool(hard), recipients=tuple(dict.fromkeys(hard + soft)),
                  original_message_id=mid if isinstance(mid, str) and mid.startswith("<")
                  else None, status=first_status, diagnostic=str(bounce.get("bounceSubType")),
                  transient=tuple(dict.fromkeys(soft)))
