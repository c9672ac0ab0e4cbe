"""German and Spanish cases of the invoice corpus (see make_corpus.py)."""

from __future__ import annotations

from typing import Any

from .cases_en import PDF, inv
from .pdfs import draw

JONAS = "Jonas Weber <jonas@weber-design.example>"
LUCIA = "Lucía Ortega <lucia@ortega-estudio.example>"

CASES: list[dict[str, Any]] = [
    {
        "name": "de_sevdesk_bis_zum",
        "imitates": "sevDesk's default invoice e-mail ('anbei erhalten Sie die Rechnung ... "
                    "über ...', 'Bitte überweisen Sie den Betrag bis zum ...')",
        "from": JONAS, "to": "buchhaltung@kranich-verlag.test",
        "subject": "Rechnung RE-1042 von Weber Design",
        "date": "Mon, 02 Mar 2026 09:00:00 +0100",
        "body": "Sehr geehrte Damen und Herren,\n\nanbei erhalten Sie die Rechnung RE-1042 "
                "über 1.190,00 €.\n\nBitte überweisen Sie den Betrag bis zum 16.03.2026 auf "
                "das unten angegebene Konto.\n\nMit freundlichen Grüßen\nJonas Weber\n",
        "expect": inv("RE-1042", "1190.00", "EUR", "2026-03-16"),
    },
    {
        "name": "de_lexoffice_spalten_betraege_in_euro",
        "imitates": "a lexoffice invoice PDF: the header block with Rechnungsnr. / "
                    "Rechnungsdatum / Leistungsdatum as a column of labels beside a column of "
                    "values, totals without currency mark and 'Beträge in Euro'; lexoffice's "
                    "short covering e-mail",
        "from": JONAS, "to": "einkauf@baeckerei-sommer.test",
        "subject": "Ihre Rechnung von Weber Design",
        "date": "Tue, 03 Mar 2026 10:00:00 +0100",
        "body": "Guten Tag,\n\nim Anhang finden Sie unsere Rechnung.\n\n"
                "Mit freundlichen Grüßen\nWeber Design\n",
        "attach": [("Rechnung_RE2026-0043.pdf", PDF, draw([
            ("title", "Rechnung"),
            ("columns", [("Rechnungsnr.", "RE2026-0043"), ("Rechnungsdatum", "03.03.2026"),
                         ("Leistungsdatum", "Februar 2026"), ("Kundennr.", "10017")]),
            ("table", ["Bezeichnung", "Menge", "Einzelpreis", "Gesamt"], [
                ["Logoentwicklung", "1", "1.400,00", "1.400,00"],
                ["Geschäftsausstattung", "1", "600,00", "600,00"]]),
            ("totals", [("Gesamtbetrag netto", "2.000,00"), ("zzgl. Umsatzsteuer 19 %",
                                                              "380,00"),
                        ("Gesamtbetrag brutto", "2.380,00")]),
            ("text", "Beträge in Euro. Zahlbar innerhalb von 14 Tagen ohne Abzug."),
        ]))],
        "expect": inv("RE2026-0043", "2380.00", "EUR", "2026-03-17"),
    },
    {
        "name": "de_erpnext_ausgangsrechnung",
        "imitates": "ERPNext in German: the subject 'Ausgangsrechnung: <company> (#ACC-SINV-"
                    "...)', the body 'Bitte sehen Sie den Anhang', the PDF's 'Gesamtbetrag "
                    "€ 2.380,00'",
        "from": JONAS, "to": "rechnungen@kranich-verlag.test",
        "subject": "Ausgangsrechnung: Weber Design GmbH (#ACC-SINV-2026-00043)",
        "date": "Wed, 04 Mar 2026 11:00:00 +0100",
        "body": "Bitte sehen Sie den Anhang\n",
        "attach": [("ACC-SINV-2026-00043.pdf", PDF, draw([
            ("title", "Ausgangsrechnung"),
            ("columns", [("Nummer", "ACC-SINV-2026-00043"), ("Datum", "04.03.2026"),
                         ("Fällig am", "03.04.2026")]),
            ("table", ["Artikel", "Menge", "Preis", "Betrag"], [
                ["Beratung (Std.)", "20", "€ 100,00", "€ 2.000,00"]]),
            ("totals", [("Nettosumme", "€ 2.000,00"), ("MwSt 19%", "€ 380,00"),
                        ("Gesamtbetrag", "€ 2.380,00")]),
        ]))],
        "expect": inv("ACC-SINV-2026-00043", "2380.00", "EUR", "2026-04-03"),
    },
    {
        "name": "de_gutschrift",
        "imitates": "a German credit note ('Gutschrift') sent with sevDesk, the subject "
                    "naming the invoice it corrects",
        "from": JONAS, "to": "buchhaltung@kranich-verlag.test",
        "subject": "Zu Rechnung RE-1042: Dokument GS-2026-004",
        "date": "Thu, 05 Mar 2026 09:00:00 +0100",
        "body": "Sehr geehrte Damen und Herren,\n\nanbei erhalten Sie die Gutschrift "
                "GS-2026-004 über 119,00 € zur Rechnung RE-1042.\n\nMit freundlichen Grüßen\n"
                "Jonas Weber\n",
        "expect": {"kind": "credit_note"},
    },
    {
        "name": "de_rechnungskorrektur",
        "imitates": "a lexoffice 'Rechnungskorrektur' (corrective invoice) e-mail",
        "from": JONAS, "to": "einkauf@baeckerei-sommer.test",
        "subject": "Rechnungskorrektur RK2026-0002 zur Rechnung RE2026-0043",
        "date": "Fri, 06 Mar 2026 09:00:00 +0100",
        "body": "Guten Tag,\n\nim Anhang finden Sie die Rechnungskorrektur RK2026-0002 über "
                "-238,00 €.\n\nMit freundlichen Grüßen\nWeber Design\n",
        "expect": {"kind": "corrective"},
    },
    {
        "name": "de_debitoor_html_zahlbar_bis",
        "imitates": "an SumUp Invoices (formerly Debitoor) HTML e-mail: 'Rechnung Nr. ...', "
                    "'Betrag', 'zahlbar bis'",
        "from": JONAS, "to": "info@atelier-nord.test",
        "subject": "Rechnung Nr. 2026-118",
        "date": "Mon, 09 Mar 2026 08:00:00 +0100",
        "body": "",
        "html": "<html><body><p>Hallo,</p><p>hier ist Ihre Rechnung Nr. 2026-118.</p>"
                "<table><tr><td>Betrag</td><td>714,00 EUR</td></tr>"
                "<tr><td>zahlbar bis</td><td>23.03.2026</td></tr></table>"
                "<p>Vielen Dank!</p></body></html>",
        "expect": inv("2026-118", "714.00", "EUR", "2026-03-23"),
    },
    {
        "name": "de_angebot",
        "imitates": "a German quote ('Angebot AN-2026-007') from sevDesk",
        "from": JONAS, "to": "info@atelier-nord.test",
        "subject": "Angebot AN-2026-007 von Weber Design",
        "date": "Mon, 09 Mar 2026 08:30:00 +0100",
        "body": "Guten Tag,\n\nanbei unser Angebot AN-2026-007 über 3.570,00 €. Nach Annahme "
                "stellen wir die Rechnung.\n\nWeber Design\n",
        "expect": {"kind": "quote"},
    },
    # --- Spanish --------------------------------------------------------------------------
    {
        "name": "es_holded_factura",
        "imitates": "Holded's invoice e-mail ('te enviamos la factura ... por importe de ...', "
                    "'Fecha de vencimiento', a download link)",
        "from": LUCIA, "to": "administracion@mar-azul.test",
        "subject": "Factura F260042 de Ortega Estudio",
        "date": "Mon, 02 Mar 2026 12:00:00 +0100",
        "body": "Hola,\n\nTe enviamos la factura F260042 por importe de 1.210,00 €.\n"
                "Fecha de vencimiento: 01/04/2026\n\nPuedes descargarla aquí: "
                "https://app.holded.com/s/doc/7c1d9e\n\nUn saludo,\nLucía Ortega\n",
        "expect": inv("F260042", "1210.00", "EUR", "2026-04-01"),
    },
    {
        "name": "es_holded_importes_en_euros",
        "imitates": "a Spanish freelancer's invoice PDF (Holded's layout): Base imponible, IVA "
                    "21 %, retención IRPF 15 %, Total, amounts without currency mark and "
                    "'Importes en euros'",
        "from": LUCIA, "to": "facturas@grupo-sierra.test",
        "subject": "Ortega Estudio: factura de marzo",
        "date": "Tue, 03 Mar 2026 12:00:00 +0100",
        "body": "Hola,\n\nAdjunto la factura de marzo.\n\nGracias,\nLucía\n",
        "attach": [("F260043.pdf", PDF, draw([
            ("title", "FACTURA"),
            ("columns", [("Nº factura", "F260043"), ("Fecha", "03/03/2026"),
                         ("Vencimiento", "02/04/2026")]),
            ("table", ["Concepto", "Unidades", "Precio", "Subtotal"], [
                ["Diseño editorial", "1", "2.000,00", "2.000,00"]]),
            ("totals", [("Base imponible", "2.000,00"), ("IVA 21 %", "420,00"),
                        ("IRPF -15 %", "-300,00"), ("Total", "2.120,00")]),
            ("text", "Importes en euros. Forma de pago: transferencia bancaria."),
        ]))],
        "expect": inv("F260043", "2120.00", "EUR", "2026-04-02"),
    },
    {
        "name": "es_factura_rectificativa",
        "imitates": "a Spanish 'factura rectificativa' (corrective invoice, as the Reglamento "
                    "de facturación requires it to be titled) sent from Holded",
        "from": LUCIA, "to": "administracion@mar-azul.test",
        "subject": "Factura R260002 de Ortega Estudio",
        "date": "Wed, 04 Mar 2026 12:00:00 +0100",
        "body": "Hola,\n\nTe enviamos la factura rectificativa R260002, que rectifica la "
                "factura F260042, por importe de -121,00 €.\n\nUn saludo,\nLucía\n",
        "expect": {"kind": "corrective"},
    },
    {
        "name": "es_recibo",
        "imitates": "a Spanish payment receipt ('Recibo de pago') for a settled invoice",
        "from": LUCIA, "to": "facturas@grupo-sierra.test",
        "subject": "Recibo de pago - factura F260043",
        "date": "Thu, 05 Mar 2026 12:00:00 +0100",
        "body": "Hola,\n\nHemos recibido tu pago de 2.120,00 € de la factura F260043. "
                "Gracias.\n\nLucía\n",
        "expect": {"kind": "receipt"},
    },
    {
        "name": "es_zoho_factura",
        "imitates": "Zoho Invoice's Spanish invoice e-mail ('Gracias por su confianza', "
                    "IMPORTE DE LA FACTURA, N.º de factura, Fecha de vencimiento)",
        "from": LUCIA, "to": "pagos@luz-digital.test",
        "subject": "Factura - INV-000077 de Ortega Estudio",
        "date": "Fri, 06 Mar 2026 09:00:00 +0100",
        "body": "Estimado cliente,\n\nGracias por su confianza. Puede ver, imprimir y "
                "descargar su factura en PDF desde el siguiente enlace.\n\n"
                "IMPORTE DE LA FACTURA\n605,00 €\n\nN.º de factura   INV-000077\n"
                "Fecha de la factura   06/03/2026\nFecha de vencimiento   20/03/2026\n\n"
                "VER FACTURA https://zohosecurepay.eu/books/ortega/secure?CInvoiceID=2-9a\n",
        "expect": inv("INV-000077", "605.00", "EUR", "2026-03-20"),
    },
    {
        "name": "es_presupuesto",
        "imitates": "a Spanish quote ('Presupuesto P-2026-011') from Holded",
        "from": LUCIA, "to": "pagos@luz-digital.test",
        "subject": "Presupuesto P-2026-011 de Ortega Estudio",
        "date": "Fri, 06 Mar 2026 10:00:00 +0100",
        "body": "Hola,\n\nTe enviamos el presupuesto P-2026-011 por importe de 4.840,00 €. "
                "Tras su aceptación emitiremos la factura.\n\nLucía\n",
        "expect": {"kind": "quote"},
    },
]
