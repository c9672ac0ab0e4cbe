"""Parsing raw mail within caps, with each header parsed once.

The standard library's parser is the one relance uses, with two bounds around it, because on
hostile input it is slow or recursive:

- **Header length.** Its structured header parser (``email._header_value_parser``) is
  superlinear: on this machine a 16 KiB ``Content-Type`` takes 80 ms, 64 KiB 0.45 s, and a
  1 MB Subject, re-read by every detector, stalled a cycle for 34 s. So a header value is cut
  to ``MAX_HEADER_CHARS`` (``MAX_MIME_HEADER_CHARS`` for the ``Content-*`` fields, which the
  parser itself reads for every part) *before* it is parsed. RFC 5322 §2.1.1 limits a line to
  998 characters; no mail client writes a field anywhere near these caps (16 KiB is some 400
  addresses or 300 message ids in References).
- **Structure.** Worse, the address parser is quadratic in what it quotes: 16 KiB of ``"`` in a
  Cc took 3 s, 4 KiB 0.22 s. A structured header (addresses, Message-ID; not ``Content-*``,
  which the parser needs) longer than ``MAX_STRUCTURED_CHARS`` is read as unstructured text
  instead: decoded, but not split into addresses — ``message.addresses`` reads those from
  the raw value, in full.
- **Parsed once.** ``ReadingPolicy`` keeps every header it has parsed for the message, so the
  readers' many ``msg.get()`` (and the standard library's own, behind ``get_content_type()``,
  ``get_filename()``, ...) parse each field once instead of some thirty times.
- **Size and shape.** A message over ``MAX_MESSAGE_BYTES``, parts nested deeper than
  ``MAX_DEPTH`` (the parser recurses once per level: 1,000 levels raise ``RecursionError``),
  more than ``MAX_PARTS`` parts, or more than ``MAX_PARSE_WORK`` units of parsing work is not
  parsed beyond its headers. The parser reads a line in about 0.4 µs, then checks it against
  the boundary of every part open around it, 0.11 µs each: a megabyte of empty lines 49 parts
  deep took 5.6 s, three megabytes of them 1.2 s. A line costs ``_LINE_WORK`` units and each
  check one (about 0.1 s per million units); the largest message Gmail delivers (35 MB,
  470,000 lines, a few parts deep) costs some 3.5 million.

``parse`` never raises. What it could not parse fully is recorded on the message as an
``Unparsed`` defect (the standard library's own way to say "malformed, read what you can"), and
a header cut to its cap is remembered by the message's policy; ``unreadable(msg)`` turns either
into the ``Unreadable`` the entry points of ``reading`` return.
"""

from __future__ import annotations

import email.errors
import email.feedparser
import email.headerregistry
import email.parser
import re
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from typing import TYPE_CHECKING

from .budget import check
from .model import Unreadable

MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # Gmail delivers up to 25 MB of attachments (~34 MB raw)
MAX_HEADER_CHARS = 16_384
MAX_MIME_HEADER_CHARS = 2_048
MAX_STRUCTURED_CHARS = 2_048  # about 50 addresses; the worst of them parses in 0.07 s
MAX_DEPTH = 50  # real mail nests a few levels; forwards of forwards a dozen
MAX_PARTS = 2_000
MAX_PARSE_WORK = 8_000_000  # about 0.9 s at the worst
_LINE_WORK = 4
MAX_HEADER_BLOCK_BYTES = 1024 * 1024  # what is read of a message that is not parsed in full
_FEED_CHUNK = 64 * 1024  # the budget and the work are checked between chunks fed to the parser

# How ``classify`` and ``extract_invoice``, which never raise, begin the reason of an ``Other``
# or ``NotAnInvoice`` for a message they could not read; ``reading`` makes those ``Unreadable``.
UNREADABLE = "unreadable: "

# As the standard library unfolds a value (email.policy.linesep_splitter).
_LINESEP = re.compile(r"\n|\r")
_BLANK_LINE = re.compile(rb"\n\r?\n")  # the end of a header block


class Unparsed(email.errors.MessageDefect):
    """The message was parsed no further than its headers; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def cap_for(name: str) -> int:
    """Return how many characters of header ``name`` are parsed."""
    return MAX_MIME_HEADER_CHARS if name.lower().startswith("content-") else MAX_HEADER_CHARS


if TYPE_CHECKING:  # generic in typeshed only
    _Policy = EmailPolicy[EmailMessage]
    _Parser = email.feedparser.BytesFeedParser[EmailMessage]
else:
    _Policy = EmailPolicy
    _Parser = email.feedparser.BytesFeedParser


class ReadingPolicy(_Policy):
    """``email.policy.default`` with header values capped before parsing, each header parsed
    at most once per message, and a header that cannot be parsed read without its encoded
    words instead of raising. One instance per parsed message: its parts share it."""

    parsed: dict[tuple[str, str], str]  # (name, raw value) -> the parsed header
    truncated: dict[str, int]  # name -> length, of the headers cut to their cap
    flattened: set[str]  # lower-cased names of the headers read unstructured

    def __init__(self) -> None:
        super().__init__()
        object.__setattr__(self, "parsed", {})
        object.__setattr__(self, "truncated", {})
        object.__setattr__(self, "flattened", set())

    def header_fetch_parse(self, name: str, value: str) -> str:
        if hasattr(value, "name"):
            return value  # set by code, already a header object
        key = (name, value)
        found = self.parsed.get(key)
        if found is None:
            check()
            found = self.parsed[key] = self._parse_header(name, value)
        return found

    def _parse_header(self, name: str, value: str) -> str:
        flat = "".join(_LINESEP.split(value))
        cap = cap_for(name)
        if len(flat) > cap:
            self.truncated.setdefault(name, len(flat))
            flat = flat[:cap]
        factory = self.header_factory
        if len(flat) > MAX_STRUCTURED_CHARS:
            self.flattened.add(name.lower())
            factory = _Unstructured
        for attempt in (flat, defused(flat)):
            try:
                parsed: str = factory(name, attempt)  # a str subclass
                return parsed
            except Exception:
                # Some charsets named in encoded words or RFC 2231 parameters make the parser
                # raise instead of recording a defect ("punycode", a name with a NUL in it).
                continue
        return defused(flat)


class _Unstructured(email.headerregistry.UnstructuredHeader, email.headerregistry.BaseHeader):
    """A header read as unstructured text (RFC 5322 §3.2.5), whatever its name: how the header
    registry builds its own classes, from the kind and ``BaseHeader``."""


def defused(value: str) -> str:
    """Return a header value with nothing a decoder could trip on: no encoded words (RFC 2047
    ``=?``), no RFC 2231 extended parameters (``*=``), no NUL or other control characters."""
    cleaned = value.replace("=?", "= ?").replace("*=", "=")
    return "".join(ch if ch >= " " or ch == "\t" else " " for ch in cleaned)


class _Refused(Exception):
    """The message is past a cap; the parse stops here."""


class _BoundedParser(_Parser):
    """The standard feed parser, stopped past ``MAX_DEPTH`` nested or ``MAX_PARTS`` parts."""

    def __init__(self, policy: ReadingPolicy) -> None:
        super().__init__(EmailMessage, policy=policy)
        self.parts = 0
        self.work = 0

    def feed_chunk(self, chunk: bytes) -> None:
        """Feed one chunk, counting its lines against the parts open at its start (an
        estimate: at most one chunk's lines times ``MAX_DEPTH`` short)."""
        check()
        # The stack of boundary matchers of the parts open (not in typeshed, hence getattr).
        open_parts = len(getattr(getattr(self, "_input"), "_eofstack"))  # noqa: B009
        self.work += (chunk.count(b"\n") + 1) * (_LINE_WORK + open_parts)
        if self.work > MAX_PARSE_WORK:
            raise _Refused("it has too many lines, for the parts nested around them, to parse "
                           "in the time of one message")
        self.feed(chunk)

    def _new_message(self) -> None:
        # FeedParser._new_message (CPython Lib/email/feedparser.py) opens every part and nested
        # message; its _msgstack holds the parts open around it, root first.
        # Neither is in typeshed, hence getattr.
        if len(getattr(self, "_msgstack")) >= MAX_DEPTH:  # noqa: B009
            raise _Refused(f"its MIME parts are nested deeper than {MAX_DEPTH} levels")
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise _Refused(f"it has more than {MAX_PARTS:,} MIME parts")
        getattr(super(), "_new_message")()  # noqa: B009


def parse(raw: bytes) -> EmailMessage:
    """Return the message parsed with the modern policy within the caps of the module
    docstring. Never raises (but for ``budget.OverBudget`` under a spent budget): malformed
    parts are recorded as defects (``msg.defects``), and a message past a cap comes back with
    its headers only and an ``Unparsed`` defect."""
    if len(raw) > MAX_MESSAGE_BYTES:
        return _headers_only(raw, f"it is {len(raw):,} bytes long, over the "
                                  f"{MAX_MESSAGE_BYTES:,} relance reads")
    parser = _BoundedParser(ReadingPolicy())
    try:
        for start in range(0, len(raw), _FEED_CHUNK):
            parser.feed_chunk(raw[start:start + _FEED_CHUNK])
        return parser.close()
    except _Refused as refused:
        reason = str(refused)
    except RecursionError:
        reason = "its MIME structure is too deep to parse"
    except Exception as exc:
        reason = f"the parser raised {type(exc).__name__}: {exc}"[:200]
    return _headers_only(raw, reason)


def _headers_only(raw: bytes, reason: str) -> EmailMessage:
    """The header block of ``raw`` (at most ``MAX_HEADER_BLOCK_BYTES``), parsed alone, with an
    ``Unparsed(reason)`` defect."""
    head = raw[:MAX_HEADER_BLOCK_BYTES]
    end = _BLANK_LINE.search(head)
    policy = ReadingPolicy()
    try:
        msg = email.parser.BytesHeaderParser(EmailMessage, policy=policy).parsebytes(
            head[: end.start() + 1] if end else head)
    except Exception:
        msg = EmailMessage(policy=policy)
    msg.set_payload("")
    msg.defects.append(Unparsed(reason))
    return msg


def parsed_in_full(msg: Message, name: str) -> bool:
    """Return whether header ``name`` of ``msg`` was parsed whole and with its structure: not
    cut to its cap, not read as unstructured text for its length."""
    policy = getattr(msg, "policy", None)
    truncated: dict[str, int] = getattr(policy, "truncated", {})
    flattened: set[str] = getattr(policy, "flattened", set())
    return name.lower() not in flattened and all(k.lower() != name.lower() for k in truncated)


def unreadable(msg: Message) -> Unreadable | None:
    """Return why ``msg`` cannot be read in full — not parsed past its headers, or a header
    relance read was longer than its cap — or None when it can."""
    for defect in getattr(msg, "defects", ()):
        if isinstance(defect, Unparsed):
            return Unreadable(defect.reason)
    truncated: dict[str, int] = getattr(getattr(msg, "policy", None), "truncated", {})
    for name, length in truncated.items():
        return Unreadable(f"its {name} header is {length:,} characters long, over the "
                          f"{cap_for(name):,} relance reads")
    return None
