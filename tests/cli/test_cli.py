"""The `relance` command as a user runs it: outputs, JSON shapes, error messages and exit
statuses. Commands run in-process through ``main`` with an injected environment (no config in
the user's home, a fixed clock), and once through the installed console script."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from relance.daemon.cli.env import Environment
from relance.daemon.cli.main import cli, main

DATA = Path(__file__).resolve().parents[1] / "data"
ME = "claire@atelier-martin.example"


def run(capsys, tmp_path: Path, *argv: str, env: dict[str, str] | None = None):
    environ = {"HOME": str(tmp_path / "home"), **(env or {})}
    status = main(list(argv), Environment(
        environ=environ, clock=lambda: datetime(2026, 3, 9, 8, tzinfo=timezone.utc)))
    out, err = capsys.readouterr()
    return status, out, err


def _sender(path: Path) -> str:
    for line in path.read_text(errors="replace").splitlines():
        if line.lower().startswith("from:"):
            return line.split("<")[-1].strip(">\r\n ") if "<" in line else line[5:].strip()
    return ""


@pytest.mark.parametrize("folder, kind", [
    ("bounces", "bounce"), ("autoreplies", "auto_reply"), ("payments", "payment"),
    ("replies", "reply"),
])
def test_inspect_json_gives_exactly_one_object_of_the_documented_shape(capsys, tmp_path,
                                                                      folder, kind):
    paths = sorted((DATA / folder).glob("*.eml"))[:4]
    assert len(paths) == 4, f"tests/data/{folder} should hold at least 4 .eml files"
    for path in paths:
        status, out, _ = run(capsys, tmp_path, "inspect", "--json", str(path))
        assert status == 0
        result = json.loads(out)  # exactly one JSON document, or this raises
        assert set(result) >= {"kind", "invoice", "bounce", "auto_reply", "reply"}
        assert result["kind"] == kind, path.name
        if kind == "bounce":
            assert isinstance(result["bounce"]["permanent"], bool)
            assert result["bounce"]["recipients"]
        if kind == "reply":
            assert result["reply"]["intent"] in {"paid", "promise", "dispute", "question", "other"}


def test_inspect_reads_a_message_from_me_as_an_invoice(capsys, tmp_path):
    path = DATA / "invoices" / "fr_plain_30_jours.eml"
    status, out, _ = run(capsys, tmp_path, "inspect", "--json", "--me", _sender(path), str(path))
    result = json.loads(out)
    assert status == 0 and result["kind"] == "invoice"
    invoice = result["invoice"]
    assert invoice["number"] and invoice["currency"] == "EUR"
    assert invoice["due_date"].count("-") == 2 and invoice["recipients"]


def test_inspect_names_what_is_not_an_invoice(capsys, tmp_path):
    path = DATA / "invoices" / "not_quote_fr.eml"
    status, out, _ = run(capsys, tmp_path, "inspect", "--json", "--me", _sender(path), str(path))
    assert status == 0 and json.loads(out)["kind"] == "other"


def test_a_broken_config_reports_every_problem_and_exits_2(capsys, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[locale]\nlanguage = "xx"\ntimezone = "Mars/Olympus"\n\n[cadence]\n'
                      "urgnet_after = 7\n")
    status, _, err = run(capsys, tmp_path, "--config", str(config), "status")
    assert status == 2
    assert "line 2" in err and "line 3" in err and "line 6" in err
    assert "urgent_after" in err  # did you mean ...?


def test_a_missing_named_config_is_a_usage_error(capsys, tmp_path):
    status, _, err = run(capsys, tmp_path, "--config", str(tmp_path / "nope.toml"), "status")
    assert status == 2 and "relance setup" in err


def _config_with_store(tmp_path: Path, store: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{store}"\n')
    return config


def test_a_file_that_is_not_a_database_is_refused_and_left_intact(capsys, tmp_path):
    store = tmp_path / "relance.sqlite3"
    store.write_bytes(b"my holiday notes, not a database\n" * 100)
    before = store.read_bytes()
    status, _, err = run(capsys, tmp_path, "--config", str(_config_with_store(tmp_path, store)),
                         "status")
    assert status == 3 and "untouched" in err
    assert store.read_bytes() == before


def test_a_database_from_a_newer_relance_is_refused(capsys, tmp_path):
    store = tmp_path / "relance.sqlite3"
    db = sqlite3.connect(store)
    db.execute("CREATE TABLE invoices (key TEXT)")
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    status, _, err = run(capsys, tmp_path, "--config", str(_config_with_store(tmp_path, store)),
                         "status")
    assert status == 3 and "newer relance" in err


def test_status_on_a_new_store_and_unknown_invoice(capsys, tmp_path):
    config = _config_with_store(tmp_path, tmp_path / "db.sqlite3")
    status, out, _ = run(capsys, tmp_path, "--config", str(config), "status", "--json")
    assert status == 0 and json.loads(out)["invoices"] == []
    status, _, err = run(capsys, tmp_path, "--config", str(config), "paid", "F-404")
    assert status == 2 and "relance status" in err


def test_templates_export_then_refuses_to_clobber(capsys, tmp_path):
    dest = tmp_path / "mine"
    status, out, _ = run(capsys, tmp_path, "templates", "export", str(dest))
    assert status == 0 and (dest / "fr" / "first_notice.txt.j2").exists()
    (dest / "fr" / "first_notice.txt.j2").write_text("my own words")
    status, _, err = run(capsys, tmp_path, "templates", "export", str(dest))
    assert status == 2 and "nothing was written" in err
    assert (dest / "fr" / "first_notice.txt.j2").read_text() == "my own words"


def _commands(group, prefix=""):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}"


def test_every_command_is_documented_in_the_readme():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    missing = [c for c in _commands(cli) if f"relance {c}" not in readme]
    assert not missing, f"commands missing from README.md: {missing}"


def test_the_console_script_runs(tmp_path):
    script = Path(sys.executable).with_name("relance")
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True,
                          timeout=60, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and "relance" in done.stdout


# -- A claim is not a payment (issue 10) --------------------------------------------------------

def _demo_config(tmp_path: Path) -> Path:
    from relance.daemon.cli.demo import run_demo
    from relance.daemon.cli.wiring import sample_mailbox

    folder = tmp_path / "demo"
    run_demo(folder)
    config = tmp_path / "config.toml"
    with sample_mailbox() as source:
        config.write_text((source / "config.toml").read_text().replace(
            "~/relance-demo.sqlite3", str(folder / "relance.sqlite3")))
    return config


def test_status_shows_a_claimed_payment_under_needs_you_until_the_user_confirms(capsys, tmp_path):
    config = _demo_config(tmp_path)
    status, out, _ = run(capsys, tmp_path, "--config", str(config), "status", "--json")
    assert status == 0
    shown = json.loads(out)
    row = next(r for r in shown["invoices"] if r["number"] == "F-2026-004")
    assert row["state"] == "claimed_paid"
    assert row["note"] == "needs you: client says paid on 2026-02-18"
    assert any(n.startswith("F-2026-004: client says paid on 2026-02-18 — still owed; "
                            "`relance paid F-2026-004`") for n in shown["attention"])
    # the vouched Stripe notice closed F-2026-009: nothing asked of the user there
    assert next(r for r in shown["invoices"] if r["number"] == "F-2026-009")["state"] == "paid"
    status, out, _ = run(capsys, tmp_path, "--config", str(config), "status")
    assert status == 0 and "client says paid on 2026-02-18" in out
    # the user confirms: closed, and nothing more asked
    assert run(capsys, tmp_path, "--config", str(config), "paid", "F-2026-004")[0] == 0
    status, out, _ = run(capsys, tmp_path, "--config", str(config), "status", "--json")
    shown = json.loads(out)
    row = next(r for r in shown["invoices"] if r["number"] == "F-2026-004")
    assert row["state"] == "paid" and not row["note"]
    assert not any(n.startswith("F-2026-004") for n in shown["attention"])


def test_the_digest_names_the_claim_and_the_proposed_address_among_what_needs_you(tmp_path):
    from relance.daemon.cli.demo import DEMO_NOW
    from relance.daemon.cli.digest import Digest, build_digest
    from relance.daemon.cli.status import invoice_rows
    from relance.daemon.core.model import Event, EventKind
    from relance.daemon.cycle.config import load_config
    from relance.daemon.cycle.engine import Engine
    from relance.daemon.cycle.store import Store

    config = load_config(_demo_config(tmp_path), {"HOME": str(tmp_path)})
    with Store.open(config.store_path) as store:
        (hollow,) = store.find_invoices("F-2026-004")
        with store.transaction():
            store.add_event(hollow.key, Event(EventKind.ADDRESS_PROPOSED, DEMO_NOW,
                                              detail="accounts@hollowoakbrewing.example"))
        plan = Engine(config=config, store=store, mailbox=None, clock=lambda: DEMO_NOW).plan()
        rows = invoice_rows(store.invoices(), store.events(), plan, store.followups(),
                            DEMO_NOW.date())
        digest = build_digest(store.invoices(), store.events(), [], rows,
                              since=DEMO_NOW.replace(day=1), now=DEMO_NOW, zone=config.zone)
    assert isinstance(digest, Digest)
    assert ("F-2026-004 (megan@hollowoakbrewing.example): client says paid on 2026-02-18"
            in digest.needs_you)
    assert any("asks that it go to another address" in line for line in digest.happened)
    assert ("F-2026-004 (megan@hollowoakbrewing.example): asks that it go to "
            "accounts@hollowoakbrewing.example (not added)" in digest.needs_you)
    row = next(r for r in rows if r.number == "F-2026-004")
    assert row.proposed == "accounts@hollowoakbrewing.example"
