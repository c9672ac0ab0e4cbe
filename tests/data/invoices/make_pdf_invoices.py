"""Regenerate the test messages whose invoice details live in an attached PDF.

Run from this folder with fpdf2 installed: ``python make_pdf_invoices.py``. It rewrites
en_pdf_only.eml, fr_pdf_only.eml, ro_pdf_only.eml and malformed_corrupt_pdf.eml; the output is
the same on every run (fixed creation dates, fixed boundaries), so a regeneration only shows in
``git diff`` when the invoices themselves changed.

The PDFs use the core Helvetica font with the Windows-1252 encoding: enough for English,
French and German (and the euro sign), not for Romanian ș and ț — Romanian invoicing programs
often print without diacritics too ("Factura fiscala", "Total de plata").
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).parent
CREATED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def invoice_pdf(title: str, lines: list[tuple[str, str]]) -> bytes:
    """A one-page invoice: a title, then label / value rows (value right-aligned)."""
    pdf = FPDF()
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_creation_date(CREATED)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=18)
    pdf.cell(0, 12, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    for label, value in lines:
        if not value:
            pdf.cell(0, 7, label, new_x="LMARGIN", new_y="NEXT")
            continue
        pdf.cell(120, 7, label)
        pdf.cell(0, 7, value, align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def message(headers: dict[str, str], body: str, pdf: bytes, filename: str,
            boundary: str) -> bytes:
    msg = EmailMessage()
    for name, value in headers.items():
        msg[name] = value
    msg.set_content(body)
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    msg.set_boundary(boundary)
    return msg.as_bytes(policy=SMTP)


EN_PDF = invoice_pdf("INVOICE", [
    ("Whitaker Studio - Dan Whitaker", ""),
    ("14 Canal Street, Leeds LS1 4AB", ""),
    ("Bill to: Northwind Publishing Ltd", ""),
    ("Invoice number:", "INV-2026-007"),
    ("Invoice date:", "2 March 2026"),
    ("Due date:", "1 April 2026"),
    ("Editorial illustrations, February (12 pieces)", "GBP 1,800.00"),
    ("Subtotal", "GBP 1,800.00"),
    ("VAT 20%", "GBP 360.00"),
    ("Total due", "GBP 2,160.00"),
    ("Bank transfer: sort code 00-00-00, account 12345678", ""),
])

FR_PDF = invoice_pdf("FACTURE", [
    ("Atelier Martin - Claire Martin, graphiste", ""),
    ("SIRET 000 000 000 00000 - 12 rue des Tanneurs, 69001 Lyon", ""),
    ("Client : Boulangeries Leroy SAS", ""),
    ("Facture N° F-2026-021", ""),
    ("Date de facturation : 05/03/2026", ""),
    ("Date d'échéance : 04/04/2026", ""),
    ("Identité visuelle, déclinaisons print (forfait)", "850,00 €"),
    ("Total HT", "850,00 €"),
    ("TVA non applicable, art. 293 B du CGI", ""),
    ("Montant dû", "850,00 €"),
    ("Pénalités de retard : trois fois le taux d'intérêt légal", ""),
])

RO_PDF = invoice_pdf("FACTURA FISCALA", [
    ("Seria MRT nr. 0123", ""),
    ("Furnizor: Popescu Design SRL, CUI RO00000000", ""),
    ("Cumparator: Carpatica Foods SA", ""),
    ("Data emiterii: 27.02.2026", ""),
    ("Data scadentei: 13.03.2026", ""),
    ("Redesign ambalaje, 4 produse", "2.000,00 lei"),
    ("TVA 19%", "380,00 lei"),
    ("Total de plata", "2.380,00 lei"),
])

CORRUPT_PDF = invoice_pdf("INVOICE", [
    ("Invoice number:", "INV-2026-044"),
    ("Total due", "GBP 4,200.00"),
])
# A PDF cut short in transit (some webmail upload failures leave exactly this): the header is
# there, the objects and the cross-reference table are not.
CORRUPT_PDF = CORRUPT_PDF[:300] + b"\x00\x17garbage after a failed upload\xff\xfe"

MESSAGES = {
    "en_pdf_only.eml": message({
        "From": "Dan Whitaker <dan@whitaker-studio.example>",
        "To": "Tom Avery <tom.avery@northwind.test>",
        "Subject": "Invoice for February illustrations",
        "Date": "Mon, 02 Mar 2026 10:41:07 +0000",
        "Message-ID": "<CAH7b2Lq0gW9pdf1@mail.gmail.com>",
        "MIME-Version": "1.0",
    }, "Hi Tom,\n\nPlease find attached my invoice for the February illustrations.\n\n"
       "Thanks again for the lovely brief,\nDan\n", EN_PDF, "INV-2026-007.pdf",
        "000000000000a1b2c3d4e5f60001"),
    "fr_pdf_only.eml": message({
        "From": "Claire Martin <claire@atelier-martin.example>",
        "To": "Sophie Leroy <compta@boulangeries-leroy.test>",
        "Subject": "Facture mars 2026 - Atelier Martin",
        "Date": "Thu, 05 Mar 2026 16:12:44 +0100",
        "Message-ID": "<8f3e2a71-5c1d-4e0b-9a6f-claire@atelier-martin.example>",
        "MIME-Version": "1.0",
    }, "Bonjour Madame Leroy,\n\nVeuillez trouver ci-joint ma facture pour la mission de "
       "mars.\n\nBien cordialement,\nClaire Martin\nAtelier Martin\n", FR_PDF,
        "Facture-F-2026-021.pdf", "Apple-Mail=_5B1E2C7A-0A41-4D7E-8C55-000000000002"),
    "ro_pdf_only.eml": message({
        "From": "Ioana Popescu <ioana@popescu-design.example>",
        "To": "contabilitate@carpatica-foods.test",
        "Subject": "Factura februarie 2026",
        "Date": "Fri, 27 Feb 2026 11:03:19 +0200",
        "Message-ID": "<CAJx9RqPopescuPdf03@mail.gmail.com>",
        "MIME-Version": "1.0",
    }, "Bună ziua,\n\nVă rog găsiți atașată factura pentru luna februarie.\n\n"
       "Cu stimă,\nIoana Popescu\nPopescu Design SRL\n", RO_PDF, "factura_MRT_0123.pdf",
        "000000000000f0e1d2c3b4a50003"),
    "malformed_corrupt_pdf.eml": message({
        "From": "Dan Whitaker <dan@whitaker-studio.example>",
        "To": "Priya Shah <priya@lumen-apps.test>",
        "Subject": "Invoice INV-2026-044",
        "Date": "Tue, 10 Mar 2026 08:55:30 +0000",
        "Message-ID": "<CAH7b2LqCorrupt44@mail.gmail.com>",
        "MIME-Version": "1.0",
    }, "Hello Priya,\n\nThe invoice for the March sprint is attached.\n\nBest,\nDan\n",
        CORRUPT_PDF, "INV-2026-044.pdf", "000000000000badbadbad0004"),
}


if __name__ == "__main__":
    for name, raw in MESSAGES.items():
        (HERE / name).write_bytes(raw)
        print(f"wrote {name} ({len(raw)} bytes)")
