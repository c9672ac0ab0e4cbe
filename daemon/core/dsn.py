"""RFC 3464 delivery status notifications: the per-recipient blocks of a
``message/delivery-status`` part, whether a failure is permanent (RFC 3463 status codes, with
the wording as a fallback), and which of our messages bounced.

``bounce`` decides whether a message is a delivery failure at all; it uses this module for the
standard reports and borrows the permanence rules and the original message for the text ones.
Everything here is a pure function of an ``email.message.Message``.
"""

from __future__ import annotations

import binascii
import email.parser
import email.policy
import quopri
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from email.message import Message

from .decoding import MAX_TEXT_BYTES, charset_of, decode_text, payload_bytes
from .message import header, message_id, message_ids, walk
from .model import Bounce

STATUS_RE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
# An address starts where a run of address characters starts, and its parts have a length (RFC
# 5321 §4.5.3.1 allows 64 and 255; twice that leaves room for VERP and SRS addresses): without
# both, each of the n characters of a long run without "@" starts a scan to its end (n² steps).
ADDR_RE = re.compile(r"(?<![A-Za-z0-9._%+'=-])[A-Za-z0-9._%+'=-]{1,128}@"
                     r"[A-Za-z0-9.-]{1,255}\.[A-Za-z]{2,63}")
_QUOTED_ID_RE = re.compile(r"^[ \t>]*Message-ID:[ \t]*(<[^<>\s]+>)",
                           re.IGNORECASE | re.MULTILINE)

# relance's one rule of permanence (``permanent_from``): class 4 (RFC 3463 §3.1) is soft; class
# 5 is hard, except a full mailbox and a queue expiry, which are soft whatever the class. RFC
# 3463 §3.3 defines X.2.2 "mailbox full" as a failure the recipient can fix and asks that it be
# treated as persistent transient, yet servers send it with a 5 (552 5.2.2) or with no X.2.2 at
# all ("552 mailbox is full"); and a queue that gave up after days (X.4.7, "retry timeout
# exceeded", "could not be delivered for 5 days") says nothing against the address. Chasing an
# invoice again in a few days is right for both; an unknown user (X.1.1) will never read it.
_QUOTA_RE = re.compile(
    r"mailbox (is )?full|mailbox full|quota|insufficient storage|storage (space|allocation)|"
    r"mail ?file is full|account is full|out of storage|mailbox size limit|"
    r"space not enough|boîte (aux lettres )?(du destinataire )?(est )?pleine|"
    r"postfach (ist )?voll|speicherplatz|buzón lleno",
    re.IGNORECASE,
)
_EXPIRY_RE = re.compile(
    r"retry timeout exceeded|could not be delivered for \d+ days|undeliverable for \d+ days|"
    r"not delivered within|in the queue too long|message (has )?expired|message delayed|"
    r"queue\.expired|delivery time expired|within the time limit|in the time limit|"
    r"maximum delivery attempts|given up after \d+ days|for 5 days|apr[eè]s \d+ jours|"
    r"nach \d+ tagen|cannot send message for \d+ days",
    re.IGNORECASE,
)
SOFT_RE = re.compile(
    r"delayed|will retry|will be retried|still trying|still being retried|not yet been "
    r"delivered|temporar(y|ily)|try again later|retardé|verzögert|retrasad|"
    + _QUOTA_RE.pattern + "|" + _EXPIRY_RE.pattern,
    re.IGNORECASE,
)
HARD_RE = re.compile(
    r"user unknown|unknown user|does not exist|doesn't exist|no such user|no such recipient|"
    r"address not found|recipient not found|user not found|mailbox not found|mailbox "
    r"unavailable|invalid recipient|recipient address rejected|couldn't be found|wasn't found|"
    r"not found at|not listed|disabled|blocked|rejected|refused|not a valid|"
    r"n'existe pas|destinataire inconnu|adresse introuvable|unbekannt|existiert nicht|"
    r"no existe",
    re.IGNORECASE,
)
_BASIC_RE = re.compile(r"(?:^|[\s#(:'\[])([45])[0-5]\d(?=[ -]\S)", re.MULTILINE)

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
        encoded = header(part, "Content-Transfer-Encoding").lower() in ("base64",
                                                                          "quoted-printable")
        if isinstance(payload, list) and not encoded:
            blocks = [b for b in payload if isinstance(b, Message)]
        elif isinstance(payload, list):
            # Some MTAs base64-encode the part; the parser then reads the encoded text as one
            # block without fields, and the text is ours to decode and parse.
            blocks = _parse_blocks(_decode_blocks(payload, header(
                part, "Content-Transfer-Encoding").lower()))
        else:
            blocks = _parse_blocks(decoded(part))
        yield from blocks[1:] if blocks and not _is_recipient_block(blocks[0]) else blocks


def _decode_blocks(blocks: Sequence[object], encoding: str) -> str:
    """Return the text of a delivery-status part the parser split into blocks although its
    transfer encoding (base64 or quoted-printable) hid the fields."""
    body = "\n".join(b.as_string() for b in blocks if isinstance(b, Message))
    try:
        raw = binascii.a2b_base64(body) if encoding == "base64" else \
            quopri.decodestring(body.encode("ascii", "replace"))
    except (binascii.Error, ValueError):
        return ""
    return raw.decode("utf-8", errors="replace")


def _parse_blocks(text: str) -> list[Message]:
    parser = email.parser.HeaderParser(policy=email.policy.compat32)
    chunks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n"))
    return [parser.parsestr(chunk.lstrip("\n")) for chunk in chunks if chunk.strip()]


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
    none of them failed (a success report). Every failing recipient is named, the hard ones
    first; the bounce is hard when any of them is, and ``transient`` names the soft ones."""
    failing = [r for r in listed if _failing(r)]
    if not failing:
        return None
    hard = [r for r in failing if _recipient_permanent(r)]
    soft = [r for r in failing if r not in hard]
    first = (hard or soft)[0]
    return Bounce(
        permanent=bool(hard),
        recipients=tuple(dict.fromkeys(r.address for r in hard + soft if r.address)),
        original_message_id=original_message_id(msg),
        status=first.status,
        diagnostic=first.diagnostic[:300],
        transient=tuple(dict.fromkeys(r.address for r in soft if r.address)),
    )


def _failing(recipient: ReportRecipient) -> bool:
    """RFC 3464 §2.3.3 names failed, delayed, delivered, relayed and expanded. Some MTAs write
    "expired" for a queue that gave up, and some leave Action out; a 4 or 5 status then says
    it failed."""
    if recipient.action:
        return recipient.action.startswith(("failed", "delayed", "expired"))
    return recipient.status is not None and recipient.status[0] in "45"


def _recipient_permanent(recipient: ReportRecipient) -> bool:
    """``delayed`` means the MTA keeps trying and ``expired`` that its queue gave up: both
    soft. Otherwise relance's rule on the status and the diagnostic (``permanent_from``)."""
    if recipient.action.startswith(("delayed", "expired")):
        return False
    return permanent_from(recipient.status, recipient.diagnostic, default=True)


def permanent_from(status: str | None, text: str, *, default: bool) -> bool:
    """Return whether a failure is permanent by relance's rule (see ``_QUOTA_RE`` above):
    from its enhanced status code (RFC 3463) when it has one, else from a basic SMTP reply
    code in ``text`` (RFC 5321 §4.2.1), else from its wording, else ``default``. A full mailbox
    or a queue expiry is soft whatever the code."""
    if status is None:
        status = first_status(text)
    soft_words = bool(_QUOTA_RE.search(text) or _EXPIRY_RE.search(text))
    if status is not None:
        klass, subject, detail = status.split(".")
        if klass == "4" or (subject, detail) in (("2", "2"), ("4", "7")):
            return False
        if klass == "5":
            return not soft_words
    basic = _BASIC_RE.search(text)
    if basic is not None:
        return basic.group(1) == "5" and not soft_words
    if SOFT_RE.search(text):
        return False
    if HARD_RE.search(text):
        return True
    return default


def first_status(text: str) -> str | None:
    """Return the first enhanced status code (RFC 3463 §2) of class 4 or 5 in ``text``."""
    for found in STATUS_RE.finditer(text):
        if found.group(1) in "45":
            return found.group(0)
    return None


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
    payload = payload_bytes(part)
    if payload is None:
        try:
            raw = part.get_payload()
        except Exception:
            return ""
        return raw[:MAX_TEXT_BYTES] if isinstance(raw, str) else ""
    return decode_text(payload, charset_of(part), lenient=True)


def all_text(msg: Message) -> str:
    """Return every text part including returned copies pasted inline (Exim, qmail)."""
    chunks = []
    for part in walk(msg):
        if not part.is_multipart() and part.get_content_maintype() == "text":
            chunks.append(decoded(part))
    return "\n".join(chunks)
