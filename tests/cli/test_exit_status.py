"""Exit statuses services understand (issue 12): a missing or unreadable password or Gmail
token file is a configuration problem — `relance run` stops with status 2, which the systemd unit
(RestartPreventExitStatus) and the launchd guard do not restart — and `relance status` shows it
as the account's problem."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from relance.daemon.cli.env import Environment
from relance.daemon.cli.main import main

NOW = datetime(2026, 3, 9, 8, 0, tzinfo=timezone.utc)


def _config(tmp_path: Path, password_file: Path) -> Path:
    """An IMAP account as `relance setup` writes it, whose password file is ``password_file``."""
    path = tmp_path / "config.toml"
    path.write_text(f"""[account]
provider = "imap"
address = "claire@atelier-martin.example"

[account.imap]
host = "127.0.0.1"
port = 1
tls = "none"
password_file = "{password_file}"

[account.smtp]
host = "127.0.0.1"
port = 1
tls = "none"

[store]
path = "{tmp_path / 'relance.sqlite3'}"
""", encoding="utf-8")
    return path


def _run(capsys, tmp_path: Path, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv), Environment(environ={"HOME": str(tmp_path)}, clock=lambda: NOW))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("problem", ["missing", "open to others", "a folder"])
def test_a_password_file_problem_stops_the_daemon_with_status_2(capsys, tmp_path, problem):
    secret = tmp_path / "imap-password"
    if problem == "open to others":
        secret.write_text("app-pass-123\n")
        secret.chmod(0o644)
    elif problem == "a folder":
        secret.mkdir()
    config = _config(tmp_path, secret)
    status, _, err = _run(capsys, tmp_path, "--config", str(config), "run", "--once")
    assert status == 2
    assert str(secret) in err and "account.imap.password_file" in err
    status, out, _ = _run(capsys, tmp_path, "--config", str(config), "status", "--json")
    assert status == 0
    problem_shown = json.loads(out)["mailbox_problem"]
    assert str(secret) in problem_shown["error"]
    assert any(str(secret) in note for note in json.loads(out)["attention"])


def _gmail_config(tmp_path: Path, token_file: Path) -> Path:
    """A Gmail account as `relance setup` writes it, whose token file is ``token_file``."""
    path = tmp_path / "config.toml"
    path.write_text(f"""[account]
provider = "gmail"
address = "claire@atelier-martin.example"

[account.gmail]
token_file = "{token_file}"

[store]
path = "{tmp_path / 'relance.sqlite3'}"
""", encoding="utf-8")
    return path


@pytest.mark.parametrize("problem", ["missing", "not JSON", "no refresh token"])
def test_a_gmail_token_file_problem_stops_the_daemon_with_status_2(capsys, tmp_path, problem):
    token = tmp_path / "gmail-token.json"
    if problem == "not JSON":
        token.write_text("ya29.not-json\n")
    elif problem == "no refresh token":
        token.write_text('{"token": "ya29.x", "client_id": "c", "client_secret": "s"}')
    if token.exists():
        token.chmod(0o600)
    config = _gmail_config(tmp_path, token)
    status, _, err = _run(capsys, tmp_path, "--config", str(config), "run", "--once")
    assert status == 2
    assert str(token) in err and "relance setup" in err
    status, out, _ = _run(capsys, tmp_path, "--config", str(config), "status", "--json")
    assert status == 0
    assert str(token) in json.loads(out)["mailbox_problem"]["error"]
