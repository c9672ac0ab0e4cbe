"""A seeded mutation fuzzer over the project's own test messages: the hostile mail a mailbox
can hand relance — truncated, bit-flipped, with broken or missing boundaries, nested a
thousand deep, with megabyte headers and parts, with charsets that are no charsets, and with
the texts that make regular expressions and html.parser backtrack.

Used by tests/core/test_fuzz.py (a few thousand mutants in CI) and bench/bench_reading.py.
Every mutant is a function of (seed, index): a failure names both, and ``mutant(seeds, seed,
index)`` rebuilds it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"



@dataclass(frozen=True)
class Sizes:
    """How large the huge things are: each list has a size past the cap it aims at (16 KiB a
    header, 64 KiB a text part, 256 KiB an HTML one), so that the caps are what is tested."""

    header: tuple[int, ...]  # characters of one header
    header_lines: tuple[int, ...]  # header fields added
    part: tuple[int, ...]  # bytes of one text part
    run: tuple[int, ...]  # bytes of a hostile run spliced into a body


CI = Sizes(header=(5_000, 20_000, 100_000), header_lines=(100, 2_000, 10_000),
           part=(100_000, 300_000), run=(2_000, 20_000, 100_000))
FULL = Sizes(header=(5_000, 20_000, 100_000, 1_000_000), header_lines=(100, 5_000, 50_000),
             part=(100_000, 1_000_000, 3_000_000), run=(2_000, 20_000, 200_000))

Mutation = Callable[[random.Random, bytes, list[bytes], Sizes], bytes]


def corpus() -> list[tuple[str, bytes]]:
    """Every .eml under tests/data, by its path there, in a fixed order."""
    return [(str(p.relative_to(DATA)), p.read_bytes()) for p in sorted(DATA.rglob("*.eml"))]


def _split(raw: bytes) -> tuple[bytes, bytes, bytes]:
    """(header block, separator, body); the separator is b"" when there is no body."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(sep)
        if at >= 0:
            return raw[:at], sep, raw[at + len(sep):]
    return raw, b"", b""


def _eol(raw: bytes) -> bytes:
    return b"\r\n" if b"\r\n" in raw[:2000] else b"\n"


# Texts that are slow for a careless pattern: runs without the character a pattern waits for
# ("@", ">", a newline), runs of what a pattern repeats (spaces, digits, dots, "<a b"), and
# the keywords of relance's own patterns repeated without what must follow them.
HOSTILE_TEXTS = (
    b" ", b"\t ", b"<", b"<a b", b'<a b="', b"<!", b"</", b"&#", b"a", b"a.", b"a-", b"1",
    b"1.", b"1 000 ", b"1,", b"12/", b"5.1.", b"a@", b"@a.", b"=?", b"\r\n", b"\n\n",
    b"\n \n", b"> ", b"-- ", b"--", b"On a ", b"Le a ", b"From: a\n", b"date:\n", b"due ",
    b"invoice ", b"facture n\xc2\xb0 ", b"back on ", b"du 1 au ", b"bis ", b"until ", b"paid ",
    b"wurde ", b"Zahlung ist ", b"(", b"((", b"{", b"[", b"\"", b"\\", b"\xc3", b"\xff",
    b"notificationType", b"Final-Recipient: rfc822; ", b"Status: 5.", b"Action: ",
    # Thousands of dates and of the keywords before them (a reader comparing each keyword with
    # each date, or each date with the others, is quadratic).
    b"12.12. ", b"1 mar ", b"friday ", b"due 12.12.2026 ", b"back on 5 mars ", b"in 10 days ",
    b"Invoice date 1.1.2026 ", b"INV-1 ", b"100,00 EUR ", b"total 1 ",
)
BAD_CHARSETS = (
    b"punycode", b"utf\x00-8", b"utf-8\x00", b"idna", b"unicode-escape", b"raw-unicode-escape",
    b"undefined", b"rot13", b"base64", b"hex", b"zlib", b"utf-7", b"utf-16", b"utf-32",
    b"x" * 300, b"", b"\"", b"us-ascii'en'", b"charmap", b"mbcs", b"cp65001", b"%00",
)
_CHARSET = re.compile(rb'(charset\s*=\s*)("?)([^";\s]*)', re.IGNORECASE)
_BOUNDARY = re.compile(rb'boundary\s*=\s*"?([^";\s]+)', re.IGNORECASE)


def _truncate(rng: random.Random, raw: bytes, _others: list[bytes],
              sizes: Sizes) -> bytes:
    return raw[: rng.randrange(len(raw) + 1)]


def _flip(rng: random.Random, raw: bytes, _others: list[bytes],
          sizes: Sizes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.choice((1, 3, 10, 50))):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def _special_bytes(rng: random.Random, raw: bytes, _others: list[bytes],
                   sizes: Sizes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.choice((1, 5, 20))):
        at = rng.randrange(len(data) + 1)
        data[at:at] = rng.choice((b"\x00", b"\r", b"\n", b"\r\n ", b":", b"=?", b"?=", b"--",
                                  b"\xff\xfe", b";", b"\"", b"\\", b"\x1b", b"\x0c"))
    return bytes(data)


def _boundaries(rng: random.Random, raw: bytes, _others: list[bytes],
                sizes: Sizes) -> bytes:
    found = _BOUNDARY.findall(raw)
    if not found:
        return _special_bytes(rng, raw, _others, sizes)
    boundary = rng.choice(found)
    action = rng.randrange(5)
    if action == 0:  # the parts use another boundary than the header names
        return raw.replace(b"--" + boundary, b"--X" + boundary)
    if action == 1:  # no closing boundary
        return raw.replace(b"--" + boundary + b"--", b"")
    if action == 2:  # the header's boundary lost
        return raw.replace(b"boundary=", b"boundery=", 1)
    if action == 3:  # the boundary line repeated many times
        line = b"--" + boundary + _eol(raw)
        return raw.replace(line, line * rng.choice((10, 1000)), 1)
    return raw.replace(boundary, b"", rng.choice((1, 2)))  # an empty boundary


def _nest(rng: random.Random, raw: bytes, _others: list[bytes],
          sizes: Sizes) -> bytes:
    """The message wrapped into nested multiparts or message/rfc822 parts."""
    head, sep, body = _split(raw)
    eol = _eol(raw)
    depth = rng.choice((10, 49, 51, 200, 1000))
    inner = head + (sep or eol * 2) + body
    opening: list[bytes] = []
    closing: list[bytes] = []
    for level in range(depth):
        if rng.random() < 0.5:
            mark = b"n%d" % level
            opening.append(b"Content-Type: multipart/mixed; boundary=\"" + mark + b"\"" + eol
                           + eol + b"--" + mark + eol)
            closing.insert(0, eol + b"--" + mark + b"--" + eol)
        else:
            opening.append(b"Content-Type: message/rfc822" + eol + eol)
    top = b"From: a@b.example" + eol + b"Subject: nested" + eol + b"MIME-Version: 1.0" + eol
    return top + b"".join(opening) + inner + b"".join(closing)


def _huge_header(rng: random.Random, raw: bytes, _others: list[bytes],
                 sizes: Sizes) -> bytes:
    head, sep, body = _split(raw)
    eol = _eol(raw)
    name = rng.choice((b"Subject", b"From", b"To", b"Cc", b"References", b"In-Reply-To",
                       b"Message-ID", b"Content-Type", b"Date", b"Auto-Submitted",
                       b"Authentication-Results", b"X-Failed-Recipients", b"Return-Path"))
    unit = rng.choice((b"word ", b"=?utf-8?q?h=C3=A9?= ", b"a@b.example, ", b"<id@x.example> ",
                       b"a=b; ", b"(", b"\"", b"=?punycode?q?x?= ", b" ", b"x", b"\r\n ",
                       b"Name <a@b.example>, ", b"dkim=pass header.d=x; "))
    size = rng.choice(sizes.header)
    value = unit * (size // len(unit))
    if name == b"Content-Type":
        value = b"text/plain; " + value
    return head + eol + name + b": " + value + (sep or eol * 2) + body


def _many_headers(rng: random.Random, raw: bytes, _others: list[bytes],
                  sizes: Sizes) -> bytes:
    head, sep, body = _split(raw)
    eol = _eol(raw)
    line = rng.choice((b"Received: from x by y; Tue, 3 Mar 2026 10:00:00 +0000",
                       b"X-A: b", b"Subject: again", b"Content-Type: text/plain"))
    return head + (eol + line) * rng.choice(sizes.header_lines) + (sep or eol * 2) + body


def _huge_part(rng: random.Random, raw: bytes, _others: list[bytes],
               sizes: Sizes) -> bytes:
    """A text part (plain or HTML) of a hostile text, megabytes long, in place of the body or
    alongside it."""
    head, sep, body = _split(raw)
    eol = _eol(raw)
    unit = rng.choice(HOSTILE_TEXTS)
    size = rng.choice(sizes.part)
    text = unit * (size // len(unit))
    ctype = rng.choice((b"text/plain", b"text/html"))
    part = b"Content-Type: " + ctype + b"; charset=utf-8" + eol + eol + text
    if rng.random() < 0.5:
        top = b"From: a@b.example" + eol + b"To: c@d.example" + eol + b"Subject: Re: Invoice 1"
        return top + eol + b"In-Reply-To: <x@y>" + eol + part
    mark = b"huge-part"
    return (head + eol + b"Content-Type: multipart/mixed; boundary=" + mark + eol + eol
            + b"--" + mark + eol + part + eol + b"--" + mark + eol
            + b"Content-Type: text/plain" + eol + eol + body + eol + b"--" + mark + b"--" + eol
            )


def _hostile_text(rng: random.Random, raw: bytes, _others: list[bytes],
                  sizes: Sizes) -> bytes:
    """A hostile run spliced into the body, at a line start or inside a line."""
    head, sep, body = _split(raw)
    unit = rng.choice(HOSTILE_TEXTS)
    run = unit * (rng.choice(sizes.run) // len(unit))
    at = rng.randrange(len(body) + 1)
    return head + (sep or b"\r\n\r\n") + body[:at] + run + body[at:]


def _bad_charset(rng: random.Random, raw: bytes, _others: list[bytes],
                 sizes: Sizes) -> bytes:
    charset = rng.choice(BAD_CHARSETS)
    where = rng.randrange(4)
    if where == 0 and _CHARSET.search(raw):
        return _CHARSET.sub(lambda m: m.group(1) + m.group(2) + charset, raw)
    head, sep, body = _split(raw)
    eol = _eol(raw)
    if where == 1:  # an encoded word in the Subject
        return (head + eol + b"Subject: =?" + charset + b"?q?Invoice_12_caf=C3=A9?= x"
                + (sep or eol * 2) + body)
    if where == 2:  # RFC 2231 parameters
        return (head + eol + b"Content-Type: text/plain; charset*=" + charset + b"''utf-8"
                + eol + b"Content-Disposition: attachment; filename*=" + charset
                + b"''f%C3%A9.pdf" + (sep or eol * 2) + body)
    return (head + eol + b"Content-Type: text/plain; charset=\"" + charset + b"\""
            + (sep or eol * 2) + b"Invoice-12 total 100 EUR a-b c\xc3\xa9" + eol + body)


def _splice(rng: random.Random, raw: bytes, others: list[bytes],
            sizes: Sizes) -> bytes:
    other = rng.choice(others)
    return raw[: rng.randrange(len(raw) + 1)] + other[rng.randrange(len(other) + 1):]


def _line_ends(rng: random.Random, raw: bytes, _others: list[bytes],
               sizes: Sizes) -> bytes:
    choice = rng.randrange(3)
    if choice == 0:
        return raw.replace(b"\r\n", b"\r").replace(b"\n", b"\r")
    if choice == 1:
        return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n\r")
    head, _sep, body = _split(raw)
    return head + b"\r\n" + body  # no blank line after the headers


def _base64_garbage(rng: random.Random, raw: bytes, _others: list[bytes],
                    sizes: Sizes) -> bytes:
    if b"base64" not in raw.lower():
        return _flip(rng, raw, _others, sizes)
    data = bytearray(raw)
    start = raw.lower().find(b"base64")
    for _ in range(rng.choice((5, 50, 500))):
        at = rng.randrange(start, len(data)) if start < len(data) else 0
        if data:
            data[at] = rng.choice(b"=!@#$%^&*-_\x00\r\n AZaz09+/")
    return bytes(data)


MUTATIONS: tuple[tuple[str, Mutation, int], ...] = (  # name, mutation, weight
    ("truncate", _truncate, 3), ("flip", _flip, 3), ("special-bytes", _special_bytes, 2),
    ("boundaries", _boundaries, 3), ("nest", _nest, 2), ("huge-header", _huge_header, 2),
    ("many-headers", _many_headers, 1), ("huge-part", _huge_part, 1),
    ("hostile-text", _hostile_text, 2), ("bad-charset", _bad_charset, 3), ("splice", _splice, 2),
    ("line-ends", _line_ends, 1), ("base64", _base64_garbage, 1),
)


def mutant(seeds: list[bytes], seed: int, index: int, sizes: Sizes = CI) -> tuple[str, bytes]:
    """The ``index``-th mutant of run ``seed``: its label and bytes. One to three mutations,
    applied in turn to one of ``seeds``."""
    rng = random.Random(f"{seed}:{index}")
    base = rng.randrange(len(seeds))
    raw = seeds[base]
    names = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        name, mutation, _weight = rng.choices(MUTATIONS, [m[2] for m in MUTATIONS])[0]
        raw = mutation(rng, raw, seeds, sizes)
        names.append(name)
    return f"seed {seed} index {index} (message {base}, {'+'.join(names)})", raw


def mutants(seeds: list[bytes], count: int, seed: int,
            sizes: Sizes = CI) -> Iterator[tuple[str, bytes]]:
    """``count`` mutants of run ``seed``, in order."""
    for index in range(count):
        yield mutant(seeds, seed, index, sizes)
