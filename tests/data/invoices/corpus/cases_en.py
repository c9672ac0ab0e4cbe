"""English cases of the invoice corpus (see make_corpus.py)."""

from __future__ import annotations

from typing import Any

from .pdfs import draw

ME = "Maya Lin <maya@lumen-studio.example>"
HARBOR = "Harbor Design LLC <billing@harbor-design.example>"


def inv(number: str, amount: str, currency: str, due: str) -> dict[str, str]:
    return {"kind": "invoice", "number": number, "amount": amount, "currency": currency,
            "due": due}


PDF = "application/pdf"

CASES: list[dict[str, Any]] = [
    {
        "name": "en_stripe_hosted_invoice",
        "imitates": "Stripe Invoicing's e-mail for a hosted invoice: the amount and due date "
                    "as a headline, 'Pay this invoice' link to invoice.stripe.com, then the "
                    "invoice number and details (Stripe's default invoice e-mail)",
        "from": ME, "to": "ap@ridge-media.test",
        "subject": "Your invoice from Lumen Studio #4F2A91C3-0007",
        "date": "Mon, 02 Mar 2026 14:02:11 +0000",
        "body": "Lumen Studio\n\n$2,400.00\nDue March 31, 2026\n\n"
                "Pay this invoice\nhttps://invoice.stripe.com/i/acct_1NxQ2bLumen/live_YWNj"
                "dF8xTnhRMmJMdW1lbixfUGN2b2ljZTc?s=em\n\n"
                "Invoice number   4F2A91C3-0007\nDue date   March 31, 2026\n"
                "Amount due   $2,400.00\n\nBrand guidelines refresh   $2,400.00\n\n"
                "Questions? Contact Lumen Studio at maya@lumen-studio.example\n",
        "expect": inv("4F2A91C3-0007", "2400.00", "USD", "2026-03-31"),
    },
    {
        "name": "en_quickbooks_invoice",
        "imitates": "QuickBooks Online's invoice e-mail ('Here's your invoice! We appreciate "
                    "your prompt payment.', 'Invoice 1045 Details', 'Balance due', Review and "
                    "pay link to connect.intuit.com) with its PDF: header block, item table, "
                    "totals with BALANCE DUE",
        "from": HARBOR, "to": "Tom Avery <tom@northwind.test>",
        "subject": "Invoice 1045 from Harbor Design LLC",
        "date": "Tue, 03 Mar 2026 16:40:00 -0500",
        "body": "Dear Northwind Publishing,\n\nHere's your invoice! We appreciate your prompt "
                "payment.\n\nInvoice 1045 Details\nDue 04/15/2026\nBalance due $3,250.00\n\n"
                "Review and pay\nhttps://connect.intuit.com/t/scs-v1-8a3f0c2d1e9b4b7a\n\n"
                "Thanks for your business!\nHarbor Design LLC\n",
        "attach": [("Invoice_1045_from_Harbor_Design_LLC.pdf", PDF, draw([
            ("title", "INVOICE"),
            ("text", "Harbor Design LLC\n210 Pier Avenue, Portland, OR 97209\n(503) 555-0142"),
            ("columns", [("INVOICE #", "1045"), ("DATE", "03/03/2026"),
                         ("DUE DATE", "04/15/2026"), ("TERMS", "Custom")]),
            ("table", ["ACTIVITY", "QTY", "RATE", "AMOUNT"], [
                ["Website design", "1", "2,500.00", "2,500.00"],
                ["Copywriting (hours)", "10", "75.00", "750.00"]]),
            ("totals", [("SUBTOTAL", "3,250.00"), ("TAX", "0.00"), ("TOTAL", "3,250.00"),
                        ("BALANCE DUE", "$3,250.00")]),
        ]))],
        "expect": inv("1045", "3250.00", "USD", "2026-04-15"),
    },
    {
        "name": "en_xero_invoice",
        "imitates": "Xero's default 'Invoice' e-mail template ('Here's invoice INV-0042 for "
                    "AUD 1,650.00. The amount outstanding of AUD 1,650.00 is due on ...', "
                    "'View and pay your bill online' link to in.xero.com)",
        "from": "Demo Company (AU) <accounts@demo-company.example>",
        "to": "Ridge Media <ap@ridge-media.test>",
        "subject": "Invoice INV-0042 from Demo Company (AU) for Ridge Media",
        "date": "Wed, 04 Mar 2026 10:15:00 +1100",
        "body": "Hi Ridge Media,\n\nHere's invoice INV-0042 for AUD 1,650.00.\n\n"
                "The amount outstanding of AUD 1,650.00 is due on 30 Mar 2026.\n\n"
                "View and pay your bill online: https://in.xero.com/kQ2xWcM9Yp3ZT7vR\n\n"
                "From your online bill you can print a PDF, export a CSV, or create a free "
                "login and view your outstanding bills.\n\nIf you have any questions, please "
                "let us know.\n\nThanks,\nDemo Company (AU)\n",
        "expect": inv("INV-0042", "1650.00", "AUD", "2026-03-30"),
    },
    {
        "name": "en_freshbooks_invoice",
        "imitates": "FreshBooks' invoice e-mail: 'sent you an invoice for $... USD that's due "
                    "on ...', the number in parentheses in the subject, a View Invoice link; "
                    "US dates (MM/DD/YYYY)",
        "from": "Sam Okafor <sam@okafor-dev.example>", "to": "finance@brightline.test",
        "subject": "Sam Okafor sent you an invoice (0000042)",
        "date": "Thu, 05 Mar 2026 09:00:00 -0800",
        "body": "Sam Okafor sent you an invoice for $1,200.00 USD that's due on April 2, "
                "2026.\n\nInvoice 0000042\nAmount Due: $1,200.00 USD\nDue Date: 04/02/2026\n\n"
                "View Invoice\nhttps://my.freshbooks.com/#/link/7bd41f0e2c\n\n"
                "Thank you for your business.\n",
        "expect": inv("0000042", "1200.00", "USD", "2026-04-02"),
    },
    {
        "name": "en_zoho_invoice",
        "imitates": "Zoho Invoice's default invoice e-mail: 'Thank you for your business. "
                    "Your invoice can be viewed, printed and downloaded as PDF from the link "
                    "below', an INVOICE AMOUNT panel, Invoice No / Invoice Date / Due Date",
        "from": ME, "to": "accounts@kestrel-labs.test",
        "subject": "Invoice - INV-000042 from Lumen Studio",
        "date": "Mon, 02 Mar 2026 08:30:00 +0000",
        "body": "Dear Kestrel Labs,\n\nThank you for your business. Your invoice can be "
                "viewed, printed and downloaded as PDF from the link below. You can also "
                "choose to pay it online.\n\nINVOICE AMOUNT\n£1,800.00\n\n"
                "Invoice No   INV-000042\nInvoice Date   02 Mar 2026\nDue Date   01 Apr 2026\n\n"
                "VIEW INVOICE https://zohosecurepay.eu/books/lumenstudio/secure?CInvoiceID="
                "2-30001be7e0c\n\nRegards,\nMaya Lin\nLumen Studio\n",
        "expect": inv("INV-000042", "1800.00", "GBP", "2026-04-01"),
    },
    {
        "name": "en_invoiceninja_signed_link",
        "imitates": "Invoice Ninja's invoice e-mail: 'To view your invoice for $..., click the "
                    "link below', a signed client-portal link (.../client/invoices/42?signature"
                    "=...) before the invoice number",
        "from": ME, "to": "ops@ridge-media.test",
        "subject": "New invoice 0042 from Lumen Studio",
        "date": "Tue, 03 Mar 2026 11:12:00 +0000",
        "body": "Dear Ridge Media,\n\nTo view your invoice for $980.00, click the link below."
                "\n\nhttps://billing.lumen-studio.example/client/invoices/42?signature="
                "8d9c0f7a6b5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c\n\n"
                "Invoice: 0042\nAmount: $980.00\nDue Date: Apr 2, 2026\n\nThank you!\n",
        "expect": inv("0042", "980.00", "USD", "2026-04-02"),
    },
    {
        "name": "en_sage_amounts_in_dollars",
        "imitates": "a Sage Accounting invoice PDF for a US customer whose item table and "
                    "totals carry no currency mark, the currency stated once ('All amounts in "
                    "US Dollars'); the e-mail is Sage's short covering note",
        "from": HARBOR, "to": "payables@fenwick-co.test",
        "subject": "Invoice SI-2031 from Harbor Design LLC",
        "date": "Fri, 06 Mar 2026 15:22:00 -0500",
        "body": "Hello,\n\nPlease find attached invoice SI-2031.\n\nIf you have any questions "
                "about this invoice please contact us.\n\nKind regards,\nHarbor Design LLC\n",
        "attach": [("SI-2031.pdf", PDF, draw([
            ("title", "Invoice"),
            ("rows", [("Invoice Number", "SI-2031"), ("Invoice Date", "06/03/2026"),
                      ("Due Date", "05/04/2026")]),
            ("table", ["Description", "Qty", "Unit Price", "Net"], [
                ["Brand workshop (2 days)", "2", "1,100.00", "2,200.00"],
                ["Travel", "1", "180.00", "180.00"]]),
            ("totals", [("Total Net", "2,380.00"), ("Total Tax", "0.00"),
                        ("TOTAL", "2,380.00")]),
            ("text", "All amounts in US Dollars. Payment terms: 30 days."),
        ]))],
        "expect": inv("SI-2031", "2380.00", "USD", "2026-04-05"),
    },
    {
        "name": "en_utility_year_before_total",
        "imitates": "a telecom / utility e-bill ('Your bill is ready', account summary, 'TOTAL "
                    "AMOUNT DUE ON <date> $...' with the year right before the dollar sign), "
                    "shaped on US carriers' e-bill notices",
        "from": "Lumen Hosting <billing@lumen-hosting.example>", "to": "it@fenwick-co.test",
        "subject": "Your Lumen Hosting invoice is ready",
        "date": "Sun, 08 Mar 2026 06:00:00 -0500",
        "body": "Your invoice is ready.\n\nAccount number: 8310 0042 7781\nInvoice number: "
                "HST-2026-0308\nBilling period: Feb 8 - Mar 7, 2026\n\n"
                "Previous balance $84.11\nPayment received - thank you -$84.11\n"
                "New charges $96.40\n\nTOTAL AMOUNT DUE ON April 3, 2026 $96.40\n\n"
                "Pay online at https://my.lumen-hosting.example/pay\n",
        "expect": inv("HST-2026-0308", "96.40", "USD", "2026-04-03"),
    },
    {
        "name": "en_stripe_payment_receipt",
        "imitates": "Stripe's payment receipt e-mail sent after an invoice was paid: 'Receipt "
                    "from ...', 'Amount paid', the invoice number it settles, 'Payment method'",
        "from": ME, "to": "ap@ridge-media.test",
        "subject": "Lumen Studio - INV-41",
        "date": "Mon, 09 Mar 2026 13:01:00 +0000",
        "body": "Payment receipt\n\nLumen Studio\n\nInvoice INV-41\nAmount received $980.00\n"
                "Date paid March 9, 2026\nPayment method Visa - 4242\n\n"
                "Questions? Contact us at maya@lumen-studio.example\n",
        "expect": {"kind": "receipt"},
    },
    {
        "name": "en_quickbooks_credit_memo",
        "imitates": "QuickBooks Online's credit memo e-mail ('Credit Memo 1046 from ...', "
                    "'Here's your credit memo') that names the invoice it credits",
        "from": HARBOR, "to": "Tom Avery <tom@northwind.test>",
        "subject": "Credit Memo 1046 from Harbor Design LLC",
        "date": "Tue, 10 Mar 2026 10:00:00 -0500",
        "body": "Dear Northwind Publishing,\n\nHere's your credit memo for invoice 1045. "
                "The credit of $250.00 has been applied to your account.\n\n"
                "Credit memo 1046\nTotal credit $250.00\n\nHarbor Design LLC\n",
        "expect": {"kind": "credit_note"},
    },
    {
        "name": "en_paypal_invoice",
        "imitates": "PayPal Invoicing's e-mail ('Here's your invoice', 'Amount due', 'Due "
                    "date', 'Invoice number', a View and Pay Invoice button to paypal.com)",
        "from": ME, "to": "hello@tinyfox.test",
        "subject": "Invoice from Lumen Studio (0019)",
        "date": "Wed, 11 Mar 2026 17:45:00 +0000",
        "body": "Lumen Studio sent you an invoice\n\nAmount due: $450.00 USD\n"
                "Due date: Apr 10, 2026\nInvoice number: 0019\n\n"
                "View and Pay Invoice\nhttps://www.paypal.com/invoice/p/#INV2-KQ7X-3M2P-8ZTA"
                "\n\nNote from seller: Logo animation, 15 s\n",
        "expect": inv("0019", "450.00", "USD", "2026-04-10"),
    },
    {
        "name": "en_gst_tax_invoice_rs",
        "imitates": "an Indian GST 'Tax Invoice' as retail billing software prints it "
                    "(GSTIN, HSN/SAC, CGST/SGST split, 'Rs.' the only currency mark, amount in "
                    "words), sent as a PDF",
        "from": "Kavya Prints <accounts@kavya-prints.example>", "to": "orders@chai-co.test",
        "subject": "Tax Invoice KP/25-26/0431",
        "date": "Thu, 12 Mar 2026 12:10:00 +0530",
        "body": "Dear Customer,\n\nPlease find attached the tax invoice for your order.\n"
                "Kindly pay within 15 days.\n\nRegards,\nKavya Prints\n",
        "attach": [("KP-25-26-0431.pdf", PDF, draw([
            ("title", "TAX INVOICE"),
            ("text", "Kavya Prints, 12 MG Road, Pune 411001  GSTIN 27AAAAA0000A1Z5"),
            ("rows", [("Invoice No.", "KP/25-26/0431"), ("Invoice Date", "12-03-2026")]),
            ("table", ["Description (HSN 4911)", "Qty", "Rate", "Amount"], [
                ["Printed menus A4", "200", "Rs. 6.50", "Rs. 1,300.00"],
                ["Table tents", "50", "Rs. 4.00", "Rs. 200.00"]]),
            ("totals", [("Taxable value", "Rs. 1,500.00"), ("CGST 9%", "Rs. 135.00"),
                        ("SGST 9%", "Rs. 135.00"), ("Grand Total", "Rs. 1,770.00")]),
            ("text", "Rupees One Thousand Seven Hundred Seventy Only"),
        ]))],
        "expect": inv("KP/25-26/0431", "1770.00", "INR", "2026-03-27"),
    },
    {
        "name": "en_erpnext_multipage",
        "imitates": "ERPNext's Sales Invoice print format over two pages: header fields in two "
                    "columns, a long item table, the totals block (Net Total, VAT, Grand "
                    "Total, Outstanding Amount) on the last page; the e-mail is ERPNext's "
                    "'Please see attachment'",
        "from": "Nordlicht Ltd <accounts@nordlicht.example>", "to": "ap@ridge-media.test",
        "subject": "Sales Invoice: ACC-SINV-2026-00017",
        "date": "Mon, 02 Mar 2026 09:30:00 +0000",
        "body": "Please see attachment\n",
        "attach": [("ACC-SINV-2026-00017.pdf", PDF, draw([
            ("title", "Sales Invoice"),
            ("columns", [("Invoice No", "ACC-SINV-2026-00017"), ("Date", "02-03-2026"),
                         ("Due Date", "01-04-2026"), ("Customer", "Ridge Media")]),
            ("table", ["Item", "Qty", "Rate", "Amount"],
             [[f"Support hours, week {w}", "6", "GBP 60.00", "GBP 360.00"]
              for w in range(1, 41)]),
            ("totals", [("Net Total", "GBP 14,400.00"), ("VAT 20%", "GBP 2,880.00"),
                        ("Grand Total", "GBP 17,280.00"),
                        ("Outstanding Amount", "GBP 17,280.00")]),
        ]))],
        "expect": inv("ACC-SINV-2026-00017", "17280.00", "GBP", "2026-04-01"),
    },
    {
        "name": "en_wave_html",
        "imitates": "Wave's invoice e-mail (HTML only): 'Invoice #42', 'Amount due (USD)', "
                    "'Due on', 'View invoice' button",
        "from": ME, "to": "office@tinyfox.test",
        "subject": "Invoice #42 from Lumen Studio",
        "date": "Fri, 13 Mar 2026 08:05:00 +0000",
        "body": "",
        "html": "<html><body><table><tr><td><h2>Lumen Studio</h2></td></tr>"
                "<tr><td>Invoice #42</td></tr><tr><td>Amount due (USD)</td><td>$640.00</td>"
                "</tr><tr><td>Due on</td><td>April 12, 2026</td></tr>"
                "<tr><td><a href='https://next.waveapps.com/invoice/view/9f8e7d'>View invoice"
                "</a></td></tr></table></body></html>",
        "expect": inv("42", "640.00", "USD", "2026-04-12"),
    },
    {
        "name": "en_harvest_quote",
        "imitates": "Harvest's estimate e-mail ('Estimate #12 from ...', 'Estimate amount')",
        "from": ME, "to": "office@tinyfox.test",
        "subject": "Estimate #12 from Lumen Studio",
        "date": "Fri, 13 Mar 2026 08:15:00 +0000",
        "body": "Hi,\n\nHere is estimate #12 for $3,000.00 for the app redesign. Once accepted "
                "we will send the invoice.\n\nLumen Studio\n",
        "expect": {"kind": "quote"},
    },
]
