"""The text of a PDF invoice, through pypdf (a parser: no IO beyond the bytes it is given).

Invoices are small: a one- or two-page document of a few hundred kilobytes. Anything far
beyond that is a scan, a catalogue or a portfolio, whose text (if any) would not help and whose
parsing could stall a reconcile cycle. So the reader is capped:

- ``MAX_PDF_BYTES`` (5 MiB): a larger file is not opened at all;
- ``MAX_PDF_PAGES`` (10): only the first pages are read — the totals of a multi-page invoice
  are sometimes on its last page, so ten pages leaves room for long itemised invoices;
- ``MAX_PDF_CHARS`` (200,000): the text is cut there;
- the time budget in force (``budget``) is checked before each page.

A PDF that cannot be read (corrupt, truncated, encrypted with a user password, not a PDF) gives
"" — one broken attachment must never stop a cycle.
"""

from __future__ import annotations

import io
import logging

from .budget import check

MAX_PDF_BYTES = 5 * 1024 * 1024
MAX_PDF_PAGES = 10
MAX_PDF_CHARS = 200_000

NO_TEXT = ""

# pypdf reports every repaired cross-reference table of a sloppy PDF on its logger; for an
# attachment we only read, those are noise in the daemon's log.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def looks_like_pdf(data: bytes) -> bool:
    """Return True when the bytes carry the PDF signature ``%PDF-`` (ISO 32000-1 §7.5.2), which
    readers accept anywhere in the first kilobyte."""
    return b"%PDF-" in data[:1024]


def pdf_text(data: bytes, *, max_pages: int = MAX_PDF_PAGES,
             max_bytes: int = MAX_PDF_BYTES) -> str:
    """Return the text of the first ``max_pages`` pages of a PDF, pages separated by a blank
    line, at most ``MAX_PDF_CHARS`` characters; ``NO_TEXT`` ("") when the file is larger than
    ``max_bytes``, not a PDF, corrupt, or encrypted with a password other than the empty one
    (many generated invoices are "encrypted" with an owner password only, and open with it)."""
    if len(data) > max_bytes or not looks_like_pdf(data):
        return NO_TEXT
    try:
        from pypdf import PdfReader  # here: most messages carry no PDF, and pypdf costs ~80 ms

        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return NO_TEXT
        chunks: list[str] = []
        size = 0
        for index, page in enumerate(reader.pages):
            if index >= max_pages or size >= MAX_PDF_CHARS:
                break
            check()
            text = page.extract_text() or ""
            chunks.append(text)
            size += len(text)
    except Exception:
        # included, for cyclic object trees); all of them mean "unreadable"
        return NO_TEXT
    return "\n\n".join(chunks)[:MAX_PDF_CHARS]
