"""Structured e-invoices of the invoice corpus: Factur-X / ZUGFeRD PDFs with their CII XML
embedded, and UBL or CII XML attached (XRechnung, Peppol BIS Billing 3.0, Romania's e-Factura
CIUS-RO). See einvoice_xml.py for the samples each XML imitates."""

from __future__ import annotations

from typing import Any

from .cases_de_es import JONAS, LUCIA
from .cases_en import ME, PDF, inv
from .cases_fr_ro import CLAIRE, IOANA
from .einvoice_xml import Doc, cii, ubl
from .pdfs import draw, with_embedded

XML = "application/xml"
CIUS_RO = ("urn:cen.eu:en16931:2017#compliant#urn:efactura.mfinante.ro:CIUS-RO:1.0.1")
XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"


def _visual(title: str, rows: list[tuple[str, str]], totals: list[tuple[str, str]],
            note: str) -> bytes:
    return draw([("title", title), ("columns", rows),
                 ("table", ["Description", "Qty", "Unit", "Total"],
                  [["Services as agreed", "1", totals[0][1], totals[0][1]]]),
                 ("totals", totals), ("text", note)])


FX_101 = Doc("FA-2026-0101", "2026-03-02", "2026-04-15", "EUR", "1500.00", "300.00",
             "1800.00", "1800.00", "Atelier Martin", "Maison Garnier SAS")
FX_102 = Doc("FA-2026-0102", "2026-03-03", "2026-04-02", "EUR", "2000.00", "400.00",
             "2400.00", "1800.00", "Atelier Martin", "Boulangeries Leroy SAS", prepaid="600.00")
FX_AV = Doc("AV-2026-0007", "2026-03-04", None, "EUR", "200.00", "40.00", "240.00", "240.00",
            "Atelier Martin", "Maison Garnier SAS", type_code="381")
FX_MIN = Doc("FA-2026-0104", "2026-03-05", None, "EUR", "750.00", "150.00", "900.00",
             "900.00", "Atelier Martin", "Café Lumière")
ZF_43 = Doc("RE-2026-0143", "2026-03-02", "2026-03-16", "EUR", "3000.00", "570.00",
            "3570.00", "3570.00", "Weber Design GmbH", "Kranich Verlag GmbH")
XR_UBL = Doc("2026-0815", "2026-03-03", "2026-04-02", "EUR", "1250.00", "237.50", "1487.50",
             "1487.50", "Weber Design GmbH", "Stadtwerke Musterstadt", customization=XRECHNUNG)
XR_CII = Doc("2026-0816", "2026-03-04", "2026-03-18", "EUR", "400.00", "76.00", "476.00",
             "476.00", "Weber Design GmbH", "Landkreis Beispiel")
XR_384 = Doc("2026-0817", "2026-03-05", "2026-04-04", "EUR", "1250.00", "237.50", "1487.50",
             "1487.50", "Weber Design GmbH", "Stadtwerke Musterstadt", type_code="384",
             customization=XRECHNUNG)
PEPPOL = Doc("LS-2026-031", "2026-03-06", "2026-04-05", "GBP", "2750.00", "550.00", "3300.00",
             "3300.00", "Lumen Studio Ltd", "Kestrel Labs BV")
PEPPOL_CN = Doc("LS-CN-2026-004", "2026-03-09", None, "GBP", "250.00", "50.00", "300.00",
                "300.00", "Lumen Studio Ltd", "Kestrel Labs BV", type_code="381")
EFACTURA = Doc("SLM0052", "2026-03-06", "2026-03-20", "RON", "5000.00", "950.00", "5950.00",
               "5950.00", "STUDIO LUMEN SRL", "CARPATICA FOODS SA", customization=CIUS_RO)
ES_UBL = Doc("F260051", "2026-03-09", "2026-04-08", "EUR", "1800.00", "0.00", "1800.00",
             "1800.00", "Ortega Estudio", "Kestrel Labs BV")


CASES: list[dict[str, Any]] = [
    {
        "name": "fr_facturx_en16931",
        "imitates": "a Factur-X PDF, profile EN 16931 (the FNFE-MPE Factur-X 1.0 example "
                    "invoices: the readable PDF with factur-x.xml embedded), whose visible "
                    "totals carry no currency mark",
        "from": CLAIRE, "to": "compta@maison-garnier.test",
        "subject": "Votre facture Atelier Martin",
        "date": "Mon, 02 Mar 2026 10:00:00 +0100",
        "body": "Bonjour,\n\nVeuillez trouver ci-joint votre facture au format Factur-X.\n\n"
                "Cordialement,\nClaire Martin\n",
        "attach": [("FA-2026-0101.pdf", PDF, with_embedded(_visual(
            "FACTURE", [("N°", "FA-2026-0101"), ("Date", "02/03/2026"),
                        ("Échéance", "15/04/2026")],
            [("Total HT", "1 500,00"), ("TVA 20 %", "300,00"), ("Total TTC", "1 800,00")],
            "Factur-X EN 16931"), "factur-x.xml", cii(FX_101)))],
        "expect": inv("FA-2026-0101", "1800.00", "EUR", "2026-04-15"),
    },
    {
        "name": "fr_facturx_acompte_deduit",
        "imitates": "a Factur-X EN 16931 invoice with a deposit already paid: the visible "
                    "totals show Total TTC and 'Déjà réglé', the XML's DuePayableAmount what "
                    "is left to pay (BT-115)",
        "from": CLAIRE, "to": "compta@boulangeries-leroy.test",
        "subject": "Facture FA-2026-0102",
        "date": "Tue, 03 Mar 2026 10:00:00 +0100",
        "body": "Bonjour,\n\nCi-joint la facture de solde.\n\nClaire\n",
        "attach": [("FA-2026-0102.pdf", PDF, with_embedded(_visual(
            "FACTURE", [("N°", "FA-2026-0102"), ("Date", "03/03/2026")],
            [("Total HT", "2 000,00 EUR"), ("TVA 20 %", "400,00 EUR"),
             ("Total TTC", "2 400,00 EUR"), ("Déjà réglé", "600,00 EUR")],
            "Paiement à 30 jours."), "factur-x.xml", cii(FX_102)))],
        "expect": inv("FA-2026-0102", "1800.00", "EUR", "2026-04-02"),
    },
    {
        "name": "fr_facturx_avoir",
        "imitates": "a Factur-X credit note (CII TypeCode 381) sent with a neutral e-mail",
        "from": CLAIRE, "to": "compta@maison-garnier.test",
        "subject": "Document Atelier Martin AV-2026-0007",
        "date": "Wed, 04 Mar 2026 10:00:00 +0100",
        "body": "Bonjour,\n\nVeuillez trouver ci-joint le document, concernant la facture "
                "FA-2026-0101.\n\nClaire\n",
        "attach": [("AV-2026-0007.pdf", PDF, with_embedded(_visual(
            "DOCUMENT", [("N°", "AV-2026-0007"), ("Date", "04/03/2026")],
            [("Total HT", "200,00 €"), ("TVA 20 %", "40,00 €"), ("Total TTC", "240,00 €")],
            "Réf. facture FA-2026-0101"), "factur-x.xml", cii(FX_AV)))],
        "expect": {"kind": "credit_note"},
    },
    {
        "name": "fr_facturx_minimum_terms_in_text",
        "imitates": "a Factur-X MINIMUM profile invoice (no due date in the XML, as the "
                    "profile allows), the payment terms written in the e-mail",
        "from": CLAIRE, "to": "admin@cafe-lumiere.test",
        "subject": "Facture FA-2026-0104",
        "date": "Thu, 05 Mar 2026 10:00:00 +0100",
        "body": "Bonjour,\n\nVoici la facture FA-2026-0104, payable à 45 jours.\n\nClaire\n",
        "attach": [("FA-2026-0104.pdf", PDF, with_embedded(_visual(
            "FACTURE", [("N°", "FA-2026-0104"), ("Date", "05/03/2026")],
            [("Total HT", "750,00"), ("TVA 20 %", "150,00"), ("Total TTC", "900,00")],
            "Factur-X MINIMUM"), "factur-x.xml",
            cii(FX_MIN, guideline="urn:factur-x.eu:1p0:minimum")))],
        "expect": inv("FA-2026-0104", "900.00", "EUR", "2026-04-19"),
    },
    {
        "name": "de_zugferd_en16931",
        "imitates": "a ZUGFeRD 2 PDF (profile EN 16931 / COMFORT, the FeRD sample invoices) "
                    "with zugferd-invoice.xml embedded; the visible header in two columns",
        "from": JONAS, "to": "rechnungen@kranich-verlag.test",
        "subject": "Ihre Rechnung (ZUGFeRD)",
        "date": "Mon, 02 Mar 2026 09:00:00 +0100",
        "body": "Guten Tag,\n\nanbei die Rechnung als ZUGFeRD-PDF.\n\nWeber Design\n",
        "attach": [("RE-2026-0143.pdf", PDF, with_embedded(_visual(
            "Rechnung", [("Rechnungsnr.", "RE-2026-0143"), ("Datum", "02.03.2026")],
            [("Netto", "3.000,00"), ("USt 19 %", "570,00"), ("Brutto", "3.570,00")],
            "Zahlbar innerhalb von 14 Tagen."), "zugferd-invoice.xml", cii(ZF_43)))],
        "expect": inv("RE-2026-0143", "3570.00", "EUR", "2026-03-16"),
    },
    {
        "name": "de_xrechnung_ubl_only",
        "imitates": "an XRechnung in UBL syntax sent alone, as public buyers ask for it "
                    "(KoSIT's test suite 01.01a-INVOICE_ubl.xml): no PDF, a short e-mail",
        "from": JONAS, "to": "eingangsrechnungen@stadtwerke-musterstadt.test",
        "subject": "XRechnung 2026-0815",
        "date": "Tue, 03 Mar 2026 09:00:00 +0100",
        "body": "Sehr geehrte Damen und Herren,\n\nim Anhang die Rechnung im Format "
                "XRechnung.\n\nMit freundlichen Grüßen\nJonas Weber\n",
        "attach": [("xrechnung_2026-0815.xml", XML, ubl(XR_UBL))],
        "expect": inv("2026-0815", "1487.50", "EUR", "2026-04-02"),
    },
    {
        "name": "de_xrechnung_cii_only",
        "imitates": "an XRechnung in CII syntax (KoSIT's 01.01a-INVOICE_uncefact.xml shape) "
                    "attached as text/xml",
        "from": JONAS, "to": "rechnung@landkreis-beispiel.test",
        "subject": "Rechnung 2026-0816 (XRechnung)",
        "date": "Wed, 04 Mar 2026 09:00:00 +0100",
        "body": "Guten Tag,\n\nanbei die Rechnung 2026-0816.\n\nJonas Weber\n",
        "attach": [("2026-0816.xml", "text/xml", cii(
            XR_CII, guideline="urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:"
                              "xrechnung_3.0"))],
        "expect": inv("2026-0816", "476.00", "EUR", "2026-03-18"),
    },
    {
        "name": "de_xrechnung_korrigiert",
        "imitates": "a corrected XRechnung (UBL InvoiceTypeCode 384, 'corrected invoice')",
        "from": JONAS, "to": "eingangsrechnungen@stadtwerke-musterstadt.test",
        "subject": "XRechnung 2026-0817",
        "date": "Thu, 05 Mar 2026 09:00:00 +0100",
        "body": "Sehr geehrte Damen und Herren,\n\nim Anhang die XRechnung 2026-0817 über "
                "1.487,50 EUR.\n\nJonas Weber\n",
        "attach": [("xrechnung_2026-0817.xml", XML, ubl(XR_384))],
        "expect": {"kind": "corrective"},
    },
    {
        "name": "en_peppol_ubl_with_pdf",
        "imitates": "a Peppol BIS Billing 3.0 UBL invoice (the shape of OpenPEPPOL's "
                    "base-example.xml) attached beside its readable PDF, whose totals have no "
                    "currency mark",
        "from": ME, "to": "ap@kestrel-labs.test",
        "subject": "Invoice LS-2026-031",
        "date": "Fri, 06 Mar 2026 09:00:00 +0000",
        "body": "Hello,\n\nAttached are invoice LS-2026-031 as PDF and as a Peppol UBL "
                "file.\n\nMaya\n",
        "attach": [("LS-2026-031.pdf", PDF, _visual(
            "INVOICE", [("Invoice", "LS-2026-031"), ("Date", "6 March 2026")],
            [("Net", "2,750.00"), ("VAT 20%", "550.00"), ("Total", "3,300.00")],
            "Payment within 30 days.")),
            ("LS-2026-031.xml", XML, ubl(PEPPOL))],
        "expect": inv("LS-2026-031", "3300.00", "GBP", "2026-04-05"),
    },
    {
        "name": "en_peppol_ubl_credit_note",
        "imitates": "a Peppol BIS 3.0 UBL CreditNote (OpenPEPPOL's "
                    "base-creditnote-correction.xml shape) sent with a neutral e-mail",
        "from": ME, "to": "ap@kestrel-labs.test",
        "subject": "Document LS-CN-2026-004 for invoice LS-2026-031",
        "date": "Mon, 09 Mar 2026 09:00:00 +0000",
        "body": "Hello,\n\nPlease find the attached e-invoice document.\n\nMaya\n",
        "attach": [("LS-CN-2026-004.xml", XML, ubl(PEPPOL_CN, credit_note=True))],
        "expect": {"kind": "credit_note"},
    },
    {
        "name": "ro_efactura_ubl_cius_ro",
        "imitates": "Romania's e-Factura: the UBL invoice under CIUS-RO (the ANAF sample "
                    "files' CustomizationID) attached with the invoice PDF from SmartBill",
        "from": IOANA, "to": "contabilitate@carpatica.test",
        "subject": "Factura SLM0052 - e-Factura",
        "date": "Fri, 06 Mar 2026 10:00:00 +0200",
        "body": "Bună ziua,\n\nAtașat factura și fișierul XML e-Factura.\n\nIoana\n",
        "attach": [("SLM0052.pdf", PDF, _visual(
            "FACTURA", [("Seria / Nr.", "SLM0052"), ("Data", "06.03.2026")],
            [("Total fara TVA", "5.000,00"), ("TVA 19%", "950,00"),
             ("Total de plata", "5.950,00")], "Sume exprimate in lei.")),
            ("SLM0052.xml", XML, ubl(EFACTURA))],
        "expect": inv("SLM0052", "5950.00", "RON", "2026-03-20"),
    },
    {
        "name": "es_peppol_ubl_intracom",
        "imitates": "a Spanish freelancer's intra-EU invoice as Peppol BIS 3.0 UBL (reverse "
                    "charge, VAT 0) attached to a short e-mail",
        "from": LUCIA, "to": "ap@kestrel-labs.test",
        "subject": "Factura F260051 (UBL)",
        "date": "Mon, 09 Mar 2026 12:00:00 +0100",
        "body": "Hola,\n\nAdjunto la factura electrónica F260051. Inversión del sujeto "
                "pasivo.\n\nLucía\n",
        "attach": [("F260051.xml", XML, ubl(ES_UBL))],
        "expect": inv("F260051", "1800.00", "EUR", "2026-04-08"),
    },
]
