"""Benchmark of finding invoices and reading them: the invoice corpus of issue 9.

On tests/data/invoices/corpus/ (messages shaped on what invoicing tools send, with
expectations.toml) and on the older table of tests/data/invoices/ (tests/core/test_extract.py's
``INVOICES`` and ``NOT_INVOICES``), it prints, as ratios:

- kind right: an invoice found as one, a credit note, corrective invoice, receipt, quote,
  statement of account or reminder refused as what it is (any refusal counts for the older
  table's "not an invoice" rows);
- number, amount, currency, due date right: over the messages that are invoices;
- everything right: the kind and, for an invoice, all four fields.

for the readers measured in the same run: the baseline (``extract`` of commit ``BASELINE``,
the code before this work, read with ``git show`` into a temporary package), this checkout's
(PDF text in pypdf's layout mode), and this checkout's rules with the PDF text taken another
way — pypdf's plain mode, and pdfplumber's layout text when pdfplumber is installed — which is
how the PDF text reader was chosen; then the time reading takes against the baseline's, and the
time each PDF text reader takes over the corpus's PDFs, as a ratio to pypdf's plain mode.
Nothing is asserted; tests/core/test_extract_corpus.py asserts every row.

Run from the checkout:  .venv/bin/python -m bench.bench_invoices [--misses]
"""

from __future__ import annotations

import argparse
import importlib
import io
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.baseline import core_module
from relance.daemon.core import extract, pdftext
from relance.daemon.core.message import attachments, parse

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "invoices" / "corpus"
OLDER = ROOT / "tests" / "data" / "invoices"
BASELINE = "62b32b6"  # main when this work began
FIELDS = ("kind", "number", "amount", "currency", "due", "all")


def kind_of(result: Any) -> str:
    """The kind a reader's answer says, by its class name and refusal reason."""
    if type(result).__name__ == "Invoice":
        return "invoice"
    reason = getattr(result, "reason", "")
    for word, kind in (("credit note", "credit_note"), ("corrective", "corrective"),
                       ("receipt", "receipt"), ("quote", "quote"), ("statement", "statement"),
                       ("reminder", "reminder")):
        if word in reason:
            return kind
    return "other"


def rows() -> list[tuple[str, Path, dict[str, str]]]:
    """(label, file, expectation) for every message of both tables."""
    found = [(f"corpus/{name}", CORPUS / name, want)
             for name, want in tomllib.loads((CORPUS / "expectations.toml").read_text()).items()]
    from tests.core.test_extract import INVOICES, NOT_INVOICES

    for name, old in INVOICES.items():
        amount, currency = old.amount.split() if old.amount else (None, None)
        found.append((name, OLDER / name, {"kind": "invoice", "number": old.number,
                                           "amount": amount or "", "currency": currency or "",
                                           "due": old.due}))
    for name in NOT_INVOICES:
        found.append((name, OLDER / name, {"kind": "refused"}))
    return found


def judge(result: Any, want: dict[str, str]) -> dict[str, bool]:
    kind = kind_of(result)
    right = {"kind": kind == want["kind"] or (want["kind"] == "refused" and kind != "invoice")}
    if want["kind"] == "invoice":
        money = getattr(result, "amount", None)
        right["number"] = getattr(result, "number", None) == want["number"]
        right["amount"] = (money is not None and money.amount == Decimal(want["amount"])
                           if want["amount"] else money is None)
        right["currency"] = (money.currency if money else "") == want["currency"]
        due = getattr(result, "due_date", None)
        right["due"] = due is not None and due.isoformat() == want["due"]
    right["all"] = all(right.values())
    return right


SECONDS: dict[str, float] = {}  # per reader label, the time its reads took


def measure(read: Callable[..., Any], show: bool, label: str
            ) -> dict[str, dict[str, tuple[int, int]]]:
    """Per table ("corpus", "older") and field, (right, counted)."""
    tally: dict[str, dict[str, tuple[int, int]]] = {}
    for name, path, want in rows():
        table = "corpus" if name.startswith("corpus/") else "older"
        msg = parse(path.read_bytes())
        start = time.perf_counter()
        result = read(msg)
        SECONDS[label] = SECONDS.get(label, 0.0) + time.perf_counter() - start
        verdict = judge(result, want)
        counts = tally.setdefault(table, {})
        for field, ok in verdict.items():
            right, total = counts.get(field, (0, 0))
            counts[field] = (right + ok, total + 1)
        if show and not verdict["all"]:
            got = (kind_of(result), getattr(result, "number", None),
                   getattr(result, "amount", None), getattr(result, "due_date", None),
                   getattr(result, "reason", ""))
            print(f"  {label} miss {name}: want {want.get('kind')} {want.get('number')} "
                  f"{want.get('amount')} {want.get('currency')} {want.get('due')}; got {got}")
    return tally


def plumber_text(data: bytes) -> str:
    """pdfplumber's layout text of a PDF, its blank runs cut as ``pdftext`` cuts pypdf's."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = [page.extract_text(layout=True) or "" for page in pdf.pages[:10]]
    return "\n\n".join("\n".join(pdftext._COLUMN_GAP.sub("   ", line).strip()
                                  for line in page.splitlines()) for page in pages)


@contextmanager
def pdf_reader(way: str) -> Iterator[None]:
    """This checkout's rules with the PDF text read ``way``: "layout" (as shipped), "plain"
    (pypdf's plain mode) or "pdfplumber"; the embedded XML always through pypdf."""
    shipped_mode, shipped_read = pdftext.EXTRACTION_MODE, extract.read_pdf
    if way == "plain":
        pdftext.EXTRACTION_MODE = "plain"
    elif way == "pdfplumber":
        def read(data: bytes) -> pdftext.PdfContent:
            content = shipped_read(data)
            try:
                return pdftext.PdfContent(plumber_text(data), content.xml)
            except Exception:
                return content
        extract.read_pdf = read  # type: ignore[assignment]
    try:
        yield
    finally:
        pdftext.EXTRACTION_MODE, extract.read_pdf = shipped_mode, shipped_read


def pdf_seconds(way: str) -> float:
    """Seconds to read the text of every PDF of the corpus ``way`` (the best of three)."""
    pdfs = [data for path in sorted(CORPUS.glob("*.eml"))
            for att, data in attachments(parse(path.read_bytes()))
            if att.filename.endswith(".pdf")]
    runs = []
    with pdf_reader(way):
        for _run in range(3):  # the fastest of three: the machine is shared
            start = time.perf_counter()
            for data in pdfs:
                extract.read_pdf(data)
            runs.append(time.perf_counter() - start)
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--misses", action="store_true", help="list every message read wrong")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="relance-bench-") as tmp:
        old = core_module(BASELINE, "extract", Path(tmp))
        results = {f"baseline {BASELINE}": measure(old.extract_invoice, args.misses, "baseline"),
                   "this checkout": measure(extract.extract_invoice, args.misses, "now")}
    ways = ["plain"] + (["pdfplumber"] if importlib.util.find_spec("pdfplumber") else [])
    for way in ways:
        with pdf_reader(way):
            results[f"  PDF text: {way}"] = measure(extract.extract_invoice, args.misses, way)
    for table in ("corpus", "older"):
        print(f"\n{table}: " + ("tests/data/invoices/corpus/" if table == "corpus"
                                else "tests/data/invoices/*.eml"))
        print(f"  {'reader':<22}" + "".join(f"{f:>15}" for f in FIELDS))
        for reader, tally in results.items():
            cells = []
            for field in FIELDS:
                right, total = tally[table].get(field, (0, 0))
                cells.append(f"{right}/{total} {100 * right / max(total, 1):.0f}%")
            print(f"  {reader:<22}" + "".join(f"{c:>15}" for c in cells))
    print(f"\nreading every message of both tables: this checkout {SECONDS['now']:.2f} s, "
          f"{SECONDS['now'] / SECONDS['baseline']:.2f}x the baseline's "
          f"{SECONDS['baseline']:.2f} s")
    pdf_seconds("plain")  # once to warm up: pypdf's import and first parse
    plain = pdf_seconds("plain")
    print("\nPDF text time over the corpus's PDFs, against pypdf's plain mode:")
    for way in ["plain", "layout"] + ways[1:]:
        print(f"  {way:<12} {pdf_seconds(way) / plain:.2f}x")


if __name__ == "__main__":
    main()
