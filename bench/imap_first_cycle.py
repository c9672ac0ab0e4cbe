"""The first whole cycle on IMAP, for bench_imap: invoices in Sent carry a PDF of a realistic
size, and ``Engine.cycle()`` is timed (wall clock and CPU) next to the plugin's sync alone.

The PDF imitates what invoicing software attaches (Stripe, Zoho Invoice, Invoice Ninja): one
A4 page with the seller, the client, an item table and the totals, and a raster logo; such
files weigh 30-80 KB, so the one made here carries a 120x120 logo of noise (which compresses no
better than a photo) and comes out near 45 KB — about 60 KB in base64 inside the message.
"""

from __future__ import annotations

import io
import os
import random
import time
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

from fpdf import FPDF
from PIL import Image

from relance.daemon.cli.wiring import open_imap_mailbox
from relance.daemon.core.triage import worth_reading
from relance.daemon.cycle.config import load_config
from relance.daemon.cycle.engine import Engine
from relance.daemon.cycle.store import Store
from tests.clock import Clock
from tests.servers.dovecot import DovecotServer, MailUser

_LOGO = io.BytesIO()
Image.frombytes("RGB", (120, 120), random.Random(14).randbytes(120 * 120 * 3)).save(_LOGO, "PNG")


def invoice_pdf(number: str, client: str, amount: str) -> bytes:
    """One page as invoicing software lays it out: logo, parties, items, totals, terms."""
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(_LOGO.getvalue()), x=10, y=10, w=30)
    pdf.set_font("helvetica", size=18)
    pdf.set_xy(120, 12)
    pdf.cell(text=f"INVOICE {number}")
    pdf.set_font("helvetica", size=10)
    pdf.set_xy(10, 50)
    for line in ("Jonas Weber - Lektorat & Copywriting", "12 Rue des Lilas, 75011 Paris",
                 f"Bill to: {client}", f"Invoice number: {number}", "Payment terms: 30 days"):
        pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    for item, qty, price in (("Website copy, 12 pages", "12", "75.00"),
                             ("Proofreading", "6", "45.00"), ("Rush fee", "1", "40.00")):
        pdf.cell(100, 8, item)
        pdf.cell(30, 8, qty)
        pdf.cell(30, 8, price, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text=f"Total due: {amount}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text="IBAN FR76 3000 4000 0500 0012 3456 789 - BIC BNPAFRPP")
    return bytes(pdf.output())


def with_pdf(raw: bytes, number: str, client: str, amount: str) -> bytes:
    """The plain invoice message ``raw`` turned multipart, its PDF attached (as mail clients
    send it: the text first, then ``application/pdf`` in base64)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    msg = EmailMessage()
    for line in head.decode().split("\r\n"):
        name, _, value = line.partition(": ")
        if name.lower() not in ("mime-version", "content-type", "content-transfer-encoding"):
            msg[name] = value
    msg.set_content(body.decode())
    msg.add_attachment(invoice_pdf(number, client, amount), maintype="application",
                       subtype="pdf", filename=f"invoice-{number}.pdf")
    return msg.as_bytes().replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n")


def _config(root: Path, server: DovecotServer, user: MailUser) -> Path:
    password = root / "imap-password"
    password.write_text(user.password + "\n")
    password.chmod(0o600)
    path = root / "config.toml"
    path.write_text(
        f'[account]\nprovider = "imap"\naddress = "{user.address}"\n\n'
        f'[account.imap]\nhost = "{server.host}"\nport = {server.imap_port}\ntls = "none"\n'
        f'password_file = "{password}"\n\n[locale]\ntimezone = "Europe/Paris"\n'
        f'holiday_country = "FR"\n\n[mode]\nsend_mode = "draft_only"\n\n'
        f'[store]\npath = "{root / "relance.sqlite3"}"\n')
    return path


def first_cycle(server: DovecotServer, user: MailUser, root: Path,
                now: datetime) -> tuple[float, float, int]:
    """Return (wall seconds, CPU seconds, invoices found) of the first ``Engine.cycle()`` of a
    fresh store on ``user``'s mailbox, with the daemon's interest rule (triage)."""
    root.mkdir(parents=True, exist_ok=True)
    config = load_config(_config(root, server, user), {"HOME": str(root)})
    clock = Clock(now.astimezone(timezone.utc))
    with Store.open(config.store_path) as store:
        engine = Engine(config=config, store=store, clock=clock,
                        mailbox=open_imap_mailbox(config, clock=clock, interest=worth_reading))
        wall, cpu = time.perf_counter(), time.process_time()
        engine.cycle()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        found = len(store.invoices())
        engine.box.close()  # type: ignore[attr-defined]
    return wall, cpu, found


def load_note() -> tuple[str, bool]:
    """The load average as printed next to the figures, and whether the machine is too busy
    for a ratio to mean anything (a 1-minute load above the number of cores)."""
    one, five, fifteen = os.getloadavg()
    cores = os.cpu_count() or 1
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {cores} cores", one > cores
