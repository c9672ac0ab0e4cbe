"""Is a received message a delivery failure, and if so: hard or soft, who failed, and which of
our messages bounced?

Two families are read. Standard delivery status notifications (RFC 3464): a
``multipart/report; report-type=delivery-status`` whose ``message/delivery-status`` part holds
one block per recipient with ``Action``, ``Status`` and ``Final-Recipient``, followed by the
returned message (``message/rfc822``) or only its headers (``text/rfc822-headers``). And the
non-standard text bounces still common in the wild (Gmail's ``X-Failed-Recipients``, Exim,
Postfix without a report part, qmail, Exchange/Outlook text NDRs, and their French and German
translations); for those, flufl.bounce finds the failed recipients where it can. Reading the
standard reports, the permanence rules (RFC 3463) and finding the original message are in
``dsn``.

Everything here is a pure function of an ``email.message.Message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from .dsn import (
    ADDR_RE,
    HARD_RE,
    SOFT_RE,
    STATUS_RE,
    decoded,
    dsn_bounce,
    original_message_id,
    permanent_from,
    report_recipients,
)
from .message import addresses, header, sender
from .model import Bounce


@dataclass(frozen=True)
class NoBounce:
    """The named answer of ``detect_bounce`` for a message that is not a delivery failure."""

    reason: str = "not a delivery failure report"


NO_BOUNCE = NoBounce()

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

# Lines after which a text bounce pastes the returned message.
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
    listed = report_recipients(msg)
    if listed:
        # A machine-readable report is believed over any wording: "relayed" or "delivered"
        # for everyone (RFC 3464 §2.3.3) is a success report, whatever its text says.
        return dsn_bounce(msg, listed) or NO_BOUNCE
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
# Non-standard text bounces


def _looks_like_text_bounce(msg: Message) -> bool:
    """Return whether a message without a status part reads as a bounce. Either clue alone is
    too weak (people write "undeliverable"; MTAs send other notices), so two must agree."""
    if header(msg, "X-Failed-Recipients"):
        return True
    subject = bool(_SUBJECT_RE.search(header(msg, "Subject")))
    body = bool(_BODY_RE.search(_report_text(msg)))
    from_daemon = bool(_DAEMON_RE.match(sender(msg))
                       or _DAEMON_NAME_RE.search(header(msg, "From"))
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
    status = STATUS_RE.search(text)
    default = not (temporary and not permanent_set)
    permanent = permanent_from(status.group(0) if status else None,
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
            if ADDR_RE.fullmatch(addr):
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
    for match in ADDR_RE.finditer(head):
        addr = match.group(0).lower().rstrip(".")
        if addr not in mine and not _DAEMON_RE.match(addr) and addr not in found:
            found.append(addr)
    return found


def _diagnostic_line(text: str, status: re.Match[str] | None) -> str:
    if status is not None:
        start = text.rfind("\n", 0, status.start()) + 1
        end = text.find("\n", status.end())
        return " ".join(text[start: end if end != -1 else None].split())[:300]
    match = SOFT_RE.search(text) or HARD_RE.search(text) or _BODY_RE.search(text)
    if match is None:
        return ""
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    return " ".join(text[start: end if end != -1 else None].split())[:300]


def _header_and_text(msg: Message, text: str) -> str:
    cut = _RETURNED_MARKERS.search(text)
    return header(msg, "Subject") + "\n" + (text[: cut.start()] if cut else text)


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
            text = decoded(part)
            chunks.append(re.sub(r"<[^>]+>", " ", text) if ctype == "text/html" else text)

    try:
        visit(msg)
    except Exception:
        pass
    return "\n".join(chunks)
