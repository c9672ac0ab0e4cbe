"""Is a received message a delivery failure, and if so: which recipients failed, each hard
or soft, and which of our messages bounced?

Three families are read, in this order. Standard delivery status notifications (RFC 3464,
``dsn``): a ``multipart/report`` whose ``message/delivery-status`` part holds one block per
recipient. Amazon SES events mailed by SNS (``bounce_ses``). And the prose bounces still common
in the wild (``bounce_text``), for which flufl.bounce's detectors find the failed recipients
where they can and the report's own words where they cannot.

Hard or soft follows one rule everywhere (``dsn.permanent_from``): 5.x.x is hard except a full
mailbox (X.2.2 or its wording) and a queue expiry; 4.x.x is soft. A report naming hard and soft
recipients is hard, names them all, and lists the soft ones in ``Bounce.transient``.

Everything here is a pure function of an ``email.message.Message``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import Message

from .bounce_ses import ses_bounce, ses_event
from .bounce_text import (
    DAEMON_RE,
    SUBJECT_RE,
    head_of,
    looks_like_text_bounce,
    mail_system_clue,
    named_addresses,
    report_text,
    text_failures,
)
from .dsn import (
    ADDR_RE,
    HARD_RE,
    SOFT_RE,
    ReportRecipient,
    dsn_bounce,
    first_status,
    original_message_id,
    permanent_from,
    report_recipients,
)
from .message import addresses, walk
from .model import Bounce


@dataclass(frozen=True)
class NoBounce:
    """The named answer of ``detect_bounce`` for a message that is not a delivery failure."""

    reason: str = "not a delivery failure report"


NO_BOUNCE = NoBounce()

def detect_bounce(msg: Message) -> Bounce | NoBounce:
    """Return the ``Bounce`` a message reports, or ``NO_BOUNCE``.

    A standard report (RFC 3464 §2) is believed when it lists at least one recipient that
    failed (RFC 3464 §2.3.3 ``failed`` or ``delayed``; also ``expired``, or a 4/5 status with
    no Action); a report of successful delivery is no bounce, whatever its text says. An SES
    event is believed for what it says. A message without either is a bounce when
    ``bounce_text.looks_like_text_bounce`` says so, or when flufl.bounce's detectors find a
    failed recipient in a message with one clue of a mail system (``mail_system_clue``)."""
    listed = report_recipients(msg)
    if listed:
        found = dsn_bounce(msg, listed)
        if found is not None or _success_report(listed):
            return found or NO_BOUNCE
    event = ses_event(msg) if "amazon" in msg.get("From", "").lower() or \
        msg.get_content_type() == "text/plain" else None
    if event is not None:
        return ses_bounce(event) or NO_BOUNCE
    text = report_text(msg)
    if looks_like_text_bounce(msg, text):
        return _text_bounce(msg, text, _flufl_failures(msg))
    if not mail_system_clue(msg, text):
        return NO_BOUNCE
    flufl = _flufl_failures(msg)
    return _text_bounce(msg, text, flufl) if flufl[0] or flufl[1] else NO_BOUNCE


def _success_report(listed: list[ReportRecipient]) -> bool:
    """Whether a report says it delivered, relayed or expanded (RFC 3464 §2.3.3). A report
    whose blocks say neither that nor a failure (an empty block, ``Action: error``, as some
    gateways write) is read for its words like a prose bounce."""
    return any(r.action.startswith(("delivered", "relayed", "expanded")) for r in listed)


def from_mail_daemon(address: str) -> bool:
    """Return whether an address is one MTAs sign their bounces with (MAILER-DAEMON@...)."""
    return bool(DAEMON_RE.match(address))


def bounce_subject(subject: str) -> bool:
    """Return whether a subject is one MTAs give their bounces."""
    return bool(SUBJECT_RE.search(subject))


def is_report(msg: Message) -> bool:
    """Return whether a message is a ``multipart/report`` of any kind (RFC 6522): delivery
    status, read receipt (RFC 8098) or feedback. Such a message is never a human reply."""
    return msg.get_content_type() == "multipart/report"


# ---------------------------------------------------------------------------------------------
# Prose bounces


def _text_bounce(msg: Message, text: str, flufl: tuple[list[str], list[str]]) -> Bounce:
    """Return the bounce a prose report describes. The failed recipients come from
    X-Failed-Recipients (Exim, Gmail), else from flufl.bounce, else from the addresses the
    report names; each is hard or soft by the words after it (``bounce_text.text_failures``),
    flufl's verdict deciding where the words say nothing."""
    temporary, permanent_set = flufl
    mine = set(addresses(msg, "To", "From", "Cc"))
    xfailed = [a for a in addresses(msg, "X-Failed-Recipients") if a not in mine]
    found = [a for a in sorted(permanent_set) + sorted(temporary) if a not in mine]
    listed = xfailed or found or named_addresses(msg, text)
    judged = text_failures(msg, text, {a: a not in temporary for a in listed})
    hard = [a for a, permanent in judged if permanent]
    soft = [a for a, permanent in judged if not permanent]
    head = head_of(text)
    status = first_status(head)
    permanent = bool(hard) if judged else permanent_from(
        status, head, default=not (temporary and not permanent_set))
    return Bounce(
        permanent=permanent,
        recipients=tuple(hard + soft),
        original_message_id=original_message_id(msg),
        status=status,
        diagnostic=_diagnostic_line(head, status),
        transient=tuple(soft),
    )


# flufl.bounce logs the traceback of each of its detectors that trips on a malformed message
# (on a message without a From, one always does); for a message relance only reads, that is
# noise in the daemon's log, and the verdict, no failure found, is all that counts.
logging.getLogger("flufl.bounce").setLevel(logging.CRITICAL)

# flufl.bounce's detectors run their patterns over every line of every part, uncapped, and some
# patterns are quadratic in a line's length (LLNL's ",\s*(\S+@[^,]+),"): a 3 MB message took
# 2 s, 50,000 short lines 1.3 s, one 50 KB line of commas 1.8 s. A prose bounce's own words are
# a few kilobytes in lines of at most 998 characters (RFC 5322 §2.1.1), so a message past these
# caps is not given to them (the worst within them reads in about 0.35 s).
MAX_FLUFL_BYTES = 128 * 1024
MAX_FLUFL_LINES = 4_000
MAX_FLUFL_LINE = 1_000


def _small_enough_for_flufl(msg: Message) -> bool:
    size = lines = 0
    for part in walk(msg):
        payload = part.get_payload()
        if not isinstance(payload, str):
            continue
        size += len(payload)
        lines += payload.count("\n")
        if size > MAX_FLUFL_BYTES or lines > MAX_FLUFL_LINES \
                or max(map(len, payload.splitlines()), default=0) > MAX_FLUFL_LINE:
            return False
    return True


def _flufl_failures(msg: Message) -> tuple[list[str], list[str]]:
    """Return (temporary, permanent) failed addresses found by flufl.bounce's detectors, which
    know dozens of MTA formats; empty when it finds nothing, trips on a malformed message, or
    the message is larger than its detectors are given (``MAX_FLUFL_BYTES`` and the others)."""
    if not _small_enough_for_flufl(msg):
        return [], []
    try:
        from flufl.bounce import all_failures
        temporary, permanent = all_failures(msg)
    except Exception:
        return [], []

    def clean(found: frozenset[bytes]) -> list[str]:
        out = []
        for raw in found:
            addr = raw.decode("ascii", "replace").strip("<> ").lower()
            if ADDR_RE.fullmatch(addr) and not DAEMON_RE.match(addr):
                out.append(addr)
        return out

    return clean(temporary), clean(permanent)


def _diagnostic_line(text: str, status: str | None) -> str:
    """Return the report's line that quotes the status code, else the first line that says
    why in words, else its first words."""
    at = text.find(status) if status is not None else -1
    if at == -1:
        match = SOFT_RE.search(text) or HARD_RE.search(text)
        at = match.start() if match else -1
    if at == -1:
        return " ".join(text.split())[:300]
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return " ".join(text[start: end if end != -1 else None].split())[:300]
