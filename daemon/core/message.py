"""Reading e-mail the way real mailboxes hold it: parsing that never raises, headers that never
fail to decode, the readable text of a body, attachments, and the new text of a reply.

Every function takes what a mailbox gives and returns the best it can; malformed input yields an
empty answer, not an exception, because one broken message must never stop a cycle. Every read
is bounded: headers are parsed within ``parsing``'s caps, text parts are decoded up to
``decoding.MAX_TEXT_BYTES`` (HTML up to ``MAX_HTML_BYTES``) whatever charset they declare, and
walking the parts checks the time budget in force (``budget``).
"""

from __future__ import annotations

import email.utils
import html
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from email.message import EmailMessage, Message
from html.parser import HTMLParser

from . import parsing
from .budget import check
from .decoding import (
    MAX_HTML_BYTES,
    MAX_TEXT_BYTES,
    charset_of,
    decode_text,
    filename_of,
    payload_bytes,
)
from .model import Attachment

_ID_RE = re.compile(r"<[^<>\s]+>")


def parse(raw: bytes) -> EmailMessage:
    """Return the message parsed with the modern policy, within the caps of ``parsing``.
    Defects are recorded on the message (``msg.defects``) rather than raised; a message past
    a cap comes back with its headers only (``parsing.unreadable`` says why)."""
    return parsing.parse(raw)


def header(msg: Message, name: str) -> str:
    """Return the decoded value of header ``name``, whitespace collapsed, at most
    ``parsing.MAX_HEADER_CHARS`` long, or "" when it is absent or undecodable.

    Some senders put raw 8-bit bytes or broken RFC 2047 encoded-words in headers; the modern
    policy then raises on access (for messages not parsed by ``parse``), so this falls back to
    the raw value."""
    try:
        value = msg.get(name)
    except Exception:
        value = _raw_value(msg, name)
    if value is None:
        return ""
    return " ".join(str(value)[: parsing.MAX_HEADER_CHARS].split())


def _raw_value(msg: Message, name: str) -> str:
    """The unparsed value of header ``name`` (at most ``parsing.MAX_HEADER_BLOCK_BYTES``
    characters), or ""."""
    try:
        for key, raw in msg.raw_items() if hasattr(msg, "raw_items") else msg.items():
            if key.lower() == name.lower():
                return " ".join(str(raw)[: parsing.MAX_HEADER_BLOCK_BYTES].split())
    except Exception:
        pass
    return ""


def addresses(msg: Message, *names: str) -> tuple[str, ...]:
    """Return the lower-cased addresses of the given headers, in order, without duplicates.

    A header too long to be parsed whole (``parsing.parsed_in_full``) is read from its raw
    value (linear, and every address is kept): whom a message goes to must not be cut short."""
    raw = []
    for name in names:
        value = header(msg, name)
        if not parsing.parsed_in_full(msg, name):
            value = _raw_value(msg, name) or value
        raw.append(value)
    seen: list[str] = []
    for _display, addr in email.utils.getaddresses([r for r in raw if r]):
        addr = addr.strip().lower()
        if "@" in addr and addr not in seen:
            seen.append(addr)
    return tuple(seen)


def display_names(msg: Message, name: str) -> dict[str, str]:
    """Return address → display name for one address header (names may be empty)."""
    return {
        addr.strip().lower(): display.strip()
        for display, addr in email.utils.getaddresses([header(msg, name)])
        if "@" in addr
    }


def sender(msg: Message) -> str:
    """Return the From address, lower-cased, or "" when there is none."""
    found = addresses(msg, "From")
    return found[0] if found else ""


def message_id(msg: Message) -> str:
    """Return the Message-ID with its angle brackets, or "" (RFC 5322 §3.6.4)."""
    found = _ID_RE.findall(header(msg, "Message-ID"))
    return found[0] if found else ""


def message_ids(value: str) -> tuple[str, ...]:
    """Return every msg-id of a References or In-Reply-To value, in order."""
    return tuple(_ID_RE.findall(value or ""))


def references(msg: Message) -> tuple[str, ...]:
    """Return the ids this message answers: its References chain, then In-Reply-To if it is not
    already the last of them (RFC 5322 §3.6.4)."""
    chain = list(message_ids(header(msg, "References")))
    for mid in message_ids(header(msg, "In-Reply-To")):
        if mid not in chain:
            chain.append(mid)
    return tuple(chain)


def sent_at(msg: Message) -> datetime | None:
    """Return the Date header as an aware datetime (naive dates are taken as UTC), or None when
    it is missing or unreadable."""
    value = header(msg, "Date")
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when


def _part_text(part: Message, limit: int = MAX_TEXT_BYTES) -> str:
    """Decode a text part, tolerating wrong, unknown or hostile charsets."""
    check()
    payload = payload_bytes(part)
    if payload is None:
        return ""
    return decode_text(payload, charset_of(part), limit=limit)


def _is_attachment(part: Message) -> bool:
    disposition = str(part.get("Content-Disposition") or "").lower()
    return disposition.startswith("attachment") or bool(filename_of(part))


def walk(msg: Message) -> Iterator[Message]:
    """Yield the parts of a message; a broken MIME tree yields what could be walked. Checks the
    time budget in force (``budget``) at every part."""
    try:
        for part in msg.walk():
            check()
            yield part
    except Exception:
        return


def text_body(msg: Message) -> str:
    """Return the readable text of a message: its first text/plain part that is not an
    attachment, else its first HTML part turned into text, else "" — at most ``MAX_TEXT_BYTES``
    characters."""
    html_text = ""
    for part in walk(msg):
        if part.is_multipart() or _is_attachment(part):
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain":
            text = _part_text(part)
            if text.strip():
                return text
        elif ctype == "text/html" and not html_text:
            html_text = html_to_text(_part_text(part, MAX_HTML_BYTES))[:MAX_TEXT_BYTES]
    return html_text


def body_parts(msg: Message) -> Iterator[tuple[str, str]]:
    """Yield (content type, text) of each text/plain and text/html part that is not an
    attachment, decoded (HTML as markup, up to ``MAX_HTML_BYTES``)."""
    for part in walk(msg):
        if part.is_multipart() or _is_attachment(part):
            continue
        ctype = part.get_content_type()
        if ctype in ("text/plain", "text/html"):
            yield ctype, _part_text(part, MAX_HTML_BYTES if ctype == "text/html" else
                                    MAX_TEXT_BYTES)


def attachments(msg: Message) -> list[tuple[Attachment, bytes]]:
    """Return each attached file with its bytes, in order."""
    found: list[tuple[Attachment, bytes]] = []
    for part in walk(msg):
        if part.is_multipart() or not _is_attachment(part):
            continue
        payload = payload_bytes(part)
        if payload is None:
            continue
        filename = filename_of(part) or "attachment"
        found.append((Attachment(filename, part.get_content_type(), len(payload)), payload))
    return found


def parts_of_type(msg: Message, content_type: str) -> Iterator[Message]:
    """Yield the parts of a given type, attachments included (e.g. message/delivery-status)."""
    for part in walk(msg):
        if part.get_content_type() == content_type:
            yield part


class _TextExtractor(HTMLParser):
    _BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote"}
    _SKIP = {"style", "script", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping = 0
        self._quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag == "blockquote":
            self._quote_depth += 1
        if tag in self._BLOCK or tag in ("td", "th"):
            self.chunks.append("\n" if tag in self._BLOCK else " ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag == "blockquote" and self._quote_depth:
            self._quote_depth -= 1
        if tag in self._BLOCK:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        if self._quote_depth:
            # Quoted history in HTML replies: mark it the way plain text does, so new_text()
            # strips it the same way.
            data = "\n".join("> " + line for line in data.splitlines())
        self.chunks.append(data)


# A "<" that no ">" closes before the next "<". html.parser looks for the end of such a tag to
# the end of the input, again for each one: "<a b" repeated 20,000 times took 2.5 s, 80,000
# times 40 s (Python 3.11). Written as text ("&lt;"), each is read once. The lookahead stops at
# the next "<" or ">", so the scans do not overlap.
_UNCLOSED_TAG = re.compile(r"<(?=[^<>]*+(?:<|\Z))")


def html_to_text(markup: str) -> str:
    """Return the text of an HTML body (its first ``MAX_HTML_BYTES``): blocks become lines,
    styles and scripts are dropped, blockquotes are marked as quoted ("> ")."""
    parser = _TextExtractor()
    try:
        parser.feed(_UNCLOSED_TAG.sub("&lt;", markup[:MAX_HTML_BYTES]))
        parser.close()
    except Exception:
        pass
    text = html.unescape("".join(parser.chunks)).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Lines that open the quoted history in replies, as mail clients write them in the languages we
# read. Gmail: "On Tue, 3 Mar 2026 at 09:12, Ana <ana@x> wrote:", "Il giorno mar 3 mar 2026 alle
# ore 09:12 Ana <ana@x> ha scritto:", "Op di 3 mrt 2026 om 09:12 schreef Ana <ana@x>:", "Em ter.,
# 3 de mar. de 2026 às 09:12, Ana <ana@x> escreveu:"; Apple Mail and Thunderbird "Le 3 mars 2026
# à 09:12, Ana a écrit :"; Outlook a rule of dashes, or a block of headers in the language of
# its interface ("From:/Sent:", "De :/Envoyé :", "Von:/Gesendet:", "Da:/Inviato:",
# "Van:/Verzonden:", "De:/Enviado:", "De la:/Trimis:").
_QUOTE_OPENERS = re.compile(
    r"""^\s*(
        On\s.{0,200}\swrote:\s*$ |
        Le\s.{0,200}\sa\s+écrit\s*:\s*$ |
        În\s.{0,200}\sa\s+scris\s*:\s*$ | Pe\s.{0,200}\sa\s+scris\s*:\s*$ |
        Am\s.{0,200}\sschrieb.{0,80}:\s*$ |
        El\s.{0,200}\sescribió\s*:\s*$ |
        Il\s.{0,200}\sha\s+scritto\s*:\s*$ |
        Op\s.{0,200}\sschreef.{0,80}:\s*$ |
        Em\s.{0,200}\sescreveu\s*:\s*$ |
        -{2,}\s*(Original\s+Message|Message\s+d'origine|Mesaj\s+original
                 |Ursprüngliche\s+Nachricht|Mensaje\s+original|Messaggio\s+originale
                 |Oorspronkelijk\s+bericht|Mensagem\s+original)\s*-{2,} |
        _{10,}\s*$ |
        (From|De|Von|Expéditeur|Da|Van|De\s+la)\s*:\s.+$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# The headers that follow "From:" in such a block, when it is one (a line "De: ..." alone is a
# sentence, not history).
_HEADER_FROM = re.compile(r"^\s*(From|De|Von|Expéditeur|Da|Van|De\s+la)\s*:", re.IGNORECASE)
_HEADER_NEXT = re.compile(  # "[ \t]*", not "\s*": across lines, each "^" would rescan the rest
    r"^[ \t]*(Sent|Envoyé|Trimis|Gesendet|Enviado|Inviato|Verzonden|Date|Datum|Data|To|À|An|A|Aan"
    r"|Para|Către|Subject|Objet|Betreff|Asunto|Oggetto|Onderwerp|Assunto|Subiect)"
    r"([ \t]+el)?[ \t]*:",
    re.IGNORECASE | re.MULTILINE)


def new_text(body: str) -> str:
    """Return only what the writer of a reply wrote: the text above the quoted history, without
    ``>`` quoted lines and without the signature (after a "-- " line, RFC 3676 §4.3)."""
    kept: list[str] = []
    lines = body.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        if line.rstrip() in ("--", "-- "):
            break
        if _QUOTE_OPENERS.match(line):
            # Outlook's "From:" header block only counts as history when more headers follow.
            if _HEADER_FROM.match(line):
                following = "\n".join(lines[index + 1 : index + 4])
                if not _HEADER_NEXT.search(following):
                    kept.append(line)
                    continue
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()
