"""`relance demo`: the real cycle on a copy of the built-in sample mailbox, at a fixed moment.

No account and no network: the sample's Sent and Inbox are copied to a folder, the sample's
configuration points the store there, and one observe → plan → apply pass writes each planned
follow-up as a draft `.eml` file, threaded under its invoice.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from ..core.errors import UsageError
from ..cycle.config import load_config
from ..cycle.engine import CycleReport, Engine
from ..cycle.store import Store
from .status import InvoiceRow, invoice_rows
from .wiring import open_folder_mailbox, sample_mailbox

DEMO_NOW = datetime(2026, 3, 9, 8, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class DemoResult:
    folder: Path
    rows: list[InvoiceRow]
    drafts: list[tuple[Path, InvoiceRow | None, str]]  # file, its invoice row, its slot
    report: CycleReport
    now: datetime


def run_demo(dest: Path | None = None, now: datetime = DEMO_NOW) -> DemoResult:
    """Copy the sample mailbox into ``dest`` (a new temporary folder by default), run one cycle
    on it at ``now`` without sending anything, and say what relance would do."""
    folder = Path(dest) if dest else Path(tempfile.mkdtemp(prefix="relance-demo-"))
    if folder.exists() and any(folder.iterdir()):
        raise UsageError(f"{folder} is not empty; give the demo an empty or new folder.")
    with sample_mailbox() as sample:
        shutil.copytree(sample / "sent", folder / "mailbox" / "sent")
        shutil.copytree(sample / "inbox", folder / "mailbox" / "inbox")
        config = load_config(sample / "config.toml", {"HOME": str(folder)})
    config = replace(config, store_path=folder / "relance.sqlite3",
                     mode=replace(config.mode, send_mode="draft_only", dry_run=False))
    mailbox = open_folder_mailbox(folder / "mailbox", config.account.address)
    with Store.open(config.store_path) as store:
        engine = Engine(config=config, store=store, mailbox=mailbox, clock=lambda: now)
        report = engine.cycle()
        rows = invoice_rows(store.invoices(), store.events(), report.plan, store.followups(),
                            now.astimezone(config.zone).date())
        by_key = {row.key: row for row in rows}
        drafts = [
            (mailbox.draft_path(f.draft_id), by_key.get(f.invoice_key), f.slot.isoformat())
            for f in store.followups("drafted") if f.invoice_key == f.primary_key
        ]
    return DemoResult(folder, rows, drafts, report, now)
