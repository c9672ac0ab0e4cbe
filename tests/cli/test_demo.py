"""`relance demo` shows what the sample mailbox implies, and its drafts are replies a mail client
threads under their invoices; the same works from a wheel installed in a fresh environment."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import tomllib
import venv
from datetime import datetime, time
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from relance.daemon.cli.demo import run_demo

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = tomllib.loads((ROOT / "tests" / "data" / "sample_expectations.toml").read_text())


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(tmp_path_factory.mktemp("demo") / "run")


def test_every_invoice_of_the_sample_is_found_with_its_facts(demo):
    rows = {row.number: row for row in demo.rows}
    assert len(rows) == EXPECTED["demo"]["invoices"]
    for expected in EXPECTED["invoice"]:
        row = rows[expected["number"]]
        assert row.client == expected["client"], expected["number"]
        assert row.amount.replace(",", "") == expected["amount"], expected["number"]
        assert row.currency == expected["currency"], expected["number"]
        assert row.due == expected["due"].isoformat(), expected["number"]


def test_each_invoice_is_in_the_state_the_sample_implies(demo):
    rows = {row.number: row for row in demo.rows}
    for expected in EXPECTED["invoice"]:
        row = rows[expected["number"]]
        state = "planned" if row.state in ("drafted", "planned") else row.state
        assert state == expected["state"], expected["number"]
        if state == "planned":
            assert row.next_stage == expected["stage"], expected["number"]
        if "intent" in expected:
            assert row.reply.startswith(expected["intent"]), expected["number"]


def test_each_draft_is_a_threaded_reply_to_the_invoice_at_an_off_peak_slot(demo):
    assert len(demo.drafts) == EXPECTED["demo"]["drafts"]
    planned = {e["number"]: e for e in EXPECTED["invoice"] if e["state"] == "planned"}
    for path, row, slot_text in demo.drafts:
        expected = planned[row.number]
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert message["Subject"].startswith("Re: ")
        references = message["References"].split()
        assert expected["message_id"] in references  # the thread's root is kept
        assert references[-1] == message["In-Reply-To"].strip()
        if "in_reply_to" in expected:
            assert message["In-Reply-To"].strip() == expected["in_reply_to"]
        addressed = {a.addr_spec.lower() for h in ("To", "Cc") if message[h]
                     for a in message[h].addresses}
        assert addressed <= {expected["client"], *expected.get("cc", [])}
        slot = datetime.fromisoformat(slot_text)
        assert slot.date() == expected["slot_date"]
        assert time(5) <= slot.time() < time(6) and slot.minute % 5
        assert message.get_body(("plain",)) and message.get_body(("html",))
        # the sample's invoices went out with their PDF; each follow-up carries it again, and
        # a statement carries the PDF of every invoice it lists
        files = [p.get_filename() for p in message.iter_attachments()]
        listed = set(re.findall(r"F-20\d\d-\d{3}", message.get_body(("plain",)).get_content()))
        assert len(files) == len(listed), row.number
        assert all(f.lower().endswith(".pdf") for f in files), row.number


def test_demo_json_from_the_command_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "relance.daemon.cli", "demo", "--json",
                           "--dir", str(tmp_path / "d")], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert len(result["invoices"]) == EXPECTED["demo"]["invoices"]
    assert all(Path(d["path"]).exists() for d in result["drafts"])


def test_the_wheel_carries_templates_and_sample_and_runs_the_demo(tmp_path):
    """Build the wheel, install it in a fresh environment, run `relance demo` from there."""
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                    str(tmp_path / "dist"), str(ROOT)], check=True, capture_output=True,
                   timeout=300)
    (wheel,) = (tmp_path / "dist").glob("relance-*.whl")
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    # The fresh environment has only relance; its dependencies come from this interpreter's
    # site-packages through PYTHONPATH, which does not activate the editable install of the
    # checkout (.pth files are read only in site directories).
    deps = sysconfig.get_paths()["purelib"]
    run_env = {"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path),
               "PYTHONPATH": deps}
    where = subprocess.run(
        [str(python), "-c", "import relance.templates, relance.gmail; "
         "print(relance.templates.__file__); print(relance.gmail.__file__)"],
        capture_output=True, text=True, env=run_env, check=True, cwd=tmp_path)
    assert all(str(env_dir) in line for line in where.stdout.split())
    done = subprocess.run([str(env_dir / "bin" / "relance"), "demo", "--json", "--dir",
                           str(tmp_path / "out")], capture_output=True, text=True,
                          env=run_env, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["drafts"]) == EXPECTED["demo"]["drafts"]
