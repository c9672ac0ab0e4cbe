"""French and Romanian cases of the invoice corpus (see make_corpus.py)."""

from __future__ import annotations

from typing import Any

from .cases_en import PDF, inv
from .pdfs import draw

CLAIRE = "Claire Martin <claire@atelier-martin.example>"
IOANA = "Ioana Popescu <ioana@studio-lumen.example>"

CASES: list[dict[str, Any]] = [
    {
        "name": "fr_pennylane_montants_en_euros",
        "imitates": "a Pennylane invoice PDF: totals block Total HT / TVA / Total TTC with no "
                    "currency mark, 'Montants exprimés en euros' under the table, the legal "
                    "mentions (pénalités de retard, indemnité de 40 €); Pennylane's e-mail "
                    "'Vous trouverez ci-joint la facture'",
        "from": CLAIRE, "to": "compta@maison-garnier.test",
        "subject": "Atelier Martin - Facture F-2026-0042",
        "date": "Mon, 02 Mar 2026 10:00:00 +0100",
        "body": "Bonjour,\n\nVous trouverez ci-joint la facture F-2026-0042.\n\n"
                "Cordialement,\nClaire Martin\n",
        "attach": [("Facture_F-2026-0042.pdf", PDF, draw([
            ("title", "Facture"),
            ("columns", [("Numéro", "F-2026-0042"), ("Date d'émission", "02/03/2026"),
                         ("Date d'échéance", "01/04/2026")]),
            ("table", ["Désignation", "Qté", "Prix unitaire HT", "Total HT"], [
                ["Direction artistique (jours)", "4", "450,00", "1 800,00"],
                ["Déclinaisons réseaux sociaux", "1", "200,00", "200,00"]]),
            ("totals", [("Total HT", "2 000,00"), ("TVA (20 %)", "400,00"),
                        ("Total TTC", "2 400,00")]),
            ("text", "Montants exprimés en euros. Pénalités de retard : trois fois le taux "
                     "d'intérêt légal. Indemnité forfaitaire pour frais de recouvrement : 40 €."),
        ]))],
        "expect": inv("F-2026-0042", "2400.00", "EUR", "2026-04-01"),
    },
    {
        "name": "fr_henrrri_date_limite",
        "imitates": "Henrrri's invoice e-mail: 'd'un montant de ... TTC', the due date written "
                    "as 'Date limite de paiement le 05 juillet 2026'",
        "from": CLAIRE, "to": "f.garnier@maison-garnier.test",
        "subject": "Facture n° 2026-057 - Atelier Martin",
        "date": "Fri, 05 Jun 2026 09:20:00 +0200",
        "body": "Bonjour,\n\nVeuillez trouver ci-joint la facture n° 2026-057 d'un montant de "
                "1 440,00 € TTC.\n\nDate limite de paiement le 05 juillet 2026.\n\n"
                "Bien cordialement,\nClaire Martin\n",
        "expect": inv("2026-057", "1440.00", "EUR", "2026-07-05"),
    },
    {
        "name": "fr_odoo_portal_link",
        "imitates": "Odoo's 'Envoyer la facture' e-mail: 'Voici votre facture INV/2026/00044 "
                    "d'un montant de ...', a portal link /my/invoices/44?access_token=..., "
                    "the payment communication; the subject '... Facture (Réf INV/2026/00044)'",
        "from": CLAIRE, "to": "compta@boulangeries-leroy.test",
        "subject": "Atelier Martin Facture (Réf INV/2026/00044)",
        "date": "Tue, 03 Mar 2026 14:30:00 +0100",
        "body": "Voir la facture : https://erp.atelier-martin.example/my/invoices/44?"
                "access_token=0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b\n\nBonjour,\n\n"
                "Voici votre facture INV/2026/00044 d'un montant de 1 250,00 € de Atelier "
                "Martin. Merci d'effectuer le paiement dès que possible.\nVeuillez utiliser "
                "la communication suivante pour votre paiement : INV/2026/00044\n\n"
                "N'hésitez pas à nous contacter si vous avez des questions.\n",
        "expect": inv("INV/2026/00044", "1250.00", "EUR", "2026-04-02"),
    },
    {
        "name": "fr_zoho_facture",
        "imitates": "Zoho Invoice's French invoice e-mail ('Merci pour votre confiance. Votre "
                    "facture peut être consultée...', MONTANT DE LA FACTURE, N° de facture, "
                    "Date d'échéance)",
        "from": CLAIRE, "to": "admin@cafe-lumiere.test",
        "subject": "Facture - FAC-000318 de Atelier Martin",
        "date": "Wed, 04 Mar 2026 08:45:00 +0100",
        "body": "Cher Café Lumière,\n\nMerci pour votre confiance. Votre facture peut être "
                "consultée, imprimée et téléchargée au format PDF depuis le lien ci-dessous."
                "\n\nMONTANT DE LA FACTURE\n960,00 €\n\nN° de facture   FAC-000318\n"
                "Date de facture   04/03/2026\nDate d'échéance   18/03/2026\n\n"
                "AFFICHER LA FACTURE https://zohosecurepay.eu/books/ateliermartin/secure?"
                "CInvoiceID=2-77f3\n",
        "expect": inv("FAC-000318", "960.00", "EUR", "2026-03-18"),
    },
    {
        "name": "fr_pennylane_avoir",
        "imitates": "Pennylane's e-mail for a credit note: the subject says 'vous a envoyé un "
                    "avoir', the body 'Avoir n° AV-2026-0003' with 'facture' nearby",
        "from": CLAIRE, "to": "compta@maison-garnier.test",
        "subject": "Atelier Martin vous a envoyé un avoir",
        "date": "Thu, 12 Mar 2026 11:00:00 +0100",
        "body": "Bonjour,\n\nVous trouverez ci-joint l'avoir n° AV-2026-0003 d'un montant de "
                "240,00 € TTC, relatif à la facture F-2026-0042.\n\nCordialement,\nClaire\n",
        "expect": {"kind": "credit_note"},
    },
    {
        "name": "fr_facture_d_avoir",
        "imitates": "a 'facture d'avoir' as Sellsy and many French tools title a credit "
                    "note, sent with a subject that only says 'Facture FA-2026-019'",
        "from": CLAIRE, "to": "compta@boulangeries-leroy.test",
        "subject": "Facture FA-2026-019",
        "date": "Fri, 13 Mar 2026 16:00:00 +0100",
        "body": "Bonjour,\n\nSuite au retour de la commande, veuillez trouver ci-joint la "
                "facture d'avoir FA-2026-019 de 180,00 € TTC, qui annule partiellement la "
                "facture F-2026-0031.\n\nCordialement,\nClaire\n",
        "expect": {"kind": "credit_note"},
    },
    {
        "name": "fr_facture_acquittee",
        "imitates": "a 'facture acquittée' (paid invoice, marked settled) as French tools "
                    "send it on request after payment",
        "from": CLAIRE, "to": "admin@cafe-lumiere.test",
        "subject": "Votre facture F-2026-0021 acquittée",
        "date": "Mon, 09 Mar 2026 10:30:00 +0100",
        "body": "Bonjour,\n\nComme demandé, voici la facture F-2026-0021 acquittée, d'un "
                "montant de 850,00 € TTC, réglée le 6 mars 2026.\n\nCordialement,\nClaire\n",
        "expect": {"kind": "receipt"},
    },
    {
        "name": "fr_plain_tax_base_first",
        "imitates": "a freelancer's plain-text invoice e-mail listing 'Montant HT' before "
                    "'TVA' and 'Net à payer', as auto-entrepreneur tools (Freebe, Abby) print "
                    "the totals",
        "from": CLAIRE, "to": "direction@studio-orion.test",
        "subject": "Facture 2026-03-07 - refonte du site",
        "date": "Sat, 07 Mar 2026 12:00:00 +0100",
        "body": "Bonjour,\n\nVoici la facture n° 2026-03-07 pour la refonte du site.\n\n"
                "Montant HT : 3 500,00 €\nTVA 20 % : 700,00 €\nAcompte versé : 1 000,00 €\n"
                "Net à payer : 3 200,00 €\n\nPaiement à 30 jours.\n\nClaire\n",
        "expect": inv("2026-03-07", "3200.00", "EUR", "2026-04-06"),
    },
    # --- Romanian -------------------------------------------------------------------------
    {
        "name": "ro_smartbill_serie_numar",
        "imitates": "SmartBill's invoice e-mail ('Va transmitem factura seria ... nr. ... din "
                    "..., in valoare de ... RON, cu scadenta la ...', a link to view it)",
        "from": IOANA, "to": "contabilitate@carpatica.test",
        "subject": "Factura SLM 0042 din 02.03.2026 - Studio Lumen SRL",
        "date": "Mon, 02 Mar 2026 10:00:00 +0200",
        "body": "Bună ziua,\n\nVă transmitem factura seria SLM nr. 0042 din 02.03.2026, în "
                "valoare de 2.380,00 RON, cu scadența la 16.03.2026.\n\nO puteți vizualiza "
                "aici: https://cloud.smartbill.ro/f/8c2e1a\n\nO zi bună,\nStudio Lumen SRL\n",
        "expect": inv("SLM 0042", "2380.00", "RON", "2026-03-16"),
    },
    {
        "name": "ro_oblio_factura_noua",
        "imitates": "Oblio's notification of a new invoice: the subject 'Factură nouă 0046 de "
                    "la Studio Lumen', the body with amount and due date and a link",
        "from": IOANA, "to": "office@dacia-print.test",
        "subject": "Factură nouă 0046 de la Studio Lumen",
        "date": "Tue, 03 Mar 2026 09:10:00 +0200",
        "body": "Bună ziua,\n\nAți primit o factură nouă de la Studio Lumen SRL în valoare de "
                "1.190,00 lei, scadentă la 20.03.2026.\n\nVizualizează factura: "
                "https://www.oblio.eu/f/stdlmn/0046\n\nMulțumim!\n",
        "expect": inv("0046", "1190.00", "RON", "2026-03-20"),
    },
    {
        "name": "ro_fgo_sume_in_lei",
        "imitates": "an FGO invoice PDF: 'FACTURA' with Seria / Nr. / Data in a column block, "
                    "the item table and totals without currency, 'Sume exprimate in lei' "
                    "(Romanian invoice PDFs often without diacritics)",
        "from": IOANA, "to": "achizitii@transilvania-foods.test",
        "subject": "Factura Studio Lumen martie",
        "date": "Wed, 04 Mar 2026 13:00:00 +0200",
        "body": "Bună ziua,\n\nAtașat găsiți factura pentru luna martie.\n\nCu stimă,\nIoana\n",
        "attach": [("factura_SLM_0047.pdf", PDF, draw([
            ("title", "FACTURA"),
            ("columns", [("Seria", "SLM"), ("Nr.", "0047"), ("Data", "04.03.2026"),
                         ("Scadenta", "18.03.2026")]),
            ("table", ["Denumire produse / servicii", "Cant.", "Pret unitar", "Valoare"], [
                ["Sedinta foto produse", "1", "1.500,00", "1.500,00"],
                ["Editare imagini", "20", "25,00", "500,00"]]),
            ("totals", [("Total fara TVA", "2.000,00"), ("TVA 19%", "380,00"),
                        ("Total de plata", "2.380,00")]),
            ("text", "Sume exprimate in lei."),
        ]))],
        "expect": inv("SLM 0047", "2380.00", "RON", "2026-03-18"),
    },
    {
        "name": "ro_storno",
        "imitates": "a Romanian 'factura storno' (reversal invoice) as SmartBill issues it, "
                    "named in the body only",
        "from": IOANA, "to": "contabilitate@carpatica.test",
        "subject": "Factura SLM 0048",
        "date": "Thu, 05 Mar 2026 10:00:00 +0200",
        "body": "Bună ziua,\n\nVă transmitem factura storno seria SLM nr. 0048 din 05.03.2026, "
                "în valoare de -2.380,00 RON, care anulează factura SLM 0042.\n\nIoana\n",
        "expect": {"kind": "credit_note"},
    },
    {
        "name": "ro_chitanta",
        "imitates": "a Romanian receipt ('chitanța') for a paid invoice, as SmartBill sends it",
        "from": IOANA, "to": "office@dacia-print.test",
        "subject": "Chitanța SLMC 0012 pentru factura 0046",
        "date": "Fri, 06 Mar 2026 10:00:00 +0200",
        "body": "Bună ziua,\n\nAtașat găsiți chitanța pentru plata facturii 0046, suma de "
                "1.190,00 lei.\n\nIoana\n",
        "expect": {"kind": "receipt"},
    },
    {
        "name": "ro_html_total_de_plata",
        "imitates": "an HTML-only invoice e-mail of a Romanian invoicing web app (a table with "
                    "Număr factură, Data scadenței, Total de plată)",
        "from": IOANA, "to": "office@nova-events.test",
        "subject": "Factura dumneavoastră de la Studio Lumen",
        "date": "Mon, 09 Mar 2026 11:00:00 +0200",
        "body": "",
        "html": "<html><body><p>Bună ziua,</p><p>Vă mulțumim pentru colaborare.</p><table>"
                "<tr><td>Număr factură</td><td>SLM 0051</td></tr>"
                "<tr><td>Data emiterii</td><td>09.03.2026</td></tr>"
                "<tr><td>Data scadenței</td><td>23.03.2026</td></tr>"
                "<tr><td>Total de plată</td><td>4.760,00 RON</td></tr></table></body></html>",
        "expect": inv("SLM 0051", "4760.00", "RON", "2026-03-23"),
    },
]
