"""RFC 3464 delivery status notifications: the per-recipient blocks of a
``message/delivery-status`` part, whether a failure is permanent (RFC 3463 status codes, with
the wording as a fallback), and which of our messages bounced.

``bounce`` decides whether a message is a delivery failure at all; it uses this module for the
standard reports and borrows the permanence rules and the original message for the text ones.
Everything here is a pure function of an ``email.message.Message``.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message

from .message import header, message_id, message_ids, walk
from .model import Bounce

STATUS_RE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
ADDR_RE = re.compile(r"[A-Za-z0-9._%+'=-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_QUOTED_ID_RE = re.compile(r"^[ \t>]*Message-ID:[ \t]*(<[^<>\s]+>)",
                           re.IGNORECASE | re.MULTILINE)

# Words that make a failure temporary. Over-quota is here on purpose: RFC 3463 §3.3 defines
# X.2.2 "mailbox full" as a failure the recipient can fix by deleting mail and says the code
# should be treated as a persistent transient failure, even when a server sends it with a 5
# (552 5.2.2). Chasing an invoice again after a few days is right for a full mailbox, whereas
# an unknown user (X.1.1) will never receive it.
SOFT_RE = re.compile(
    r"delayed|will retry|will be retried|still trying|not yet been delivered|"
    r"mailbox (is )?full|mailbox full|quota exceeded|over quota|exceeded (the |his |her )?"
    r"(storage |mailbox )?quota|insufficient storage|temporar(y|ily)|try again later|"
    r"retardé|boîte (aux lettres )?pleine|quota dépassé|verzögert|postfach (ist )?voll|"
    r"speicherplatz|retrasad|buzón lleno",
    re.IGNORECASE,
)
_QUOTA_RE = re.compile(
    r"mailbox (is )?full|quota|insufficient storage|boîte (aux lettres )?pleine|"
    r"postfach (ist )?voll|speicherplatz|buzón lleno|over ?quota",
    re.IGNORECASE,
)
HARD_RE = re.compile(
    r"user unknown|unknown user|does not exist|doesn't exist|no such user|no such recipient|"
    r"address not found|recipient not found|mailbox unavailable|invalid recipient|"
    r"recipient address rejected|couldn't be found|wasn't found|not found at|"
    r"n'existe pas|destinataire inconnu|adresse introuvable|unbekannt|existiert nicht|"
    r"no existe",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------------------------
# RFC 3464 delivery status notifications


@dataclass(frozen=True)
class ReportRecipient:
    """One per-recipient block of a report (RFC 3464 §2.3): who, what the MTA did, and why."""

    address: str  # Original-Recipient when given, else Final-Recipient; lower-cased
    action: str
    status: str | None
    diagnostic: str


def _status_blocks(msg: Message) -> Iterator[Message]:
    """Yield the per-recipient blocks of every delivery-status part (RFC 3464 §2.1: the first
    block is per-message, the following ones per-recipient)."""
    for part in walk(msg):
        if part.get_content_type() not in ("message/delivery-status",
                                           "message/global-delivery-status"):
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            blocks = [b for b in payload if isinstance(b, Message)]
        else:
            # Some MTAs base64-encode the part; it is then a string to parse ourselves.
            blocks = _parse_blocks(decoded(part))
        yield from blocks[1:] if blocks and not _is_recipient_block(blocks[0]) else blocks


def _parse_blocks(text: str) -> list[Message]:
    parser = email.parser.HeaderParser(policy=email.policy.compat32)
    chunks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n"))
    return [parser.parsestr(chunk) for chunk in chunks if chunk.strip()]


def _is_recipient_block(block: Message) -> bool:
    return bool(block.get("Final-Recipient") or block.get("Action"))


def _address_field(value: str) -> str:
    """Return the address of an ``address-type; address`` field (RFC 3464 §2.3.1–2.3.2)."""
    found = ADDR_RE.search(value.split(";", 1)[-1])
    return found.group(0).lower() if found else ""


def report_recipients(msg: Message) -> list[ReportRecipient]:
    """Return the recipients a delivery status report lists, in order; empty when the message
    has no delivery-status part."""
    found = []
    for block in _status_blocks(msg):
        original = _address_field(header(block, "Original-Recipient"))
        final = _address_field(header(block, "Final-Recipient"))
        status = STATUS_RE.search(header(block, "Status"))
        found.append(ReportRecipient(
            address=original or final,
            action=header(block, "Action").lower(),
            status=status.group(0) if status else None,
            diagnostic=header(block, "Diagnostic-Code").split(";", 1)[-1].strip(),
        ))
    return found


def dsn_bounce(msg: Message, listed: list[ReportRecipient]) -> Bounce | None:
    """Return the ``Bounce`` a report with the recipients ``listed`` describes, or None when
    none of them ``failed`` or is ``delayed`` (a success report)."""
    failing = [r for r in listed if r.action.startswith(("failed", "delayed"))]
    if not failing:
        return None
    permanent = all(_recipient_permanent(r) for r in failing)
    # With mixed outcomes the hard failures are the ones that matter to the invoice.
    shown = [r for r in failing if _recipient_permanent(r) == permanent]
    first = shown[0]
    return Bounce(
        permanent=permanent,
        recipients=tuple(dict.fromkeys(r.address for r in shown if r.address)),
        original_message_id=original_message_id(msg),
        status=first.status,
        diagnostic=first.diagnostic[:300],
    )


def _recipient_permanent(recipient: ReportRecipient) -> bool:
    """RFC 3464 §2.3.3: ``delayed`` means the MTA keeps trying; RFC 3463 §3.1: class 4 is
    transient, class 5 permanent — except X.2.2 (mailbox full), see ``SOFT_RE``."""
    if recipient.action.startswith("delayed"):
        return False
    return permanent_from(recipient.status, recipient.diagnostic, default=True)


def permanent_from(status: str | None, text: str, *, default: bool) -> bool:
    """Return whether a failure is permanent: from its enhanced status code (RFC 3463) when it
    has one, else from the wording of ``text``, else ``default``."""
    if status is not None:
        klass, subject, detail = status.split(".")
        if klass == "4" or (subject, detail) == ("2", "2"):
            return False
        if klass == "5":
            # A 5 is final unless the server is only saying the mailbox is full (552 5.2.0).
            return not _QUOTA_RE.search(text)
    if SOFT_RE.search(text):
        return False
    if HARD_RE.search(text):
        return True
    return default


# ---------------------------------------------------------------------------------------------
# The original message


def original_message_id(msg: Message) -> str | None:
    """Return the Message-ID of the message that bounced, with angle brackets, or None.

    Looked for, in order: the returned message (``message/rfc822``, RFC 3464 §2), its returned
    headers (``text/rfc822-headers``, RFC 6522 §4), a ``Message-ID:`` line in the text (Exim
    and qmail paste the original inline), then the bounce's own ``In-Reply-To`` and
    ``References``, which some MTAs (Exchange among them) set to the original."""
    for part in walk(msg):
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message) and message_id(inner):
                return message_id(inner)
        elif ctype in ("text/rfc822-headers", "text/global-headers"):
            headers = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(
                decoded(part).lstrip())
            if message_id(headers):
                return message_id(headers)
    quoted = _QUOTED_ID_RE.search(all_text(msg))
    if quoted:
        return quoted.group(1)
    replied = message_ids(header(msg, "In-Reply-To")) or message_ids(header(msg, "References"))
    return replied[-1] if replied else None


# ---------------------------------------------------------------------------------------------
# Reading parts


def decoded(part: Message) -> str:
    """Return a part's text, whatever its transfer encoding and (possibly unknown) charset."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    try:
        return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    except LookupError:
        return payload.decode("utf-8", errors="replace")


def all_text(msg: Message) -> str:
    """Return every text part including returned copies pasted inline (Exim, qmail)."""
    chunks = []
    for part in walk(msg):
        if not part.is_multipart() and part.get_content_maintype() == "text":
            chunks.append(decoded(part))
    return "\n".join(chunks)
