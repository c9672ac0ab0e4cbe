"""The fourth batch of the invoice corpus, written after bb4b240's rules and measured once before
any change (the commit that adds them says what they found): Bill.com, a Google Docs template
pasted into Gmail, Freebe, Indy, Shine, Papierkram, a Swiss QR-bill invoice, a Mexican CFDI
e-mail, a prefixed UBL root, and a Stripe refund."""

from __future__ import annotations

from typing import Any

from .cases_de_es import JONAS, LUCIA
from .cases_en import ME, inv
from .cases_fr_ro import CLAIRE, IOANA
from .einvoice_xml import Doc, ubl

CASES: list[dict[str, Any]] = [
    {
        "name": "en_billcom_invoice",
        "imitates": "Bill.com's invoice e-mail ('You have a new invoice from ...', Invoice #, "
                    "Amount, Due Date in US format, a Pay Now link)",
        "from": ME, "to": "ap@ridge-media.test",
        "subject": "You have a new invoice from Lumen Studio",
        "date": "Wed, 25 Mar 2026 09:00:00 -0700",
        "body": "You have a new invoice from Lumen Studio.\n\nInvoice #: INV-2026-118\n"
                "Amount: $2,000.00\nDue Date: 04/30/2026\n\nPay Now\n"
                "https://app.bill.com/p/LumenStudio/inv118\n",
        "expect": inv("INV-2026-118", "2000.00", "USD", "2026-04-30"),
    },
    {
        "name": "en_google_docs_template",
        "imitates": "Google Docs' invoice template filled in and pasted into a Gmail message "
                    "(INVOICE NO., DATE, DUE DATE, TOTAL DUE in capitals)",
        "from": ME, "to": "hello@tinyfox.test",
        "subject": "Invoice for March",
        "date": "Thu, 05 Mar 2026 11:00:00 +0000",
        "body": "Hi!\n\nINVOICE NO. 2026-07\nDATE: March 5, 2026\nDUE DATE: April 4, 2026\n\n"
                "DESCRIPTION                  HOURS   RATE     AMOUNT\n"
                "Illustration                 16      $75.00   $1,200.00\n\n"
                "TOTAL DUE $1,200.00\n\nThanks,\nMaya\n",
        "expect": inv("2026-07", "1200.00", "USD", "2026-04-04"),
    },
    {
        "name": "fr_freebe_a_regler_avant",
        "imitates": "Freebe's invoice e-mail ('Facture n°... — montant — à régler avant le')",
        "from": CLAIRE, "to": "direction@studio-orion.test",
        "subject": "Facture n°2026-014 - Atelier Martin",
        "date": "Wed, 25 Mar 2026 10:00:00 +0100",
        "body": "Bonjour,\n\nVous trouverez ci-joint la facture n°2026-014 d'un montant de "
                "1 200,00 €, à régler avant le 15/04/2026.\n\nBien à vous,\nClaire\n",
        "expect": inv("2026-014", "1200.00", "EUR", "2026-04-15"),
    },
    {
        "name": "fr_indy_payable_sous",
        "imitates": "Indy's invoice e-mail ('voici la facture ... d'un montant total de ... € "
                    "TTC, payable sous 30 jours')",
        "from": CLAIRE, "to": "admin@cafe-lumiere.test",
        "subject": "Facture F-2026-0019",
        "date": "Thu, 26 Mar 2026 10:00:00 +0100",
        "body": "Bonjour,\n\nVoici la facture F-2026-0019 d'un montant total de 540 € TTC, "
                "payable sous 30 jours.\n\nClaire\n",
        "expect": inv("F-2026-0019", "540", "EUR", "2026-04-25"),
    },
    {
        "name": "fr_shine_facture_disponible",
        "imitates": "Shine's invoicing e-mail ('Votre facture n°12 de 2 000 € est disponible', "
                    "a link to download it)",
        "from": CLAIRE, "to": "compta@maison-garnier.test",
        "subject": "Votre facture n°12 de 2 000 € est disponible",
        "date": "Fri, 27 Mar 2026 10:00:00 +0100",
        "body": "Bonjour,\n\nVotre facture n°12 de 2 000 € est disponible : "
                "https://app.shine.fr/f/9a8b7c\n\nÉchéance : 26/04/2026\n",
        "expect": inv("12", "2000", "EUR", "2026-04-26"),
    },
    {
        "name": "ro_factura_in_euro",
        "imitates": "a Romanian freelancer invoicing a foreign client in euros ('în valoare de "
                    "500 euro, scadentă la 15 aprilie 2026')",
        "from": IOANA, "to": "billing@kestrel-labs.test",
        "subject": "Factura LUM 0070",
        "date": "Mon, 30 Mar 2026 10:00:00 +0300",
        "body": "Bună ziua,\n\nAtașat factura LUM 0070 în valoare de 500 euro, scadentă la "
                "15 aprilie 2026.\n\nIoana\n",
        "expect": inv("LUM 0070", "500", "EUR", "2026-04-15"),
    },
    {
        "name": "ro_factura_fiscala_valoare_totala",
        "imitates": "a Romanian 'factură fiscală' e-mail ('Valoare totală', 'Data scadenței')",
        "from": IOANA, "to": "office@dacia-print.test",
        "subject": "Factură fiscală nr. SLM-0099",
        "date": "Tue, 31 Mar 2026 10:00:00 +0300",
        "body": "Bună ziua,\n\nFactură fiscală nr. SLM-0099\nValoare totală: 1.190,00 RON\n"
                "Data scadenței: 30.04.2026\n\nIoana\n",
        "expect": inv("SLM-0099", "1190.00", "RON", "2026-04-30"),
    },
    {
        "name": "de_papierkram_innerhalb",
        "imitates": "Papierkram's invoice e-mail ('Rechnung Nr. ... über ...', 'innerhalb von "
                    "14 Tagen')",
        "from": JONAS, "to": "info@atelier-nord.test",
        "subject": "Rechnung Nr. 2026-033",
        "date": "Wed, 25 Mar 2026 10:00:00 +0100",
        "body": "Hallo,\n\nanbei die Rechnung Nr. 2026-033 über 2.975,00 €. Bitte überweisen "
                "Sie den Rechnungsbetrag innerhalb von 14 Tagen.\n\nJonas\n",
        "expect": inv("2026-033", "2975.00", "EUR", "2026-04-08"),
    },
    {
        "name": "de_ch_qr_rechnung_innert",
        "imitates": "a Swiss invoice with QR-bill ('Betrag CHF 1'250.00', 'zahlbar innert 30 "
                    "Tagen', Swiss German)",
        "from": JONAS, "to": "buchhaltung@alpenblick.test",
        "subject": "Rechnung 2026-14 Weber Design",
        "date": "Thu, 26 Mar 2026 10:00:00 +0100",
        "body": "Grüezi\n\nIm Anhang finden Sie die Rechnung 2026-14.\nBetrag: CHF 1'250.00\n"
                "Zahlbar innert 30 Tagen.\n\nFreundliche Grüsse\nJonas Weber\n",
        "expect": inv("2026-14", "1250.00", "CHF", "2026-04-25"),
    },
    {
        "name": "es_mx_cfdi_pesos",
        "imitates": "a Mexican invoice e-mail sent with its CFDI ('Factura A-123', 'Total: "
                    "$11,600.00 MXN', 'Fecha de vencimiento')",
        "from": LUCIA, "to": "pagos@luz-digital.test",
        "subject": "Factura A-123 - Ortega Estudio",
        "date": "Fri, 27 Mar 2026 10:00:00 -0600",
        "body": "Hola,\n\nTe envío la factura A-123 (CFDI adjunto).\nTotal: $11,600.00 MXN\n"
                "Fecha de vencimiento: 26/04/2026\n\nLucía\n",
        "expect": inv("A-123", "11600.00", "MXN", "2026-04-26"),
    },
    {
        "name": "es_total_a_pagar_30_dias",
        "imitates": "a Spanish invoice e-mail ('Total a pagar', 'vencimiento a 30 días')",
        "from": LUCIA, "to": "administracion@mar-azul.test",
        "subject": "Factura 2026-020",
        "date": "Mon, 30 Mar 2026 10:00:00 +0200",
        "body": "Hola,\n\nAdjunto la factura 2026-020.\nBase imponible: 1.200,00 €\nIVA 21 %: "
                "252,00 €\nTotal a pagar: 1.452,00 €\nForma de pago: transferencia, vencimiento "
                "a 30 días.\n\nLucía\n",
        "expect": inv("2026-020", "1452.00", "EUR", "2026-04-29"),
    },
    {
        "name": "de_xrechnung_ubl_prefixed_root",
        "imitates": "an XRechnung in UBL whose writer qualifies every element with a prefix "
                    "(ubl:Invoice), as several ERP exporters do",
        "from": JONAS, "to": "eingangsrechnungen@stadtwerke-musterstadt.test",
        "subject": "XRechnung 2026-0901",
        "date": "Tue, 31 Mar 2026 10:00:00 +0200",
        "body": "Sehr geehrte Damen und Herren,\n\nanbei die XRechnung.\n\nJonas Weber\n",
        "attach": [("2026-0901.xml", "application/xml", ubl(Doc(
            "2026-0901", "2026-03-31", "2026-04-30", "EUR", "800.00", "152.00", "952.00",
            "952.00", "Weber Design GmbH", "Stadtwerke Musterstadt")).replace(
                b"<Invoice xmlns=", b"<ubl:Invoice xmlns:ubl=").replace(
                b"</Invoice>", b"</ubl:Invoice>"))],
        "expect": inv("2026-0901", "952.00", "EUR", "2026-04-30"),
    },
    {
        "name": "en_stripe_refund",
        "imitates": "Stripe's refund e-mail ('Your refund from ...', 'Refund amount', the "
                    "invoice it refunds)",
        "from": ME, "to": "ap@ridge-media.test",
        "subject": "Your refund from Lumen Studio #2231-9001",
        "date": "Tue, 31 Mar 2026 12:00:00 +0000",
        "body": "Lumen Studio\n\nRefund amount $200.00\nInvoice INV-44\n"
                "Refunded to Visa - 4242\n",
        "expect": {"kind": "credit_note"},
    },
]
