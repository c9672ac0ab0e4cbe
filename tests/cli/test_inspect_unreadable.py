"""`relance inspect` on a message relance cannot read (daemon/core/reading.py): it says so, in
one JSON object or one plain line with the reason, and exits 0 — never a traceback."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from relance.daemon.cli.env import Environment
from relance.daemon.cli.main import main

ME = "claire@atelier-martin.example"
HEAD = (f"From: Claire Martin <{ME}>\r\nTo: billing@northwind.test\r\n"
        "Message-ID: <inv-12@atelier-martin.example>\r\n"
        "Date: Tue, 3 Mar 2026 10:00:00 +0000\r\n").encode()


def nested(depth: int) -> bytes:
    head = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (n, n)
                    for n in range(depth))
    return (HEAD + b"Subject: x\r\nMIME-Version: 1.0\r\n" + head
            + b"Content-Type: text/plain\r\n\r\nhi")


HOSTILE = {
    "deep": (nested(1000), "nested deeper than 50 levels"),
    "subject": (HEAD + b"Subject: " + b"word " * 200_000 + b"\r\n\r\nhi\r\n",
                "Subject header is 1,000,000 characters long"),
}


def run(capsys, tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv), Environment(
        environ={"HOME": str(tmp_path / "home")},
        clock=lambda: datetime(2026, 3, 9, 8, tzinfo=timezone.utc)))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("me", [[], ["--me", ME]], ids=["received", "sent"])
def test_inspect_json_reports_an_unreadable_message(capsys, tmp_path, name, me):
    raw, reason = HOSTILE[name]
    path = tmp_path / f"{name}.eml"
    path.write_bytes(raw)
    status, out, err = run(capsys, tmp_path, "inspect", "--json", *me, str(path))
    result = json.loads(out)
    assert status == 0 and "Traceback" not in err
    assert result["kind"] == "unreadable" and reason in result["reason"]


def test_inspect_says_unreadable_in_a_plain_line(capsys, tmp_path):
    path = tmp_path / "deep.eml"
    path.write_bytes(HOSTILE["deep"][0])
    status, out, err = run(capsys, tmp_path, "inspect", str(path))
    assert status == 0 and "Traceback" not in err
    assert out.splitlines() == [f"{path}: unreadable",
                                "  reason: its MIME parts are nested deeper than 50 levels"]
