"""The wiring: the configuration turned into each plugin's own settings, and plugins loaded only
when a mailbox is opened."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from relance.daemon.cli import wiring
from relance.daemon.core.errors import PermanentMailboxError
from relance.daemon.cycle.config import Config, load_config
from relance.gmail.imap.folders import Role
from relance.gmail.imap.settings import Security
from tests.servers.dovecot import DovecotServer

IMAP_CONFIG = """
[account]
provider = "imap"
address = "jonas@fastmail.test"

[account.imap]
host = "imap.fastmail.test"
port = 143
tls = "starttls"
sent = "Gesendet"
{scan}
password_file = "{password}"

[account.smtp]
host = "smtp.fastmail.test"
port = 587
tls = "starttls"
"""


def imap_config(tmp_path: Path, *, scan: str = "scan_since_days = 90") -> Config:
    password = tmp_path / "imap-password"
    password.write_text("app-pw-1\n")
    password.chmod(0o600)
    path = tmp_path / "config.toml"
    path.write_text(IMAP_CONFIG.format(scan=scan, password=password))
    return load_config(path, {"HOME": str(tmp_path)})


def test_imap_settings_come_from_the_config_sections(tmp_path: Path) -> None:
    config = imap_config(tmp_path)
    imap, smtp = wiring.imap_settings(config, "app-pw-1", "app-pw-2")
    assert (imap.host, imap.port, imap.security, imap.username) == (
        "imap.fastmail.test", 143, Security.STARTTLS, "jonas@fastmail.test")
    assert dict(imap.folders) == {"sent": "Gesendet"} and imap.scan_since_days == 90
    assert smtp is not None and (smtp.port, smtp.security, smtp.password) == (
        587, Security.STARTTLS, "app-pw-2")
    assert smtp.username == "jonas@fastmail.test"
    assert "app-pw" not in repr(imap) + repr(smtp)
    no_smtp = replace(config, account=replace(config.account,
                                              smtp=replace(config.account.smtp, host="")))
    assert wiring.imap_settings(no_smtp, "a", "b")[1] is None


def test_the_configs_default_first_scan_is_the_one_the_plugin_gets(tmp_path: Path) -> None:
    config = imap_config(tmp_path, scan="")
    imap, _ = wiring.imap_settings(config, "a", "a")
    assert imap.scan_since_days == config.account.imap.scan_since_days == 120


def test_the_mailbox_logs_in_with_the_passwords_from_their_files_and_never_shows_them(
        tmp_path: Path, dovecot: DovecotServer) -> None:
    user = dovecot.add_user("jonas-wiring")
    imap_file, smtp_file = tmp_path / "imap-password", tmp_path / "smtp-password"
    for secret, text in ((imap_file, user.password), (smtp_file, "smtp-pw-9")):
        secret.write_text(text + "\n")
        secret.chmod(0o600)
    path = tmp_path / "config.toml"
    path.write_text(
        f'[account]\nprovider = "imap"\naddress = "{user.address}"\n\n'
        f'[account.imap]\nhost = "{dovecot.host}"\nport = {dovecot.imap_port}\ntls = "none"\n'
        f'password_file = "{imap_file}"\n\n'
        f'[account.smtp]\nhost = "127.0.0.1"\nport = 1\ntls = "none"\n'
        f'password_file = "{smtp_file}"\n', encoding="utf-8")
    config = load_config(path, {"HOME": str(tmp_path)})

    box = wiring.open_imap_mailbox(config)
    try:
        assert box.address == user.address
        assert box.folder_names()[Role.SENT] == "Sent"  # logged in with the file's password
    finally:
        box.close()

    imap_file.write_text("not-the-password-1\n")
    box = wiring.open_imap_mailbox(config)
    try:
        with pytest.raises(PermanentMailboxError) as refused:
            box.folder_names()
    finally:
        box.close()
    assert "not-the-password-1" not in str(refused.value)

    smtp_file.chmod(0o644)  # the SMTP file is read too, when the mailbox is opened
    with pytest.raises(PermanentMailboxError, match="account.smtp.password_file") as loose:
        wiring.open_imap_mailbox(config)
    assert "smtp-pw-9" not in str(loose.value)


def test_an_imap_account_has_an_inbox_watcher_and_gmail_none(tmp_path: Path) -> None:
    watcher = wiring.open_inbox_watcher(imap_config(tmp_path))  # not connected yet
    assert watcher is not None
    watcher.close()
    gmail = tmp_path / "gmail.toml"
    gmail.write_text('[account]\nprovider = "gmail"\naddress = "claire@example.test"\n')
    config = load_config(gmail, {"HOME": str(tmp_path)})
    assert wiring.open_inbox_watcher(config) is None
    settings = wiring.gmail_settings(config)
    assert (settings.token_file, settings.labels, settings.address) == (
        config.account.gmail.token_file, config.account.gmail.labels, "claire@example.test")


def test_importing_the_wiring_loads_no_plugin_library() -> None:
    probe = ("import sys, relance.daemon.cli.wiring\n"
             "loaded = [m for m in sys.modules if m.split('.')[0] in "
             "('google', 'googleapiclient', 'google_auth_oauthlib', 'httplib2', 'imapclient')"
             " or m.startswith('relance.gmail')]\n"
             "print(loaded)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
