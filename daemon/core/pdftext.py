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

The text is pypdf's layout mode (``extraction_mode="layout"``): it keeps each line where the
page has it, so a label and its value in two columns ("Rechnungsnr." ... "RE2026-0043", "Total
TTC" ... "2 400,00") end up on one line, where the plain mode emits a whole column of labels and
then a column of values whenever the generator drew them one column at a time. Runs of blanks
the layout pads with are cut to three (``_COLUMN_GAP``), so a label stays within reach of its
value. Measured on the invoice corpus (``python -m bench.bench_invoices``).

A hybrid e-invoice (Factur-X, ZUGFeRD, XRechnung in a PDF) carries its XML as an embedded file
(ISO 32000-1 §7.11.4); ``read_pdf`` returns those whose name ends in ``.xml``, each at most
``MAX_XML_BYTES``.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .budget import check

if TYPE_CHECKING:
    from pypdf import PageObject, PdfReader

MAX_PDF_BYTES = 5 * 1024 * 1024
MAX_PDF_PAGES = 10
MAX_PDF_CHARS = 200_000

MAX_XML_BYTES = 2 * 1024 * 1024
MAX_EMBEDDED = 5  # embedded files looked at per PDF
EXTRACTION_MODE = "layout"  # or "plain": pypdf's two modes (bench.bench_invoices weighs them)

NO_TEXT = ""
_COLUMN_GAP = re.compile(r"[ \t]{3,}")


@dataclass(frozen=True)
class PdfContent:
    """What relance reads in a PDF: its text and the XML files embedded in it."""

    text: str
    xml: tuple[bytes, ...] = ()


UNREADABLE_PDF = PdfContent(NO_TEXT)

# pypdf reports every repaired cross-reference table of a sloppy PDF on its logger; for an
# attachment we only read, those are noise in the daemon's log.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def looks_like_pdf(data: bytes) -> bool:
    """Return True when the bytes carry the PDF signature ``%PDF-`` (ISO 32000-1 §7.5.2), which
    readers accept anywhere in the first kilobyte."""
    return b"%PDF-" in data[:1024]


def pdf_text(data: bytes, *, max_pages: int = MAX_PDF_PAGES,
             max_bytes: int = MAX_PDF_BYTES) -> str:
    """Return the text of the first ``max_pages`` pages of a PDF, as ``read_pdf`` does."""
    return read_pdf(data, max_pages=max_pages, max_bytes=max_bytes).text


def _page_text(page: PageObject) -> str:
    if EXTRACTION_MODE == "layout":
        text = page.extract_text(extraction_mode="layout") or ""
        return "\n".join(_COLUMN_GAP.sub("   ", line).strip() for line in text.splitlines())
    return page.extract_text() or ""


def _embedded_xml(reader: PdfReader) -> tuple[bytes, ...]:
    """The embedded files of a PDF whose name ends in ``.xml``, the invoice names first."""
    found: list[tuple[bool, bytes]] = []
    attachments = reader.attachments
    for name in list(attachments)[:MAX_EMBEDDED]:
        if not str(name).lower().endswith(".xml"):
            continue
        for data in attachments[name][:1]:
            if len(data) <= MAX_XML_BYTES:
                found.append((not str(name).lower().startswith(("factur-x", "zugferd",
                                                                  "xrechnung")), data))
    return tuple(data for _later, data in sorted(found, key=lambda item: item[0]))


def read_pdf(data: bytes, *, max_pages: int = MAX_PDF_PAGES,
             max_bytes: int = MAX_PDF_BYTES) -> PdfContent:
    """Return the text of the first ``max_pages`` pages of a PDF, pages separated by a blank
    line, at most ``MAX_PDF_CHARS`` characters, and its embedded XML files;
    ``UNREADABLE_PDF`` (no text, no XML) when the file is larger than ``max_bytes``, not a PDF,
    corrupt, or encrypted with a password other than the empty one (many generated invoices are
    "encrypted" with an owner password only, and open with it)."""
    if len(data) > max_bytes or not looks_like_pdf(data):
        return UNREADABLE_PDF
    try:
        from pypdf import PdfReader  # here: most messages carry no PDF, and pypdf costs ~80 ms

        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return UNREADABLE_PDF
        chunks: list[str] = []
        size = 0
        for index, page in enumerate(reader.pages):
            if index >= max_pages or size >= MAX_PDF_CHARS:
                break
            check()
            text = _page_text(page)
            chunks.append(text)
            size += len(text)
        check()
        xml = _embedded_xml(reader)
    except Exception:
        # pypdf raises many kinds of errors on broken files (RecursionError
        # included, for cyclic object trees); all of them mean "unreadable"
        return UNREADABLE_PDF
    return PdfContent("\n\n".join(chunks)[:MAX_PDF_CHARS], xml)
