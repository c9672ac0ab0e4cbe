"""The fifth batch of the invoice corpus, written after 3520d9e's rules and measured once before
any change (the commit that adds them says what they found): Toggl-style time-tracking invoices,
an Australian tax invoice, a UK invoice with terms from the invoice date, Sellsy, a Belgian
structured communication, an Austrian 'Honorarnote', a Factur-X whose XML travels beside the
PDF, and reminders the freelancer sent by hand (not new invoices)."""

from __future__ import annotations

from typing import Any

from .cases_de_es import JONAS, LUCIA
from .cases_en import ME, PDF, inv
from .cases_fr_ro import CLAIRE, IOANA
from .einvoice_xml import Doc, cii
from .pdfs import draw

FX_201 = Doc("FA-2026-0201", "2026-04-01", "2026-05-01", "EUR", "1000.00", "200.00", "1200.00",
             "1200.00", "Atelier Martin", "Maison Garnier SAS")

CASES: list[dict[str, Any]] = [
    {
        "name": "en_time_tracker_net_15",
        "imitates": "a time-tracking tool's invoice e-mail (Toggl / Clockify style: 'Invoice "
                    "2026-031 from ...', hours, total, 'Payment terms: Net 15')",
        "from": ME, "to": "ap@ridge-media.test",
        "subject": "Invoice 2026-031 from Lumen Studio",
        "date": "Wed, 01 Apr 2026 09:00:00 +0000",
        "body": "Hello,\n\nInvoice 2026-031 for March: 28 hours at €50.00.\n"
                "Total: €1,400.00\nPayment terms: Net 15\n\nMaya\n",
        "expect": inv("2026-031", "1400.00", "EUR", "2026-04-16"),
    },
    {
        "name": "en_au_tax_invoice_inc_gst",
        "imitates": "an Australian 'Tax Invoice' (ABN, 'Total (inc GST) $1,100.00 AUD', 'Due "
                    "date'), as MYOB prints it",
        "from": "Kai Nguyen <kai@nguyen-design.example>", "to": "accounts@harbour.test",
        "subject": "Tax Invoice #00123",
        "date": "Thu, 02 Apr 2026 09:00:00 +1100",
        "body": "Hi,\n\nPlease find our tax invoice #00123 below.\nABN 12 345 678 901\n"
                "Subtotal $1,000.00\nGST $100.00\nTotal (inc GST) $1,100.00 AUD\n"
                "Due date: 16/04/2026\n\nKai\n",
        "expect": inv("00123", "1100.00", "AUD", "2026-04-16"),
    },
    {
        "name": "en_uk_within_14_days_of_invoice_date",
        "imitates": "a UK sole trader's invoice e-mail ('Invoice number: 2026/04', 'Payment "
                    "due within 14 days of the invoice date', pounds)",
        "from": "Dan Whitaker <dan@whitaker-studio.example>", "to": "tom@northwind.test",
        "subject": "Invoice 2026/04 - Whitaker Studio",
        "date": "Fri, 03 Apr 2026 09:00:00 +0100",
        "body": "Hi Tom,\n\nInvoice number: 2026/04\nTotal: £840.00\nPayment due within 14 "
                "days of the invoice date.\n\nDan\n",
        "expect": inv("2026/04", "840.00", "GBP", "2026-04-17"),
    },
    {
        "name": "fr_sellsy_arrive_a_echeance",
        "imitates": "Sellsy's invoice e-mail ('Votre facture ... d'un montant de ... TTC arrive "
                    "à échéance le ...')",
        "from": CLAIRE, "to": "compta@boulangeries-leroy.test",
        "subject": "Votre facture FA00231",
        "date": "Wed, 01 Apr 2026 10:00:00 +0200",
        "body": "Bonjour,\n\nVotre facture FA00231 d'un montant de 3 600,00 € TTC arrive à "
                "échéance le 30/04/2026.\n\nCordialement,\nClaire\n",
        "expect": inv("FA00231", "3600.00", "EUR", "2026-04-30"),
    },
    {
        "name": "fr_be_communication_structuree",
        "imitates": "a Belgian invoice e-mail with a structured communication (+++090/9337/"
                    "55493+++) for the bank transfer, as Belgian tools (Billit, Yuki) write it",
        "from": CLAIRE, "to": "compta@bruxelles-design.test",
        "subject": "Facture 2026/0042",
        "date": "Thu, 02 Apr 2026 10:00:00 +0200",
        "body": "Bonjour,\n\nMontant : 1 210,00 EUR\nCommunication structurée : "
                "+++090/9337/55493+++\nÉchéance : 30/04/2026\n\nClaire\n",
        "expect": inv("2026/0042", "1210.00", "EUR", "2026-04-30"),
    },
    {
        "name": "ro_seria_b_termen_30_zile",
        "imitates": "a Romanian invoice e-mail with a one-letter series ('Factura seria B nr. "
                    "123', 'Termen de plată 30 zile')",
        "from": IOANA, "to": "office@nova-events.test",
        "subject": "Factura seria B nr. 123",
        "date": "Wed, 01 Apr 2026 10:00:00 +0300",
        "body": "Bună ziua,\n\nFactura seria B nr. 123 din 01.04.2026\nTotal de plată "
                "2.975,00 lei\nTermen de plată 30 zile\n\nIoana\n",
        "expect": inv("B 123", "2975.00", "RON", "2026-05-01"),
    },
    {
        "name": "de_at_honorarnote",
        "imitates": "an Austrian freelancer's 'Honorarnote' (the Austrian word for a "
                    "freelancer's invoice) with 'Honorar' and 'zahlbar binnen 14 Tagen'",
        "from": JONAS, "to": "office@wien-verlag.test",
        "subject": "Honorarnote Nr. 2026-07",
        "date": "Thu, 02 Apr 2026 10:00:00 +0200",
        "body": "Sehr geehrte Damen und Herren,\n\nanbei meine Honorarnote Nr. 2026-07.\n"
                "Honorar: 1.800,00 €\nzahlbar binnen 14 Tagen.\n\nJonas Weber\n",
        "expect": inv("2026-07", "1800.00", "EUR", "2026-04-16"),
    },
    {
        "name": "de_zahlungsziel_datum",
        "imitates": "a German invoice e-mail with 'Zahlungsziel: <date>' and 'Gesamtbetrag'",
        "from": JONAS, "to": "buchhaltung@kranich-verlag.test",
        "subject": "Rechnung 2026-0415",
        "date": "Fri, 03 Apr 2026 10:00:00 +0200",
        "body": "Guten Tag,\n\nRechnung 2026-0415\nGesamtbetrag: 1.190,00 EUR\n"
                "Zahlungsziel: 17.04.2026\n\nWeber Design\n",
        "expect": inv("2026-0415", "1190.00", "EUR", "2026-04-17"),
    },
    {
        "name": "es_total_factura_mayusculas",
        "imitates": "a Spanish invoice e-mail in capitals ('Nº FACTURA', 'TOTAL FACTURA', "
                    "'VENCIMIENTO')",
        "from": LUCIA, "to": "administracion@mar-azul.test",
        "subject": "Factura 2026/044",
        "date": "Wed, 01 Apr 2026 10:00:00 +0200",
        "body": "Hola,\n\nNº FACTURA: 2026/044\nTOTAL FACTURA 2.420,00 €\n"
                "VENCIMIENTO: 30/04/2026\n\nLucía\n",
        "expect": inv("2026/044", "2420.00", "EUR", "2026-04-30"),
    },
    {
        "name": "fr_facturx_xml_beside_pdf",
        "imitates": "a Factur-X invoice whose CII XML travels as a separate attachment beside "
                    "a plain PDF (some platforms export both files)",
        "from": CLAIRE, "to": "compta@maison-garnier.test",
        "subject": "Facture FA-2026-0201",
        "date": "Wed, 01 Apr 2026 11:00:00 +0200",
        "body": "Bonjour,\n\nLa facture en PDF et son fichier XML.\n\nClaire\n",
        "attach": [("FA-2026-0201.pdf", PDF, draw([
            ("title", "FACTURE"), ("rows", [("Facture n°", "FA-2026-0201"),
                                            ("Total TTC", "1 200,00")])])),
            ("factur-x.xml", "text/xml", cii(FX_201))],
        "expect": inv("FA-2026-0201", "1200.00", "EUR", "2026-05-01"),
    },
    {
        "name": "en_manual_overdue_reminder",
        "imitates": "a reminder the freelancer writes by hand from Gmail ('Reminder: invoice "
                    "INV-0042 is overdue') naming the amount: about an invoice, not a new one",
        "from": ME, "to": "ap@ridge-media.test",
        "subject": "Reminder: invoice INV-0042 is overdue",
        "date": "Mon, 06 Apr 2026 09:00:00 +0000",
        "body": "Hi,\n\nJust a reminder that invoice INV-0042 for AUD 1,650.00 was due on "
                "30 March. Could you let me know when it will be paid?\n\nThanks,\nMaya\n",
        "expect": {"kind": "reminder"},
    },
    {
        "name": "de_zahlungserinnerung",
        "imitates": "a German 'Zahlungserinnerung' (payment reminder) the freelancer sends "
                    "from their mail client",
        "from": JONAS, "to": "buchhaltung@kranich-verlag.test",
        "subject": "Zahlungserinnerung: Rechnung RE-1042",
        "date": "Mon, 06 Apr 2026 09:00:00 +0200",
        "body": "Sehr geehrte Damen und Herren,\n\nsicher ist es Ihrer Aufmerksamkeit "
                "entgangen: die Rechnung RE-1042 über 1.190,00 € ist seit dem 16.03.2026 "
                "fällig.\n\nMit freundlichen Grüßen\nJonas Weber\n",
        "expect": {"kind": "reminder"},
    },
]
