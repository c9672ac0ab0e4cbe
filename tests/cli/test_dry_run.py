"""`relance once --dry-run` (issue 12): it says what a cycle would do and writes nothing — no
invoice, event, cursor or follow-up in the database, no draft in the mailbox — even with new
mail waiting and follow-ups due, and it runs while the daemon holds the store."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from relance.daemon.cycle.lock import DaemonLock
from tests import mails
from tests.cli.test_cli import _demo_config, run

# A week after the demo's moment: the sample's drafted follow-ups are due, others come due.
LATER = "2026-03-17T06:30+01:00"


def _fingerprint(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and the SHA-256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _new_invoice(demo: Path) -> None:
    """An invoice the user sent since the demo's cycle, waiting in Sent to be found."""
    from datetime import datetime, timezone
    message = mails.invoice("F-2026-090", "EUR 2,400.00", "2026-03-13",
                            datetime(2026, 2, 11, 9, 0, tzinfo=timezone.utc))
    mails.file_into(demo / "mailbox" / "sent", "f-2026-090", message)


def test_a_dry_run_leaves_the_database_and_the_mailbox_byte_for_byte_unchanged(capsys, tmp_path):
    config = _demo_config(tmp_path)
    demo = tmp_path / "demo"
    _new_invoice(demo)
    before = _fingerprint(demo)
    assert "relance.sqlite3" in before and not any(n.endswith(("-wal", "-shm")) for n in before)
    status, out, _ = run(capsys, tmp_path, "--config", str(config), "--now", LATER,
                         "once", "--dry-run")
    assert status == 0
    assert out.startswith("1 new invoice(s)")  # it did read the new mail...
    assert "would be drafted:" in out  # ...and plan from it
    assert _fingerprint(demo) == before  # ...yet nothing changed, not even a -wal file
    # The same cycle for real does write: the dry run was not a no-op by accident.
    status, out, _ = run(capsys, tmp_path, "--config", str(config), "--now", LATER, "once")
    assert status == 0 and out.startswith("1 new invoice(s)")
    assert _fingerprint(demo) != before


def test_a_dry_run_works_beside_the_running_daemon_and_changes_none_of_its_files(
        capsys, tmp_path):
    config = _demo_config(tmp_path)
    demo = tmp_path / "demo"
    _new_invoice(demo)
    db = demo / "relance.sqlite3"
    # The daemon: its lock, and its connection with a write still in the WAL.
    with DaemonLock(db):
        daemon = sqlite3.connect(db, isolation_level=None)
        daemon.execute("PRAGMA journal_mode=WAL")
        daemon.execute("INSERT INTO meta (key, value) VALUES ('daemon_last_cycle', 'now') "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        before = _fingerprint(demo)
        assert "relance.sqlite3-wal" in before
        status, out, _ = run(capsys, tmp_path, "--config", str(config), "--now", LATER,
                             "once", "--dry-run")
        assert status == 0, out
        assert out.startswith("1 new invoice(s)")
        # The database and its WAL are unchanged; the -shm file is SQLite's shared-memory
        # index, in which every reader (`relance status` too) marks what it reads.
        after = _fingerprint(demo)
        assert {n: h for n, h in after.items() if not n.endswith("-shm")} == {
            n: h for n, h in before.items() if not n.endswith("-shm")}
        # a real cycle beside the daemon is refused, as before
        status, _, err = run(capsys, tmp_path, "--config", str(config), "once")
        assert status == 3 and "already running" in err
        daemon.close()


def test_a_first_dry_run_before_any_database_creates_none(capsys, tmp_path):
    config = _demo_config(tmp_path)
    demo = tmp_path / "demo"
    (demo / "relance.sqlite3").unlink()
    before = _fingerprint(demo)
    status, out, _ = run(capsys, tmp_path, "--config", str(config), "once", "--dry-run")
    assert status == 0 and "new invoice(s)" in out
    assert _fingerprint(demo) == before
