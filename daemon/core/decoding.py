"""The content of a part as text, whatever it declares: the transfer encoding undone, the
declared charset used when it is one, and never an exception — a charset that is unknown, that
has a NUL in its name, or that is a Python codec but no charset of mail ("punycode") made
``message._part_text`` raise, and a message in Sent that declared one stopped every cycle.

Decoding is capped too: what is decoded of one part is ``MAX_TEXT_BYTES`` (``MAX_HTML_BYTES`` of
HTML markup), cut where a character starts.
"""

from __future__ import annotations

import codecs
from email.message import Message

# What is read of one text part. What a reply, an out-of-office or a bounce says is at its top;
# an invoice fits in a few kilobytes, a billing tool's HTML in under a hundred. The readers'
# patterns are large alternations, each search some 0.13 s per megabyte, and a reply's text is
# searched some twenty times; html.parser reads about 2 MB a second. With these caps the most
# hostile part reads in about a tenth of a second.
MAX_TEXT_BYTES = 64 * 1024
MAX_HTML_BYTES = 256 * 1024  # markup; its text is cut to MAX_TEXT_BYTES characters

# Python codecs that are no charset of mail (IANA registers none of them): transforms of text
# ("idna"; "punycode", RFC 3492, is for domain labels, raises on most text and decodes in
# quadratic time), escape codecs, and one that always raises. A part declaring one of them is
# read as if it declared no charset.
_NOT_CHARSETS = frozenset({"idna", "punycode", "raw-unicode-escape", "unicode-escape",
                           "undefined"})


def payload_bytes(part: Message) -> bytes | None:
    """Return a part's content with its transfer encoding undone, or None when it has none
    or it cannot be decoded."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        return None
    return payload if isinstance(payload, bytes) else None


def charset_of(part: Message) -> str | None:
    """Return the charset a part declares, lower-cased, or None (also when the declaration
    itself is broken: RFC 2231 charsets with a NUL in them make the standard library raise)."""
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _codec(charset: str | None) -> str | None:
    """Return the Python codec for a declared charset, or None when it names none, or a codec
    that is no charset of mail (``_NOT_CHARSETS``)."""
    if not charset or len(charset) > 64:
        return None
    try:
        name = codecs.lookup(charset).name
    except Exception:  # LookupError, and ValueError for a name with a NUL in it
        return None
    return None if name in _NOT_CHARSETS else name


def _decode(payload: bytes, codec: str, errors: str, limit: int) -> str:
    """Decode at most ``limit`` bytes; a cut never splits a character."""
    if len(payload) <= limit:
        return payload.decode(codec, errors)
    decoder = codecs.getincrementaldecoder(codec)(errors)
    return str(decoder.decode(payload[:limit], final=False))


def decode_text(payload: bytes, charset: str | None, *, lenient: bool = False,
                limit: int = MAX_TEXT_BYTES) -> str:
    """Return the text of the first ``limit`` bytes of a part's content in its declared
    charset; never raises.

    Strict by default: the declared charset, else UTF-8, else Windows-1252 (what undeclared
    8-bit mail mostly is), else UTF-8 with replacement characters. ``lenient`` decodes in the
    declared charset (or UTF-8) with replacement characters straight away. A charset that is
    unknown, broken or no charset of mail (``_NOT_CHARSETS``) counts as none declared."""
    codec = _codec(charset)
    if lenient:
        candidates: tuple[str, ...] = ()
    else:
        candidates = (codec, "utf-8", "cp1252") if codec else ("utf-8", "cp1252")
    for candidate in candidates:
        try:
            return _decode(payload, candidate, "strict", limit)
        except Exception:  # UnicodeError, and ValueError or others from exotic codecs
            continue
    try:
        return _decode(payload, codec or "utf-8", "replace", limit)
    except Exception:
        return _decode(payload, "utf-8", "replace", limit)


def filename_of(part: Message) -> str | None:
    """Return a part's file name, or None (also when its RFC 2231 encoding is broken)."""
    try:
        return part.get_filename()
    except Exception:
        return None
