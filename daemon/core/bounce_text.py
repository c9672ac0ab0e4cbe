"""Bounces written as prose, without a machine-readable status part: Exim, qmail, Yahoo, old
Postfix, Exchange and Office 365 text NDRs, Domino, GroupWise, MDaemon, James, Japanese
carriers, list managers and virus scanners, in English, French, German and Spanish.

``looks_like_text_bounce`` decides whether such a message is a delivery failure at all;
``text_failures`` reads, per failed recipient, whether its failure is hard or soft from the
words and codes that follow its address. Recipients are always addresses: never the user (the
bounce's To), never the mail daemon, never a Message-ID. Pure functions of an
``email.message.Message``.
"""

from __future__ import annotations

import re
from email.message import Message

from .dsn import ADDR_RE, decoded, original_message_id, permanent_from
from .message import addresses, header, message_ids, sender

# Senders that only machines use: RFC 5321 §4.5.5 asks bounces to go out with a null reverse
# path, and MTAs sign them with one of these local parts.
DAEMON_RE = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|bounces?|"
                       r"mdaemon|microsoftexchange[0-9a-f]*)([+@])", re.IGNORECASE)
_DAEMON_NAME_RE = re.compile(r"mail delivery (system|subsystem)|mailer[- ]daemon|postmaster|"
                             r"mail system|content-filter|spam firewall|virus scanner|"
                             r"courier mail server|communigate", re.IGNORECASE)

# Subjects MTAs give their bounces. Anchored at the start: a person forwarding a bounce writes
# "Fwd: Undeliverable: ..." and that is a human message, not a bounce. Possessive blanks: with
# "^\s*(\**\s*)?" each split of a run of blanks was tried (n² steps on 16 KB of spaces).
SUBJECT_RE = re.compile(
    r"^\s*+(\**+\s*+)?(undelivered mail returned to sender|undeliverable|undelivered mail|"
    r"mail delivery failed|delivery status notification|returned mail|failure notice|"
    r"delivery failure|message not delivered|mail delivery failure|mail system error|"
    r"warning: could not send message|warning: message .{0,40} delayed|delayed mail|"
    r"delivery delayed|warning: message delivery delayed|permanent delivery failure|"
    r"message status - undeliverable|notice: mail delivery status|mail failure|"
    r"message you sent blocked|delivery report|(mail )?could not be delivered|non-delivery|"
    r"non remis|message non remis|non distribuable|échec de la remise|unzustellbar|"
    r"nicht zustellbar|unzustellbare nachricht|no se puede entregar|nedistribuit|nelivrabil)",
    re.IGNORECASE,
)

# Sentences MTAs write at the top of their bounces, by software.
_BODY_MARKERS = (
    r"this is the mail system at host", r"this is the \S+ program at",
    r"i'm sorry to have to (inform|tell) you that your message",
    r"this message was created automatically by mail delivery software",
    r"could not be delivered to one or more of its", r"this is the qmail-send program",
    r"i'm afraid i wasn't able to deliver your message", r"this is the mailer-daemon",
    r"delivery has failed to these recipients or groups",
    r"your message (couldn't|could not|wasn't|was not|did not) (be )?(delivered|reach)",
    r"(could|can) ?not be delivered", r"was not delivered to", r"has not been delivered",
    r"delivery to the following recipients? (failed|has been delayed)",
    r"the following (addresses|recipients?) (had|could not|haven't|did not)",
    r"failed to deliver to", r"unable to deliver", r"address not found",
    r"la remise a échoué pour ces destinataires ou groupes",
    r"votre (message|courrier) n'a pas pu être (remis|transmis)",
    r"die zustellung an folgende empfänger oder gruppen ist fehlgeschlagen",
    r"ihre nachricht konnte nicht .{0,40}zugestellt werden",
    r"over quota", r"error message below", r"mailbox is full",
)
_BODY_RE = re.compile("|".join(_BODY_MARKERS), re.IGNORECASE)
_SMTP_CODE_RE = re.compile(r"(?:^|\s)[45][0-5]\d[ -]|\b[45]\.\d{1,3}\.\d{1,3}\b", re.MULTILINE)

# Lines after which a text bounce pastes the returned message. "[^\S\n]*" is the blanks of one
# line: "^\s*" crossed a run of blank lines again from each of its line starts (n² steps).
_RETURNED_RE = re.compile(
    r"^[^\S\n]*-+ ?(this is a copy of the message|below this line is a copy of the message|"
    r"original message|the header of the original message|header of the source mail|"
    r"copie des en-têtes)|^[^\S\n]*below is a copy of the original message|"
    r"^original message headers|^-{50}\s*$|^[^\S\n]*-+ ?original message headers",
    re.IGNORECASE | re.MULTILINE,
)
_CODE_PAIR_RE = re.compile(r"\b[45][0-5]\d[ -][45]\.\d{1,3}\.\d{1,3}\b")
_LABELLED_ID_RE = re.compile(r"\bid\b[ \t]*[:=]?[ \t]*<([^<>\s]+)>", re.IGNORECASE)
_MAIL_FROM_RE = re.compile(r"mail from:?\s*<?([^\s<>]+@[^\s<>]+)>?", re.IGNORECASE)


def looks_like_text_bounce(msg: Message, text: str) -> bool:
    """Return whether a message without a status part reads as a bounce. A subject or a
    sentence alone is too weak (people write "undeliverable"), so two clues must agree: a
    mail system's sender with a bounce subject, a bounce sentence, or an SMTP code next to an
    address that is not the user's; or a bounce subject with a bounce sentence."""
    if header(msg, "X-Failed-Recipients"):
        return True
    subject = bool(SUBJECT_RE.search(header(msg, "Subject")))
    body = bool(_BODY_RE.search(text))
    from_daemon = from_mail_system(msg)
    coded = bool(_SMTP_CODE_RE.search(head_of(text))) and bool(named_addresses(msg, text))
    return (from_daemon and (subject or body or coded)) or (subject and body)


# A subject that speaks of a failed delivery anywhere, not only at its start: list managers and
# virus scanners answer "RE: <subject> : non remis (delivery failed)". Forwards are people's.
_FAILURE_SUBJECT_RE = re.compile(
    r"^(?!\s*(fwd?|tr|wg|rv|i)\s*:).*(deliver(y|ed)? (fail|error|problem|warning)|"
    r"undeliver|not (been )?delivered|returned mail|failed mail|mail (failure|error)|"
    r"non remis|user unknown|unknown user|rejected mail|processing error)",
    re.IGNORECASE,
)


def from_mail_system(msg: Message) -> bool:
    """Return whether a message is signed by a mail system: a daemon's address or name in
    From, or a null or daemon Return-Path (RFC 5321 §4.5.5)."""
    return_path = header(msg, "Return-Path").strip().strip("<>")
    return bool(DAEMON_RE.match(sender(msg))
                or _DAEMON_NAME_RE.search(header(msg, "From"))
                or header(msg, "From").strip() == "<>"
                or not return_path and header(msg, "Return-Path")
                or DAEMON_RE.match(return_path + "@"))


def mail_system_clue(msg: Message, text: str) -> bool:
    """Return whether anything says a mail system wrote the message: its sender
    (``from_mail_system``), an SMTP reply code with its enhanced status code in its own words
    ("550 5.1.1"; a bare "500" is as often a sum of money), a subject that speaks of a failed
    delivery, or a sentence MTAs write. One clue is enough to believe flufl.bounce's
    detectors when they find a failed recipient; it is not enough alone."""
    head = head_of(text)
    return bool(from_mail_system(msg) or _CODE_PAIR_RE.search(head)
                or _FAILURE_SUBJECT_RE.search(header(msg, "Subject")) or _BODY_RE.search(head))


def head_of(text: str) -> str:
    """Return the report's own words: the text before any pasted copy of the message."""
    cut = _RETURNED_RE.search(text)
    return text[: cut.start()] if cut else text


def named_addresses(msg: Message, text: str) -> list[str]:
    """Return the addresses the report's own words name, in order: never the user (the
    bounce's To, Cc, the MAIL FROM of a transcript), the report's sender, a mail daemon, or a
    Message-ID quoted in the text."""
    head = head_of(text)
    mine = set(addresses(msg, "To", "From", "Cc", "Delivered-To", "X-Original-To"))
    mine |= {m.group(1).lower().rstrip(".>") for m in _MAIL_FROM_RE.finditer(head)}
    # An address in angle brackets is as often the failed recipient ("550 5.1.1 <a@b>: User
    # unknown") as a Message-ID: only ids the report labels as such, or names elsewhere, count.
    ids = {i.lower() for i in _LABELLED_ID_RE.findall(head)}
    ids |= {i.strip("<>").lower() for i in message_ids(header(msg, "In-Reply-To"))
            + message_ids(header(msg, "References")) + (original_message_id(msg) or "",)}
    found: list[str] = []
    for match in ADDR_RE.finditer(head):
        addr = match.group(0).lower().rstrip(".")
        if (addr in mine or addr in ids or DAEMON_RE.match(addr) or addr in found
                or _inside_id(head, match.start(), match.end())):
            continue
        found.append(addr)
    return found


def _inside_id(text: str, start: int, end: int) -> bool:
    """Whether an address-like string is the inside of a Message-ID (``Message-ID: <x@y>``)."""
    before = text[max(0, start - 20): start].lower()
    return "message-id" in before.replace(" ", "") or "id:" in before[-5:]


def text_failures(msg: Message, text: str,
                  candidates: dict[str, bool]) -> list[tuple[str, bool]]:
    """Return (address, permanent) for each candidate address, judged on the words and codes
    that follow its mentions in the report up to the next candidate's; the candidate's own
    default where they say nothing either way."""
    head = header(msg, "Subject") + "\n" + head_of(text)
    low = head.lower()
    spans: list[tuple[int, str]] = []
    for addr in candidates:
        spans += [(m.start(), addr) for m in re.finditer(re.escape(addr), low)]
    spans.sort()
    segments: dict[str, str] = {a: "" for a in candidates}
    for i, (start, addr) in enumerate(spans):
        end = spans[i + 1][0] if i + 1 < len(spans) else len(head)
        if end - start < 12 and i + 1 < len(spans):
            continue  # a list of addresses: the reason comes after the last one
        segments[addr] += head[start:end] + "\n"
    out = []
    for addr, default in candidates.items():
        overall = permanent_from(None, head, default=default)
        words = segments[addr]
        out.append((addr, permanent_from(None, words, default=overall) if words.strip()
                    else overall))
    return out


def report_text(msg: Message) -> str:
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
        elif part.get_content_maintype() == "text":
            text = decoded(part)
            # "<[^<>]": a "<" that no ">" closes is passed over at the next "<", not rescanned
            # for 2,000 characters (a megabyte of "<" took 2.5 s).
            chunks.append(re.sub(r"<[^<>]{0,2000}>", " ", text) if ctype == "text/html" else text)

    try:
        visit(msg)
    except Exception:
        pass
    return "\n".join(chunks)
