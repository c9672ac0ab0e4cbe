"""The PDFs of the invoice corpus, drawn with fpdf2 (a test dependency) and, for the hybrid
e-invoices, given their XML as an embedded file with pypdf (PDF 1.7 §7.11.4; Factur-X 1.0 and
ZUGFeRD 2 name it ``factur-x.xml`` / ``zugferd-invoice.xml`` / ``xrechnung.xml``).

A PDF is a list of blocks, drawn top to bottom:

- ``("title", "FACTURE")``; ``("text", "a line")``; ``("page",)`` a new page;
- ``("rows", [(label, value), ...])``: label left, value right-aligned on the same line;
- ``("columns", [(label, value), ...])``: the header block many tools print, a column of labels
  beside a column of values — drawn the labels first, then the values, as generators that lay
  out one column at a time do, so text extraction in drawing order separates them;
- ``("table", [header...], [[cell...], ...])``: an itemised table, the first column wide;
- ``("totals", [(label, value), ...])``: the totals block under a table, in the right half.

Core Helvetica with Windows-1252: no Romanian ș/ț, which Romanian invoicing programs often
drop from their PDFs too.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from fpdf import FPDF

CREATED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
Block = tuple[Any, ...]


def _columns(pdf: FPDF, rows: list[tuple[str, str]]) -> None:
    top = pdf.get_y()
    pdf.set_font("Helvetica", style="B", size=10)
    for i, (label, _value) in enumerate(rows):
        pdf.set_xy(120, top + 6 * i)
        pdf.cell(35, 6, label)
    pdf.set_font("Helvetica", size=10)
    for i, (_label, value) in enumerate(rows):
        pdf.set_xy(157, top + 6 * i)
        pdf.cell(40, 6, value, align="R")
    pdf.set_xy(pdf.l_margin, top + 6 * len(rows) + 4)


def _table(pdf: FPDF, header: list[str], rows: list[list[str]]) -> None:
    widths = [90] + [(190 - 90) / (len(header) - 1)] * (len(header) - 1)
    pdf.set_font("Helvetica", style="B", size=9)
    for width, cell in zip(widths, header, strict=True):
        pdf.cell(width, 7, cell, border="B", align="L" if width == 90 else "R")
    pdf.ln(7)
    pdf.set_font("Helvetica", size=9)
    for row in rows:
        for width, cell in zip(widths, row, strict=True):
            pdf.cell(width, 6, cell, align="L" if width == 90 else "R")
        pdf.ln(6)
    pdf.ln(3)


def _block(pdf: FPDF, block: Block) -> None:
    kind = block[0]
    if kind == "title":
        pdf.set_font("Helvetica", style="B", size=18)
        pdf.cell(0, 12, block[1], new_x="LMARGIN", new_y="NEXT")
    elif kind == "text":
        pdf.set_font("Helvetica", size=9)
        pdf.multi_cell(0, 5, block[1], new_x="LMARGIN", new_y="NEXT")
    elif kind == "page":
        pdf.add_page()
    elif kind == "rows":
        pdf.set_font("Helvetica", size=10)
        for label, value in block[1]:
            pdf.cell(120, 6, label)
            pdf.cell(0, 6, value, align="R", new_x="LMARGIN", new_y="NEXT")
    elif kind == "columns":
        _columns(pdf, block[1])
    elif kind == "table":
        _table(pdf, block[1], block[2])
    elif kind == "totals":
        pdf.set_font("Helvetica", size=10)
        for label, value in block[1]:
            pdf.set_x(110)
            pdf.cell(50, 6, label)
            pdf.cell(0, 6, value, align="R", new_x="LMARGIN", new_y="NEXT")
    else:
        raise ValueError(f"unknown block {kind!r}")


def draw(blocks: list[Block]) -> bytes:
    """The PDF of ``blocks`` (see the module docstring)."""
    pdf = FPDF()
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_creation_date(CREATED)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    for block in blocks:
        _block(pdf, block)
    return bytes(pdf.output())


def with_embedded(pdf: bytes, name: str, data: bytes) -> bytes:
    """``pdf`` with ``data`` embedded as the file ``name``: a hybrid e-invoice."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_attachment(name, data)
    writer._ID = None  # noqa: SLF001 - a fixed file, so that regenerating changes nothing
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
