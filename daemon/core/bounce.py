"""Is a received message a delivery failure, and if so: hard or soft, who failed, and which of
our messages bounced?

Two families are read. Standard delivery status notifications (RFC 3464): a
``multipart/report; report-type=delivery-status`` whose ``message/delivery-status`` part holds
one block per recipient with ``Action``, ``Status`` and ``Final-Recipient``, followed by the
returned message (``message/rfc822``) or only its headers (``text/rfc822-headers``). And the
non-standard text bounces still common in the wild (Gmail's ``X-Failed-Recipients``, Exim,
Postfix without a report part, qmail, Exchange/Outlook text NDRs, and their French and German
translations); for those, flufl.bounce finds the failed recipients where it can.

Everything here is a pure function of an ``email.message.Message``.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message

from .message import addresses, header, message_id, message_ids, sender, walk
from .model import Bounce


@dataclass(frozen=True)
class NoBounce:
    """The named answer of ``detect_bounce`` for a message that is not a delivery failure."""

    reason: str = "not a delivery failure report"


NO_BOUNCE = NoBounce()

_STATUS_RE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_ADDR_RE = re.compile(r"[A-Za-z0-9._%+'=-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_QUOTED_ID_RE = re.compile(r"^[ \t>]*Message-ID:[ \t]*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)

# Senders that only machines use: RFC 5321 §4.5.5 asks bounces to go out with a null reverse
# path, and MTAs sign them with one of these local parts.
_DAEMON_RE = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|bounce[s]?|"
                        r"mdaemon|microsoftexchange[0-9a-f]*)@", re.IGNORECASE)
_DAEMON_NAME_RE = re.compile(r"mail delivery (system|subsystem)|mailer-daemon|postmaster",
                             re.IGNORECASE)

# Subjects MTAs give their bounces. Anchored at the start: a person forwarding a bounce writes
# "Fwd: Undeliverable: ..." and that is a human message, not a bounce.
_SUBJECT_RE = re.compile(
    r"^\s*(undelivered mail returned to sender|undeliverable|undelivered mail|"
    r"mail delivery failed|delivery status notification|returned mail|failure notice|"
    r"delivery failure|message not delivered|undeliverable mail|"
    r"warning: could not send message|delayed mail|delivery delayed|"
    r"non remis|non distribuable|échec de la remise|unzustellbar|nicht zustellbar|"
    r"unzustellbare nachricht|no se puede entregar|nedistribuit|nelivrabil)",
    re.IGNORECASE,
)

# Sentences MTAs write at the top of their bounces, by software.
_BODY_MARKERS = (
    # Postfix
    r"this is the mail system at host",
    r"i'm sorry to have to inform you that your message could not",
    # Exim
    r"this message was created automatically by mail delivery software",
    r"a message that you sent could not be delivered to one or more of its",
    # qmail
    r"this is the qmail-send program",
    r"i'm afraid i wasn't able to deliver your message",
    # Exchange / Outlook / Microsoft 365, English, French, German
    r"delivery has failed to these recipients or groups",
    r"your message (couldn't|could not|wasn't|was not) (be )?delivered",
    r"la remise a échoué pour ces destinataires ou groupes",
    r"votre message n'a pas pu être remis",
    r"die zustellung an folgende empfänger oder gruppen ist fehlgeschlagen",
    r"ihre nachricht konnte nicht .{0,40}zugestellt werden",
    # Gmail
    r"address not found",
    r"your message wasn't delivered to",
    r"delivery to the following recipient(s)? (failed|has been delayed)",
)
_BODY_RE = re.compile("|".join(_BODY_MARKERS), re.IGNORECASE)

# Words that make a failure temporary. Over-quota is here on purpose: RFC 3463 §3.3 defines
# X.2.2 "mailbox full" as a failure the recipient can fix by deleting mail and says the code
# should be treated as a persistent transient failure, even when a server sends it with a 5
# (552 5.2.2). Chasing an invoice again after a few days is right for a full mailbox, whereas
# an unknown user (X.1.1) will never receive it.
_SOFT_RE = re.compile(
    r"delayed|will retry|will be retried|still trying|not yet been delivered|"
    r"mailbox (is )?full|mailbox full|quota exceeded|over quota|exceeded (the |his |her )?"
    r"(storage |mailbox )?quota|insufficient storage|temporar(y|ily)|try again later|"
    r"retardé|boîte (aux lettres )?pleine|quota dépassé|verzögert|postfach (ist )?voll|"
    r"speicherplatz|retrasad|buzón lleno",
    re.IGNORECASE,
)
_QUOTA_RE = re.compile(
    r"mailbox (is )?full|quota|insufficient storage|boîte (aux lettres )?pleine|postfach (ist )?voll|"
    r"speicherplatz|buzón lleno|over ?quota",
    re.IGNORECASE,
)
_HARD_RE = re.compile(
    r"user unknown|unknown user|does not exist|doesn't exist|no such user|no such recipient|"
    r"address not found|recipient not found|mailbox unavailable|invalid recipient|"
    r"recipient address rejected|couldn't be found|wasn't found|not found at|"
    r"n'existe pas|destinataire inconnu|adresse introuvable|unbekannt|existiert nicht|"
    r"no existe",
    re.IGNORECASE,
)

_RETURNED_MARKERS = re.compile(
    r"^-+ ?(this is a copy of the message|below this line is a copy of the message|"
    r"original message follows|the header of the original message is following)",
    re.IGNORECASE | re.MULTILINE,
)


def detect_bounce(msg: Message) -> Bounce | NoBounce:
    """Return the ``Bounce`` a message reports, or ``NO_BOUNCE``.

    A standard report (RFC 3464 §2) is believed when it lists at least one recipient whose
    ``Action`` is ``failed`` or ``delayed``; a report of successful delivery is no bounce. A
    message without a report part is a bounce when it carries ``X-Failed-Recipients``, or when
    a mail daemon sent it with a bounce subject or wording."""
    listed = _recipients(msg)
    if listed:
        # A machine-readable report is believed over any wording: "relayed" or "delivered"
        # for everyone (RFC 3464 §2.3.3) is a success report, whatever its text says.
        return _dsn_bounce(msg, listed) or NO_BOUNCE
    if not _looks_like_text_bounce(msg):
        return NO_BOUNCE
    return _text_bounce(msg)


def from_mail_daemon(address: str) -> bool:
    """Return whether an address is one MTAs sign their bounces with (MAILER-DAEMON@...)."""
    return bool(_DAEMON_RE.match(address))


def bounce_subject(subject: str) -> bool:
    """Return whether a subject is one MTAs give their bounces."""
    return bool(_SUBJECT_RE.search(subject))


def is_report(msg: Message) -> bool:
    """Return whether a message is a ``multipart/report`` of any kind (RFC 6522): delivery
    status, read receipt (RFC 8098) or feedback. Such a message is never a human reply."""
    return msg.get_content_type() == "multipart/report"


# ---------------------------------------------------------------------------------------------
# RFC 3464 delivery status notifications


@dataclass(frozen=True)
class _Recipient:
    address: str
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
            blocks = _parse_blocks(_decoded(part))
        yield from blocks[1:] if blocks and not _is_recipient_block(blocks[0]) else blocks


def _parse_blocks(text: str) -> list[Message]:
    parser = email.parser.HeaderParser(policy=email.policy.compat32)
    return [parser.parsestr(chunk) for chunk in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n"))
            if chunk.strip()]


def _is_recipient_block(block: Message) -> bool:
    return bool(block.get("Final-Recipient") or block.get("Action"))


def _address_field(value: str) -> str:
    """Return the address of an ``address-type; address`` field (RFC 3464 §2.3.1–2.3.2)."""
    found = _ADDR_RE.search(value.split(";", 1)[-1])
    return found.group(0).lower() if found else ""


def _recipients(msg: Message) -> list[_Recipient]:
    found = []
    for block in _status_blocks(msg):
        original = _address_field(header(block, "Original-Recipient"))
        final = _address_field(header(block, "Final-Recipient"))
        status = _STATUS_RE.search(header(block, "Status"))
        found.append(_Recipient(
            address=original or final,
            action=header(block, "Action").lower(),
            status=status.group(0) if status else None,
            diagnostic=header(block, "Diagnostic-Code").split(";", 1)[-1].strip(),
        ))
    return found


def _dsn_bounce(msg: Message, listed: list[_Recipient]) -> Bounce | None:
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


def _recipient_permanent(recipient: _Recipient) -> bool:
    """RFC 3464 §2.3.3: ``delayed`` means the MTA keeps trying; RFC 3463 §3.1: class 4 is
    transient, class 5 permanent — except X.2.2 (mailbox full), see ``_SOFT_RE``."""
    if recipient.action.startswith("delayed"):
        return False
    return _permanent_from(recipient.status, recipient.diagnostic, default=True)


def _permanent_from(status: str | None, text: str, *, default: bool) -> bool:
    if status is not None:
        klass, subject, detail = status.split(".")
        if klass == "4" or (subject, detail) == ("2", "2"):
            return False
        if klass == "5":
            # A 5 is final unless the server is only saying the mailbox is full (552 5.2.0).
            return not _QUOTA_RE.search(text)
    if _SOFT_RE.search(text):
        return False
    if _HARD_RE.search(text):
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
                _decoded(part).lstrip())
            if message_id(headers):
                return message_id(headers)
    quoted = _QUOTED_ID_RE.search(_all_text(msg))
    if quoted:
        return quoted.group(1)
    replied = message_ids(header(msg, "In-Reply-To")) or message_ids(header(msg, "References"))
    return replied[-1] if replied else None


# ---------------------------------------------------------------------------------------------
# Non-standard text bounces


def _looks_like_text_bounce(msg: Message) -> bool:
    """Return whether a message without a status part reads as a bounce. Either clue alone is
    too weak (people write "undeliverable"; MTAs send other notices), so two must agree."""
    if header(msg, "X-Failed-Recipients"):
        return True
    subject = bool(_SUBJECT_RE.search(header(msg, "Subject")))
    body = bool(_BODY_RE.search(_report_text(msg)))
    from_daemon = bool(_DAEMON_RE.match(sender(msg)) or _DAEMON_NAME_RE.search(header(msg, "From"))
                       or header(msg, "Return-Path").strip() == "<>")
    return (from_daemon and (subject or body)) or (subject and body)


def _text_bounce(msg: Message) -> Bounce:
    """Return the bounce a text report describes: recipients from X-Failed-Recipients, then
    flufl.bounce, then the addresses the report itself names; hard or soft from the status
    code it quotes, else its wording, else flufl's verdict (permanent unless only temporary)."""
    text = _report_text(msg)
    temporary, permanent_set = _flufl_failures(msg)
    failed = list(addresses(msg, "X-Failed-Recipients"))
    for addr in sorted(permanent_set) + sorted(temporary):
        if addr not in failed:
            failed.append(addr)
    if not failed:
        failed = _addresses_in_report(msg, text)
    status = _STATUS_RE.search(text)
    default = not (temporary and not permanent_set)
    permanent = _permanent_from(status.group(0) if status else None,
                                _header_and_text(msg, text), default=default)
    return Bounce(
        permanent=permanent,
        recipients=tuple(failed),
        original_message_id=original_message_id(msg),
        status=status.group(0) if status else None,
        diagnostic=_diagnostic_line(text, status),
    )


def _flufl_failures(msg: Message) -> tuple[list[str], list[str]]:
    """Return (temporary, permanent) failed addresses found by flufl.bounce's detectors, which
    know dozens of MTA formats; empty when it finds nothing or trips on a malformed message."""
    try:
        from flufl.bounce import all_failures
        temporary, permanent = all_failures(msg)
    except Exception:
        return [], []

    def clean(found: frozenset[bytes]) -> list[str]:
        out = []
        for raw in found:
            addr = raw.decode("ascii", "replace").strip("<> ").lower()
            if _ADDR_RE.fullmatch(addr):
                out.append(addr)
        return out

    return clean(temporary), clean(permanent)


def _addresses_in_report(msg: Message, text: str) -> list[str]:
    """Return the addresses written in the report's own text, before any returned copy,
    leaving out the user (the bounce's To) and the mail daemons."""
    cut = _RETURNED_MARKERS.search(text)
    head = text[: cut.start()] if cut else text
    mine = set(addresses(msg, "To", "From", "Cc"))
    found: list[str] = []
    for match in _ADDR_RE.finditer(head):
        addr = match.group(0).lower().rstrip(".")
        if addr not in mine and not _DAEMON_RE.match(addr) and addr not in found:
            found.append(addr)
    return found


def _diagnostic_line(text: str, status: re.Match[str] | None) -> str:
    if status is not None:
        start = text.rfind("\n", 0, status.start()) + 1
        end = text.find("\n", status.end())
        return " ".join(text[start: end if end != -1 else None].split())[:300]
    match = _SOFT_RE.search(text) or _HARD_RE.search(text) or _BODY_RE.search(text)
    if match is None:
        return ""
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    return " ".join(text[start: end if end != -1 else None].split())[:300]


def _header_and_text(msg: Message, text: str) -> str:
    cut = _RETURNED_MARKERS.search(text)
    return header(msg, "Subject") + "\n" + (text[: cut.start()] if cut else text)


# ---------------------------------------------------------------------------------------------
# Reading parts


def _decoded(part: Message) -> str:
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


def _report_text(msg: Message) -> str:
    """Return the bounce's own text parts (plain, else HTML stripped of tags), leaving out the
    returned message and the machine-readable status blocks."""
    chunks: list[str] = []

    def visit(part: Message) -> None:
        ctype = part.get_content_type()
        if ctype.startswith("message/") or ctype in ("text/rfc822-headers",):
            return
        if part.is_multipart():
            payload = part.get_payload()
            for sub in payload if isinstance(payload, list) else []:
                if isinstance(sub, Message):
                    visit(sub)
        elif ctype in ("text/plain", "text/html") or part.get_content_maintype() == "text":
            text = _decoded(part)
            chunks.append(re.sub(r"<[^>]+>", " ", text) if ctype == "text/html" else text)

    try:
        visit(msg)
    except Exception:
        pass
    return "\n".join(chunks)


def _all_text(msg: Message) -> str:
    """Return every text part including returned copies pasted inline (Exim, qmail)."""
    chunks = []
    for part in walk(msg):
        if not part.is_multipart() and part.get_content_maintype() == "text":
            chunks.append(_decoded(part))
    return "\n".join(chunks)
