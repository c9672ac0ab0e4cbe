"""Write the invoice corpus: sent messages shaped on what real invoicing tools send, with their
expected reading in expectations.toml.

Run from the checkout with the test extras installed:
``.venv/bin/python -m tests.data.invoices.corpus.make_corpus``. The output is the same on every
run (fixed dates, boundaries and PDF creation dates), so a regeneration only shows in
``git diff`` when a case changed.

Each case says what it imitates: the layout, wording and fields of a named tool's e-mail or
PDF (as their public templates, help pages, default e-mail texts and sample documents show
them), the structured e-invoices the standards' published samples (see einvoice_xml.py). All
names, numbers and amounts are made up; no text is copied from any product. The cases are
grouped by the failure patterns of issue 9: totals with no currency mark and the currency stated
once; numbers in links; a subject with a number after an adjective; labels and values in
separate PDF columns; years and tax bases mistaken for the total; credit notes, corrective
invoices and receipts worded like invoices; a stated due date; "Rs"; German compound words.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

from .cases_batch4 import CASES as CASES_BATCH4
from .cases_batch5 import CASES as CASES_BATCH5
from .cases_de_es import CASES as CASES_DE_ES
from .cases_en import CASES as CASES_EN
from .cases_fr_ro import CASES as CASES_FR_RO
from .cases_heldout import CASES as CASES_HELDOUT
from .cases_hybrid import CASES as CASES_HYBRID
from .cases_more import CASES as CASES_MORE

HERE = Path(__file__).parent
CASES: list[dict[str, Any]] = (CASES_EN + CASES_FR_RO + CASES_DE_ES + CASES_HYBRID + CASES_HELDOUT
                               + CASES_MORE + CASES_BATCH4 + CASES_BATCH5)


def build(case: dict[str, Any], index: int) -> bytes:
    """The .eml of one case: plain text, optional HTML alternative, attachments."""
    msg = EmailMessage()
    msg["From"] = case["from"]
    msg["To"] = case["to"]
    msg["Subject"] = case["subject"]
    msg["Date"] = case["date"]
    msg["Message-ID"] = f"<corpus-{index:03d}.{case['name']}@{case['from'].split('@')[-1][:-1]}>"
    msg["MIME-Version"] = "1.0"
    msg.set_content(case["body"])
    if case.get("html"):
        msg.add_alternative(case["html"], subtype="html")
    for filename, ctype, data in case.get("attach", ()):
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    for n, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        part.set_boundary(f"=_corpus_{index:03d}_{n}")
    return msg.as_bytes(policy=SMTP)


def _toml_value(value: object) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def expectations() -> str:
    lines = ["# The expected reading of each message of the corpus (make_corpus.py writes it).",
             "# kind: invoice, credit_note, corrective, receipt, quote, statement, reminder;",
             "# for an invoice the number as written, the amount to pay, its ISO 4217 currency, the due date.",
             ""]
    for index, case in enumerate(CASES, 1):
        lines.append(f"[\"{index:03d}_{case['name']}.eml\"]")
        lines.append(f"imitates = {_toml_value(case['imitates'])}")
        lines.append(f"language = {_toml_value(case['name'][:2])}")
        for key in ("kind", "number", "amount", "currency", "due"):
            if key in case["expect"]:
                lines.append(f"{key} = {_toml_value(case['expect'][key])}")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    for old in HERE.glob("*.eml"):
        old.unlink()
    for index, case in enumerate(CASES, 1):
        (HERE / f"{index:03d}_{case['name']}.eml").write_bytes(build(case, index))
    (HERE / "expectations.toml").write_text(expectations(), encoding="utf-8")
    print(f"wrote {len(CASES)} messages and expectations.toml")


if __name__ == "__main__":
    main()
