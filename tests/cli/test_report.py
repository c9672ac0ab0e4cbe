"""`relance report`: what is owed by age, and each invoice's story, as a page a person opens —
checked for its figures, for being self-contained, and in a real headless Chromium."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from relance.daemon.cli.demo import DEMO_NOW, run_demo
from relance.daemon.cli.env import Environment
from relance.daemon.cli.main import main
from relance.daemon.cli.report import (
    BUCKET_COLOURS,
    BUCKETS,
    Mark,
    OpenInvoice,
    ReportData,
    bucket_of,
    gather,
    render_html,
)
from relance.daemon.cli.wiring import sample_mailbox as built_in_sample
from relance.daemon.cycle.config import load_config
from relance.daemon.cycle.engine import Engine
from relance.daemon.cycle.store import Store


@pytest.mark.parametrize("due, bucket", [
    ("2026-03-20", 0), ("2026-03-09", 0), ("2026-03-08", 1), ("2026-02-07", 1),
    ("2026-02-06", 2), ("2026-01-08", 2), ("2026-01-07", 3), ("2025-12-09", 3),
    ("2025-12-08", 4), ("2024-06-01", 4),
])
def test_age_buckets_count_days_past_the_due_date(due, bucket):
    # 9 March: due that day is not late; 30 days late is still 1–30; 31 is 31–60; 91 is 90+
    assert bucket_of(date.fromisoformat(due), date(2026, 3, 9)) == bucket


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The demo's mailbox after its cycle: the report's data and the page at the demo's date."""
    folder = tmp_path_factory.mktemp("report") / "demo"
    run_demo(folder)
    with built_in_sample() as source:  # read only: a module-scoped fixture
        config = load_config(source / "config.toml", {"HOME": str(folder)})
    with Store.open(folder / "relance.sqlite3") as store:
        engine = Engine(config=config, store=store, mailbox=None, clock=lambda: DEMO_NOW)
        data = gather(store, engine.plan(), now=DEMO_NOW, zone=config.zone,
                      name_of=lambda a: config.client_for(a).name)
        invoices = {inv.number: inv for inv in store.invoices()}
    return data, invoices, render_html(data, title="claire@atelier-martin.example")


def test_paid_invoices_are_left_out_and_each_currency_has_its_own_chart(sample):
    data, invoices, _ = sample
    shown = {inv.number: inv for inv in data.invoices}
    # the Stripe notice, vouched for by Gmail's Authentication-Results, settled F-2026-009
    assert "F-2026-009" not in shown
    # Hollow Oak only wrote that they paid: still owed, in the receivables, until confirmed
    assert shown["F-2026-004"].status == "client says paid, not yet confirmed"
    gbp_owed = [i for i in data.invoices if i.currency == "GBP" and i.amount]
    assert invoices["F-2026-004"].amount.amount in [i.amount for i in gbp_owed]
    assert "F-2025-112" in shown
    for chart in data.charts:
        mine = [i for i in data.invoices if i.currency == chart.currency and i.amount]
        assert chart.total == sum((i.amount for i in mine), Decimal(0))
        for bar in chart.bars:
            assert bar.count == sum(1 for i in mine if i.bucket == bar.bucket)
    gbp = next(c for c in data.charts if c.currency == "GBP")
    # F-2025-112, due 19 December, is 80 days late on 9 March: the 61–90 bar, and the tallest
    assert gbp.bars[3].total == invoices["F-2025-112"].amount.amount
    assert gbp.bars[3].height == 1.0


def test_each_timeline_tells_what_happened_in_order(sample):
    data, _, _ = sample
    by_number = {inv.number: inv for inv in data.invoices}
    story = [m.kind for m in by_number["F-2025-112"].marks]
    assert story[0] == "sent" and story.count("followup") >= 2
    assert [m.day for m in by_number["F-2025-112"].marks] == sorted(
        m.day for m in by_number["F-2025-112"].marks)
    assert "bounced" in [m.kind for m in by_number["F-2026-010"].marks]
    assert [m.label for m in by_number["F-2026-012"].marks][-1] == "client replied (dispute)"
    assert by_number["F-2025-112"].client == "Fenwick & Hart Ltd"


def test_the_page_loads_nothing_from_anywhere(sample):
    _, _, page = sample
    lowered = page.lower()
    for outside in ("<script", "src=", "href=", "url(", "@import", "http://", "https://"):
        assert outside not in lowered, outside
    assert page.count("<svg") == 4 + 14  # four currencies, fourteen open invoices


def test_names_from_messages_are_escaped():
    hostile = OpenInvoice(number="<b>X-1</b>", client="Evil <script>alert(1)</script>",
                          amount=Decimal(10), currency="EUR", due=date(2026, 3, 1),
                          days_overdue=8, bucket=1, status="drafted",
                          marks=(Mark(date(2026, 2, 1), "sent"),))
    data = ReportData(date(2026, 3, 9), DEMO_NOW, (hostile,), (), 0)
    page = render_html(data, title="me@example.test")
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_relance_report_writes_the_file(tmp_path, capsys, sample_mailbox):
    folder = tmp_path / "demo"
    run_demo(folder)
    config = tmp_path / "config.toml"
    config.write_text((sample_mailbox / "config.toml").read_text().replace(
        "~/relance-demo.sqlite3", str(folder / "relance.sqlite3")))
    out = tmp_path / "owed.html"
    env = Environment(environ={"HOME": str(tmp_path)}, clock=lambda: DEMO_NOW)
    assert main(["--config", str(config), "report", "--output", str(out)], env) == 0
    # 14: F-2026-004 is only claimed paid, so still owed
    assert capsys.readouterr().out == f"Wrote {out}: 14 open invoice(s).\n"
    assert "What is owed to claire@atelier-martin.example" in out.read_text()


# -- in a real browser --------------------------------------------------------------------------

def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of an 8-bit RGB or RGBA PNG (RFC 2083: chunks, zlib, and the
    five row filters of §6)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows = zlib.decompress(idat), width * channels, []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                near = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + near) & 0xFF
        previous = line
        rows.append(bytes(line) if channels == 3 else bytes(
            b for j in range(0, stride, 4) for b in line[j:j + 3]))
    return width, height, rows


def _colour_count(rows: list[bytes], top: int, bottom: int, hex_colour: str) -> int:
    rgb = bytes.fromhex(hex_colour[1:])
    return sum(1 for row in rows[top:bottom] for x in range(0, len(row), 3)
               if row[x:x + 3] == rgb)


@pytest.mark.skipif(shutil.which("chromium") is None and not os.environ.get("CI"),
                    reason="Debian's chromium is not installed (apt-get install -y chromium); "
                           "under CI, .ci/run installs it and this test must run")
def test_the_chart_renders_in_headless_chromium(sample, tmp_path):
    _, _, page = sample
    html = tmp_path / "report.html"
    html.write_text(page, encoding="utf-8")
    shot = tmp_path / "report.png"
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars",
         "--force-device-scale-factor=1", "--window-size=1000,760",
         f"--screenshot={shot}", html.as_uri()],
        check=True, capture_output=True, timeout=60)
    width, height, rows = read_png(shot)
    assert (width, height) == (1000, 760)
    # The legend's squares hold a hundred-odd pixels each; below them, the two rows of charts:
    # every bucket with money in it is a bar of thousands of pixels in its colour; the 90+
    # bucket, empty on 9 March, shows nowhere.
    legend, charts = (0, 168), (168, 740)
    for bucket in range(len(BUCKETS)):
        assert 50 < _colour_count(rows, *legend, BUCKET_COLOURS[bucket]) < 300, BUCKETS[bucket]
    for bucket in (0, 1, 3):
        assert _colour_count(rows, *charts, BUCKET_COLOURS[bucket]) > 2000, BUCKETS[bucket]
    assert _colour_count(rows, *charts, BUCKET_COLOURS[4]) == 0
